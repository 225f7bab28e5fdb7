"""gunicorn settings for the web service (docker-compose, the Dockerfile and the HTTP benchmarks).

Sync workers, one per core (at least two, so one slow request never holds up
every other). Since a completion's writes travel as one statement
a worker waits little on PostgreSQL, and each worker keeps its own cache of
deserialized workflows, so fewer workers find more of them warm: measured
alternately on two cores, two workers answered 141–152 completions/s against
124–125 for four and 131–139 for three (bench/README.md, fourth round).
``WEB_CONCURRENCY`` overrides.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
