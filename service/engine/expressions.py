"""A small, safe evaluator for the expressions found in uploaded BPMN.

Gateway conditions, timer expressions and service-task parameters are written
by process administrators, so they must never reach ``eval``. This module
accepts a whitelist of Python expression syntax (literals, names, comparison,
boolean and arithmetic operators, subscripts, a few pure functions and a few
read-only methods) and rejects everything else before evaluating it.
"""
from __future__ import annotations

import ast
import operator
from functools import lru_cache
from typing import Any, Mapping

MAX_EXPRESSION_LENGTH = 2000

_BIN_OPS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_UNARY_OPS: dict[type, Any] = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos}
_CMP_OPS: dict[type, Any] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_FUNCTIONS: dict[str, Any] = {
    "len": len,
    "min": min,
    "max": max,
    "sum": sum,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "any": any,
    "all": all,
    "sorted": sorted,
}
_METHODS: dict[type, frozenset[str]] = {
    dict: frozenset({"get", "keys", "values", "items"}),
    str: frozenset({"lower", "upper", "strip", "startswith", "endswith"}),
    list: frozenset({"count", "index"}),
}
_CONSTANTS = {"True": True, "False": False, "None": None, "true": True, "false": False, "null": None}


class ExpressionError(ValueError):
    """The expression is not allowed or failed to evaluate; ``expression`` names it.

    ``kind`` says why in a word (``syntax``, ``node``, ``name``, ``function`` …, or ``runtime`` for a
    failure while evaluating) and ``subject`` what it concerns, so validation can tell people in
    their language (:data:`service.engine.problems.EXPRESSION_REASONS`).
    """

    def __init__(self, message: str, expression: str, kind: str = "runtime", subject: str = ""):
        super().__init__(f"{message} in expression {expression!r}")
        self.reason = message
        self.expression = expression
        self.kind = kind
        self.subject = subject


@lru_cache(maxsize=4096)
def compile_expression(expression: str) -> ast.Expression:
    """Parse and check an expression once; the tree is cached for re-use."""
    if not isinstance(expression, str) or not expression.strip():
        raise ExpressionError("empty expression", str(expression), "empty")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError("expression too long", expression[:80], "too_long", str(MAX_EXPRESSION_LENGTH))
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", expression, "syntax", str(exc.msg)) from None
    for node in ast.walk(tree):
        _check_node(node, expression)
    return tree


def _check_node(node: ast.AST, expression: str) -> None:
    allowed = (
        ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BoolOp, ast.And, ast.Or,
        ast.UnaryOp, ast.BinOp, ast.Compare, ast.IfExp, ast.Subscript, ast.Slice,
        ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Call, ast.Attribute,
        *_BIN_OPS, *_UNARY_OPS, *_CMP_OPS,
    )
    if not isinstance(node, allowed):
        raise ExpressionError(f"{type(node).__name__} is not allowed", expression, "node", type(node).__name__)
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise ExpressionError(f"name {node.id!r} is not allowed", expression, "name", node.id)
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_") or not any(node.attr in names for names in _METHODS.values()):
            raise ExpressionError(f"attribute {node.attr!r} is not allowed", expression, "attribute", node.attr)
    if isinstance(node, ast.Call):
        if node.keywords:
            raise ExpressionError("keyword arguments are not allowed", expression, "keywords")
        if isinstance(node.func, ast.Name):
            if node.func.id not in _FUNCTIONS:
                raise ExpressionError(f"function {node.func.id!r} is not allowed", expression, "function", node.func.id)
        elif not isinstance(node.func, ast.Attribute):
            raise ExpressionError("only named functions may be called", expression, "call")
    if isinstance(node, ast.Constant) and isinstance(node.value, (bytes, complex)):
        raise ExpressionError("bytes and complex literals are not allowed", expression, "literal")


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """Evaluate ``expression`` against ``context`` (the task data)."""
    tree = compile_expression(expression)
    try:
        return _Evaluator(context, expression).visit(tree.body)
    except ExpressionError:
        raise
    except RecursionError:
        raise ExpressionError("expression nests too deeply", expression) from None
    except Exception as exc:  # noqa: BLE001 - any runtime failure becomes a named expression error
        raise ExpressionError(f"{type(exc).__name__}: {exc}", expression) from None


def validate(expression: str) -> None:
    """Raise ExpressionError if ``expression`` could never be evaluated safely."""
    compile_expression(expression)


def names_read(expression: str) -> frozenset[str]:
    """The variables ``expression`` reads from the task data (not constants, not function names).

    Validation checks each against what the process can have set by the time it is evaluated.
    """
    tree = compile_expression(expression)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return frozenset(node.id for node in ast.walk(tree)
                     if isinstance(node, ast.Name) and id(node) not in called and node.id not in _CONSTANTS)


class _Evaluator:
    def __init__(self, context: Mapping[str, Any], expression: str):
        self.context = context
        self.expression = expression

    def visit(self, node: ast.AST) -> Any:
        return getattr(self, f"visit_{type(node).__name__}")(node)

    def visit_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in self.context:
            return self.context[node.id]
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise ExpressionError(f"name {node.id!r} is not defined", self.expression)

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        result: Any = isinstance(node.op, ast.And)
        for value in node.values:
            result = self.visit(value)
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        return _UNARY_OPS[type(node.op)](self.visit(node.operand))

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Mult) and any(isinstance(v, (str, list, tuple)) for v in (left, right)):
            raise ExpressionError("repeating sequences is not allowed", self.expression)
        return _BIN_OPS[type(node.op)](left, right)

    def visit_Compare(self, node: ast.Compare) -> Any:
        left = self.visit(node.left)
        for op, comparator in zip(node.ops, node.comparators):
            right = self.visit(comparator)
            if not _CMP_OPS[type(op)](left, right):
                return False
            left = right
        return True

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        return self.visit(node.value)[self.visit(node.slice)]

    def visit_Slice(self, node: ast.Slice) -> Any:
        parts = (node.lower, node.upper, node.step)
        return slice(*(self.visit(p) if p is not None else None for p in parts))

    def visit_List(self, node: ast.List) -> Any:
        return [self.visit(e) for e in node.elts]

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        return tuple(self.visit(e) for e in node.elts)

    def visit_Set(self, node: ast.Set) -> Any:
        return {self.visit(e) for e in node.elts}

    def visit_Dict(self, node: ast.Dict) -> Any:
        if any(k is None for k in node.keys):
            raise ExpressionError("dict unpacking is not allowed", self.expression)
        return {self.visit(k): self.visit(v) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        target = self.visit(node.value)
        allowed = _METHODS.get(type(target), frozenset())
        if node.attr not in allowed:
            raise ExpressionError(f"attribute {node.attr!r} is not allowed on {type(target).__name__}", self.expression)
        return getattr(target, node.attr)

    def visit_Call(self, node: ast.Call) -> Any:
        func = _FUNCTIONS[node.func.id] if isinstance(node.func, ast.Name) else self.visit(node.func)
        return func(*(self.visit(a) for a in node.args))
