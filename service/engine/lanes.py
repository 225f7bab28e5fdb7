"""Which role a lane stands for, however the modeler that drew it names lanes.

This service's own diagrams give a lane the role's code as its id (``office``). Camunda Modeler and
SpiffArena generate ids (``Lane_0x1abc``) and let people type a name, so a lane also maps to a role

* by a ``role`` property on the lane (``spiffworkflow:property`` or ``camunda:property``), or
* by its name: the role's code, or its display name in Chinese or English (``评比办公室``, ``Appraisal office``).

The first that names a known role wins, in that order after the id. Validation, the engine and the
version diff all call :func:`lane_roles`, so what is checked is what runs.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from lxml import etree

from service.catalogue import _, locale

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS, "camunda": CAMUNDA_NS}


@lru_cache(maxsize=8)
def _names(known_roles: frozenset[str]) -> dict[str, str]:
    """Every name a lane may carry for a role (code, Chinese and English display name), lower-cased."""
    from service.catalogue.codes import ROLE

    names: dict[str, str] = {}
    for role in known_roles:
        names[role.lower()] = role
        msgid = ROLE.get(role)
        if msgid is None:
            continue
        for tag in ("zh_CN", "en"):
            with locale(tag):
                names[_(msgid).strip().lower()] = role
    return names


def lane_property(lane: etree._Element, name: str) -> str | None:
    """A lane's extension property ``name`` in either dialect (SpiffArena's or Camunda's)."""
    for path in ("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                 "bpmn:extensionElements/camunda:properties/camunda:property"):
        for prop in lane.iterfind(path, NS):
            if prop.get("name") == name and (prop.get("value") or "").strip():
                return prop.get("value", "").strip()
    return None


def role_of_lane(lane: etree._Element, known_roles: Iterable[str]) -> str:
    """The role ``lane`` stands for; its id when nothing names a known role (validation reports that)."""
    known = frozenset(known_roles)
    lane_id = lane.get("id", "")
    if lane_id in known:
        return lane_id
    names = _names(known)
    for candidate in (lane_property(lane, "role"), lane.get("name")):
        if candidate and candidate.strip().lower() in names:
            return names[candidate.strip().lower()]
    return lane_id


def lane_roles(root: etree._Element, known_roles: Iterable[str]) -> dict[str, str]:
    """Flow node id → the role of the lane it sits in."""
    known = frozenset(known_roles)
    roles: dict[str, str] = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        role = role_of_lane(lane, known)
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            if ref.text and ref.text.strip():
                roles[ref.text.strip()] = role
    return roles


class RoleList:
    """Role names joined in the reader's language, worded when the message is shown (like ``_l``)."""

    __slots__ = ("roles",)

    def __init__(self, roles: Iterable[str]) -> None:
        self.roles = tuple(sorted(roles))

    def __str__(self) -> str:
        from service.catalogue.codes import ROLE

        return _("、").join(_(ROLE[r]) for r in self.roles if r in ROLE)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def role_names(known_roles: Iterable[str]) -> dict[str, RoleList]:
    """The ``known`` message parameter: the roles a lane may name, as people read them."""
    return {"known": RoleList(known_roles)}
