"""A year's campaign and its ranked results."""
from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt, StrictStr

from service.schemas.base import Body, Read


class CampaignCreate(Body):
    """The use case checks the meaning (criteria weights, grades, scorers); this checks the shape."""

    year: StrictInt
    name: StrictStr = Field(max_length=200)
    criteria: list[dict[str, Any]]
    grades: list[StrictStr]
    no_award_grade: StrictStr
    scorer_ids: list[StrictInt] = []
    opens_at: StrictStr | None = Field(None, json_schema_extra={"format": "date-time"})
    closes_at: StrictStr | None = Field(None, json_schema_extra={"format": "date-time"})
    process_key: StrictStr = Field("innovation_appraisal", max_length=80)
    max_applications_per_unit: StrictInt = Field(3, ge=1, le=1000)
    reminders: dict[str, Any] | None = None


class ScorersUpdate(Body):
    """The campaign's scorers, in order (replaces the list; the use case checks each is a scorer)."""

    scorer_ids: list[StrictInt] = Field(max_length=500)


class CampaignRead(Read):
    id: int | None = None
    year: int | None = None
    name: str | None = None
    process_key: str | None = None
    opens_at: str | None = None
    closes_at: str | None = None
    criteria: list[dict[str, Any]] | None = None
    grades: list[str] | None = None
    no_award_grade: str | None = None
    scorer_ids: list[int] | None = None
    max_applications_per_unit: int | None = None
    reminders: dict[str, Any] | None = None


class ResultRead(Read):
    """One ranked application (what the viewer may see of it)."""

    application_id: int | None = None
    unit_id: int | None = None
    unit_name: str | None = None
    theme: str | None = None
    status: str | None = None
    stage: str | None = None
    outcome: str | None = None
    grade: str | None = None
    final_score: float | None = None
    calculation: dict[str, Any] | None = None
    recusals: list[Any] | None = None

