"""The data-safety commands behind ``appraisal doctor``, ``export`` and ``import``."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from service.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.workflows.services import Services


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from service.errors import ServiceError
    from service.extensions import make_engine, make_session_factory
    from service.workflows.services import build_services

    engine = make_engine(settings.database_url)
    services = build_services(settings)
    try:
        with make_session_factory(engine)() as session:
            if args.command == "doctor":
                return doctor(session, services, repair=args.repair)
            if args.command == "export":
                from service.workflows import archive

                summary = archive.export_campaign(session=session, campaign_id=args.campaign, path=args.out)
                print(f"exported campaign {args.campaign} to {args.out}: {summary}")
                return 0
            if args.command == "import":
                from service.workflows import archive

                summary = archive.import_archive(session=session, path=args.archive)
                print(f"imported {args.archive}: {summary}")
                return 0
    except ServiceError as exc:
        print(f"appraisal {args.command}: {exc.detail}", file=sys.stderr)
        for error in getattr(exc, "errors", []):
            print(f"  {error['field']}: {error['message']}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    raise AssertionError(args.command)


def doctor(session: Session, services: Services, *, repair: bool) -> int:
    """Print every inconsistency; with ``repair`` fix them. Exit status 0 only when consistent."""
    from service.workflows import doctor as checks

    findings = checks.check(session=session, services=services)
    for finding in findings:
        print(finding)
    if findings and repair:
        fixed = checks.repair(session=session, services=services)
        print(f"repaired {len({f.instance_id for f in fixed})} instance(s)")
        findings = checks.check(session=session, services=services)
        for finding in findings:
            print(f"still inconsistent: {finding}")
    if not findings:
        print("consistent: every open task and waiting timer matches its workflow state")
        return 0
    print(f"{len(findings)} problem(s) found", file=sys.stderr)
    return 1
