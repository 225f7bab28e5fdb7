"""Token issue and revocation, and who am I."""
from __future__ import annotations

from flask import Blueprint, request

from service.api import schemas
from service.api.common import current_user, iso, json_body, services, session
from service.auth import tokens
from service.auth.ratelimit import check_login_rate
from service.errors import ValidationFailed

bp = Blueprint("auth", __name__)


@bp.post("/auth/token")
def issue() -> tuple[dict, int]:
    body = json_body()
    username, password = body.get("username"), body.get("password")
    errors = [{"field": f, "message": "required"} for f, v in (("username", username), ("password", password))
              if not isinstance(v, str) or not v]
    if errors:
        raise ValidationFailed(errors)
    check_login_rate(f"{request.remote_addr}:{username}", services().settings.login_attempts_per_minute)
    db = session()
    user = tokens.authenticate_password(db, username, password)
    plain, row = tokens.issue_token(db, user, services().settings.token_ttl)
    db.commit()
    return {"token": plain, "token_type": "Bearer", "expires_at": iso(row.expires_at), "user": schemas.user(user)}, 201


@bp.delete("/auth/token")
def revoke() -> tuple[str, int]:
    current_user()
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        tokens.revoke_token(session(), header[7:].strip())
        session().commit()
    return "", 204


@bp.get("/me")
def me() -> dict:
    return schemas.user(current_user())
