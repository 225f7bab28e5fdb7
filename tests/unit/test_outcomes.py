"""How an application ended is its end event's ``outcome`` (service/work_kinds.py): never the end event's id."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from service import work_kinds
from service.catalogue import locale, name_of
from service.workflows.applications import step_changes


@pytest.mark.parametrize("end_event, properties, expected", [
    ("Event_1x2y", {"outcome": "awarded"}, "awarded"),            # a version deployed since: its property
    ("end_rejected", {"outcome": " not_awarded "}, "not_awarded"),  # the property wins over the legacy id
    ("end_lapsed", {}, "lapsed"),                                   # an old instance of a bundled version
    ("end_not_shortlisted", None, "not_shortlisted"),
])
def test_the_outcome_is_the_property_or_the_legacy_id(end_event: str, properties: dict[str, str] | None,
                                                      expected: str) -> None:
    assert work_kinds.outcome_of(end_event, properties) == expected


@pytest.mark.parametrize("end_event, properties", [
    ("Event_0abc", {}),                        # an end event an administrator added before validation asked
    ("Event_0abc", {"outcome": "won"}),        # an outcome the service does not know
    ("end_awarded", {"outcome": "won"}),       # a legacy id does not excuse an unknown property
    (None, None),
])
def test_an_end_event_without_a_known_outcome_ends_as_completed_with_a_warning(
        end_event: str | None, properties: dict[str, str] | None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="service.work_kinds"):
        assert work_kinds.outcome_of(end_event, properties) is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert repr(end_event) in caplog.records[0].getMessage()
    result = SimpleNamespace(variables={}, open_tasks=[], completed=True,
                             end_properties={end_event or "": properties or {}})
    values = step_changes(SimpleNamespace(grade="一等奖"), end_event, result, True,  # type: ignore[arg-type]
                          datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert (values["status"], values["outcome"], values["stage"], values["grade"]) == ("completed", None, None, None)
    with locale("zh_CN"):
        assert name_of("status", values["status"]) == "已结束"
    with locale("en"):
        assert name_of("status", values["status"]) == "Ended"
