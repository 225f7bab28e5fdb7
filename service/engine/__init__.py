"""The only package that imports SpiffWorkflow.

Everything else talks to :class:`service.engine.runtime.Engine` and receives
plain dataclasses, so an engine upgrade touches this package alone.
"""
from service.engine.errors import BpmnValidationError, EngineError, MigrationRefused, Problem, TaskNotReady
from service.engine.migration import Check as MigrationCheck
from service.engine.migration import Move, Obstacle
from service.engine.runtime import (
    Effect,
    Engine,
    Failure,
    HistoryItem,
    OpenTask,
    ParsedProcess,
    StepResult,
    UserTaskInfo,
    WaitingTimer,
)

__all__ = [
    "BpmnValidationError", "Effect", "Engine", "EngineError", "Failure", "HistoryItem", "MigrationCheck",
    "MigrationRefused", "Move", "Obstacle", "OpenTask",
    "ParsedProcess", "Problem", "StepResult", "TaskNotReady", "UserTaskInfo", "WaitingTimer",
]
