"""Alembic environment: the URL comes from the caller or DATABASE_URL."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import service.models  # noqa: F401 - registers every table
from service.config import Settings
from service.extensions import Base

config = context.config
url = config.attributes.get("database_url") or Settings.from_env().database_url


def run() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
