"""The meetings that decide lists: forwarding, the shortlist, the group decision, the chair's confirmation."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr

from service.schemas.base import Body, Read

AppId = Field(ge=1, le=2**31 - 1)


class CandidatesCreate(Body):
    """The office's candidate list for a shortlist sitting (items waiting for the shortlist)."""

    candidate_ids: list[StrictInt] = Field(max_length=2000)
    note: StrictStr = Field("", max_length=2000)


class ShortlistView(Body):
    application_id: StrictInt = AppId
    view: Literal["in", "out", "abstain"]
    note: StrictStr = Field("", max_length=2000)


class ShortlistViews(Body):
    """A leading-group member's views, one per candidate (recording again replaces them)."""

    views: list[ShortlistView] = Field(min_length=1, max_length=2000)


class ShortlistDecision(Body):
    application_id: StrictInt = AppId
    shortlisted: StrictBool
    review_reasons: StrictStr = Field(min_length=1, max_length=5000)
    unit_reasons: StrictStr = Field("", max_length=2000)


class ShortlistClose(Body):
    """The group leader's decision per candidate with reasons; ``unit_reasons`` is told to a unit not shortlisted."""

    decisions: list[ShortlistDecision] = Field(min_length=1, max_length=2000)
    last_sitting: StrictBool = False


class GradeDecision(Body):
    application_id: StrictInt = AppId
    final_grade: StrictStr = Field(min_length=1, max_length=50)
    decision_reasons: StrictStr = Field("", max_length=5000)


class GroupDecisionComplete(Body):
    """Every listed item's grade, in one decision."""

    decisions: list[GradeDecision] = Field(min_length=1, max_length=2000)
    note: StrictStr = Field("", max_length=5000)


class SendBack(Body):
    application_id: StrictInt = AppId
    reasons: StrictStr = Field(min_length=1, max_length=2000)


class ChairConfirmationComplete(Body):
    """Confirm the whole list (``send_back`` empty), or send the named items back with reasons."""

    send_back: list[SendBack] = Field(default_factory=list, max_length=2000)
    note: StrictStr = Field("", max_length=5000)
    last_sitting: StrictBool = False


class ForwardCreate(Body):
    """The supervising union forwards these approved items as one batch with its cover opinion."""

    application_ids: list[StrictInt] = Field(min_length=1, max_length=2000)
    opinion: StrictStr = Field(min_length=1, max_length=2000)


class ViewRead(Read):
    user_id: int | None = None
    name: str | None = None
    view: str | None = None
    note: str | None = None
    at: str | None = None


class MeetingItemRead(Read):
    application_id: int | None = None
    theme: str | None = None
    unit_name: str | None = None
    status: str | None = None
    stage: str | None = None
    final_score: float | None = None
    grade: str | None = None
    waiting_since: str | None = None
    views: list[ViewRead] | None = None


class SittingRead(Read):
    """A meeting as it stands: whether it sits, its list, the items waiting for a later sitting, the quorum."""

    campaign_id: int | None = None
    meeting: str | None = None
    sitting: bool | None = None
    task_id: int | None = None
    preparing: bool | None = None
    quorum: int | None = None
    members_recorded: int | None = None
    items: list[MeetingItemRead] | None = None
    waiting: list[MeetingItemRead] | None = None
