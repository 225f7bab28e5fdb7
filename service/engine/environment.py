"""Script environment that SpiffWorkflow calls for expressions and service tasks.

It replaces SpiffWorkflow's ``eval``/``exec`` environment: expressions go
through the whitelist evaluator, scripts are refused, and service tasks call
handlers registered by name. Each service call is recorded so the caller can
turn effect handlers (notifications) into outbox rows in the same transaction.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from handlers.registry import HandlerError, get_handler
from service.catalogue import DEFAULT_LOCALE, locale, stored
from service.engine import expressions
from service.engine.errors import ExecutionError


@dataclass
class ServiceCall:
    operation: str
    params: dict[str, Any]
    result: Any


@dataclass
class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions safely and routes service tasks to handlers."""

    calls: list[ServiceCall] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__({})

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        scope = {**(external_context or {}), **context}
        return expressions.evaluate(expression, scope)

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        raise ExecutionError("scripts are disabled in this service; use a service task with a registered handler")

    def call_service(self, context: dict, operation_name: str = "", operation_params: dict | None = None, **_: Any) -> str:
        found = get_handler(operation_name)
        if found is None:
            raise ExecutionError(f"no handler registered under {operation_name!r}")
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        data = {"handler": operation_name, "params": params}
        try:
            result = found.fn(**params)
        except HandlerError as exc:  # the incident shows the handler's message in its reader's language
            with locale(DEFAULT_LOCALE):
                raise ExecutionError(f"handler {operation_name!r}: {exc}",
                                     data={**data, "message": stored(exc.message)}) from exc
        except Exception as exc:  # noqa: BLE001 - a handler's bug is an incident at its element, not a 500
            raise ExecutionError(f"handler {operation_name!r} raised {type(exc).__name__}: {exc}", data=data) from exc
        self.calls.append(ServiceCall(operation_name, params, result))
        return json.dumps(result, ensure_ascii=False)
