"""Engine errors.

EngineError
 ├── BpmnValidationError   uploaded BPMN refused; ``problems`` name each element
 ├── TaskNotReady          the task is not (or no longer) waiting for a person
 └── ExecutionError        a step failed while running (handler, expression)
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a BPMN document, tied to the element it concerns."""

    element_id: str | None
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str | None]:
        return {"element": self.element_id, "code": self.code, "message": self.message}


class EngineError(Exception):
    """Base of everything the engine wrapper raises."""


class BpmnValidationError(EngineError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0]
        where = f" (element {first.element_id})" if first.element_id else ""
        super().__init__(f"{first.message}{where}" + (f" and {len(problems) - 1} more" if len(problems) > 1 else ""))


class TaskNotReady(EngineError):
    """Raised when completing a task the engine is not waiting on."""


class ExecutionError(EngineError):
    def __init__(self, message: str, element_id: str | None = None):
        super().__init__(message)
        self.element_id = element_id
