"""Functions that BPMN service tasks call by name.

A service task names an operator (``spiffworkflow:serviceTaskOperator id="..."``);
the engine looks it up here, so uploaded BPMN can only call what this package
registers and never runs Python of its own.
"""
from handlers.registry import HandlerError, get_handler, handler, registered_names

__all__ = ["HandlerError", "get_handler", "handler", "registered_names"]
