"""The ``notify`` service task's request, and whom it addresses (one role or several)."""
from __future__ import annotations

import pytest

from handlers.notify import notify
from handlers.registry import HandlerError
from service.workflows.recipients import Pool, effect_wanted


def test_several_roles_of_the_unit_are_addressed_once_each() -> None:
    request = notify(template="application_lapsed", to="unit_role", role=["unit_submitter", "unit_leader"],
                     context={"lapse": "not_signed"})
    scope = {"unit_submitter": 48, "unit_leader": 48}.get
    assert effect_wanted(request, scope) == [Pool("unit_submitter", 48), Pool("unit_leader", 48)]
    assert effect_wanted(notify(template="t", to="role", role="office"), scope) == [Pool("office", None)]
    assert effect_wanted(notify(template="t", to="user", user_id=7), scope) == [7]


def test_a_role_without_a_unit_in_scope_addresses_nobody() -> None:
    request = notify(template="t", to="unit_role", role=["unit_submitter", "scorer"])
    assert effect_wanted(request, {"unit_submitter": 3}.get) == [Pool("unit_submitter", 3)]


@pytest.mark.parametrize("role", [None, "", [], [""], ["unit_leader", 7]])
def test_a_role_request_needs_real_role_names(role: object) -> None:
    with pytest.raises(HandlerError):
        notify(template="t", to="unit_role", role=role)
