"""Shapes shared by many operations: pages of items, paging parameters, problems."""
from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import ConfigDict, Field

from service.schemas.base import Query, Read

T = TypeVar("T")
MAX_ID = 2**31 - 1
Id = Field(ge=1, le=MAX_ID)


class Paging(Query):
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class Items(Read, Generic[T]):
    items: list[T]


class Page(Read, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


class FieldError(Read):
    """One bad field: its dotted path and what is wrong (``code``/``char`` for unstorable text)."""

    model_config = ConfigDict(extra="allow")

    field: str
    message: str


class Problem(Read):
    """An error (RFC 9457 ``application/problem+json``); a 422 lists ``errors``, a bad BPMN ``problems``."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    problems: list[dict[str, Any]] | None = None
