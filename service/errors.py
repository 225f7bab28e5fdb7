"""The service's exception hierarchy, mapped one-to-one to HTTP problems.

ServiceError                      500
 ├── BadRequest                   400  malformed input (e.g. a BPMN document); ``problems`` list elements
 ├── Unauthenticated              401  no or bad credentials
 ├── Forbidden                    403  authenticated but not allowed
 ├── NotFound                     404  no such thing (or not visible to this user)
 ├── Conflict                     409  already done, claimed by someone else, or a stale update
 ├── ValidationFailed             422  field errors: ``errors`` = [{field, message}]
 └── TooManyRequests              429  rate limit
"""
from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 500
    title = "Internal error"

    def __init__(self, detail: object, **extra: Any):
        detail = str(detail)  # a lazy msgid (``_l``) in the language of the request that raised it
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequest(ServiceError):
    status, title = 400, "Bad request"


class Unauthenticated(ServiceError):
    status, title = 401, "Authentication required"


class Forbidden(ServiceError):
    status, title = 403, "Forbidden"


class NotFound(ServiceError):
    status, title = 404, "Not found"


class Conflict(ServiceError):
    status, title = 409, "Conflict"


class ValidationFailed(ServiceError):
    status, title = 422, "Validation failed"

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None):
        super().__init__(detail or "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]), errors=errors)
        self.errors = errors


class TooManyRequests(ServiceError):
    status, title = 429, "Too many requests"
