"""The award documents of a campaign: the commendation list (表彰名单) and the certificates, as PDF.

Built from what the service stores for the awarded applications (unit, theme, the confirmed grade and
when the chair's office confirmed it), shown only to the office and the deciding roles
(``policies.can_issue_award_documents``) and, row by row, only as the visibility policy lets them see it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from service import clock
from service.catalogue import _
from service.auth import policies
from service.auth.visibility import Group
from service.documents import pdf
from service.errors import Conflict, Forbidden, NotFound
from service.models import Application, Campaign, User
from service.repositories import applications as application_repo
from service.repositories import org
from service.repositories import tasks as task_repo
from service.workflows import viewing
from service.workflows.campaigns import reached_campaign

PDF = "application/pdf"


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    content: bytes


def _check(user: User) -> None:
    if not policies.can_issue_award_documents(user):
        raise Forbidden(policies.DENIED[policies.can_issue_award_documents])


def _awards(session: Session, user: User, applications: list[Application]) -> list[pdf.Award]:
    groups = viewing.by_application(session, user, applications)
    confirmed = task_repo.confirmed_at(session, [a.id for a in applications])
    return [pdf.Award(application_id=a.id, unit_name=a.unit.name, theme=a.theme, grade=a.grade or "",
                      confirmed_on=clock.local(confirmed[a.id]).date() if a.id in confirmed else None)
            for a in applications if {Group.CONTENT, Group.GRADE} <= groups[a.id]]


def _campaign(session: Session, campaign: Campaign, awards: list[pdf.Award]) -> pdf.Campaign:
    issuer = org.federation(session)
    days = [a.confirmed_on for a in awards if a.confirmed_on is not None]
    return pdf.Campaign(name=campaign.name, year=campaign.year, grades=list(campaign.grades or []),
                        no_award_grade=campaign.no_award_grade, issuer=issuer.name if issuer else "",
                        issued_on=max(days) if days else clock.local(clock.now()).date())


def commendation_list(*, session: Session, user: User, campaign_id: int) -> Download:
    """The campaign's commendation list: every awarded item by grade."""
    _check(user)
    campaign = reached_campaign(session, user, campaign_id, policies.DENIED[policies.can_issue_award_documents])
    awards = _awards(session, user, application_repo.awarded_of_campaign(session, campaign_id))
    return Download(_("{campaign}-表彰名单.pdf", campaign=campaign.name), PDF,
                    pdf.commendation_list(_campaign(session, campaign, awards), awards))


def certificates(*, session: Session, user: User, campaign_id: int) -> Download:
    """Every certificate of the campaign, one page each (to print them all at once)."""
    _check(user)
    campaign = reached_campaign(session, user, campaign_id, policies.DENIED[policies.can_issue_award_documents])
    awards = _awards(session, user, application_repo.awarded_of_campaign(session, campaign_id))
    if not awards:
        raise Conflict(_("评比活动 {campaign_id} 还没有确认的获奖结果", campaign_id=campaign_id))
    return Download(_("{campaign}-荣誉证书.pdf", campaign=campaign.name), PDF, pdf.certificates(_campaign(session, campaign, awards), awards))


def certificate(*, session: Session, user: User, application_id: int) -> Download:
    """One award's certificate."""
    _check(user)
    application = application_repo.by_id(session, application_id)
    if application is None or not policies.can_see_application(user, application):
        raise NotFound(_("申报 {application_id} 不存在", application_id=application_id))
    if application.status != "awarded":
        raise Conflict(_("申报 {application_id} 没有确认的获奖结果", application_id=application_id))
    awards = _awards(session, user, [application])
    if not awards:
        raise NotFound(_("申报 {application_id} 不存在", application_id=application_id))
    campaign = _campaign(session, application.campaign, awards)
    return Download(_("{campaign}-荣誉证书-{unit}-{id}.pdf", campaign=application.campaign.name,
                      unit=application.unit.name, id=application.id), PDF,
                    pdf.certificates(campaign, awards))
