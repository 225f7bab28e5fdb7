"""Engine errors.

EngineError
 ├── BpmnValidationError   uploaded BPMN refused; ``problems`` name each element
 ├── TaskNotReady          the task is not (or no longer) waiting for a person
 ├── ExecutionError        a step failed while running (handler, expression)
 └── MigrationRefused      an instance cannot move to another version or element; ``obstacles`` say why
"""
from __future__ import annotations

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
        where = f"（元素 {first.element_id}）" if first.element_id else ""
        more = f"，另有 {len(errors) - 1} 个错误" if len(errors) > 1 else ""
        super().__init__(f"流程文档未通过校验：{first.message}{where}{more}")


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
