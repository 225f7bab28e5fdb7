"""Celery tasks and beat entries: thin, ids only, explicit names."""
