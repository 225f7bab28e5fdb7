"""Migrations go up and down on SQLite and PostgreSQL, and the models match the migrated schema."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from service.config import ROOT
from tests.conftest import PG_ADMIN_URL


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    return cfg


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    name = f"appraisal_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


INSERT = ("INSERT INTO audit_log (at, actor_id, actor_roles, action, object_type, object_id, detail) "
          "VALUES (CURRENT_TIMESTAMP, NULL, '[]', 'probe', 'test', '1', '{}')")


def test_audit_trigger_migration_up_down_up_and_models_match(empty_url: str) -> None:
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    command.check(cfg)  # the models and the migrated schema agree (no pending autogenerate ops)
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(INSERT))
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text("UPDATE audit_log SET action = 'forged'"))
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_log"))
        engine.dispose()
        command.downgrade(cfg, "0001")
        with engine.begin() as conn:  # without the triggers the row can change again
            conn.execute(text("UPDATE audit_log SET action = 'changed'"))
        engine.dispose()
        command.upgrade(cfg, "head")
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_log"))
    finally:
        engine.dispose()


def _state_compression(engine: object) -> str | None:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return conn.execute(text(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'process_instances'::regclass "
            "AND attname = 'state'")).scalar()


@pytest.mark.parametrize("empty_url", ["postgres"], indirect=True)  # only PostgreSQL compresses column values
def test_instance_state_is_stored_with_lz4_on_postgresql(empty_url: str) -> None:
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    engine = create_engine(empty_url)
    try:
        assert _state_compression(engine) == "l"
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO process_definitions (key, version, name, xml, spec_json, meta, checksum, deployed_at, comment) "
                "VALUES ('k', 1, 'k', '', '{}', '{}', '', CURRENT_TIMESTAMP, '')"))
            state = '{"tasks": "' + "评分任务 waiting " * 4000 + '"}'
            conn.execute(text(
                "INSERT INTO process_instances (definition_id, business_key, status, state, variables, revision, "
                "started_at) SELECT id, 'b', 'active', :state, '{}', 1, CURRENT_TIMESTAMP FROM process_definitions"),
                {"state": state})
            method = conn.execute(text("SELECT pg_column_compression(state) FROM process_instances")).scalar()
            assert method == "lz4"
            assert conn.execute(text("SELECT state FROM process_instances")).scalar() == state
        engine.dispose()
        command.downgrade(cfg, "0005_inbox_pool_index_id")
        assert _state_compression(engine) == "p"
    finally:
        engine.dispose()


LEGACY = ("INSERT INTO audit_log (at, actor_id, actor_roles, action, object_type, object_id, detail) "
          "VALUES (CURRENT_TIMESTAMP, NULL, '[]', :action, :object_type, :object_id, '{}')")


def test_records_from_before_the_sealed_trail_get_their_campaign_and_are_adopted_by_the_first_seal(
        empty_url: str) -> None:
    """Migration 0008 gives old records their campaign; the first seal adopts them; later MAC-less rows are forged."""
    from service.config import Settings
    from service.extensions import make_session_factory
    from service.workflows import audit_chain

    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0007_instance_scope")
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO campaigns (id, year, name, process_key, opens_at, closes_at, criteria, grades, "
                "no_award_grade, max_applications_per_unit, reminders, created_at) VALUES (7, 2026, 'c', 'p', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '[]', '[]', 'n', 3, '{}', CURRENT_TIMESTAMP)"))
            conn.execute(text(LEGACY), {"action": "create", "object_type": "campaign", "object_id": "7"})
            conn.execute(text(LEGACY), {"action": "deploy", "object_type": "process_definition", "object_id": "1"})
        engine.dispose()
        command.upgrade(cfg, "head")
        with engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(text("SELECT object_type, campaign_id FROM audit_log ORDER BY id"))] \
                == [("campaign", 7), ("process_definition", None)]
        sessions = make_session_factory(engine, Settings.from_env({}, database_url=empty_url, audit_key="k"))
        with sessions() as s:
            assert audit_chain.seal(s).sealed == 2
        with sessions() as s:
            assert audit_chain.verify(s).ok
        with engine.begin() as conn:  # after the first seal, a record without a MAC was put there by hand
            conn.execute(text(LEGACY), {"action": "forged", "object_type": "campaign", "object_id": "7"})
        with sessions() as s:
            assert [(f.kind, f.record_id) for f in audit_chain.verify(s).findings] == [("inserted", 3)]
    finally:
        engine.dispose()
