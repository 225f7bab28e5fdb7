"""Attachments to an application: type and size limits, content sniffing."""
from __future__ import annotations

import hashlib
import zipfile
from io import BytesIO

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock, work_kinds
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import Attachment, User
from service.repositories import attachments as repo
from service.repositories import tasks as task_repo
from service.workflows import audit
from service.workflows.applications import get_application
from service.workflows.filenames import clean_filename
from service.workflows.services import Services

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"


def sniff(content: bytes) -> str | None:
    """The content type the bytes really are (by magic number), or None."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(content)) as archive:
                if "word/document.xml" in archive.namelist():
                    return DOCX
        except zipfile.BadZipFile:
            return None
    return None


def add_attachment(*, session: Session, services: Services, user: User, application_id: int, filename: str,
                   content: bytes) -> Attachment:
    """Store a file on a draft; its type is decided by its bytes, not its name."""
    application = get_application(session=session, user=user, application_id=application_id)
    if application.unit_id not in user.role_units("unit_submitter"):
        raise Forbidden(_("只有本单位的填报人可以上传附件"))
    if not task_repo.has_open_form_task(session, application.id, work_kinds.APPLICATION):
        raise Conflict(_("申报当前不在单位修改阶段"))
    settings = services.settings
    name = clean_filename(filename or "")
    if not content:
        raise ValidationFailed([{"field": "file", "message": _("文件为空")}])
    if len(content) > settings.max_upload_bytes:
        raise ValidationFailed([{"field": "file", "message":
                                 _("文件超过 {p0} MB", p0=settings.max_upload_bytes // (1024 * 1024))}])
    kind = sniff(content)
    if kind is None or kind not in settings.attachment_types:
        raise ValidationFailed([{"field": "file", "message":
                                 _("仅支持 PDF、PNG、JPEG、Word 文件")}])
    row = Attachment(application_id=application.id, filename=name, content_type=kind, size=len(content),
                     sha256=hashlib.sha256(content).hexdigest(), content=content, uploaded_by=user.id,
                     uploaded_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor=user, action="attach", object_type="application", object_id=application.id,
                 detail={"attachment_id": row.id, "filename": name, "size": len(content), "sha256": row.sha256},
                 campaign_id=application.campaign_id)
    session.commit()
    return row


def list_attachments(*, session: Session, user: User, application_id: int) -> list[Attachment]:
    get_application(session=session, user=user, application_id=application_id)
    return repo.of_application(session, application_id)


def get_attachment(*, session: Session, user: User, attachment_id: int) -> Attachment:
    row = repo.by_id(session, attachment_id)
    if row is None:
        raise NotFound(_("附件 {attachment_id} 不存在", attachment_id=attachment_id))
    get_application(session=session, user=user, application_id=row.application_id)
    return row
