"""Name → function registry for service-task handlers.

Handlers are pure: they take the evaluated operator parameters as keyword
arguments and return JSON-serialisable data. Keeping them free of I/O lets the
engine run them inside the same transaction as the workflow step.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # importing service here would import the engine, which imports this registry
    from service.catalogue import LazyText

HandlerFn = Callable[..., Any]


class HandlerError(ValueError):
    """A handler refused its input. ``message`` is a lazy msgid (``_l``) with its parameters: the incident
    keeps the msgid and parameters (``service.catalogue.stored``) and is shown in its reader's language."""

    def __init__(self, message: LazyText | str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Handler:
    name: str
    fn: HandlerFn
    description: str


_REGISTRY: dict[str, Handler] = {}
_BUILTIN_MODULES = ("handlers.scoring", "handlers.calendar", "handlers.notify")


def handler(name: str) -> Callable[[HandlerFn], HandlerFn]:
    """Register ``fn`` under ``name``; a second registration of a name is a bug."""

    def register(fn: HandlerFn) -> HandlerFn:
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise RuntimeError(f"handler {name!r} registered twice")
        _REGISTRY[name] = Handler(name, fn, (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "")
        return fn

    return register


def _load_builtins() -> None:
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def get_handler(name: str) -> Handler | None:
    """The handler registered under ``name``, or None."""
    _load_builtins()
    return _REGISTRY.get(name)


def registered_names() -> list[str]:
    """Every registered handler name, sorted (for validation messages and the editor)."""
    _load_builtins()
    return sorted(_REGISTRY)
