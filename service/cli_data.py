"""The data-safety commands behind ``appraisal doctor``, ``export``, ``import`` and ``audit verify``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from service.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.workflows.audit_chain import Verification
    from service.workflows.services import Services


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from service.errors import ServiceError
    from service.extensions import make_engine, make_session_factory
    from service.workflows.services import build_services

    if args.command == "audit" and args.archive:
        return verify_archive(args, settings)
    engine = make_engine(settings.database_url)
    services = build_services(settings)
    try:
        with make_session_factory(engine, settings)() as session:
            if args.command == "doctor":
                return doctor(session, services, repair=args.repair)
            if args.command == "first-office":
                from service.workflows import orgs

                link = orgs.first_office(session=session, unit_code=args.unit_code, unit_name=args.unit_name,
                                         username=args.username, display_name=args.name, email=args.email,
                                         phone=args.phone, link_ttl=settings.password_link_ttl)
                print(f"{args.username}: set the password at {settings.base_url.rstrip('/')}{link} "
                      f"(once, within {settings.password_link_ttl}); also sent by e-mail/SMS when configured")
                return 0
            if args.command == "audit":
                from service.workflows import audit_chain

                saved = _read_heads(args.heads) if args.heads else None
                result = audit_chain.verify(session, seal_first=not args.no_seal, saved_heads=saved)
                return report_audit(result, save_heads=args.save_heads)
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


def verify_archive(args: argparse.Namespace, settings: Settings) -> int:
    """``audit verify --archive``: the same checks over the trail an archive carries."""
    from service.audit_keys import AuditKeys
    from service.errors import ServiceError
    from service.workflows import archive, audit_chain

    try:
        records, seals = archive.audit_trail(args.archive)
    except ServiceError as exc:
        print(f"appraisal audit verify: {exc.detail}", file=sys.stderr)
        return 2
    keys = AuditKeys.from_settings(settings.audit_key, settings.audit_old_keys)
    return report_audit(audit_chain.verify_rows(keys, records, seals), save_heads=None)


def report_audit(result: Verification, *, save_heads: str | None) -> int:
    """One line per finding, then a summary; exit status 1 when anything was found."""
    from service.workflows.audit_chain import chain_name

    if result.development_key:
        print("warning: AUDIT_KEY is not set, so the trail is checked with the public development key: it is a "
              "hash chain that anyone who can write the database could recompute. Set AUDIT_KEY in production.",
              file=sys.stderr)
    for finding in result.findings:
        print(finding)
    for chain, (seq, mac) in sorted(result.heads.items()):
        print(f"{chain_name(chain)}: {seq} sealed, head {mac[:16]}")
    if result.pending:
        print(f"{len(result.pending)} record(s) waiting to be sealed (valid so far): "
              f"{', '.join(f'#{i}' for i in result.pending[:20])}")
    if result.findings:
        print(f"{len(result.findings)} problem(s) found in {result.records} audit record(s)", file=sys.stderr)
        return 1
    if save_heads:
        Path(save_heads).write_text(json.dumps({str(c): {"seq": s, "mac": m} for c, (s, m) in result.heads.items()},
                                               indent=1), encoding="utf-8")
    print(f"audit trail verified: {result.records} record(s), {result.sealed} sealed in {len(result.heads)} chain(s)")
    return 0


def _read_heads(path: str) -> dict[int, tuple[int, str]]:
    saved = json.loads(Path(path).read_text(encoding="utf-8"))
    return {int(chain): (int(head["seq"]), str(head["mac"])) for chain, head in saved.items()}
