"""The version diff in words: each kind of change is one sentence, in Chinese and English (issue 15.4)."""
from __future__ import annotations

from service.catalogue import locale
from service.config import ROOT
from service.models import ROLES
from service.workflows.version_diff import compare_documents

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_text(encoding="utf-8")
KNOWN = frozenset(ROLES) | {"system"}
TITLES = {"presentation": "公开讲述记录", "grade_proposal": "建议等次"}


def _diff(new: str, old: str = BPMN) -> list[dict[str, str]]:
    return [c.as_dict() for c in compare_documents(old, new, KNOWN, form_title=TITLES.get)]


def test_the_same_document_reformatted_is_no_change() -> None:
    assert _diff(BPMN.replace("\n      ", "\n  ")) == []


def test_deadline_lane_form_and_name_changes_are_sentences() -> None:
    new = (BPMN.replace('name="dueIn" value="P10D"', 'name="dueIn" value="P10WD"', 1)
           .replace('<bpmn:userTask id="record_presentation" name="公开陈述记录">',
                    '<bpmn:userTask id="record_presentation" name="讲述情况记录">')
           .replace('<spiffworkflow:property name="formKey" value="presentation"/>',
                    '<spiffworkflow:property name="formKey" value="grade_proposal"/>'))
    said = {c["kind"]: c for c in _diff(new)}
    assert said["deadline_changed"]["message"] == "任务「讲述情况记录」的期限由 10 天 改为 10 个工作日"
    with locale("en"):
        assert _diff(new)[[c["kind"] for c in _diff(new)].index("deadline_changed")]["message"].endswith(
            "10 days to 10 working days")
    assert said["task_renamed"]["message"] == "任务「公开陈述记录」改名为「讲述情况记录」"
    assert said["form_changed"]["message"] == ("任务「讲述情况记录」的表单由 公开讲述记录（presentation） 改为 "
                                               "建议等次（grade_proposal）")
    assert all(c["element"] == "record_presentation" for c in said.values())


def test_a_lane_change_names_both_roles() -> None:
    moved = BPMN.replace("        <bpmn:flowNodeRef>record_presentation</bpmn:flowNodeRef>\n", "", 1).replace(
        '<bpmn:lane id="chair_office" name="主席办公会">',
        '<bpmn:lane id="chair_office" name="主席办公会">\n        <bpmn:flowNodeRef>record_presentation</bpmn:flowNodeRef>', 1)
    [change] = _diff(moved)
    assert change["kind"] == "lane_changed"
    assert change["message"] == "任务「公开陈述记录」改由主席办公会办理（原为评比办公室）"


def test_removed_and_added_tasks_and_a_changed_id() -> None:
    lane = ("<bpmn:flowNodeRef>propose_grade</bpmn:flowNodeRef>", "<bpmn:flowNodeRef>propose_grade_v2</bpmn:flowNodeRef>")
    removed = BPMN.replace('<bpmn:userTask id="propose_grade" name="办公室提出建议等次">',
                           '<bpmn:userTask id="propose_grade_v2" name="办公室提出建议等次">').replace(*lane)
    said = _diff(removed)
    assert [c["kind"] for c in said] == ["task_id_changed"]
    assert "propose_grade_v2" in said[0]["message"]
    gone = BPMN.replace('<bpmn:userTask id="propose_grade" name="办公室提出建议等次">',
                        '<bpmn:userTask id="propose_grade_v2" name="建议等次">').replace(*lane)
    kinds = {c["kind"]: c["message"] for c in _diff(gone)}
    assert kinds["task_removed"] == "删除任务「办公室提出建议等次」（原由评比办公室办理）"
    assert kinds["task_added"] == "新增任务「建议等次」，由评比办公室办理"


def test_timer_and_gateway_condition_changes() -> None:
    new = (BPMN.replace('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P8D"</bpmn:timeDuration>',
                        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P7WD"</bpmn:timeDuration>')
           .replace('shortlisted == False</bpmn:conditionExpression>', 'shortlisted != True</bpmn:conditionExpression>'))
    said = {c["kind"]: c for c in _diff(new)}
    assert said["timer_changed"]["message"] == "定时「陈述记录即将到期」由 8 天 改为 7 个工作日"
    assert said["condition_changed"]["message"].endswith("的条件由 shortlisted == False 改为 shortlisted != True")
    with locale("en"):
        assert "working days" in {c["kind"]: c for c in _diff(new)}["timer_changed"]["message"]
