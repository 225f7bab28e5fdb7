"""The baseline: the appraisal BPMN on bare SpiffWorkflow, in memory.

Same BPMN file and same data as the service; the three service operators are
answered by the same handler functions (``handlers.registry.get_handler``).
Expressions use SpiffWorkflow's default Python environment.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.bpmn.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from handlers.registry import get_handler

BPMN = Path(__file__).resolve().parent.parent / "processes" / "innovation_appraisal.bpmn"
PROCESS_KEY = "innovation_appraisal"


class HandlerEnvironment(TaskDataEnvironment):
    """Default expression evaluation; service tasks call the registered handlers."""

    def call_service(self, context: dict, operation_name: str = "", operation_params: dict | None = None,
                     **_: Any) -> str:
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        return json.dumps(get_handler(operation_name).fn(**params), ensure_ascii=False)


class HandlerScriptEngine(PythonScriptEngine):
    def call_service(self, task: Any, **kwargs: Any) -> str:
        return self.environment.call_service(task.data, **kwargs)


_SPECS: tuple[Any, dict] | None = None
_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def specs() -> tuple[Any, dict]:
    """Parse the BPMN once (the service also parses once per deployed version)."""
    global _SPECS
    if _SPECS is None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(BPMN))
        _SPECS = (parser.get_spec(PROCESS_KEY), parser.get_subprocess_specs(PROCESS_KEY))
    return _SPECS


def new_workflow(data: dict[str, Any]) -> BpmnWorkflow:
    spec, subs = specs()
    workflow = BpmnWorkflow(spec, subs, script_engine=HandlerScriptEngine(environment=HandlerEnvironment()))
    workflow.set_data(**data)
    start = workflow.get_next_task(state=TaskState.READY)
    if start is not None:
        start.data.update(data)
    workflow.do_engine_steps()
    return workflow


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Any]:
    """Ready user tasks and message catch events waiting for a meeting's decision (both are a person's work)."""
    ready = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    return ready + [t for t in workflow.get_tasks(state=TaskState.WAITING)
                    if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)]


def complete(workflow: BpmnWorkflow, task: Any, data: dict[str, Any]) -> None:
    """Complete a user task, or deliver a catch event's message as the service's ``Engine.deliver`` does."""
    if task.state == TaskState.WAITING:
        workflow.send_event(BpmnEvent(task.task_spec.event_definition, payload=dict(data)))
        task.data.update(data)
    else:
        task.data.update(data)
        task.run()
    workflow.do_engine_steps()


def run_instance(data: dict[str, Any], answer: Callable[[Any], dict[str, Any]], *,
                 json_roundtrip: bool = False) -> tuple[BpmnWorkflow, int]:
    """Run one instance to its end; ``answer(task)`` gives each user task's data.

    With ``json_roundtrip`` the workflow (spec included, SpiffWorkflow's default)
    is serialized to JSON and restored after every user task, as a naive
    persistence layer would.
    """
    workflow = new_workflow(data)
    completed = 0
    while not workflow.completed:
        ready = ready_user_tasks(workflow)
        if not ready:
            raise RuntimeError("bare workflow stuck: no ready user task")
        task = ready[0]
        complete(workflow, task, answer(task))
        completed += 1
        if json_roundtrip:
            text = _SERIALIZER.serialize_json(workflow)
            workflow = _SERIALIZER.deserialize_json(text)
            workflow.script_engine = HandlerScriptEngine(environment=HandlerEnvironment())
    return workflow, completed
