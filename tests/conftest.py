"""Shared fixtures: an app on SQLite or PostgreSQL with the Baoding demo loaded.

PostgreSQL tests get a database of their own per test session (and per xdist
worker), migrated once and truncated between tests; SQLite tests copy a
migrated template file.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text

from service import catalogue, clock, config, create_app
from service.auth import ratelimit
from service.cli import migrate
from service.config import Settings
from service.extensions import Base

# Every engine snapshot in the suite is checked against SpiffWorkflow's full serialization
# (service/engine/snapshots.py writes the state incrementally); subprocesses inherit it.
os.environ.setdefault("APPRAISAL_VERIFY_SNAPSHOTS", "1")
config.set_current(None)  # read the environment again (service/config.py is its only reader)

@pytest.fixture(autouse=True)
def catalogue_misses() -> Iterator[list[str]]:
    """A text or code looked up outside the catalogue (service/catalogue) fails the test: at once where the
    lookup happens, and at the end in case the code that looked it up swallowed the error."""
    misses: list[str] = []

    def missed(what: str, detail: str) -> None:
        misses.append(f"{what}: {detail!r}")
        raise AssertionError(f"not in the catalogue: {what} {detail!r}")

    previous = catalogue.on_miss(missed)
    try:
        yield misses
    finally:
        catalogue.on_miss(previous)
    assert misses == [], "looked up outside the catalogue (run `make translations`, name the code in codes.py)"


PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _settings(url: str, **kw: Any) -> Settings:
    return Settings.from_env({"SECRET_KEY": "test-secret"}, database_url=url, **kw)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrate(_settings(f"sqlite:///{path}"))
    return path


@contextlib.contextmanager
def pg_database(prefix: str = "appraisal_test") -> Iterator[str]:
    """A migrated PostgreSQL database of its own, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"PostgreSQL is required for these tests ({exc}); start it or set TEST_PG_ADMIN_URL")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate(_settings(url))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with pg_database() as url:
        yield url


def truncate_pg(url: str) -> None:
    """Empty every table between tests, past the triggers that refuse to TRUNCATE the audit trail."""
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "app.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    truncate_pg(url)
    return url


@pytest.fixture
def pg_only_url(pg_url: str) -> str:
    truncate_pg(pg_url)
    return pg_url


@pytest.fixture
def december_clock() -> Iterator[datetime]:
    """Freeze the service clock inside the 2026 submission window."""
    at = datetime(2026, 12, 26, 2, 0, tzinfo=timezone.utc)
    clock.set_offset(at - datetime.now(timezone.utc))
    yield at
    clock.set_offset(timedelta(0))


def make_app(url: str) -> Any:
    from service.api import openapi
    from service.workflows.demo import load_demo

    ratelimit.reset()
    app = create_app(_settings(url))
    openapi.check_responses(app)  # every API response in every test matches the generated document
    with app.app_context():
        with app.extensions["appraisal.sessions"]() as session:
            load_demo(session, app.extensions["appraisal.services"])
    return app


@pytest.fixture
def app(db_url: str, december_clock: datetime) -> Iterator[Any]:
    application = make_app(db_url)
    yield application
    application.extensions["appraisal.db_engine"].dispose()


@pytest.fixture
def sqlite_app(tmp_path: Path, sqlite_template: Path, december_clock: datetime) -> Iterator[Any]:
    """For checks that do not depend on the database (identity, settings): SQLite only, to keep the suite quick."""
    shutil.copy(sqlite_template, tmp_path / "app.db")
    application = make_app(f"sqlite:///{tmp_path / 'app.db'}")
    yield application
    application.extensions["appraisal.db_engine"].dispose()


@pytest.fixture
def pg_app(pg_only_url: str, december_clock: datetime) -> Iterator[Any]:
    application = make_app(pg_only_url)
    yield application
    application.extensions["appraisal.db_engine"].dispose()
