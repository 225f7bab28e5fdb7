"""The engine wrapper: parse, start, complete, fire timers, snapshot.

Callers hand in serialized state and get back a :class:`StepResult` of plain
data: the new state to store, the open user tasks and waiting timers to index,
what completed in this step, and the service calls that happened. The process
spec is stored once per deployed version and kept out of every instance's state
(SpiffWorkflow would otherwise repeat it in each serialization).
"""
from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from service import clock
from service.engine import migration, timers  # timers installs the clocked timers on import
from service.engine.environment import SafeEnvironment
from service.engine.errors import BpmnValidationError, ExecutionError, MigrationRefused, Problem, TaskNotReady
from service.engine.snapshots import Scan, SnapshotMemo, StateWriter, scan, tasks_in
from service.engine.data_rules import start_variables
from service.engine.dialects import normalise, without_duplicates
from service.engine.lanes import lane_roles
from service.engine.validation import NS, Rules, check, parse_safely, properties
from handlers.registry import registered_names
from lxml import etree
from service.timekeeping import WorkdayCalendar

SERIALIZER_VERSION = "appraisal-1"

SpecSource = str | Callable[[], str]
"""A definition's spec JSON, or a loader for it: only read when the spec is not cached yet."""


class _SharedSpecConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec; the spec is supplied on restore."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict) -> BpmnWorkflow:
        workflow = self.target_class(dct.pop("spec"), dct.pop("subprocess_specs"), deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_REGISTRY = BpmnWorkflowSerializer.configure({**SPIFF_CONFIG, BpmnWorkflow: _SharedSpecConverter})
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)
_WRITER = StateWriter(_SERIALIZER, SERIALIZER_VERSION)


class _ScriptEngine(PythonScriptEngine):
    """Reports handler failures as ExecutionError naming the task's element."""

    def call_service(self, task: Any, **kwargs: Any) -> str:
        try:
            return self.environment.call_service(task.data, **kwargs)
        except ExecutionError as exc:
            exc.element_id = task.task_spec.bpmn_id
            raise


@dataclass(frozen=True)
class UserTaskInfo:
    element_id: str
    name: str
    role: str
    form_key: str
    stage: str | None
    due_in: str | None
    assignee_variable: str | None
    message: str | None = None
    """For a message catch event: the message it waits for (the service delivers it; see :meth:`Engine.deliver`)."""
    due_at_variable: str | None = None
    """A variable holding the task's due time (an ISO instant), e.g. a campaign's vetting deadline; else ``due_in``."""
    instructions: str | None = None
    """Markdown for the person doing the task (SpiffArena's ``instructionsForEndUser``), shown sanitized."""


@dataclass(frozen=True)
class ParsedProcess:
    key: str
    name: str
    spec_json: str
    user_tasks: dict[str, UserTaskInfo]
    elements: dict[str, dict[str, str]]
    lanes: dict[str, str]
    xml: str
    """The document as stored: decoded from its declared encoding, declared UTF-8."""
    start_variables: list[str] = field(default_factory=list)
    """What the process declares it receives at start (``ioSpecification`` data inputs)."""
    warnings: list[Problem] = field(default_factory=list)
    """Problems of severity warning: reported, not refused."""


@dataclass(frozen=True)
class OpenTask:
    id: str
    element_id: str
    name: str
    properties: dict[str, str]
    assignee: Any
    instance_index: int | None
    message: str | None = None
    """Set for a message catch event the instance waits at (indexed as a waiting task row, not someone's to-do)."""


@dataclass(frozen=True)
class WaitingTimer:
    id: str
    element_id: str
    kind: str
    due_at: datetime
    attached_to: str | None
    interrupting: bool = False
    """A boundary timer that cancels its activity: that activity must be done by ``due_at``."""


@dataclass(frozen=True)
class HistoryItem:
    task_id: str
    element_id: str
    name: str
    element_type: str


@dataclass(frozen=True)
class Effect:
    operation: str
    params: dict[str, Any]
    result: Any


@dataclass(frozen=True)
class Failure:
    """An element that failed while the engine ran (a handler raised, an expression failed): an incident.

    The step that met it still completes; the instance waits at ``element_id``
    (its task in ERROR) until :meth:`Engine.retry` runs it again.
    """
    task_id: str
    element_id: str
    name: str
    message: str
    data: dict[str, Any]


@dataclass
class StepResult:
    state_json: str
    open_tasks: list[OpenTask]
    timers: list[WaitingTimer]
    completed: bool
    end_events: list[str]
    """The instance's own end events reached in the step (a subprocess ending inside it is not how it ended)."""
    variables: dict[str, Any]
    history: list[HistoryItem] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    # What the state before the step was waiting for, so the caller can update its task and
    # timer rows by difference instead of reading them back.
    open_before: frozenset[str] = frozenset()
    timers_before: frozenset[tuple[str, datetime]] = frozenset()
    failure: Failure | None = None
    """What failed in this step (an incident opens, or a retried one fails again)."""
    errored: frozenset[str] = frozenset()
    errored_before: frozenset[str] = frozenset()
    """Engine ids of the failed elements after and before the step: those that left the set were resolved."""
    extensions: list[timers.Extension] = field(default_factory=list)
    """Date timers on re-entered activities that were already past: each waits its grace period instead."""
    end_properties: dict[str, dict[str, str]] = field(default_factory=dict)
    """The properties of each end event reached in the step, by its id (an end event's ``outcome``)."""


class Engine:
    """Facade over SpiffWorkflow; caches restored specs by key and recent workflows by their state.

    The workflow cache maps ``(spec_key, state_json)`` to the deserialized
    workflow that produced exactly that state, with its :class:`SnapshotMemo`
    (the task fragments that state was written from, and its completed task
    ids). A call takes its workflow out of the cache (so no two threads share
    one), and a step puts the advanced workflow back under the new state it
    returned. The stored state is still the truth: if the caller's transaction
    rolls back, the database keeps the old state, which is no longer a key, and
    the next call deserializes it. A step that fails never puts its workflow
    (or memo) back.
    """

    def __init__(self, *, known_roles: frozenset[str], form_fields: Callable[[str], frozenset[str] | None] | None = None,
                 spec_cache_size: int = 64, workflow_cache_size: int = 256):
        self.rules = Rules(frozenset(known_roles), form_fields)
        self._specs: OrderedDict[str, tuple[Any, dict]] = OrderedDict()
        self._spec_cache_size = spec_cache_size
        self._workflows: OrderedDict[tuple[str, str], tuple[BpmnWorkflow, SnapshotMemo]] = OrderedDict()
        self._workflow_cache_size = workflow_cache_size
        self._lock = threading.Lock()

    # -- definitions -----------------------------------------------------
    def parse(self, xml: bytes | str, *, process_key: str | None = None) -> ParsedProcess:
        """Validate and parse a BPMN document; raises BpmnValidationError."""
        root, text = parse_safely(xml, self.rules.max_bytes)
        form_exists = self.rules.form_fields
        foreign, changed = normalise(root, registered_names(),
                                     (lambda key: form_exists(key) is not None) if form_exists is not None else None)
        if changed:  # what is stored is what runs: the document in this service's dialect
            text = '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode")
        problems = without_duplicates(foreign, check(root, self.rules))
        if any(p.severity == "error" for p in problems):
            raise BpmnValidationError(problems)
        processes = [p for p in root.findall("bpmn:process", NS) if p.get("isExecutable") == "true"]
        chosen = next((p for p in processes if p.get("id") == process_key), None) if process_key else processes[0]
        if chosen is None:
            raise BpmnValidationError([Problem(process_key, "no_process", {"which": f" {process_key}"})])
        key = chosen.get("id", "")
        parser = SpiffBpmnParser(validator=VALIDATOR)
        try:
            parser.add_bpmn_xml(root, filename=f"{key}.bpmn")
            spec = parser.get_spec(key)
            subprocess_specs = parser.get_subprocess_specs(key)
        except ValidationException as exc:
            raise BpmnValidationError([Problem(getattr(exc, "id", None) or None, "schema", {"detail": _first_line(exc)})]) from None
        except SpiffWorkflowException as exc:
            raise BpmnValidationError([Problem(None, "parse", {"detail": _first_line(exc)})]) from None
        spec_json = json.dumps({
            "spec": _REGISTRY.convert(spec),
            "subprocess_specs": {k: _REGISTRY.convert(v) for k, v in subprocess_specs.items()},
        }, ensure_ascii=False)
        lanes = lane_roles(root, self.rules.known_roles)
        elements, user_tasks = {}, {}
        for el in chosen.iter():
            if not isinstance(el.tag, str) or not el.get("id"):
                continue
            local = el.tag.split("}")[-1]
            elements[el.get("id")] = {"type": local, "name": el.get("name") or el.get("id")}
            message = _caught_message(root, el) if local in ("intermediateCatchEvent", "receiveTask") else None
            if local == "userTask" or message:
                props = properties(el)
                user_tasks[el.get("id")] = UserTaskInfo(
                    element_id=el.get("id"), name=el.get("name") or el.get("id"), role=lanes.get(el.get("id"), ""),
                    form_key=props.get("formKey", ""), stage=props.get("stage"), due_in=props.get("dueIn"),
                    assignee_variable=props.get("assigneeVariable"), message=message,
                    due_at_variable=props.get("dueAtVariable"), instructions=_instructions(el),
                )
        return ParsedProcess(key, chosen.get("name") or key, spec_json, user_tasks, elements, lanes, text,
                             sorted(start_variables(chosen)), problems)

    # -- instances -------------------------------------------------------
    def start(self, *, spec_key: str, spec_json: SpecSource, data: dict[str, Any],
              calendar: WorkdayCalendar | None = None) -> StepResult:
        """Create an instance with ``data`` and run it until it waits (``calendar``: working days for timers)."""
        spec, subprocess_specs = self._spec(spec_key, spec_json)
        env = SafeEnvironment()
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=_ScriptEngine(env))
        workflow.set_data(**data)
        start_task = workflow.get_next_task(state=TaskState.READY)
        if start_task is not None:
            start_task.data.update(data)
        memo = SnapshotMemo()
        memo.completed = frozenset()
        return self._keep(spec_key, workflow, memo, self._advance(workflow, env, memo, lambda: None, calendar))

    def complete_task(self, *, spec_key: str, spec_json: SpecSource, state_json: str, task_id: str,
                      data: dict[str, Any], calendar: WorkdayCalendar | None = None,
                      grace_working_days: int | None = None) -> StepResult:
        """Complete a ready user task with ``data`` and run on until the engine waits."""
        workflow, env, memo = self._restore(spec_key, spec_json, state_json)
        try:
            task = workflow.get_task_from_id(UUID(task_id))
        except Exception:  # noqa: BLE001 - SpiffWorkflow raises its own TaskNotFoundException
            raise TaskNotReady(f"task {task_id} does not exist in this instance") from None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is not waiting for input")

        def act() -> None:
            task.data.update(data)
            task.run()

        return self._keep(spec_key, workflow, memo,
                          self._advance(workflow, env, memo, act, calendar, grace_working_days))

    def fire_due_timers(self, *, spec_key: str, spec_json: SpecSource, state_json: str,
                        calendar: WorkdayCalendar | None = None, grace_working_days: int | None = None) -> StepResult:
        """Let every timer that is due by the service clock fire, then run on."""
        workflow, env, memo = self._restore(spec_key, spec_json, state_json)
        return self._keep(spec_key, workflow, memo,
                          self._advance(workflow, env, memo, workflow.refresh_timers, calendar, grace_working_days))

    def retry(self, *, spec_key: str, spec_json: SpecSource, state_json: str, task_id: str,
              data: dict[str, Any] | None = None, calendar: WorkdayCalendar | None = None,
              grace_working_days: int | None = None) -> StepResult:
        """Run a failed element again (its data updated with ``data``) and run on; a new failure is in the result."""
        workflow, env, memo = self._restore(spec_key, spec_json, state_json)
        try:
            task = workflow.get_task_from_id(UUID(task_id))
        except Exception:  # noqa: BLE001 - SpiffWorkflow raises its own TaskNotFoundException
            raise TaskNotReady(f"task {task_id} does not exist in this instance") from None
        if task is None or task.state != TaskState.ERROR:
            raise TaskNotReady(f"task {task_id} has not failed")

        def act() -> None:
            task.data.update(data or {})
            task._set_state(TaskState.READY)

        return self._keep(spec_key, workflow, memo,
                          self._advance(workflow, env, memo, act, calendar, grace_working_days))

    def deliver(self, *, spec_key: str, spec_json: SpecSource, state_json: str, message: str,
                payload: dict[str, Any], calendar: WorkdayCalendar | None = None,
                grace_working_days: int | None = None) -> StepResult:
        """Deliver the BPMN message ``message`` to this instance and run on; ``payload`` becomes process data.

        Correlation is the caller's: it picks the instance by the key it indexed (the application id).
        An instance not waiting for the message raises :class:`TaskNotReady`.
        """
        workflow, env, memo = self._restore(spec_key, spec_json, state_json)
        waiting = [t for t in workflow.get_tasks(state=TaskState.WAITING)
                   if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
                   and t.task_spec.event_definition.name == message]
        if not waiting:
            raise TaskNotReady(f"the instance is not waiting for the message {message}")
        catcher = waiting[0]
        event = BpmnEvent(catcher.task_spec.event_definition, payload=dict(payload))

        def act() -> None:
            workflow.send_event(event)
            catcher.data.update(payload)  # the decision becomes process data, as a completed form's fields do

        return self._keep(spec_key, workflow, memo,
                          self._advance(workflow, env, memo, act, calendar, grace_working_days))

    def cancel(self, *, spec_key: str, spec_json: SpecSource, state_json: str) -> StepResult:
        """Cancel the instance (e.g. its campaign was withdrawn)."""
        workflow, env, memo = self._restore(spec_key, spec_json, state_json)
        return self._advance(workflow, env, memo, workflow.cancel)

    # -- migration and modification (Camunda's migration plans and instance modification) ----------
    def migration_defaults(self, *, spec_key: str, spec_json: SpecSource, target_key: str,
                           target_json: SpecSource) -> dict[str, str | None]:
        """Each element of the source version and its counterpart in the target (same id, else by structure)."""
        source, source_subprocesses = self._spec(spec_key, spec_json)
        target, target_subprocesses = self._spec(target_key, target_json)
        out = migration.default_mapping(source, target, _REGISTRY)
        for name, spec in source_subprocesses.items():  # an embedded subprocess's elements, against its counterpart
            counterpart = target_subprocesses.get(name)
            if counterpart is not None:
                out.update(migration.default_mapping(spec, counterpart, _REGISTRY))
            else:
                out.update({s.bpmn_id: None for s in spec.task_specs.values()
                            if getattr(s, "bpmn_id", None) and s.bpmn_id not in out})
        return out

    def check_migration(self, *, spec_key: str, spec_json: SpecSource, state_json: str, target_key: str,
                        target_json: SpecSource, mapping: dict[str, str]) -> migration.Check:
        """The dry run: what migrating this state would do, and what stops it (``obstacles``); changes nothing."""
        workflow, _, memo = self._restore(spec_key, spec_json, state_json)
        target, target_subprocesses = self._spec(target_key, target_json)
        found = migration.check(workflow, target, _REGISTRY, mapping, target_subprocesses)
        self._put(spec_key, state_json, workflow, memo)
        return found

    def migrate(self, *, spec_key: str, spec_json: SpecSource, state_json: str, target_key: str,
                target_json: SpecSource, mapping: dict[str, str], calendar: WorkdayCalendar | None = None,
                grace_working_days: int | None = None) -> tuple[StepResult, migration.Check]:
        """Move the state to the target version and run on; raises :class:`MigrationRefused` with the obstacles."""
        workflow, env, _ = self._restore(spec_key, spec_json, state_json)
        target, target_subprocesses = self._spec(target_key, target_json)
        found = migration.check(workflow, target, _REGISTRY, mapping, target_subprocesses)
        if found.obstacles:
            raise MigrationRefused(found.obstacles)
        memo = SnapshotMemo()  # every task's spec changes: no fragment of the old state is reused

        def act() -> None:
            migration.apply(workflow, target, _REGISTRY, mapping, target_subprocesses)
            workflow.subprocess_specs = target_subprocesses

        result = self._advance(workflow, env, memo, act, calendar, grace_working_days)
        return self._keep(target_key, workflow, memo, result), found

    def check_modification(self, *, spec_key: str, spec_json: SpecSource, state_json: str, cancel: str,
                           start_before: str) -> list[migration.Obstacle]:
        """Why the token cannot move from ``cancel`` to just before ``start_before`` (empty: it can)."""
        workflow, _, memo = self._restore(spec_key, spec_json, state_json)
        found = migration.modification_obstacles(workflow, cancel, start_before)
        self._put(spec_key, state_json, workflow, memo)
        return found

    def modify(self, *, spec_key: str, spec_json: SpecSource, state_json: str, cancel: str, start_before: str,
               calendar: WorkdayCalendar | None = None, grace_working_days: int | None = None) -> StepResult:
        """Cancel the active element ``cancel``, start before ``start_before`` and run on (Camunda's modification)."""
        workflow, env, memo = self._restore(spec_key, spec_json, state_json)
        found = migration.modification_obstacles(workflow, cancel, start_before)
        if found:
            raise MigrationRefused(found)
        return self._keep(spec_key, workflow, memo, self._advance(
            workflow, env, memo, lambda: migration.move_token(workflow, cancel, start_before), calendar,
            grace_working_days))

    def active_elements(self, *, spec_key: str, spec_json: SpecSource, state_json: str) -> list[str]:
        """BPMN ids of the elements that are ready or waiting (for the viewer)."""
        workflow, _, memo = self._restore(spec_key, spec_json, state_json)
        active = sorted({t.task_spec.bpmn_id for t in tasks_in(workflow, TaskState.READY | TaskState.WAITING | TaskState.STARTED)
                         if t.task_spec.bpmn_id})
        self._put(spec_key, state_json, workflow, memo)
        return active

    def inspect(self, *, spec_key: str, spec_json: SpecSource, state_json: str) -> StepResult:
        """What a stored state is waiting for (ready user tasks, waiting timers), without running anything."""
        workflow, env, memo = self._restore(spec_key, spec_json, state_json)
        _remember(workflow, memo)
        result = self._snapshot(workflow, env, memo)
        self._put(spec_key, state_json, workflow, memo)  # nothing ran: still the workflow of this state
        return result

    # -- internals -------------------------------------------------------
    def _spec(self, key: str, spec_json: SpecSource) -> tuple[Any, dict]:
        with self._lock:
            hit = self._specs.get(key)
            if hit is not None:
                self._specs.move_to_end(key)
                return hit
        raw = json.loads(spec_json() if callable(spec_json) else spec_json)
        restored = (_REGISTRY.restore(raw["spec"]),
                    {k: _REGISTRY.restore(v) for k, v in raw.get("subprocess_specs", {}).items()})
        with self._lock:
            self._specs[key] = restored
            while len(self._specs) > self._spec_cache_size:
                self._specs.popitem(last=False)
        return restored

    def _restore(self, spec_key: str, spec_json: SpecSource,
                 state_json: str) -> tuple[BpmnWorkflow, SafeEnvironment, SnapshotMemo]:
        with self._lock:
            cached = self._workflows.pop((spec_key, state_json), None)
        if cached is None:
            spec, subprocess_specs = self._spec(spec_key, spec_json)
            dct = json.loads(state_json)
            dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
            dct["spec"], dct["subprocess_specs"] = spec, subprocess_specs
            workflow, memo = _SERIALIZER.from_dict(dct), SnapshotMemo()
        else:
            workflow, memo = cached
        env = SafeEnvironment()
        workflow.script_engine = _ScriptEngine(env)
        return workflow, env, memo

    def _put(self, spec_key: str, state_json: str, workflow: BpmnWorkflow, memo: SnapshotMemo) -> None:
        if self._workflow_cache_size <= 0:
            return
        with self._lock:
            self._workflows[(spec_key, state_json)] = (workflow, memo)
            self._workflows.move_to_end((spec_key, state_json))
            while len(self._workflows) > self._workflow_cache_size:
                self._workflows.popitem(last=False)

    def _keep(self, spec_key: str, workflow: BpmnWorkflow, memo: SnapshotMemo, result: StepResult) -> StepResult:
        """Cache the advanced workflow under the state it now serializes to."""
        self._put(spec_key, result.state_json, workflow, memo)
        return result

    def _advance(self, workflow: BpmnWorkflow, env: SafeEnvironment, memo: SnapshotMemo,
                 act: Callable[[], Any], calendar: WorkdayCalendar | None = None,
                 grace_working_days: int | None = None) -> StepResult:
        """Act, run until the engine waits, snapshot; ``grace_working_days``: see :func:`timers.grace_in_use`."""
        _remember(workflow, memo)
        failure, since = None, time.time()
        extensions: list[timers.Extension] = []
        try:
            with timers.calendar_in_use(calendar), timers.grace_in_use(grace_working_days) as extensions:
                act()
                workflow.do_engine_steps()
        except Exception as exc:  # noqa: BLE001 - an element that failed is an incident; anything else is raised
            failure = _failure(workflow, since, exc)
            if failure is None:
                if isinstance(exc, ExecutionError):
                    raise
                if isinstance(exc, SpiffWorkflowException):
                    task = getattr(exc, "task", None)
                    element = task.task_spec.bpmn_id if task is not None else None
                    raise ExecutionError(_first_line(exc), element) from None
                raise
        result = self._snapshot(workflow, env, memo, failure)
        result.extensions = list(extensions)
        return result

    def _snapshot(self, workflow: BpmnWorkflow, env: SafeEnvironment, memo: SnapshotMemo,
                  failure: Failure | None = None) -> StepResult:
        """The step's result; the state is written incrementally unless the workflow cache is off."""
        assert memo.completed is not None  # set by _remember before the step
        before, open_before, timers_before = memo.completed, memo.open_ids, memo.timer_keys
        errored_before = memo.errored_ids
        state_json = _WRITER.incremental(workflow, memo) if self._workflow_cache_size > 0 else _WRITER.full(workflow)
        tasks = scan(workflow)
        open_tasks, waiting = _waiting_for(tasks)
        history, end_events, end_properties = [], [], {}
        for task in tasks.completed:
            if task.id in before or not task.task_spec.bpmn_id:
                continue
            spec = task.task_spec
            history.append(HistoryItem(str(task.id), spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, type(spec).__name__))
            if isinstance(spec, EndEvent) and task.workflow is workflow:  # a subprocess's end is not the instance's
                end_events.append(spec.bpmn_id)
                end_properties[spec.bpmn_id] = dict(spec.extensions.get("properties", {}) or {})
        last = workflow.last_task
        variables = dict(workflow.data) if workflow.completed else dict(last.data if last is not None else workflow.data)
        effects = [Effect(c.operation, c.params, c.result) for c in env.calls]
        _record(memo, tasks, open_tasks, waiting)
        return StepResult(state_json, open_tasks, waiting, bool(workflow.completed), end_events,
                          variables, history, effects, open_before, timers_before,
                          failure, memo.errored_ids, errored_before, end_properties=end_properties)


def _waiting_for(tasks: Scan) -> tuple[list[OpenTask], list[WaitingTimer]]:
    """The ready user tasks and the waiting timers of a scanned workflow."""
    open_tasks = []
    for task in tasks.ready:
        spec = task.task_spec
        if not spec.manual:
            continue
        props = dict(spec.extensions.get("properties", {}) or {})
        variable = props.get("assigneeVariable")
        index = task.internal_data.get("key") if isinstance(task.internal_data.get("key"), int) else None
        open_tasks.append(OpenTask(str(task.id), spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, props,
                                   task.data.get(variable) if variable else None, index))
    waiting = []
    for task in tasks.waiting:
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and task.task_spec.bpmn_id:
            spec = task.task_spec
            props = dict(spec.extensions.get("properties", {}) or {})
            open_tasks.append(OpenTask(str(task.id), spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, props, None, None,
                                       definition.name))
            continue
        if not isinstance(definition, TimerEventDefinition):
            continue
        due = _timer_due(task, definition)
        if due is None:
            continue
        kind = ("cycle" if isinstance(definition, CycleTimerEventDefinition)
                else "duration" if isinstance(definition, DurationTimerEventDefinition) else "date")
        attached = _attached_activity(task)
        waiting.append(WaitingTimer(str(task.id), task.task_spec.bpmn_id, kind, due, attached,
                                    attached is not None and bool(getattr(task.task_spec, "cancel_activity", False))))
    return open_tasks, waiting


def _attached_activity(task: Any) -> str | None:
    """The element a boundary event's task is attached to: its sibling under the engine's boundary split."""
    if not isinstance(task.task_spec, BoundaryEvent) or task.parent is None:
        return None
    for sibling in task.parent.children:
        if not isinstance(sibling.task_spec, BoundaryEvent):
            return getattr(sibling.task_spec, "bpmn_id", None)
    return None


def _record(memo: SnapshotMemo, tasks: Scan, open_tasks: list[OpenTask], waiting: list[WaitingTimer]) -> None:
    """Remember what this state waits for: the next step's "before"."""
    memo.completed = tasks.completed_ids()
    memo.open_ids = frozenset(t.id for t in open_tasks)
    memo.timer_keys = frozenset((t.id, t.due_at) for t in waiting)
    memo.errored_ids = frozenset(str(t.id) for t in tasks.errored)


def _remember(workflow: BpmnWorkflow, memo: SnapshotMemo) -> None:
    """Make sure ``memo`` describes the workflow as it is now, before a step changes it.

    A cached workflow is unchanged since its last snapshot, which recorded it; a
    freshly restored one is scanned once (see :func:`service.engine.snapshots.scan`).
    """
    if memo.completed is None:
        tasks = scan(workflow)
        _record(memo, tasks, *_waiting_for(tasks))


def _failure(workflow: BpmnWorkflow, since: float, exc: BaseException) -> Failure | None:
    """The element that failed in this step (in ERROR since ``since``), unless it is a person's own task."""
    failed = sorted((t for t in tasks_in(workflow, TaskState.ERROR) if t.last_state_change >= since),
                    key=lambda t: t.last_state_change)
    if not failed or failed[-1].task_spec.manual:
        return None
    task = failed[-1]
    spec = task.task_spec
    data = getattr(exc, "data", None) if isinstance(exc, ExecutionError) else None
    message = _first_line(exc) if isinstance(exc, (ExecutionError, SpiffWorkflowException)) \
        else f"{type(exc).__name__}: {_first_line(exc)}"
    return Failure(str(task.id), spec.bpmn_id or spec.name, spec.bpmn_name or spec.bpmn_id or spec.name, message,
                   dict(data or {}))


def _timer_due(task: Any, definition: TimerEventDefinition) -> datetime | None:
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(value, dict):
        return datetime.fromisoformat(value["next"]) if value.get("cycles", 0) != 0 else None
    if isinstance(value, datetime):
        return timers.parse_instant(value)
    return timers.parse_instant(value) if "T" in value or "-" in value else None


def _instructions(el: Any) -> str | None:
    found = el.find("bpmn:extensionElements/spiffworkflow:instructionsForEndUser", NS)
    return found.text if found is not None and (found.text or "").strip() else None


def _caught_message(root: Any, el: Any) -> str | None:
    """The name of the message a catch event or receive task waits for (its ``bpmn:message``'s name)."""
    definition = el.find("bpmn:messageEventDefinition", NS) if el.tag.endswith("CatchEvent") else el
    ref = definition.get("messageRef") if definition is not None else None
    if not ref:
        return None
    message = next((m for m in root.iterfind("bpmn:message", NS) if m.get("id") == ref), None)
    return (message.get("name") or ref) if message is not None else ref


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
