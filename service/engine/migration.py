"""Moving a running workflow to another version of its process, and moving its token within one version.

Migration (Camunda's migration plan) builds on SpiffWorkflow's own diff
(``SpiffWorkflow.bpmn.util.diff``): :class:`SpecDiff` aligns the old version's task
specs with the new one's by BPMN id, then by structure; the caller's explicit
mapping (a renamed element) overrides that alignment. The workflow's tasks are then
pointed at their new specs as ``migrate_workflow`` does, but without resetting the
ready tasks: ``migrate_workflow`` resets every ready or waiting branch, which would
drop a person's form data and a multi-instance sheet's scorer, and restart every
timer. Here only what must change is touched:

- an active task (ready, waiting, started, failed) needs a counterpart, else the
  instance cannot move (``removed``), nor when the counterpart is of another kind
  (``type_changed``);
- a waiting boundary timer whose definition changed is reset (it is recomputed from
  the moment of migration); one the new version removed is dropped;
- a finished task whose element the new version removed keeps its place in the
  tree as an anonymous finished step (the service's history keeps its name);
- predicted tasks (what might come next) are dropped: the engine predicts again
  from the new version when their predecessor completes.
- an active task whose next element the new version changed leads to the new one
  (its stale FUTURE child is replaced; the task keeps its id);
- a running embedded subprocess (``workflow.subprocesses``) is checked and moved the
  same way against its counterpart in the target's ``subprocess_specs``, found from
  the alignment of the task that runs it (:func:`_parts`).

:func:`check` says all of that without changing anything (the dry run); :func:`apply`
does it. Both work on a restored workflow; the :class:`Engine` does restore and store.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.util.task import TaskState

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
# SpiffWorkflow names the specs it derives from a BPMN element after it.
_DERIVED = (".BoundaryEventSplit", ".BoundaryEventJoin", " [child]")
_STRUCTURE = frozenset({"name", "bpmn_id", "bpmn_name", "inputs", "outputs"})
"""Spec attributes that say where an element is and what it is called, not how it runs (a move shows those)."""
_ANONYMOUS = "Start"  # present in every process spec; has no BPMN id, so no history or index reads it


@dataclass(frozen=True)
class Move:
    """One active element of an instance and where it goes."""
    source: str
    source_name: str
    target: str | None
    target_name: str | None
    state: str
    changes: tuple[str, ...] = ()
    """What differs on the aligned element (SpiffWorkflow's spec attributes), e.g. ``extensions``."""
    timer_reset: bool = False


@dataclass(frozen=True)
class Obstacle:
    """Why an instance cannot move: ``code`` (removed, type_changed, subprocess, unknown_target), its element."""
    code: str
    element_id: str
    name: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Check:
    moves: list[Move] = field(default_factory=list)
    obstacles: list[Obstacle] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    """Waiting boundary events the new version removed: they end with the migration."""
    forgotten: list[str] = field(default_factory=list)
    """Finished elements the new version removed (kept as anonymous finished steps)."""


def default_mapping(original: Any, new: Any, registry: Any) -> dict[str, str | None]:
    """Each BPMN element of ``original`` and its counterpart in ``new`` (same id, else by structure; None: none)."""
    diff = SpecDiff(registry, original, new)
    out: dict[str, str | None] = {}
    for old, aligned in diff.alignment.items():
        if old is None or not getattr(old, "bpmn_id", None) or old.name.endswith(" [child]"):
            continue
        out[old.bpmn_id] = getattr(aligned, "bpmn_id", None) if aligned is not None else None
    for name, spec in original.task_specs.items():
        if getattr(spec, "bpmn_id", None) and spec.bpmn_id not in out and not name.endswith(" [child]"):
            out[spec.bpmn_id] = spec.bpmn_id if spec.bpmn_id in _bpmn_ids(new) else None
    return out


def _bpmn_ids(spec: Any) -> set[str]:
    return {s.bpmn_id for s in spec.task_specs.values() if getattr(s, "bpmn_id", None)}


def _alignment(original: Any, new: Any, registry: Any, mapping: dict[str, str]) -> tuple[SpecDiff, list[Obstacle]]:
    """SpiffWorkflow's alignment, overridden by the explicit ``mapping`` (and the specs derived from its elements)."""
    diff = SpecDiff(registry, original, new)
    obstacles = []
    for source, target in mapping.items():
        if source not in original.task_specs:
            obstacles.append(Obstacle("unknown_source", source, source))
            continue
        if target not in new.task_specs:
            obstacles.append(Obstacle("unknown_target", source, _name(original.task_specs[source]), {"target": target}))
            continue
        for suffix in ("",) + _DERIVED:
            old, aligned = original.task_specs.get(source + suffix), new.task_specs.get(target + suffix)
            if old is None:
                continue
            diff.alignment[old] = aligned
            if aligned is not None:
                diff.comparisons[old] = diff._compare_task_specs(old, aligned)
    return diff, obstacles


@dataclass(frozen=True)
class _Part:
    """The workflow or one of its subprocesses (an embedded ``bpmn:subProcess`` running), and where it goes."""
    workflow: Any
    new: Any
    """The target version's spec for it (the process, or the subprocess's spec in ``subprocess_specs``)."""
    mapping: dict[str, str]
    """The explicit instructions for elements of this part (element ids are unique in a document)."""


def _parts(workflow: BpmnWorkflow, new: Any, new_subprocesses: dict[str, Any], registry: Any,
           mapping: dict[str, str]) -> tuple[list[_Part], list[Obstacle]]:
    """The top workflow and each running subprocess with its target spec (SpiffWorkflow's ``diff_workflow`` pairs
    them by the subprocess spec's name; here by the alignment of the task that runs it, so a mapped, renamed
    subprocess element follows its mapping). A subprocess whose element has no counterpart is left out: the task
    that runs it is active, so the top part reports it as removed (or of another type)."""
    inner = {spec_name for spec in (workflow.subprocess_specs or {}).values() for spec_name in spec.task_specs}
    top = {s: t for s, t in mapping.items() if s not in inner or s in workflow.spec.task_specs}
    parts, obstacles = [_Part(workflow, new, top)], []
    targets = {id(workflow): (new, _alignment(workflow.spec, new, registry, top)[0])}
    for sp_id, sp in workflow.subprocesses.items():  # created parent first, so a nested one finds its parent's
        runner = workflow.get_task_from_id(sp_id)
        found = targets.get(id(runner.workflow))
        if found is None:
            continue
        aligned = found[1].alignment.get(runner.task_spec, found[0].task_specs.get(runner.task_spec.name))
        if aligned is None or type(aligned) is not type(runner.task_spec):
            continue
        target = new_subprocesses.get(getattr(aligned, "spec", None) or "")
        if target is None:  # a called process the target does not carry
            obstacles.append(Obstacle("subprocess", runner.task_spec.bpmn_id or "", _name(runner.task_spec)))
            continue
        own = {s: t for s, t in mapping.items() if s in sp.spec.task_specs}
        parts.append(_Part(sp, target, own))
        targets[id(sp)] = (target, _alignment(sp.spec, target, registry, own)[0])
    return parts, obstacles


def check(workflow: BpmnWorkflow, new: Any, registry: Any, mapping: dict[str, str],
          new_subprocesses: dict[str, Any] | None = None) -> Check:
    """What migrating ``workflow`` to ``new`` would do, and what stops it; changes nothing.

    ``new_subprocesses``: the target's subprocess specs; each running embedded subprocess is checked against its
    counterpart like the top level (its active tasks need counterparts of the same kind, and so on)."""
    parts, obstacles = _parts(workflow, new, new_subprocesses or {}, registry, mapping)
    result = Check(obstacles=list(obstacles))
    for part in parts:
        _check_part(part.workflow, part.new, registry, part.mapping, result)
    result.forgotten = sorted(set(result.forgotten))
    result.dropped = sorted(set(result.dropped))
    return result


def _check_part(workflow: Any, new: Any, registry: Any, mapping: dict[str, str], result: Check) -> None:
    diff, obstacles = _alignment(workflow.spec, new, registry, mapping)
    result.obstacles.extend(obstacles)
    seen: set[str] = set()  # a multi-instance activity is one element, however many sheets it has open
    for task in workflow.get_tasks(skip_subprocesses=True):
        spec = task.task_spec
        aligned = diff.alignment.get(spec, new.task_specs.get(spec.name))
        active = task.has_state(ACTIVE)
        if aligned is None:
            if not active:
                if task.has_state(TaskState.FINISHED_MASK) and getattr(spec, "bpmn_id", None):
                    result.forgotten.append(spec.bpmn_id)
                continue
            if isinstance(spec, BoundaryEvent) and task.has_state(TaskState.WAITING):
                result.dropped.append(spec.bpmn_id)
                continue
            if getattr(spec, "bpmn_id", None):
                result.obstacles.append(Obstacle("removed", spec.bpmn_id, _name(spec)))
            continue
        if not active or not getattr(spec, "bpmn_id", None) or spec.bpmn_id in seen:
            continue
        seen.add(spec.bpmn_id)
        if type(aligned) is not type(spec):
            result.obstacles.append(Obstacle("type_changed", spec.bpmn_id, _name(spec),
                                             {"target": aligned.bpmn_id or aligned.name}))
            continue
        changes = tuple(k for k in diff.comparisons.get(spec) or () if k not in _STRUCTURE)
        timer = isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)
        result.moves.append(Move(spec.bpmn_id, _name(spec), aligned.bpmn_id, _name(aligned), TaskState.get_name(task.state),
                                 changes, timer and bool(changes)))


def apply(workflow: BpmnWorkflow, new: Any, registry: Any, mapping: dict[str, str],
          new_subprocesses: dict[str, Any] | None = None) -> Check:
    """Point ``workflow`` and its running subprocesses at ``new`` (call :func:`check` first: this assumes no
    obstacles); the caller sets the target's ``subprocess_specs`` and runs on."""
    found = check(workflow, new, registry, mapping, new_subprocesses)
    parts, _ = _parts(workflow, new, new_subprocesses or {}, registry, mapping)
    diffs = [(part, _alignment(part.workflow.spec, part.new, registry, part.mapping)[0]) for part in parts]
    for part, diff in diffs:  # every alignment is taken before any spec changes
        _apply_part(part.workflow, part.new, diff)
    return found


def _apply_part(workflow: Any, new: Any, diff: SpecDiff) -> None:
    tasks = workflow.get_tasks(skip_subprocesses=True)
    predicted = [t for t in tasks if t.has_state(TaskState.PREDICTED_MASK)]
    for task in predicted:  # the engine predicts again from the new version
        if task.id in workflow.tasks and task.parent is not None and task.parent.id in workflow.tasks:
            workflow._remove_task(task.id)
    timers_to_reset = []
    for task in list(workflow.tasks.values()):
        spec = task.task_spec
        aligned = diff.alignment.get(spec, new.task_specs.get(spec.name))
        if aligned is None:
            if isinstance(spec, BoundaryEvent) and task.has_state(TaskState.WAITING):
                task._set_state(TaskState.CANCELLED)
                task.task_spec = new.task_specs[_ANONYMOUS]
                continue
            task.task_spec = new.task_specs[_ANONYMOUS]
            continue
        changed = bool(set(diff.comparisons.get(spec) or ()) - _STRUCTURE)
        task.task_spec = aligned
        if changed and task.has_state(TaskState.WAITING) and \
                isinstance(getattr(aligned, "event_definition", None), TimerEventDefinition):
            timers_to_reset.append(task)
    workflow.spec = new
    _follow_new_outputs(workflow)
    _add_new_boundary_events(workflow)
    for task in timers_to_reset:
        task.reset_branch(None)
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None


def _follow_new_outputs(workflow: Any) -> None:
    """An active task whose next element the new version changed (a task added after it, one removed) leads there.

    SpiffWorkflow made the active task's successor a FUTURE child when the task became ready, and completing the
    task only runs its children: a child the new version no longer has after it is removed, with its subtree, and
    the new successors are added. Nothing else is touched (the active tasks keep their ids)."""
    for task in workflow.get_tasks(skip_subprocesses=True, state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
        if isinstance(task.task_spec, LoopTask):
            continue  # its children are its instances, not its outputs
        outputs = list(task.task_spec.outputs)
        stale = [c for c in task.children if c.has_state(TaskState.FUTURE | TaskState.PREDICTED_MASK)
                 and not c.triggered and c.task_spec not in outputs]
        if not stale:
            continue
        for child in stale:
            workflow._remove_task(child.id)
        present = {c.task_spec for c in task.children}
        for output in outputs:
            if output not in present:  # and what follows it, as SpiffWorkflow predicts a branch it takes
                child = task._add_child(output, TaskState.FUTURE)
                output._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)


def _add_new_boundary_events(workflow: Any) -> None:
    """A boundary event the new version attaches to an active task starts waiting now."""
    for split in workflow.get_tasks(skip_subprocesses=True, state=TaskState.COMPLETED):
        if not isinstance(split.task_spec, BoundaryEventSplit):
            continue
        children = split.children
        if not any(c.has_state(ACTIVE) and not isinstance(c.task_spec, BoundaryEvent) for c in children):
            continue
        present = {c.task_spec for c in children}
        for output in split.task_spec.outputs:
            if output not in present and isinstance(output, BoundaryEvent):
                child = split._add_child(output, TaskState.FUTURE)
                output._update(child)


def move_token(workflow: BpmnWorkflow, cancel: str, start_before: str) -> None:
    """Cancel the active element ``cancel`` and start the instance again just before ``start_before``.

    The token is the active task (or, for an activity with boundary events, the split that
    started it and its events): it is reset and pointed at ``start_before``'s entry, so it runs
    with the data it had when ``cancel`` began. The caller checks ids with :func:`modification_obstacles`.
    """
    spec = workflow.spec
    task = next(t for t in workflow.get_tasks(skip_subprocesses=True, state=ACTIVE)
                if t.task_spec.bpmn_id == cancel and not t.task_spec.name.endswith(" [child]"))
    token = task.parent if isinstance(task.parent.task_spec, BoundaryEventSplit) else task
    entry = spec.task_specs.get(f"{start_before}.BoundaryEventSplit") or spec.task_specs[start_before]
    for child in list(token.children):
        workflow._remove_task(child.id)
    token.task_spec = entry
    token.reset_branch(None)
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None


def modification_obstacles(workflow: BpmnWorkflow, cancel: str, start_before: str) -> list[Obstacle]:
    """Why the token cannot move from ``cancel`` to before ``start_before`` (empty: it can)."""
    spec = workflow.spec
    out = []
    active = [t for t in workflow.get_tasks(skip_subprocesses=True, state=ACTIVE)
              if t.task_spec.bpmn_id == cancel]
    if not active:
        source = spec.task_specs.get(cancel)
        out.append(Obstacle("not_active", cancel, _name(source) if source is not None else cancel))
    elif any(isinstance(t.task_spec, BoundaryEvent) or t.task_spec.name.endswith(" [child]")
             or isinstance(t.parent.task_spec, LoopTask) for t in active):
        out.append(Obstacle("not_movable", cancel, _name(active[0].task_spec)))
    target = spec.task_specs.get(start_before)
    if target is None or not getattr(target, "bpmn_id", None):
        out.append(Obstacle("unknown_target", start_before, start_before, {"target": start_before}))
    elif isinstance(target, BoundaryEvent) or not target.inputs:
        out.append(Obstacle("not_a_start", start_before, _name(target)))
    return out


def _name(spec: Any) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name
