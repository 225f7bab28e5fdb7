"""Deploying the BPMN files bundled in ``processes/`` without overriding an administrator.

``appraisal run`` and ``appraisal demo`` deploy the bundled files on every start so that an
upgrade of the service brings its new process versions along. A process administrator may
since have deployed a version of their own; starting the service again must never put the
bundled file back over it. The rule, per process key:

* never deployed → deploy the bundled file;
* the latest version has the bundled file's checksum → nothing to do;
* the latest version is itself a bundled deployment (no deploying user) → deploy the file
  (the service was upgraded and brings a newer bundled version);
* otherwise an administrator's version is the latest → keep it and report a notice naming the
  command that replaces it on purpose: ``appraisal deploy-bundled --replace KEY``.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from service import clock
from service.catalogue import _
from service.models import ProcessDefinition
from service.repositories import users as user_repo
from service.workflows.definitions import latest_definition, prepare, store
from service.workflows.services import Services

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class BundledOutcome:
    """What happened to one bundled file: ``deployed``, ``unchanged`` or ``kept`` (an administrator's version)."""

    path: Path
    key: str
    action: str
    version: int
    notice: str = ""


def deploy_bundled(session: Session, services: Services, *, replace: Collection[str] = ()) -> list[BundledOutcome]:
    """Deploy each bundled file the rule above allows; ``replace`` names keys to deploy over an administrator's version."""
    outcomes = []
    for path in sorted(services.settings.processes_dir.glob("*.bpmn")):
        prepared = prepare(session=session, services=services, xml=path.read_bytes())
        latest = latest_definition(session, prepared.key)
        if latest is not None and latest.checksum == prepared.checksum:
            outcomes.append(BundledOutcome(path, prepared.key, "unchanged", latest.version))
            continue
        if latest is not None and latest.deployed_by is not None and prepared.key not in replace:
            outcome = BundledOutcome(path, prepared.key, "kept", latest.version, _kept_notice(session, path, latest))
            LOGGER.warning("%s", outcome.notice)
            outcomes.append(outcome)
            continue
        comment = f"bundled {path.name}" + (f" (replacing v{latest.version})" if latest is not None else "")
        definition = store(session=session, services=services, prepared=prepared, user=None, comment=comment)
        outcomes.append(BundledOutcome(path, prepared.key, "deployed", definition.version))
    return outcomes


_BUNDLED_COMMENT = re.compile(r"bundled [\w.\-]+\.bpmn(?: \(replacing v(\d+)\))?")


def shown_comment(comment: str | None) -> str:
    """A version's comment as a person reads it: a bundled deployment's own comment (written above, naming
    the file) in words; an administrator's comment as they wrote it."""
    found = _BUNDLED_COMMENT.fullmatch(comment or "")
    if found is None:
        return comment or ""
    if found.group(1):
        return _("随系统安装（替换第 {version} 版）", version=found.group(1))
    return _("随系统安装")


def _kept_notice(session: Session, path: Path, latest: ProcessDefinition) -> str:
    user = user_repo.by_id(session, latest.deployed_by) if latest.deployed_by is not None else None
    who = user.username if user is not None else str(latest.deployed_by)
    when = clock.local(latest.deployed_at).strftime("%Y-%m-%d %H:%M")
    return _("内置流程文件 {file} 与已部署的版本不同，但未部署：流程 {key} 的最新版本 v{version} 由管理员 {who} 于 {when}"
             "（北京时间）部署，内置文件不会覆盖管理员的版本。如确需以内置文件替换，请运行 "
             "appraisal deploy-bundled --replace {key}", file=path.name, key=latest.key, version=latest.version,
             who=who, when=when)
