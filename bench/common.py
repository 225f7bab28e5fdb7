"""Shared setup: bench databases, an app with the demo loaded, drivers for whole instances.

Every PostgreSQL database the benchmarks create is named ``appraisal_bench_*``
and dropped again at the end; nothing else on the server is touched.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, delete, select, text

from service import clock, create_app
from service.cli import migrate
from service.config import Settings
from service.demo.baoding import SAMPLE_APPLICATION

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
# Inside the 2026 submission window (25–31 December), like the tests' december_clock.
BENCH_NOW = datetime(2026, 12, 26, 2, 0, tzinfo=timezone.utc)
SUBMITTER, LEADER = "hc_submitter", "hc_leader"
ANSWERS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "fill_application": ("hc_submitter", {}),
    "leader_signoff": ("hc_leader", {"signoff_decision": "approve", "leader_name": "主要领导"}),
    "preliminary_review": ("lg_member1", {"shortlisted": True, "review_reasons": "创新性突出"}),
    "record_presentation": ("res_office1", {"presentation_date": "2027-01-08", "presenter": "刘晓燕",
                                            "presentation_notes": "陈述15分钟，答辩5分钟"}),
    # a scorer's sheet is irreversible (its form says x-irreversible): the scorer confirms it
    "democratic_scoring": (None, {"confirm": True, "score": {"criteria": {"innovation": 85, "effectiveness": 80, "promotion": 82,
                                                         "recognition": 78, "standardization": 90}}}),
    "propose_grade": ("res_office1", {"proposed_grade": "一等奖", "proposal_reasons": "得分第一"}),
    "set_grade": ("group_leader", {"final_grade": "一等奖", "decision_reasons": "同意办公室建议"}),
    "chair_confirmation": ("chair_office", {"chair_decision": "confirm"}),
    "await_notice": ("res_office1", {"notice_outcome": "final"}),
}
GOOD_APPLICATION = SAMPLE_APPLICATION


def set_bench_clock() -> None:
    clock.set_offset(BENCH_NOW - datetime.now(timezone.utc))


def settings(url: str) -> Settings:
    return Settings.from_env({"SECRET_KEY": "bench-secret"}, database_url=url)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


# -- databases ---------------------------------------------------------------

def pg_create(name: str) -> str:
    """A fresh, empty bench database (an old one of that name is dropped first)."""
    _pg_admin(name, create=True)
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def pg_drop(name: str) -> None:
    _pg_admin(name, create=False)


def _pg_admin(name: str, *, create: bool) -> None:
    assert name.startswith("appraisal_bench"), name
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def sqlite_create(name: str) -> str:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


# Suffixed with the runner's pid so two runs at once (CI and a developer) never share a database.
RUN_ID = os.getpid()


def database(kind: str, name: str) -> str:
    name = f"{name}_{RUN_ID}"
    return pg_create(f"appraisal_bench_{name}") if kind == "postgresql" else sqlite_create(f"bench_{name}")


def drop(kind: str, name: str) -> None:
    name = f"{name}_{RUN_ID}"
    if kind == "postgresql":
        pg_drop(f"appraisal_bench_{name}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORK / f'bench_{name}.db'}{suffix}").unlink(missing_ok=True)


@contextmanager
def scratch_database(kind: str, name: str) -> Iterator[str]:
    """A fresh bench database for one family, dropped afterwards even when the family fails."""
    url = database(kind, name)
    try:
        yield url
    finally:
        drop(kind, name)


# -- the app and its demo ------------------------------------------------------

def build_app(url: str, *, scorers: int, migrate_first: bool = True) -> Any:
    """Migrate, load the Baoding demo, and give the campaign ``scorers`` bench scorers."""
    from service.workflows.demo import load_demo

    set_bench_clock()
    if migrate_first:
        migrate(settings(url))
    app = create_app(settings(url))
    with app.extensions["appraisal.sessions"]() as session:
        load_demo(session, app.extensions["appraisal.services"])
        configure_campaign(session, scorers)
    return app


def configure_campaign(session: Any, scorers: int) -> None:
    """``scorers`` scorers from a unit that never recuses for hc_submitter; no per-unit limit, no grade quota."""
    from service.models import Campaign, CampaignScorer, OrgUnit, User, UserRole

    campaign = session.scalar(select(Campaign))
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == "BD-ORG"))
    template = session.scalar(select(User).where(User.username == "scorer_org"))
    existing = {u.username: u for u in session.scalars(select(User).where(User.username.like("bench_scorer_%")))}
    ids = []
    for i in range(scorers):
        name = f"bench_scorer_{i:03d}"
        user = existing.get(name)
        if user is None:
            user = User(username=name, display_name=f"评分成员{i:03d}", password_hash=template.password_hash,
                        unit_id=unit.id, email=f"{name}@example.org", locale="zh-CN", is_active=True,
                        created_at=clock.now())
            user.role_rows = [UserRole(role="scorer")]
            session.add(user)
            session.flush()
        ids.append(user.id)
    session.execute(delete(CampaignScorer).where(CampaignScorer.campaign_id == campaign.id))
    for uid in ids:
        session.add(CampaignScorer(campaign_id=campaign.id, user_id=uid))
    campaign.max_applications_per_unit = 1_000_000
    campaign.grade_quotas = None  # every item in a sitting of any size gets ANSWERS' grade
    campaign.applicant_unit_ids = None
    session.commit()
    session.expire_all()


def user_ids(session: Any) -> dict[str, int]:
    from service.models import User

    return {u: i for u, i in session.execute(select(User.username, User.id))}


def campaign_id(session: Any) -> int:
    from service.models import Campaign

    return session.scalar(select(Campaign.id))


def start_data(session: Any) -> dict[str, Any]:
    """The start data the service gives a new hc_submitter instance (for the bare engine)."""
    from service.models import Application, Campaign, User
    from service.workflows.applications import process_data

    user = session.scalar(select(User).where(User.username == SUBMITTER))
    campaign = session.scalar(select(Campaign))
    fake = Application(id=1, supervising_union_id=user.unit.supervising_union_id)
    return process_data(session, fake, campaign, user.unit)


def bare_answer(task: Any) -> dict[str, Any]:
    """What the service hands the engine for each user task (after its form rules)."""
    from service.workflows.application_rules import normalise

    element = task.task_spec.bpmn_id
    if element == "fill_application":
        return {k: v for k, v in normalise(GOOD_APPLICATION).items() if v not in (None, "")}
    if element == "democratic_scoring":
        score = dict(ANSWERS[element][1]["score"])
        assigned = task.data["assigned_scorer"]
        score["scorer"] = assigned["user_id"] if isinstance(assigned, dict) else assigned
        return {"score": score}
    return dict(ANSWERS[element][1])


# -- driving instances through the use-case layer ---------------------------------

def issue_tokens(session: Any) -> dict[int, str]:
    """A bearer token for every active user, so the driver finds users as the API does."""
    from service.auth.tokens import issue_token
    from service.models import User

    tokens = {user.id: issue_token(session, user, timedelta(days=30))[0]
              for user in session.scalars(select(User).where(User.is_active.is_(True)))}
    session.commit()
    return tokens


class Driver:
    """Runs applications through the service's use cases, one transaction per completion."""

    def __init__(self, app: Any):
        self.app = app
        self.sessions = app.extensions["appraisal.sessions"]
        self.services = app.extensions["appraisal.services"]
        with self.sessions() as session:
            self.users = user_ids(session)
            self.tokens = issue_tokens(session)
            self.campaign_id = campaign_id(session)
        self.meetings = Meetings(self)

    def user(self, session: Any, user_id: int) -> Any:
        """The user as an API request finds it: from a bearer token (one query, roles included)."""
        from service.auth.tokens import user_for_token

        return user_for_token(session, self.tokens[user_id])

    def create(self) -> int:
        from service.workflows.applications import create_application

        with self.sessions() as session:
            user = self.user(session, self.users[SUBMITTER])
            return create_application(session=session, services=self.services, user=user,
                                      campaign_id=self.campaign_id, fields=dict(GOOD_APPLICATION)).id

    def next_task(self, application_id: int) -> tuple[int, str, int | None] | None:
        """The item's next step: its oldest open task, else the meeting's message it waits for (the
        waiting row, whose element is the catch event a sitting decides)."""
        from service.models import Task

        with self.sessions() as session:
            row = session.execute(select(Task.id, Task.element_id, Task.candidate_user_id)
                                  .where(Task.application_id == application_id,
                                         (Task.state == "open") | ((Task.state == "waiting") & Task.message.is_not(None)))
                                  .order_by(Task.state, Task.id).limit(1)).first()
        return tuple(row) if row else None

    def open_tasks(self, application_id: int) -> list[tuple[int, str, int | None]]:
        from service.models import Task

        with self.sessions() as session:
            return [tuple(r) for r in session.execute(
                select(Task.id, Task.element_id, Task.candidate_user_id)
                .where(Task.application_id == application_id, Task.state == "open").order_by(Task.id))]

    def complete(self, task: tuple[int, str, int | None]) -> None:
        """Complete an open task as its candidate (or the answer's user); an item waiting for a meeting's
        decision is decided by a sitting of that meeting (:class:`Meetings`)."""
        from service.workflows.tasks import complete

        task_id, element, candidate = task
        if element in MEETING_ELEMENTS:
            self.meetings.decide(element, task_id)
            return
        username, answer = ANSWERS[element]
        data = {k: v for k, v in answer.items() if k != "confirm"}
        with self.sessions() as session:
            user = self.user(session, candidate if candidate is not None else self.users[username])
            complete(session=session, services=self.services, user=user, task_id=task_id, data=data,
                     confirmed=answer.get("confirm") is True)

    def run_until(self, application_id: int, stop_at: str | None = None) -> int:
        """Complete tasks until none is open (or ``stop_at`` is the next one); returns how many."""
        done = 0
        while True:
            task = self.next_task(application_id)
            if task is None or task[1] == stop_at:
                return done
            self.complete(task)
            done += 1

    def whole_instance(self) -> int:
        return self.run_until(self.create())


MEETING_ELEMENTS = frozenset({"await_forwarding", "preliminary_review", "set_grade", "chair_confirmation",
                              "await_notice"})
"""The item's catch events a meeting of the campaign (or the end of its public notice) decides
(innovation_appraisal.bpmn)."""
MEETING_PEOPLE = {"office": "res_office1", "members": ("lg_member1", "lg_member2"), "leader": "group_leader",
                  "chair": "chair_office"}


class Meetings:
    """Holds the campaign's meetings through their use cases (service/workflows/meetings.py), as the meeting
    pages and API do: each sitting decides every item then waiting for it, with ``ANSWERS``' decision.

    Not shared with tests/api_client.py, which drives the same meetings over HTTP through Flask's test client:
    the bench must not import the test tree (nor time a test client), and the tests must not import the bench;
    what both share is the service's use cases. Two processes driving one campaign (the campaign benchmark)
    may both try to hold a sitting; the loser's use case refuses (409/422, the item's row no longer waits or
    the sitting is already closed; a member's view recorded twice at once is still a unique violation, not a
    409) and the driver looks again, as a second click on the page would.
    """

    ATTEMPTS = 50

    def __init__(self, driver: Driver):
        self.driver = driver

    def decide(self, element: str, row_id: int) -> None:
        """Hold the sitting that decides the waiting row ``row_id`` (an item's ``element`` catch event)."""
        from sqlalchemy.exc import IntegrityError, OperationalError

        from service.errors import Conflict, NotFound, ValidationFailed
        from service.models import Task

        hold = {"await_forwarding": self._forward, "preliminary_review": self._shortlist,
                "set_grade": self._grades, "chair_confirmation": self._chair, "await_notice": self._notice}[element]
        refused: Exception | None = None
        for attempt in range(self.ATTEMPTS):
            with self.driver.sessions() as session:
                if session.scalar(select(Task.state).where(Task.id == row_id)) != "waiting":
                    return  # another process's sitting decided it
                try:
                    hold(session, element)
                    return
                except (Conflict, NotFound, ValidationFailed, IntegrityError, OperationalError) as exc:
                    session.rollback()
                    refused = exc
            time.sleep(0.01 * (attempt + 1))
        raise RuntimeError(f"no sitting decided waiting row {row_id} ({element}): {refused!r}"[:2000]) from refused

    def _as(self, session: Any, username: str) -> Any:
        return self.driver.user(session, self.driver.users[username])

    def _shortlist(self, session: Any, element: str) -> None:
        """The office lists every waiting item, two members record their views, the group leader closes."""
        from service.workflows import meetings

        services, campaign = self.driver.services, self.driver.campaign_id
        office = self._as(session, MEETING_PEOPLE["office"])
        sitting = meetings.shortlist(session=session, user=office, campaign_id=campaign)
        if sitting.task is None:
            sitting = meetings.prepare_shortlist(session=session, services=services, user=office, campaign_id=campaign,
                                                 candidate_ids=[i.application.id for i in sitting.waiting])
        listed = [i.application.id for i in sitting.items]
        for member in MEETING_PEOPLE["members"]:
            meetings.record_views(session=session, user=self._as(session, member), campaign_id=campaign,
                                  views=[{"application_id": a, "view": "in", "note": ""} for a in listed])
        decision = ANSWERS[element][1]
        meetings.close_shortlist(session=session, services=services, user=self._as(session, MEETING_PEOPLE["leader"]),
                                 campaign_id=campaign, decisions=[{"application_id": a, **decision} for a in listed])

    def _grades(self, session: Any, element: str) -> None:
        """The group leader grades the whole waiting list in one decision."""
        from service.workflows import meetings

        leader = self._as(session, MEETING_PEOPLE["leader"])
        sitting = meetings.group_decision(session=session, user=leader, campaign_id=self.driver.campaign_id)
        decision = ANSWERS[element][1]
        meetings.decide_grades(session=session, services=self.driver.services, user=leader,
                               campaign_id=self.driver.campaign_id,
                               decisions=[{"application_id": i.application.id, **decision} for i in sitting.items])

    def _chair(self, session: Any, element: str) -> None:
        """The chair's office confirms the whole list."""
        from service.workflows import meetings

        meetings.confirm_awards(session=session, services=self.driver.services,
                                user=self._as(session, MEETING_PEOPLE["chair"]), campaign_id=self.driver.campaign_id,
                                send_back=[])

    def _notice(self, session: Any, element: str) -> None:
        """The office publishes the confirmed items (公示); the notice's period ends with no objection."""
        from service.workflows import public_notice

        office = self._as(session, MEETING_PEOPLE["office"])
        notice = public_notice.publish(session=session, user=office, campaign_id=self.driver.campaign_id)
        notice_id, ends_at = notice.id, notice.ends_at
        session.commit()
        with clock.frozen(ends_at + timedelta(seconds=1)):
            public_notice.finalise(session=session, services=self.driver.services, notice_id=notice_id)

    def _forward(self, session: Any, element: str) -> None:
        """Each supervising union with approved items forwards them as one batch (统一上报)."""
        from service.models import Application, Task, User, UserRole
        from service.workflows import meetings

        unions = session.scalars(select(Application.supervising_union_id).join(Task, Task.application_id == Application.id)
                                 .where(Task.state == "waiting", Task.element_id == element,
                                        Application.campaign_id == self.driver.campaign_id).distinct()).all()
        for union in unions:
            vetter = session.scalar(select(User.id).join(UserRole, UserRole.user_id == User.id)
                                    .where(UserRole.role == "vetter", UserRole.unit_id == union).limit(1))
            user = self.driver.user(session, vetter)
            waiting = meetings.forwarding(session=session, user=user, campaign_id=self.driver.campaign_id)
            meetings.forward(session=session, services=self.driver.services, user=user,
                             campaign_id=self.driver.campaign_id,
                             application_ids=[i.application.id for i in waiting.items], opinion="同意上报")


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def rss_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_status_mb(pid: int, field: str = "VmHWM") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def iter_chunks(seq: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]
