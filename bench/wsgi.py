"""gunicorn entry for the HTTP benchmarks: the real app, clock set into the 2026 window.

``gunicorn bench.wsgi:app`` with BENCH_DATABASE_URL set.
"""
import os

from bench import common
from service import create_app

common.set_bench_clock()
app = create_app(common.settings(os.environ["BENCH_DATABASE_URL"]))
