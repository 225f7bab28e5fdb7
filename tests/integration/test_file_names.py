"""User-supplied file names are cleaned once, when stored, and every place that shows or serves them gets the clean one."""
from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import select

from service.models import Attachment
from service.workflows import archive
from tests.web_client import logged_in

PDF = b"%PDF-1.4\n%%EOF\n"
# Right-to-left override + isolate + zero width + a control + a line separator (lone surrogates and
# other undecodable bytes never reach the sanitiser: the request decoding refuses them first).
HOSTILE = "发票\u202e\u2067fdp\u200b\x07\u2028.exe.pdf"


def test_an_attachment_name_is_stored_shown_served_and_archived_without_dangerous_code_points(
        app: Any, tmp_path: Path) -> None:
    client, token = logged_in(app, "hc_submitter")
    r = client.post("/applications/new", data={"csrf_token": token, "action": "save", "theme": "附件名称"})
    app_id = int(re.search(r"/applications/(\d+)/edit", r.headers["Location"]).group(1))
    raw_name = HOSTILE.encode("utf-8")  # raw, as a browser sends it (no %-escaping of the name)
    body = (b"--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token.encode() +
            b"\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + raw_name +
            b"\"\r\nContent-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--b--\r\n")
    up = client.post(f"/applications/{app_id}/attachments", data=body,
                     content_type="multipart/form-data; boundary=b")
    assert up.status_code == 302, up.get_data(as_text=True)[:300]
    with app.extensions["appraisal.sessions"]() as s:
        row = s.scalars(select(Attachment).where(Attachment.application_id == app_id)).one()
        attachment_id, stored, campaign_id = row.id, row.filename, 1
    assert stored == "发票fdp.exe.pdf", ascii(stored)
    page = client.get(f"/applications/{app_id}/edit").get_data(as_text=True)
    assert "发票fdp.exe.pdf" in page and "\u202e" not in page
    served = client.get(f"/attachments/{attachment_id}")
    assert served.headers["Content-Disposition"] == (
        "attachment; filename=\"__fdp.exe.pdf\"; filename*=UTF-8''%E5%8F%91%E7%A5%A8fdp.exe.pdf")
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'; sandbox"
    path = tmp_path / "campaign.zip"
    with app.extensions["appraisal.sessions"]() as s:
        archive.export_campaign(session=s, campaign_id=campaign_id, path=path)
    with zipfile.ZipFile(path) as z:
        assert f"attachments/{attachment_id}-发票fdp.exe.pdf" in z.namelist()


def test_an_attachment_named_only_with_dangerous_code_points_gets_a_plain_name(app: Any) -> None:
    client, token = logged_in(app, "hc_submitter")
    r = client.post("/applications/new", data={"csrf_token": token, "action": "save", "theme": "附件名称"})
    app_id = int(re.search(r"/applications/(\d+)/edit", r.headers["Location"]).group(1))
    up = client.post(f"/applications/{app_id}/attachments", content_type="multipart/form-data",
                     data={"csrf_token": token, "file": (BytesIO(PDF), "\u202e\u200b.")})
    assert up.status_code == 302
    with app.extensions["appraisal.sessions"]() as s:
        assert s.scalars(select(Attachment.filename).where(Attachment.application_id == app_id)).one() == "attachment"
