"""Hostile and malformed BPMN uploads are refused with a named problem and never deployed."""
from __future__ import annotations

import re
import codecs
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.api_client import Api
from tests.conftest import make_app

pytestmark = [pytest.mark.xdist_group("bpmn-uploads")]  # one worker, one app, one login per user

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def document(*, task: str | None = None, lane: bool = True, condition: str = "presenter == \"刘\"",
             prolog: str = "", namespace: str = BPMN, extra: str = "", process_id: str = "probe") -> str:
    """A small executable process: start → review (office lane) → gateway → two ends."""
    task = task or """<bpmn:userTask id="review" name="审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="presentation"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>"""
    lanes = """<bpmn:laneSet id="lanes"><bpmn:lane id="office" name="办公室">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>gw</bpmn:flowNodeRef><bpmn:flowNodeRef>yes</bpmn:flowNodeRef><bpmn:flowNodeRef>no</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>""" if lane else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>{prolog}
<bpmn:definitions xmlns:bpmn="{namespace}" xmlns:spiffworkflow="{SPIFF}" id="defs" targetNamespace="urn:test">
  <bpmn:process id="{process_id}" name="探针流程" isExecutable="true">
    {lanes}
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {task}
    <bpmn:exclusiveGateway id="gw" default="f4"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="yes"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="no"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="yes">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="no"/>
    {extra}
  </bpmn:process>
</bpmn:definitions>"""


SCRIPT_TASK = """<bpmn:scriptTask id="review" name="脚本"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
  <bpmn:script>import os; os.system('id')</bpmn:script></bpmn:scriptTask>"""
PRE_SCRIPT_TASK = """<bpmn:userTask id="review" name="审核"><bpmn:extensionElements>
  <spiffworkflow:properties><spiffworkflow:property name="formKey" value="presentation"/></spiffworkflow:properties>
  <spiffworkflow:preScript>__import__('os').system('id')</spiffworkflow:preScript></bpmn:extensionElements>
  <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>"""
UNKNOWN_ELEMENT_TASK = """<bpmn:teleportTask id="review" name="传送"><bpmn:incoming>f1</bpmn:incoming>
  <bpmn:outgoing>f2</bpmn:outgoing></bpmn:teleportTask>"""
XXE = '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = ("<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
          + "]>")

# (id, body, expected problem code, expected element or None for document-level problems)
CASES: list[tuple[str, bytes, str, str | None]] = [
    ("not-xml", b"this is not XML at all {", "not_xml", None),
    ("truncated-xml", document().encode()[:400], "not_xml", None),
    ("json", b'{"process": "probe"}', "not_xml", None),
    ("wrong-namespace", document(namespace="http://example.com/not-bpmn").encode(), "not_bpmn", None),
    ("unknown-element", document(task=UNKNOWN_ELEMENT_TASK).encode(), "unknown_element", "review"),
    ("missing-lane", document(lane=False).encode(), "missing_lane", "review"),
    ("script-task", document(task=SCRIPT_TASK).encode(), "forbidden_element", "review"),
    ("pre-script", document(task=PRE_SCRIPT_TASK).encode(), "script", "review"),
    ("expression-import", document(condition="__import__('os').system('id')").encode(), "bad_expression", "f3"),
    ("expression-dunder-class", document(condition="approved.__class__.__bases__").encode(), "bad_expression", "f3"),
    ("expression-lambda", document(condition="(lambda: 1)()").encode(), "bad_expression", "f3"),
    ("xxe", document(prolog=XXE, condition="approved == True").replace(
        "<bpmn:process ", "<bpmn:documentation>&xxe;</bpmn:documentation><bpmn:process ").encode(),
     "forbidden_xml", None),
    ("billion-laughs", document(prolog=LAUGHS).replace(
        "<bpmn:process ", "<bpmn:documentation>&lol9;</bpmn:documentation><bpmn:process ").encode(),
     "forbidden_xml", None),
    ("huge", document(extra="<!--" + "x" * (3 * 1024 * 1024) + "-->").encode(), "too_large", None),
]


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Any:
    """One SQLite app for every case: refusing a document never depends on the database."""
    path = tmp_path_factory.mktemp("uploads") / "app.db"
    shutil.copy(sqlite_template, path)
    application = make_app(f"sqlite:///{path}")
    yield application
    application.extensions["appraisal.db_engine"].dispose()


@pytest.fixture(scope="module")
def upload_api(upload_app: Any) -> Api:
    """One client for the module, so its logins (rate-limited) happen once per user."""
    return Api(upload_app)


def definitions_count(api: Api) -> int:
    return len(api.get("/api/process-definitions", "process_admin")["items"])


def test_a_well_formed_probe_deploys(upload_api: Api) -> None:
    """The template the hostile cases start from is itself acceptable."""
    api = upload_api
    before = definitions_count(api)
    api.call("POST", "/api/process-definitions?comment=probe", "process_admin", expect=201, data=document().encode(),
             headers={"Content-Type": "application/xml"})
    assert definitions_count(api) == before + 1


@pytest.mark.parametrize("case_id, body, code, element", CASES, ids=[c[0] for c in CASES])
def test_hostile_upload_is_refused_and_not_deployed(upload_api: Api, case_id: str, body: bytes, code: str,
                                                    element: str | None) -> None:
    api = upload_api
    before = definitions_count(api)
    for path in ("/api/process-definitions", "/api/process-definitions/validate"):
        r = api.call("POST", path, "process_admin", data=body, headers={"Content-Type": "application/xml"})
        assert r.status_code == 400, (case_id, r.status_code, r.get_data(as_text=True)[:500])
        assert r.mimetype == "application/problem+json"
        problems = r.get_json()["problems"]
        assert any(p["code"] == code and (element is None or p["element"] == element) for p in problems), problems
        assert all(p["message"] for p in problems)
    assert definitions_count(api) == before


def test_upload_as_multipart_file_is_checked_the_same_way(upload_api: Api) -> None:
    import io

    api = upload_api
    r = api.call("POST", "/api/process-definitions", "process_admin",
                 data={"file": (io.BytesIO(document(task=SCRIPT_TASK).encode()), "evil.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code == 400 and r.get_json()["problems"][0]["code"] == "forbidden_element"


def test_only_process_admins_may_upload(upload_api: Api) -> None:
    api = upload_api
    before = definitions_count(api)
    for user in ("res_office1", "hc_submitter", "scorer_org", "group_leader"):
        api.call("POST", "/api/process-definitions", user, expect=403, data=document().encode(),
                 headers={"Content-Type": "application/xml"})
    assert definitions_count(api) == before


def _xml_operations(api: Api) -> list[str]:
    """Every operation whose request body is XML, from the OpenAPI document (so a new one is covered too)."""
    spec = api.client.get("/api/openapi.json").get_json()
    paths = [path for path, ops in spec["paths"].items() for method, op in ops.items()
             if method == "post" and "application/xml" in (op.get("requestBody") or {}).get("content", {})]
    assert len(paths) >= 2
    return [path + "?comment=probe" if path == "/api/process-definitions" else path for path in paths]  # says why


def _encoded(encoding: str, *, declare: str | None = None, bom: bytes = b"", process_id: str = "probe") -> bytes:
    text = document(process_id=process_id).replace('encoding="UTF-8"', f'encoding="{declare or encoding}"')
    return bom + text.encode(encoding)


# (id, body, process id inside): every encoding an XML declaration or byte order mark may announce.
ENCODINGS: list[tuple[str, bytes, str]] = [
    ("utf-16-le-bom", _encoded("utf-16-le", declare="UTF-16", bom=codecs.BOM_UTF16_LE, process_id="enc_a"), "enc_a"),
    ("utf-16-be-bom", _encoded("utf-16-be", declare="UTF-16", bom=codecs.BOM_UTF16_BE, process_id="enc_b"), "enc_b"),
    ("utf-16-le-no-bom", _encoded("utf-16-le", declare="UTF-16LE", process_id="enc_c"), "enc_c"),
    ("utf-32-bom", _encoded("utf-32-le", declare="UTF-32", bom=codecs.BOM_UTF32_LE, process_id="enc_d"), "enc_d"),
    ("utf-8-bom", _encoded("utf-8", bom=codecs.BOM_UTF8, process_id="enc_e"), "enc_e"),
    ("gb18030", _encoded("gb18030", process_id="enc_f"), "enc_f"),
    ("gbk", _encoded("gbk", process_id="enc_g"), "enc_g"),
]


@pytest.mark.parametrize("case_id, body, process_id", ENCODINGS, ids=[c[0] for c in ENCODINGS])
def test_any_encoding_xml_allows_is_accepted_and_stored_as_utf8(upload_api: Api, case_id: str, body: bytes,
                                                                process_id: str) -> None:
    api = upload_api
    for path in _xml_operations(api):
        r = api.call("POST", path, "process_admin", data=body, headers={"Content-Type": "application/xml"})
        assert r.status_code in (200, 201), (case_id, path, r.status_code, r.get_data(as_text=True)[:500])
    deployed = [d for d in api.get("/api/process-definitions", "process_admin")["items"] if d["key"] == process_id]
    assert deployed and deployed[0]["name"] == "探针流程"
    stored = api.call("GET", f"/api/process-definitions/{deployed[0]['id']}/xml", "process_admin", expect=200).data
    assert stored.startswith(b"<?xml") and b'encoding="utf-8"' in stored[:100].lower(), stored[:100]
    assert "流程".encode("utf-8") in stored


# (id, body, code, encoding named in the message)
BAD_ENCODINGS: list[tuple[str, bytes, str, str]] = [
    ("unknown-name", _encoded("utf-8", declare="klingon-8"), "unsupported_encoding", "klingon-8"),
    ("utf-7", _encoded("utf-8", declare="UTF-7"), "unsupported_encoding", "UTF-7"),
    ("not-a-text-codec", _encoded("utf-8", declare="base64"), "unsupported_encoding", "base64"),
    ("ebcdic", _encoded("utf-8", declare="cp037"), "unsupported_encoding", "cp037"),
    ("gbk-bytes-declared-utf8", _encoded("gbk", declare="UTF-8"), "bad_encoding", "UTF-8"),
    ("bom-contradicts-declaration", _encoded("utf-16-le", declare="UTF-8", bom=codecs.BOM_UTF16_LE),
     "bad_encoding", "UTF-8"),
    ("truncated-utf16", _encoded("utf-16-le", declare="UTF-16", bom=codecs.BOM_UTF16_LE)[:-1], "bad_encoding", "UTF-16"),
]


@pytest.mark.parametrize("case_id, body, code, encoding", BAD_ENCODINGS, ids=[c[0] for c in BAD_ENCODINGS])
def test_an_unreadable_encoding_is_a_400_naming_it(upload_api: Api, case_id: str, body: bytes, code: str,
                                                   encoding: str) -> None:
    api = upload_api
    before = definitions_count(api)
    for path in _xml_operations(api):
        r = api.call("POST", path, "process_admin", data=body, headers={"Content-Type": "application/xml"})
        assert r.status_code == 400, (case_id, path, r.status_code, r.get_data(as_text=True)[:500])
        [problem] = r.get_json()["problems"]
        assert problem["code"] == code and encoding in problem["message"]
        r = api.call("POST", path, "process_admin", data=body,
                     headers={"Content-Type": "application/xml", "Accept-Language": "en"})
        [problem] = r.get_json()["problems"]  # the same problem in the reader's language
        assert encoding in problem["message"] and not re.search(r"[\u4e00-\u9fff]", problem["message"])
    assert definitions_count(api) == before
