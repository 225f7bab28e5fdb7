"""The award documents as PDF: the commendation list (表彰名单) and the certificates (荣誉证书)."""
from __future__ import annotations

from flask import Blueprint
from werkzeug.wrappers import Response

from service.api.common import current_user, session
from service.api.contract import operation
from service.auth import policies
from service.workflows import documents
from service.workflows.filenames import download_headers

bp = Blueprint("documents", __name__)
_PDF = dict(content=documents.PDF, allowed=policies.can_issue_award_documents)


def _download(document: documents.Download) -> Response:
    return Response(document.content, mimetype=document.media_type, headers=download_headers(document.filename))


@bp.get("/campaigns/<int:campaign_id>/commendation-list.pdf")
@operation("The commendation list (表彰名单): the confirmed awards by grade, as PDF (office and deciding roles)",
           **_PDF)
def commendation_list(campaign_id: int) -> Response:
    return _download(documents.commendation_list(session=session(), user=current_user(), campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/certificates.pdf")
@operation("Every award's certificate (荣誉证书), one page each, as PDF (office and deciding roles); "
           "409 before any award is confirmed", errors=(401, 403, 404, 409), **_PDF)
def certificates(campaign_id: int) -> Response:
    return _download(documents.certificates(session=session(), user=current_user(), campaign_id=campaign_id))


@bp.get("/applications/<int:application_id>/certificate.pdf")
@operation("One award's certificate (荣誉证书) as PDF (office and deciding roles); 409 if the application has "
           "no confirmed award", errors=(401, 403, 404, 409), **_PDF)
def certificate(application_id: int) -> Response:
    return _download(documents.certificate(session=session(), user=current_user(), application_id=application_id))
