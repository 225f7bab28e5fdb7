"""Tokens and the people they belong to."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from service.catalogue import _l
from service.schemas.base import Body, From, Read

# The one password rule (API, the password page, and whoever sets a password next).
PASSWORD_MIN_LENGTH = 10
PASSWORD_RULE = _l("至少 {n} 个字符，不能全是数字或全是字母", n=PASSWORD_MIN_LENGTH)


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be chosen (in the current locale), or None."""
    if len(password) < PASSWORD_MIN_LENGTH or password.isdigit() or password.isalpha():
        return str(PASSWORD_RULE)
    return None


def _strong(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return password


NewPassword = Annotated[str, Field(max_length=1000, description=f"at least {PASSWORD_MIN_LENGTH} characters, not only digits or only letters"), AfterValidator(_strong)]


class TokenRequest(Body):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class PasswordChange(Body):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: NewPassword


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
