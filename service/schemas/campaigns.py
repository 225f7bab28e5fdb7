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
    max_applications_per_unit: StrictInt | None = Field(None, ge=1, le=1000)
    reminders: dict[str, Any] | None = None
    scoring_rules: dict[str, Any] | None = None
    min_eligible_scorers: StrictInt | None = Field(None, ge=1, le=1000)
    applicant_unit_ids: list[StrictInt] | None = Field(None, max_length=100000)
    process_version: StrictInt | None = Field(None, ge=1, le=2**31 - 1)
    scoring_quorum: StrictInt | None = Field(None, ge=1, le=1000)
    grade_quotas: dict[str, dict[str, Any]] | None = Field(None, max_length=20)
    owner_unit_id: StrictInt | None = Field(None, ge=1, le=2**31 - 1, description=(
        "the union running it under its own implementing rules; default: the creator's (a union's office: its "
        "union; the federation's office: the federation's)"))


class CampaignCopy(Body):
    """Copy a campaign (default: the newest) to a new year (default: the next)."""

    source_id: StrictInt | None = Field(None, ge=1, le=2**31 - 1)
    year: StrictInt | None = Field(None, ge=2000, le=2100)
    name: StrictStr | None = Field(None, max_length=200)
    reason: StrictStr = Field("", max_length=500)


class CampaignUpdate(Body):
    """Settings to change (those sent), the reason (required), and ``dry_run`` to see the effects only."""

    reason: StrictStr | None = Field(None, max_length=500)
    dry_run: bool = False
    name: StrictStr | None = Field(None, max_length=200)
    year: StrictInt | None = None
    opens_at: StrictStr | None = Field(None, json_schema_extra={"format": "date-time"})
    closes_at: StrictStr | None = Field(None, json_schema_extra={"format": "date-time"})
    criteria: list[dict[str, Any]] | None = Field(None, max_length=100)
    grades: list[StrictStr] | None = Field(None, max_length=20)
    no_award_grade: StrictStr | None = Field(None, max_length=40)
    scorer_ids: list[StrictInt] | None = Field(None, max_length=10000)
    scoring_rules: dict[str, Any] | None = None
    reminders: dict[str, Any] | None = None
    process_key: StrictStr | None = Field(None, max_length=80)
    process_version: StrictInt | None = Field(None, ge=1, le=2**31 - 1)
    max_applications_per_unit: StrictInt | None = Field(None, ge=1, le=1000)
    min_eligible_scorers: StrictInt | None = Field(None, ge=1, le=1000)
    applicant_unit_ids: list[StrictInt] | None = Field(None, max_length=100000)
    scoring_quorum: StrictInt | None = Field(None, ge=1, le=1000)
    grade_quotas: dict[str, dict[str, Any]] | None = Field(None, max_length=20)
    notice_working_days: StrictInt | None = Field(None, ge=1, le=30)
    shortlist_quorum: StrictInt | None = Field(None, ge=1, le=1000)
    vetting_working_days: StrictInt | None = Field(None, ge=1, le=1000)
    form_versions: dict[str, StrictInt] | None = Field(None, max_length=200, description=(
        "form key → the deployed version its applications use (0: the bundled file)"))


class CampaignOpen(Body):
    """Open the window; ``override_reason`` opens it despite fatal readiness problems."""

    override_reason: StrictStr | None = Field(None, max_length=500)


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
    scoring_rules: dict[str, Any] | None = None
    scoring_rules_text: str | None = Field(None, description="The scoring rules in words, in the request's language "
                                                "(Accept-Language), as scorers see them before they score")
    min_eligible_scorers: int | None = None
    applicant_unit_ids: list[int] | None = None
    shortlist_quorum: int | None = None
    vetting_working_days: int | None = None
    process_version: int | None = None
    opened_at: str | None = None
    copied_from_id: int | None = None
    scoring_quorum: int | None = None
    grade_quotas: dict[str, Any] | None = None
    notice_working_days: int | None = None
    owner_unit_id: int | None = None
    owner_name: str | None = None
    form_versions: dict[str, int] | None = None


class Effect(Read):
    field: str | None = None
    label: str | None = None
    message: str | None = Field(None, description="What the change does, in the request's language (Accept-Language)")
    refused: bool | None = None


class CampaignEditRead(Read):
    """The campaign after the edit (or as it stays, for a dry run) and what the edit affects."""

    campaign: CampaignRead | None = None
    effects: list[Effect] | None = None
    applied: bool | None = None


class ReadinessProblem(Read):
    code: str | None = None
    severity: str | None = None
    message: str | None = Field(None, description="The problem in the request's language (Accept-Language)")
    link: str | None = None
    unit_id: int | None = None


class ReadinessRead(Read):
    """Whether the campaign can open its window, and every problem with the page that fixes it."""

    campaign_id: int | None = None
    ready: bool | None = None
    fatal: int | None = None
    warnings: int | None = None
    problems: list[ReadinessProblem] | None = None
    opened_at: str | None = None


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

