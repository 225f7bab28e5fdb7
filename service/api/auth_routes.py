"""Token issue and revocation, and who am I."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from service.api import schemas
from service.api.common import current_user, iso, services, session
from service.api.contract import operation
from service.auth import tokens
from service.schemas.auth import PasswordChange, TokenRead, TokenRequest, UserRead
from service.workflows import accounts

bp = Blueprint("auth", __name__)


@bp.post("/auth/token")
@operation("Exchange username and password for a bearer token", body=TokenRequest, ok=201, response=TokenRead,
           errors=(400, 401, 429), secured=False)
def issue(body: TokenRequest) -> tuple[dict, int]:
    db = session()  # limited per username and client address (service.auth.ratelimit)
    user = tokens.authenticate_password(db, body.username, body.password)
    plain, row = tokens.issue_token(db, user, services().settings.token_ttl)
    db.commit()
    return {"token": plain, "token_type": "Bearer", "expires_at": iso(row.expires_at), "user": schemas.user(user)}, 201


@bp.delete("/auth/token")
@operation("Revoke the token used for this request", ok=204, errors=(401,))
def revoke() -> tuple[str, int]:
    current_user()
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        tokens.revoke_token(session(), header[7:].strip())
        session().commit()
    return "", 204


@bp.get("/me")
@operation("The authenticated user", response=UserRead, errors=(401,))
def me() -> dict:
    return schemas.user(current_user())


@bp.post("/me/password")
@operation("Change your password; every other token and browser login of yours stops working (the one used here "
           "continues)", body=PasswordChange, ok=204, errors=(401, 422, 429))
def change_password(body: PasswordChange) -> tuple[str, int]:
    user = current_user()
    header = request.headers.get("Authorization", "")
    keep_token = header[7:].strip() if header.lower().startswith("bearer ") else None
    keep_login = None if keep_token else current_app.extensions["appraisal.session_login"]()
    accounts.change_password(session=session(), user=user, current=body.current_password, new=body.new_password,
                                keep_token=keep_token, keep_login=keep_login)
    return "", 204
