# bpmn-js for the modeler and viewer pages, from the npm registry (pinned by package-lock.json).
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN IBM_TELEMETRY_DISABLED=true npm ci --no-audit --no-fund
# The page scripts written as ES modules, bundled as `make assets` does (Makefile, $(VENDOR)/bundle).
COPY service/web/src service/web/src
COPY service/web/build.mjs service/web/build.mjs
RUN node service/web/build.mjs

FROM python:3.11-slim
# System packages, as `make system-deps` installs them: CJK fonts so Chinese renders (not as boxes);
# Pango and HarfBuzz for WeasyPrint's PDFs.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md alembic.ini gunicorn.conf.py ./
COPY service service
COPY handlers handlers
COPY notifications notifications
COPY processes processes
COPY migrations migrations
COPY --from=assets /assets/node_modules/bpmn-js/dist/bpmn-modeler.production.min.js /assets/node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js service/web/static/vendor/bpmn-js/
COPY --from=assets /assets/node_modules/bpmn-js/dist/assets service/web/static/vendor/bpmn-js/assets
COPY --from=assets /assets/service/web/static/vendor/bundle service/web/static/vendor/bundle
RUN pip install --no-cache-dir -e .
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "service.wsgi:app"]
