"""Loads the Baoding demo: units, users, this year's campaign, the processes."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from service import clock
from service.auth.passwords import hash_password
from service.demo import baoding
from service.models import OrgUnit, User, UserRole
from service.repositories import campaigns as campaign_repo
from service.repositories import org
from service.repositories import users as user_repo
from service.workflows.campaigns import create_campaign, default_window
from service.workflows.bundled import BundledOutcome, deploy_bundled
from service.workflows.services import Services


def load_org(session: Session) -> dict[str, OrgUnit]:
    """Insert the fixture's units (idempotent by code)."""
    units = {u.code: u for u in org.units_by_code(session)}
    for row in baoding.ORG_UNITS:
        if row["code"] in units:
            continue
        unit = OrgUnit(code=row["code"], name=row["name"], name_en=row.get("name_en", ""), type=row["type"],
                       parent_id=units[row["parent_code"]].id if row.get("parent_code") else None)
        session.add(unit)
        session.flush()
        units[row["code"]] = unit
    return units


def load_users(session: Session, units: dict[str, OrgUnit], password: str = baoding.DEMO_PASSWORD) -> dict[str, User]:
    users = user_repo.by_username(session)
    hashed = hash_password(password)
    for row in baoding.DEMO_USERS:
        if row["username"] in users:
            continue
        user = User(username=row["username"], display_name=row["display_name"], password_hash=hashed,
                    unit_id=units[row["unit_code"]].id, email=f"{row['username']}@example.org",
                    locale="zh-CN", is_active=True, created_at=clock.now())
        user.role_rows = [UserRole(role=r, unit_id=user.unit_id) for r in row["roles"]]
        session.add(user)
        session.flush()
        users[user.username] = user
    return users


def load_demo(session: Session, services: Services, *, open_now: bool = True) -> list[BundledOutcome]:
    """Everything ``make run`` needs to show the whole appraisal; returns what became of each bundled file."""
    units = load_org(session)
    users = load_users(session, units)
    session.commit()
    outcomes = deploy_bundled(session, services)
    year = clock.local(clock.now()).year
    opens, closes = default_window(year)
    if open_now and not opens <= clock.now() <= closes:
        # Outside 25–31 December the demo opens a window around today so it can be tried.
        opens, closes = clock.now() - timedelta(days=1), clock.now() + timedelta(days=6)
    if campaign_repo.of_year(session, year) is None:
        create_campaign(session=session, user=None, year=year, name=f"{year}年度创新性工作评比",
                        criteria=baoding.DEFAULT_CRITERIA, grades=baoding.DEFAULT_GRADES,
                        no_award_grade=baoding.NO_AWARD_GRADE,
                        scorer_ids=[users[u].id for u in baoding.SCORER_USERNAMES], opens_at=opens, closes_at=closes,
                        opened=True, forms=services.forms, applicant_unit_ids=sorted({u.unit_id for u in users.values()
                                                                if "unit_submitter" in u.roles}))
    return outcomes
