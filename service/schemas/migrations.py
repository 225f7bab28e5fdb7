"""Migration plans (Camunda's names: generate, validate, execute) and instance modification."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from service.schemas.base import Body, Read
from service.schemas.common import MAX_ID

ElementId = str


class GenerateBody(Body):
    """The two versions of one process: running instances move from ``source`` to ``target``."""

    source_definition_id: int = Field(ge=1, le=MAX_ID)
    target_definition_id: int = Field(ge=1, le=MAX_ID)


class Instruction(Body):
    """One element of the source version and the target version's element it becomes."""

    source: ElementId = Field(min_length=1, max_length=120)
    target: ElementId = Field(min_length=1, max_length=120)


class InstructionRead(Read):
    source: str
    target: str
    source_name: str
    target_name: str


class UnmappedRead(Read):
    source: str
    source_name: str


class ElementRead(Read):
    id: str
    name: str


class PlanRead(Read):
    """The default plan: every source element mapped to its counterpart by id (or by its unchanged place in the
    flow); ``unmapped``: source elements without one (map them explicitly if an instance is there)."""

    source_definition_id: int
    target_definition_id: int
    key: str
    source_version: int
    target_version: int
    instructions: list[InstructionRead]
    unmapped: list[UnmappedRead]
    target_elements: list[ElementRead]


class PlanBody(Body):
    source_definition_id: int = Field(ge=1, le=MAX_ID)
    target_definition_id: int = Field(ge=1, le=MAX_ID)
    instructions: list[Instruction] = Field(default_factory=list, max_length=500)


class ValidateBody(Body):
    """A plan and the instances it applies to: one campaign's, these ids, or (neither) every active one on the
    source version."""

    plan: PlanBody
    campaign_id: int | None = Field(None, ge=1, le=MAX_ID)
    process_instance_ids: list[int] | None = Field(None, max_length=2000)


class ExecuteBody(ValidateBody):
    reason: str = Field(min_length=1, max_length=500)


class InstanceReportRead(Read):
    """One instance: what happens (``moves``, in words), or why it cannot move (``problems``)."""

    id: int
    business_key: str
    application_id: int | None = None
    application_theme: str | None = None
    can_move: bool
    migrated: bool
    moves: list[str]
    problems: list[str]


class MigrationBatchRead(Read):
    number: int = Field(description="1, 2, …: the batches of one run, in the order they were read (by instance id)")
    instances: int
    movable: int
    blocked: int
    migrated: int


class MigrationReportRead(Read):
    instances: list[InstanceReportRead]
    movable: int
    blocked: int
    migrated: int
    already_on_target: int = Field(description="Matching instances that run the target version already (moved by "
                                               "an earlier run): a second run skips them")
    batches: list[MigrationBatchRead] = Field(description="The progress of the run, batch by batch (at most 500 "
                                                          "instances each, every instance in its own transaction)")


class ModificationInstruction(Body):
    type: Literal["cancel", "start_before"]
    element_id: ElementId = Field(min_length=1, max_length=120)


class ModificationBody(Body):
    """Camunda's modification, one move: ``cancel`` an active element, then ``start_before`` another."""

    instructions: list[ModificationInstruction] = Field(min_length=2, max_length=2)
    reason: str = Field(min_length=1, max_length=500)
