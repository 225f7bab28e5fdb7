"""The visibility policy on its own: capacities, publication, and how redaction treats fields."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from service.auth import visibility
from service.auth.visibility import Capacity, Group as G

UNIT, UNION = 11, 5


FEDERATION = SimpleNamespace(id=1, type="federation", parent=None)


def person(uid: int, *roles: str, unit: int | None = None) -> SimpleNamespace:
    """Roles held in ``unit`` (the federation when none is given)."""
    held = SimpleNamespace(id=unit, type="enterprise", parent=FEDERATION) if unit is not None else FEDERATION
    return SimpleNamespace(id=uid, roles=frozenset(roles), unit_id=held.id,
                           role_rows=[SimpleNamespace(role=r, unit_id=held.id, unit=held) for r in roles])


def application(outcome: str | None = None, recusals: list | None = None, published_at: object = None) -> SimpleNamespace:
    return SimpleNamespace(unit_id=UNIT, supervising_union_id=UNION, outcome=outcome, recusals=recusals or [],
                           published_at=published_at,
                           campaign=SimpleNamespace(owner=None, owner_unit_id=None))  # the federation's campaign


def groups(user: SimpleNamespace, app: SimpleNamespace | None, **kw: bool) -> frozenset[G]:
    return visibility.groups_for(user, app, **kw)  # type: ignore[arg-type]


def test_each_relation_to_an_application_is_one_capacity() -> None:
    app = application(recusals=[{"user_id": 9}])
    assert visibility.capacities(person(1, "unit_submitter", unit=UNIT), app) == {Capacity.APPLICANT}  # type: ignore[arg-type]
    assert visibility.capacities(person(1, "unit_leader", unit=99), app) == set()  # type: ignore[arg-type]
    assert visibility.capacities(person(2, "vetter", unit=UNION), app) == {Capacity.VETTER}  # type: ignore[arg-type]
    assert visibility.capacities(person(3, "scorer"), app, scores_it=True) == {Capacity.SCORER}  # type: ignore[arg-type]
    assert visibility.capacities(person(9, "scorer"), app) == {Capacity.RECUSED_SCORER}  # type: ignore[arg-type]
    assert visibility.capacities(person(4, "office", "chair_office"), None) == {Capacity.OFFICE, Capacity.CHAIR_OFFICE}  # type: ignore[arg-type]


def test_applicants_see_scoring_only_once_published_and_never_who_scored() -> None:
    unit = person(1, "unit_submitter", unit=UNIT)
    before, after = groups(unit, application()), groups(unit, application(outcome="awarded"))
    assert {G.SCORE_SUMMARY, G.GRADE, G.CALCULATION, G.SCORE_SHEETS, G.SCORER_IDENTITIES} & before == set()
    assert {G.SCORE_SUMMARY, G.GRADE} <= after and {G.CALCULATION, G.SCORE_SHEETS, G.SCORER_IDENTITIES} & after == set()
    scorer = groups(person(3, "scorer"), application(), scores_it=True)
    assert G.OWN in scorer and {G.SCORE_SHEETS, G.SCORER_IDENTITIES, G.CALCULATION, G.SCORE_SUMMARY} & scorer == set()
    for role in ("office", "leading_group", "group_leader", "chair_office"):
        assert {G.CALCULATION, G.SCORE_SHEETS, G.SCORER_IDENTITIES, G.INTERNAL_REVIEW} <= groups(person(4, role), application())
    assert groups(person(5, "process_admin"), application()) == {G.CONTENT, G.WORKFLOW, G.REFERENCE, G.OWN}
    assert groups(person(6, "unit_submitter", unit=99), application(outcome="awarded")) == visibility.ALWAYS


def test_a_public_notice_publishes_the_grade_and_the_public_sees_only_the_notice() -> None:
    """公示: listed on a notice, the item's grade and score are published to those who may open it; a reader
    without a login is the public capacity alone, which sees what a notice publishes and nothing else."""
    unit = person(1, "unit_submitter", unit=UNIT)
    assert {G.SCORE_SUMMARY, G.GRADE} <= groups(unit, application(published_at="2026-12-30T10:00:00+08:00"))
    assert visibility.public_groups() == {G.NOTICE}
    item = {"id": 1, "application_id": 2, "position": 1, "unit_name": "某单位", "theme": "项目", "grade": "一等奖",
            "status": "listed", "status_name": "公示中", "final_score": 91.5}
    assert "final_score" not in visibility.redact(visibility.NOTICE_ITEM_FIELDS, item, visibility.public_groups(), None)
    office = groups(person(4, "office"), None) | visibility.public_groups()
    assert visibility.redact(visibility.NOTICE_ITEM_FIELDS, item, office, None)["final_score"] == 91.5
    objection = {"reference": "GS2026-000001", "status": "dismissed", "name": "王建国", "contact": "13912345678",
                 "reason": "理由", "finding_reasons": "不成立", "found_by": 4}
    assert visibility.redact(visibility.OBJECTION_FIELDS, objection, visibility.public_groups(), None) == {
        "reference": "GS2026-000001", "status": "dismissed", "finding_reasons": "不成立"}
    assert set(visibility.redact(visibility.OBJECTION_FIELDS, objection, office, None)) == set(objection)
    for role in ("leading_group", "group_leader", "chair_office"):
        assert G.OBJECTOR not in groups(person(5, role), None)


def test_a_field_nobody_classified_cannot_leave() -> None:
    with pytest.raises(visibility.UnclassifiedField):
        visibility.redact(visibility.APPLICATION_FIELDS, {"theme": "t", "secret_new_field": 1}, frozenset(G), 1)
    seen = visibility.seen_application(SimpleNamespace(theme="t", secret=1), frozenset(G), 1)  # type: ignore[arg-type]
    assert seen.theme == "t"
    with pytest.raises(visibility.UnclassifiedField):
        seen.secret  # noqa: B018


def test_redaction_drops_hidden_fields_and_hidden_parts_and_keeps_ones_own_rows() -> None:
    calc = {"final": 80.5, "per_scorer": [{"scorer": 7, "total": 80.5, "comment": "好"}], "kept": [7],
            "dropped": [{"scorer": 8, "total": 1.0, "why": "lowest"}]}
    body = {"theme": "t", "final_score": 80.5, "calculation": calc,
            "recusals": [{"user_id": 9, "reason": "same_unit"}, {"user_id": 10, "reason": "same_unit"}]}
    applicant = visibility.redact(visibility.APPLICATION_FIELDS, body, frozenset({G.CONTENT, G.OWN}), 1)
    assert applicant == {"theme": "t"}
    anonymous = visibility.redact(visibility.APPLICATION_FIELDS, body, frozenset({G.CALCULATION}), 1)
    assert anonymous["calculation"] == {"final": 80.5, "per_scorer": [{"total": 80.5}],
                                        "dropped": [{"total": 1.0, "why": "lowest"}]}
    recused = visibility.redact(visibility.APPLICATION_FIELDS, body, frozenset({G.CONTENT, G.OWN}), 9)
    assert recused["recusals"] == [{"user_id": 9, "reason": "same_unit"}]


def test_ones_own_task_is_ones_own_and_private_lanes_hide_their_people() -> None:
    task = SimpleNamespace(role="scorer", form_key="scoring", candidate_user_id=7, assignee_id=None, completed_by=7)
    body = {"id": 1, "candidate_user_id": 7, "completed_by": 7, "data": {"score": {}}}
    office_fields = visibility.task_fields(task, 4)  # type: ignore[arg-type]
    assert office_fields["data"] == G.SCORE_SHEETS and office_fields["completed_by"] == G.SCORER_IDENTITIES
    assert visibility.redact(office_fields, body, frozenset({G.WORKFLOW}), 4) == {"id": 1}
    assert visibility.redact(visibility.task_fields(task, 7), body, frozenset({G.WORKFLOW, G.OWN}), 7) == body  # type: ignore[arg-type]
    assert visibility.event_fields(8, "leading_group", 1)["actor_id"] == G.INTERNAL_REVIEW
    assert visibility.event_fields(8, "vetter", 1)["actor_id"] == G.WORKFLOW
    assert visibility.step_groups(lane="office", form_key="some_new_form", own=False)[1] == G.INTERNAL_REVIEW


def test_the_unit_sees_the_reason_given_to_it_and_never_the_leading_groups_own() -> None:
    task = SimpleNamespace(role="leading_group", form_key="preliminary_review", candidate_user_id=None,
                           assignee_id=8, completed_by=8)
    data = {"shortlisted": False, "review_reasons": "内部", "unit_reasons": "告知单位", "added_later": "?"}
    spec = visibility.task_fields(task, 1)["data"]  # type: ignore[arg-type]
    applicant = frozenset({G.CONTENT, G.WORKFLOW, G.FEEDBACK})
    assert visibility.seen_data(spec, data, applicant, 1) == {"unit_reasons": "告知单位"}
    assert visibility.seen_data(spec, data, frozenset({G.FEEDBACK, G.INTERNAL_REVIEW}), 4) == data
    assert visibility.seen_data(spec, {"shortlisted": True, "review_reasons": "内部"}, applicant, 1) is None
    assert visibility.seen_data(spec, data, frozenset({G.CONTENT, G.WORKFLOW}), 1) is None  # a scorer
