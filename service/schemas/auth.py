"""Tokens and the people they belong to."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from service.schemas.base import Body, From, Read


class TokenRequest(Body):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class UserRead(Read):
    id: int
    username: str
    display_name: str
    unit_id: int
    unit_name: Annotated[str, From("unit.name")]
    roles: list[str]
    locale: str


class TokenRead(Read):
    token: str
    token_type: str
    expires_at: str
    user: UserRead
