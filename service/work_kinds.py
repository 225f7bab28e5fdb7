"""The kinds of work the service's own code depends on, named by form key: the one definition.

An element's id belongs to whoever drew the diagram: the modeler generates ids (``Activity_0x1abc``), a
process administrator renames them, a diagram made in another modeler has its own. So the service never
finds work by element id. What its code depends on is the *kind* of work an element stands for, and the
element's ``formKey`` property names it (the form the process administrator picks in the modeler's
properties panel); its ``stage`` property says where the application is. The indexed ``tasks.form_key``
column carries it on every open task and waiting row.

An application's outcome is likewise the ``outcome`` property of the end event its process reaches.

:data:`NEEDED` says which kinds each bundled process key must have, and how many: the server's validation
(``service.engine.validation``, the rule set the modeler's live lint runs) refuses a version that lacks one
or has one twice where the code needs exactly one, naming the elements, before it is deployed.
"""
from __future__ import annotations

import logging

from service.catalogue import N_

LOGGER = logging.getLogger(__name__)

APPRAISAL_PROCESS = "innovation_appraisal"
"""The appraisal's process key (a deployment's identity, like Camunda's process definition key; not an element)."""
REVIEW_PROCESS = "campaign_review"
"""The process of a campaign's meetings (one instance per campaign)."""

# -- the appraisal's kinds of work (form keys) ---------------------------------------------------------
APPLICATION = "application"
"""The unit fills in (or amends) its application: the application is a draft, or returned."""
LEADER_SIGNOFF = "leader_signoff"
"""The unit's leader signs the application off: it awaits the sign-off."""
VETTING = "vetting"
"""The supervising union vets the application (the forwarding page lists these tasks)."""
FORWARDING = "forwarding"
"""The approved application waits for its supervising union to forward the batch."""
PRELIMINARY_REVIEW = "preliminary_review"
"""The item waits for the shortlist meeting's decision."""
PRESENTATION = "presentation"
"""The office records the item's public presentation (the presentation sessions complete it)."""
SCORING = "scoring"
"""One scorer's score sheet (multi-instance: one per scorer)."""
GRADE_PROPOSAL = "grade_proposal"
"""The office proposes the item's grade."""
GRADE_DECISION = "grade_decision"
"""The item waits for the group's decision on its grade."""
CHAIR_CONFIRMATION = "chair_confirmation"
"""The item waits for the chair's office to confirm the list."""
NOTICE_OUTCOME = "notice_outcome"
"""The confirmed item waits for its public notice (公示) to end."""

# -- the campaign's meetings (campaign_review) --------------------------------------------------------
SHORTLIST_CANDIDATES = "shortlist_candidates"
"""The office lists the shortlist meeting's candidates."""
SHORTLIST_CLOSE = "shortlist_close"
"""The shortlist meeting sits (its members' views, then the group leader closes it)."""
GROUP_DECISION_LIST = "group_decision_list"
"""The group decides the grades of the ranked list."""
CHAIR_LIST_CONFIRMATION = "chair_list_confirmation"
"""The chair's office confirms the award list."""

OUTCOME_PROPERTY = "outcome"
"""The end event's property naming how an application ends (``awarded`` …, codes.STATUS)."""
OUTCOMES = ("awarded", "not_awarded", "rejected", "not_shortlisted", "lapsed")
"""The outcomes an end event of the appraisal may name (validation's ``missing_outcome``/``unknown_outcome``; the
modeler's 结果 list, in this order, by their names in codes.STATUS)."""
LEGACY_OUTCOMES = {"end_awarded": "awarded", "end_not_awarded": "not_awarded", "end_rejected": "rejected",
                   "end_not_shortlisted": "not_shortlisted", "end_lapsed": "lapsed"}
"""Only for instances of the bundled versions deployed before end events carried ``outcome`` (they still run):
their end events' ids. A version deployed since names its outcomes by property."""

EXACTLY_ONE, AT_MOST_ONE, AT_LEAST_ONE = (1, 1), (0, 1), (1, None)

NEEDED: dict[str, dict[str, tuple[int, int | None]]] = {
    APPRAISAL_PROCESS: {
        APPLICATION: EXACTLY_ONE,          # an application's draft and return (status) and what it keeps
        LEADER_SIGNOFF: AT_MOST_ONE,       # awaiting_signoff
        VETTING: AT_MOST_ONE,              # the forwarding page's list
        PRESENTATION: EXACTLY_ONE,         # the presentation sessions complete the item's one task
        SCORING: EXACTLY_ONE,              # the scoring office's sheets are the item's tasks of this kind
        GRADE_PROPOSAL: EXACTLY_ONE,       # the office's proposals, one per item
        GRADE_DECISION: EXACTLY_ONE,       # the group's decision, one per item
        CHAIR_CONFIRMATION: AT_MOST_ONE,   # when the award was confirmed (the notice's list)
        NOTICE_OUTCOME: EXACTLY_ONE,       # the public notice finds the items waiting for it
    },
    REVIEW_PROCESS: {
        SHORTLIST_CANDIDATES: EXACTLY_ONE,
        SHORTLIST_CLOSE: EXACTLY_ONE,
        GROUP_DECISION_LIST: EXACTLY_ONE,
        CHAIR_LIST_CONFIRMATION: EXACTLY_ONE,
    },
}
"""Per process key: the kinds of work its code finds by form key, and how many elements of each it needs
(minimum, maximum or None). A process key not listed here needs none."""

TITLES: dict[str, str] = {
    APPLICATION: N_("填写申报表"), LEADER_SIGNOFF: N_("主要领导签字"), VETTING: N_("主管工会初审"),
    PRESENTATION: N_("公开陈述记录"), SCORING: N_("民主评分"), GRADE_PROPOSAL: N_("办公室提出建议等次"),
    GRADE_DECISION: N_("领导小组确定等次"), CHAIR_CONFIRMATION: N_("主席办公会确认"), NOTICE_OUTCOME: N_("公示"),
    SHORTLIST_CANDIDATES: N_("办公室拟定初评候选名单"), SHORTLIST_CLOSE: N_("领导小组初评会议"),
    GROUP_DECISION_LIST: N_("领导小组集体研究决定等次"), CHAIR_LIST_CONFIRMATION: N_("主席办公会确认获奖名单"),
}
"""What a needed kind of work is called (msgids), for the problems that report it missing."""


def outcome_of(end_event: str | None, properties: dict[str, str] | None) -> str | None:
    """How an application whose process ended at ``end_event`` ended: its ``outcome`` property (or, for the
    bundled versions deployed before that property, :data:`LEGACY_OUTCOMES`).

    None when neither names a known outcome (a version deployed before validation required one): the application's
    status is then ``completed`` (已结束), never the end event's id, and a warning is logged."""
    outcome = (properties or {}).get(OUTCOME_PROPERTY, "").strip()
    if outcome in OUTCOMES:
        return outcome
    if not outcome and end_event in LEGACY_OUTCOMES:
        return LEGACY_OUTCOMES[end_event]
    LOGGER.warning("end event %r names no known outcome (outcome property %r): the application's status is "
                   "'completed'", end_event, outcome)
    return None
