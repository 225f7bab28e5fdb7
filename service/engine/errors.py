"""Engine errors.

EngineError
 ├── BpmnValidationError   uploaded BPMN refused; ``problems`` name each element
 ├── TaskNotReady          the task is not (or no longer) waiting for a person
 ├── ExecutionError        a step failed while running (handler, expression)
 └── MigrationRefused      an instance cannot move to another version or element; ``obstacles`` say why
"""
from __future__ import annotations

from service.catalogue import _
from service.engine.problems import Problem

__all__ = ["BpmnValidationError", "EngineError", "ExecutionError", "MigrationRefused", "Problem", "TaskNotReady"]


class EngineError(Exception):
    """Base of everything the engine wrapper raises."""


class BpmnValidationError(EngineError):
    """A document refused: ``problems`` holds every problem found, errors first, then warnings."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: p.severity != "error")
        errors = [p for p in self.problems if p.severity == "error"] or self.problems
        first = errors[0]
        where = _("（元素 {id}）", id=first.element_id) if first.element_id else ""
        more = _("，另有 {n} 个错误", n=len(errors) - 1) if len(errors) > 1 else ""
        super().__init__(_("流程文档未通过校验：{problem}{where}{more}", problem=first.message, where=where, more=more))


class TaskNotReady(EngineError):
    """Raised when completing a task the engine is not waiting on."""


class ExecutionError(EngineError):
    """A step failed; ``data`` says what the failing element was given (a handler's name and parameters)."""

    def __init__(self, message: str, element_id: str | None = None, data: dict | None = None):
        super().__init__(message)
        self.element_id = element_id
        self.data = data or {}


class MigrationRefused(EngineError):
    """An instance cannot be migrated or modified as asked; ``obstacles`` (engine.migration.Obstacle) say why."""

    def __init__(self, obstacles: list):
        self.obstacles = list(obstacles)
        super().__init__("; ".join(f"{o.code} {o.element_id}" for o in self.obstacles))
