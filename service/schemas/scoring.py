"""The list meetings: presentation sessions, the office's scoring actions, the group decision on the ranked list."""
from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, StrictInt, StrictStr

from service.schemas.base import Body, Read
from service.schemas.campaigns import ResultRead

ID = dict(ge=1, le=2**31 - 1)


class GradeItem(Body):
    application_id: StrictInt = Field(**ID)
    grade: StrictStr = Field(min_length=1, max_length=40)
    reasons: StrictStr = Field("", max_length=5000)


class GradeList(Body):
    """Every item waiting for this step, each with its grade and reasons (all or nothing)."""

    items: list[GradeItem] = Field(min_length=1, max_length=2000)


class RankedRead(ResultRead):
    """A result row with its rank (equal scores share a rank: 并列) and the office's proposal where the viewer may
    see it."""

    rank: int | None = None
    tied: bool | None = None
    proposed_grade: str | None = None
    proposal_reasons: str | None = None
    reopened_by: str | None = Field(None, description="Why the item is on the list again: the reference of the upheld "
                                    "public-notice objection that sent it back (its finding is public at "
                                    "/api/public/objections/{reference}); absent otherwise")


class QuotaRead(Read):
    grade: str | None = None
    limit: int | None = None
    rule: str | None = Field(None, description="The quota in words, in the request's language (Accept-Language)")


class RankingRead(Read):
    campaign_id: int | None = None
    items: list[RankedRead] | None = None
    quotas: list[QuotaRead] | None = None
    waiting_for_proposal: list[int] | None = None
    waiting_for_decision: list[int] | None = None


class ListDone(Read):
    """The tasks the list completed, one per item."""

    completed_task_ids: list[int] | None = None
    application_ids: list[int] | None = None


class ScoreSheet(Body):
    """A scorer's sheet: the values by criterion, an optional comment, and ``confirm: true`` (a submitted sheet
    cannot be changed)."""

    criteria: dict[str, Any]
    comment: StrictStr | None = Field(None, max_length=2000)
    confirm: StrictBool = False


class PaperSheet(ScoreSheet):
    """A paper score sheet the office enters for the scorer who filled it in."""

    reason: StrictStr = Field("", max_length=500)


class CloseScoring(Body):
    reason: StrictStr = Field(min_length=1, max_length=500)


class ReplaceScorer(Body):
    scorer_id: StrictInt = Field(**ID)
    replacement_id: StrictInt = Field(**ID)
    reason: StrictStr = Field(min_length=1, max_length=500)


class ScoringStatusRead(Read):
    """Where an item's scoring stands: sheets in, the quorum, and (office and deciding roles) who holds which."""

    application_id: int | None = None
    quorum: int | None = None
    eligible: int | None = None
    submitted: int | None = None
    open: int | None = None
    can_close: bool | None = None
    sheets: list[dict[str, Any]] | None = None


class SlotBody(Body):
    application_id: StrictInt = Field(**ID)
    presenter: StrictStr = Field("", max_length=100)


class SessionCreate(Body):
    """A presentation session: when (ISO 8601, Asia/Shanghai unless an offset is given), where, and the presenters
    in order (shortlisted items waiting for their presentation)."""

    campaign_id: StrictInt = Field(**ID)
    starts_at: StrictStr = Field(json_schema_extra={"format": "date-time"})
    place: StrictStr = Field(min_length=1, max_length=200)
    notes: StrictStr = Field("", max_length=2000)
    items: list[SlotBody] = Field(min_length=1, max_length=500)


class SlotRecord(Body):
    application_id: StrictInt = Field(**ID)
    attended: StrictBool
    presenter: StrictStr = Field("", max_length=100)
    notes: StrictStr = Field("", max_length=5000)


class SessionRecord(Body):
    """What happened to every item of the session (all of them, in one go)."""

    items: list[SlotRecord] = Field(min_length=1, max_length=500)


class SlotRead(Read):
    application_id: int | None = None
    position: int | None = None
    theme: str | None = None
    unit_name: str | None = None
    presenter: str | None = None
    attended: bool | None = None
    notes: str | None = None


class SessionRead(Read):
    id: int | None = None
    campaign_id: int | None = None
    starts_at: str | None = None
    place: str | None = None
    notes: str | None = None
    invited_at: str | None = None
    recorded_at: str | None = None
    items: list[SlotRead] | None = None
