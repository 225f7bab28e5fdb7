"""gunicorn settings for the web service (docker-compose, the Dockerfile and the HTTP benchmarks).

Sync workers, two per core: a worker spends a good part of each request waiting
on PostgreSQL, so one per core leaves the CPU idle during those round trips
(bench/README.md, http_task_completions_per_s). ``WEB_CONCURRENCY`` overrides.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
