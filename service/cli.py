"""The ``appraisal`` command: migrate, load the demo, serve, and check consistency."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.config import ROOT, Settings


def migrate(settings: Settings) -> None:
    """Bring the database schema to the latest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = settings.database_url
    command.upgrade(cfg, "head")


def load_demo(settings: Settings) -> None:
    from service.extensions import make_engine, make_session_factory
    from service.workflows.demo import load_demo as _load
    from service.workflows.services import build_services

    engine = make_engine(settings.database_url)
    with make_session_factory(engine, settings)() as session:
        report_bundled(_load(session, build_services(settings)))
    engine.dispose()


def deploy_bundled(settings: Settings, replace: list[str]) -> int:
    """``appraisal deploy-bundled [--replace KEY ...]``: exit 1 when a bundled file was left undeployed."""
    from service.extensions import make_engine, make_session_factory
    from service.workflows.bundled import deploy_bundled as _deploy
    from service.workflows.services import build_services

    engine = make_engine(settings.database_url)
    with make_session_factory(engine, settings)() as session:
        outcomes = _deploy(session, build_services(settings), replace=replace)
    engine.dispose()
    for outcome in outcomes:
        if outcome.action != "kept":
            print(f"{outcome.path.name}: {outcome.key} v{outcome.version} {outcome.action}")
    report_bundled(outcomes)
    return 1 if any(o.action == "kept" for o in outcomes) else 0


def report_bundled(outcomes: list) -> None:
    """Tell the operator, on stderr, about every bundled file kept back by an administrator's version."""
    for outcome in outcomes:
        if outcome.notice:
            print(outcome.notice, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="appraisal", description="Appraisal Flow administration")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("demo", help="load the Baoding demo data and deploy the bundled processes")
    run = sub.add_parser("run", help="serve on the embedded defaults (development server)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=5000)
    bundled = sub.add_parser("deploy-bundled", help="deploy processes/*.bpmn where changed, never over an "
                             "administrator's version unless --replace names its key")
    bundled.add_argument("--replace", action="append", default=[], metavar="KEY",
                         help="deploy the bundled file of this process key even over an administrator's version")
    doctor = sub.add_parser("doctor", help="check that task and timer rows agree with every workflow state")
    doctor.add_argument("--repair", action="store_true", help="re-sync inconsistent instances from their state")
    export = sub.add_parser("export", help="write one campaign, with everything it needs, to a zip archive")
    export.add_argument("--campaign", type=int, required=True, help="campaign id")
    export.add_argument("--out", required=True, help="archive file to write (.zip)")
    import_ = sub.add_parser("import", help="load an archive written by export into this database")
    import_.add_argument("archive", help="archive file (.zip)")
    sub.add_parser("write-forms", help="write processes/forms/<key>.json of the forms defined by payload schemas "
                   "(the application form) after changing service/schemas")
    first = sub.add_parser("first-office", help="an empty database's federation unit and first office account; "
                                                "prints the account's one-time link to set its password")
    first.add_argument("--unit-code", required=True)
    first.add_argument("--unit-name", required=True)
    first.add_argument("--username", required=True)
    first.add_argument("--name", required=True, help="the person's name")
    first.add_argument("--email")
    first.add_argument("--phone")
    audit = sub.add_parser("audit", help="the tamper-evident audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="report every audit record edited, removed or inserted directly "
                                                 "in the database (exit status 1 if any)")
    verify.add_argument("--archive", help="check a campaign archive (.zip) instead of the database")
    verify.add_argument("--no-seal", action="store_true", help="only read: do not seal waiting records first")
    verify.add_argument("--heads", help="chain heads saved earlier with --save-heads: each must still be there")
    verify.add_argument("--save-heads", help="when the trail verifies, write its chain heads to this JSON file")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "demo":
        migrate(settings)
        load_demo(settings)
    elif args.command == "write-forms":
        from service.workflows.forms import write_code_defined

        for path in write_code_defined(settings.processes_dir / "forms"):
            print(path)
    elif args.command == "deploy-bundled":
        return deploy_bundled(settings, args.replace)
    elif args.command in ("doctor", "export", "import", "audit", "first-office"):
        from service import cli_data

        return cli_data.dispatch(args, settings)
    elif args.command == "run":
        from service import create_app

        migrate(settings)
        load_demo(settings)
        from service.jobs import embedded

        with embedded.background_jobs(settings):  # embedded thread, or Celery worker + beat with REDIS_URL
            create_app(settings).run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
