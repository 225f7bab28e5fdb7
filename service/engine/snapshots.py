"""Cheaper snapshots of a live workflow: incremental state JSON and one walk over the task tree.

SpiffWorkflow's serializer converts every task of a workflow on every call, yet
a step changes few tasks. :class:`StateWriter` keeps, per live workflow (in a
:class:`SnapshotMemo` that travels with it through the engine's cache), the JSON
fragment SpiffWorkflow's own task converter produced for each task, together
with a *key*: the exact JSON encoding of everything that converter reads from
the task besides its ids (state, last state change, triggered, spec name,
internal data, and the data delta against the parent, computed with the same
``DeepMerge`` calls). A task is converted again only when its key, its parent
id or its children differ. The key is recomputed for every task on every
snapshot and is made by the same encoder from the same values that make up the
fragment, so a reused fragment is always byte-for-byte what a fresh conversion
would give; no assumption is made about which tasks SpiffWorkflow may still
mutate (task data is shallow-copied between tasks, so a finished task's nested
data can change when another task's does).

:func:`scan` replaces the separate READY, WAITING and completed-task scans
(each a ``get_tasks`` walk) with one walk that visits the same tasks in the same
order.
"""
from __future__ import annotations

import json
import marshal
from dataclasses import dataclass, field
from typing import Any, Callable
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from service import config

"""Set to ``1`` to check every incremental snapshot against a full serialization (tests)."""

# get_tasks() stops descending at this depth (BpmnTaskIterator's default max_depth).
_MAX_DEPTH = 1000
_COMPLETED, _READY, _WAITING, _FUTURE = TaskState.COMPLETED, TaskState.READY, TaskState.WAITING, TaskState.FUTURE
_ERROR = TaskState.ERROR
# What TaskConverter.to_dict writes (SpiffWorkflow 3.2); a fragment with other fields is never reused.
_TASK_FIELDS = frozenset({"id", "parent", "children", "last_state_change", "state", "task_spec", "triggered",
                          "internal_data", "data", "delta", "typename"})
_Key = tuple[str, str]
_encode_string: Callable[[str], str] = json.encoder.encode_basestring  # how the encoder writes a key (ensure_ascii off)


class _Fragment:
    """One task's serialized form and what it was made from."""

    __slots__ = ("task", "task_id", "parent_id", "children", "key", "piece")

    def __init__(self, task: Any, parent_id: UUID | None, key: _Key | None, piece: str):
        self.task = task
        self.task_id: UUID = task.id
        self.parent_id = parent_id
        self.children: list[UUID] = list(task._children)
        self.key = key
        self.piece = piece


class SnapshotMemo:
    """What the last snapshot of one live workflow produced; valid only for that workflow object."""

    __slots__ = ("fragments", "completed", "open_ids", "timer_keys", "errored_ids")

    def __init__(self) -> None:
        self.fragments: dict[UUID, _Fragment] = {}
        self.completed: frozenset[UUID] | None = None
        self.open_ids: frozenset[str] = frozenset()
        self.timer_keys: frozenset[tuple[str, Any]] = frozenset()
        self.errored_ids: frozenset[str] = frozenset()


class StateWriter:
    """Writes a workflow's state JSON (spec excluded) from cached task fragments."""

    def __init__(self, serializer: BpmnWorkflowSerializer, version: str):
        self._serializer = serializer
        self._registry = serializer.registry
        self._version = version
        self._encoder = serializer._encoder_cls(ensure_ascii=False)
        self._encode_fast = _reusable(self._encoder)
        self._encode_plain = _reusable(json.JSONEncoder(ensure_ascii=False))

    def full(self, workflow: BpmnWorkflow) -> str:
        """The reference serialization: every task converted afresh."""
        dct = self._serializer.to_dict(workflow)
        dct[BpmnWorkflowSerializer.VERSION_KEY] = self._version
        return json.dumps(dct, cls=self._serializer._encoder_cls, ensure_ascii=False)

    def incremental(self, workflow: BpmnWorkflow, memo: SnapshotMemo) -> str:
        """The same JSON as :meth:`full`, converting only tasks whose key changed; updates ``memo``."""
        old = memo.fragments
        fresh: dict[UUID, _Fragment] = {}
        pieces = []
        for task_id, task in workflow.tasks.items():
            parent = task.parent
            parent_id = task._parent if parent is not None else None
            kept = old.get(task_id)
            if (kept is None or kept.key is None or kept.task is not task or kept.task_id != task.id
                    or kept.parent_id != parent_id or kept.children != task._children
                    or kept.key != self._key(task, parent)):
                kept = self._convert(task, task_id, parent_id)
            fresh[task_id] = kept
            pieces.append(kept.piece)
        memo.fragments = fresh
        head, tail = self._header(workflow)
        text = f"{head}, \"tasks\": {{{', '.join(pieces)}}}, {tail}"
        if config.current().verify_snapshots:
            self._verify(workflow, text)
        return text

    def _convert(self, task: Any, task_id: UUID, parent_id: UUID | None) -> _Fragment:
        """A task's fragment from SpiffWorkflow's TaskConverter, keyed by the values it holds."""
        dct = self._registry.convert(task)
        try:
            text = self._encode_fast(dct)
        except Exception:  # noqa: BLE001 - let the real encoder raise its own error (e.g. a circular reference)
            text = self._encoder.encode(dct)
        piece = f"{_encode_string(str(task_id))}: {text}"
        key = None
        if dct.keys() == _TASK_FIELDS:
            try:
                head = [dct["state"], dct["last_state_change"], dct["triggered"], dct["task_spec"]]
                body = [dct["data"]] if dct["parent"] is None else [dct["delta"]["updates"], dct["delta"]["deletions"]]
                key = (self._encode_fast([*head, *body]), self._encode_fast(dct["internal_data"]))
            except Exception:  # noqa: BLE001 - an unexpected layout: never reuse this fragment
                key = None
        return _Fragment(task, parent_id, key, piece)

    def _key(self, task: Any, parent: Any) -> _Key | None:
        """The key :meth:`_convert` would record for the task now; None if it cannot be encoded.

        It reads what TaskConverter.to_dict reads, the same way: the root's data
        whole, any other task's data as a delta against its parent's (so a
        parallel multi-instance parent merging its children's data changes the
        keys of its unchanged children too), and the internal data as converted
        by the registry. Each part is encoded by the encoder that writes the
        fragment, so equal keys mean equal fragments.
        """
        encode = self._encode_fast
        try:
            internal = "{}" if not task.internal_data else self._plain(task.internal_data)
            if internal is None:
                internal = encode(self._registry.convert(task.internal_data))
            head = [task.state, task.last_state_change, task.triggered, task.task_spec.name]
            if parent is None:
                return encode([*head, task.data]), internal
            return encode([*head, DeepMerge.get_updated_keys(parent.data, task.data),
                           DeepMerge.get_deleted_keys(parent.data, task.data)]), internal
        except Exception:  # noqa: BLE001 - not encodable: convert afresh, which raises as the full path would
            return None

    def _plain(self, value: Any) -> str | None:
        """``value`` as JSON if it holds nothing but exact dict/list/tuple/str/int/float/bool/None, else None.

        For such a value the registry's convert (and clean) return a structural
        copy, so this is the JSON of the converted value without the Python-level
        conversion. ``marshal`` refuses subclasses (which could be callable and
        be cleaned away); the plain encoder refuses sets, bytes and every other type.
        """
        try:
            marshal.dumps(value)
            return self._encode_plain(value)
        except (ValueError, TypeError, RecursionError):
            return None

    def _header(self, workflow: BpmnWorkflow) -> tuple[str, str]:
        """The workflow-level fields before and after ``tasks``, in the order the full serialization writes them."""
        registry, encode = self._registry, self._encoder.encode
        data = self._plain(workflow.data)
        if data is None:
            data = encode(registry.convert(registry.clean(workflow.data)))
        head = {
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
        }
        tail = {
            "root": str(workflow.task_tree.id),
            "subprocesses": {str(k): registry.convert(v) for k, v in workflow.subprocesses.items()},
            "bpmn_events": registry.convert(workflow.bpmn_events),
            "typename": registry.typenames[type(workflow)],
            BpmnWorkflowSerializer.VERSION_KEY: self._version,
        }
        return f"{{\"data\": {data}, {encode(head)[1:-1]}", encode(tail)[1:]

    def _verify(self, workflow: BpmnWorkflow, text: str) -> None:
        full = self.full(workflow)
        if full != text and json.loads(full) != json.loads(text):
            raise AssertionError(f"incremental snapshot differs from the full serialization "
                                 f"({len(text)} vs {len(full)} characters)")


def _reusable(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """``encoder.encode`` without its per-call set-up, for the many small encodings of fragments and keys.

    Same output; but without the circular-reference check, a cycle raises
    RecursionError instead of ValueError (callers then convert the task with
    the real encoder, which raises as the full serialization would).
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None or encoder.indent is not None:
        return encoder.encode
    strings = json.encoder.encode_basestring_ascii if encoder.ensure_ascii else json.encoder.encode_basestring
    iterencode = make(None, encoder.default, strings, None, encoder.key_separator, encoder.item_separator,
                      encoder.sort_keys, encoder.skipkeys, encoder.allow_nan)
    return lambda value: "".join(iterencode(value, 0))


@dataclass(frozen=True)
class Scan:
    """The tasks the snapshot reports on, each list in ``get_tasks`` order."""

    ready: list[Any]
    waiting: list[Any]
    completed: list[Any]
    errored: list[Any] = field(default_factory=list)
    """Tasks that failed when run (an incident each, until retried)."""

    def completed_ids(self) -> frozenset[UUID]:
        return frozenset(t.id for t in self.completed)


def scan(workflow: BpmnWorkflow) -> Scan:
    """READY and WAITING tasks as ``get_tasks(state=...)`` finds them, and every COMPLETED task.

    One depth-first walk instead of three ``get_tasks`` iterations. It follows
    the iterator's rules: a READY/WAITING query does not descend below predicted
    (MAYBE/LIKELY) tasks, a query over all states does, and neither goes deeper
    than ``get_tasks``' maximum depth. Workflows with subprocesses (where the
    iterator also descends into subprocess trees) keep the iterator-based scans.
    """
    if workflow.subprocesses:
        return Scan(tasks_in(workflow, _READY), tasks_in(workflow, _WAITING), completed_in(workflow),
                    tasks_in(workflow, _ERROR))
    tasks = workflow.tasks
    ready: list[Any] = []
    waiting: list[Any] = []
    completed: list[Any] = []
    errored: list[Any] = []
    stack: list[tuple[Any, int, bool]] = [(workflow.task_tree, 0, True)]
    while stack:
        task, depth, definite = stack.pop()
        state = task.state
        if state == _COMPLETED:
            completed.append(task)
        elif definite and state == _READY:
            ready.append(task)
        elif definite and state == _WAITING:
            waiting.append(task)
        elif state == _ERROR:
            errored.append(task)
        children = task._children
        if children and depth < _MAX_DEPTH:
            below = definite and state >= _FUTURE
            stack.extend((tasks.get(child), depth + 1, below) for child in reversed(children))
    return Scan(ready, waiting, completed, errored)


def tasks_in(workflow: BpmnWorkflow, state: int) -> list[Any]:
    """``get_tasks(state=...)`` over the workflow and each of its subprocesses, each task once.

    The workflow's own iterator already descends into a running subprocess, so a task found there and again in
    the subprocess's own walk is one task (listed twice, a user task inside an embedded subprocess became two
    task rows with the same engine id, and the instance could not start)."""
    found = list(workflow.get_tasks(state=state))
    seen = {t.id for t in found}
    for sub in workflow.subprocesses.values():
        for task in sub.get_tasks(state=state):
            if task.id not in seen:
                seen.add(task.id)
                found.append(task)
    return found


def completed_in(workflow: BpmnWorkflow) -> list[Any]:
    """Completed tasks anywhere in the tree.

    Filtering the iterator by COMPLETED alone does not descend below a task that
    is still running, so the finished instances of a parallel multi-instance
    (one per scorer) would only show up once the last scorer was done.
    """
    return [t for t in tasks_in(workflow, TaskState.ANY_MASK) if t.state == TaskState.COMPLETED]
