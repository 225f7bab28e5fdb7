"""Accounts: one-time links to set a password, password changes, and what deactivating a person does.

A new account has no password; it is sent a one-time link (``links.set_password``)
by e-mail, or by SMS when it has no address. The office's reset sends a new link
and withdraws the old password and every credential. A link works once, until
``PASSWORD_LINK_TTL_HOURS``; only its SHA-256 is stored, and a newer link or a
password set retires the older ones.

Deactivating a person withdraws their credentials (``tokens.revoke_all_credentials``)
and releases the open tasks they had claimed to their role's pool, each release
audited, and the pool told (``task_released``).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock
from service.auth import policies, tokens
from service.auth.passwords import hash_password, verify_password
from service.errors import NotFound, ValidationFailed
from service.models import PasswordLink, User
from service.repositories import audit as audit_repo
from service.repositories import org as org_repo
from service.schemas.auth import PASSWORD_MIN_LENGTH, password_problem
from service.workflows import audit, links, outbox
from service.workflows.recipients import Pool, resolve

NO_PASSWORD = "!"  # no Argon2 hash: no password verifies against it
MIN_PASSWORD = PASSWORD_MIN_LENGTH


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_channels(user: Any) -> list[str]:
    """A link goes where only its person reads it: e-mail, else SMS (the in-app inbox needs a login)."""
    return ["email"] if user.email else (["sms"] if user.phone else [])


def link_rows(*, user: Any, purpose: str, by: User | None, ttl: timedelta, now: Any) -> tuple[dict, list[dict]]:
    """A new link's row and its notification's outbox rows (for callers writing many in one statement)."""
    link, rows, _ = _link(user=user, purpose=purpose, by=by, ttl=ttl, now=now)
    return link, rows


def _link(*, user: Any, purpose: str, by: User | None, ttl: timedelta, now: Any) -> tuple[dict, list[dict], str]:
    plain = secrets.token_urlsafe(32)
    expires = now + ttl
    link = {"user_id": user.id, "token_hash": digest(plain), "purpose": purpose,
            "created_by": by.id if by else None, "created_at": now, "expires_at": expires, "used_at": None}
    template = "account_invite" if purpose == "invite" else "password_reset"
    context = {"username": user.username, "link": links.set_password(plain),
               "expires_at": expires.isoformat()}
    rows = outbox.rows_for(key=f"password_link:{link['token_hash'][:32]}:{user.id}", user=user, template=template,
                           context=context, channels=link_channels(user), now=now)
    return link, rows, plain


def send_link(session: Session, *, user: User, purpose: str, by: User | None, ttl: timedelta) -> dict[str, Any]:
    """Queue a one-time link for ``user`` in the caller's transaction; older unused links stop working.

    The result names the link's path too, for ``appraisal first-office`` to print; never send it to anyone else.
    """
    now = clock.now()
    org_repo.retire_links(session, user.id, now)
    link, rows, plain = _link(user=user, purpose=purpose, by=by, ttl=ttl, now=now)
    session.add(PasswordLink(**link))
    outbox.insert_rows(session, rows)
    audit.record(session, actor=by, action="send_password_link", object_type="user", object_id=user.id,
                 detail={"purpose": purpose, "channels": link_channels(user)})
    return {"user_id": user.id, "purpose": purpose, "expires_at": link["expires_at"].isoformat(),
            "channels": link_channels(user), "link": links.set_password(plain)}


def reset_password(*, session: Session, user: User, person_id: int, ttl: timedelta) -> dict[str, Any]:
    """The office's reset: the old password and every credential stop working, and a new link is sent."""
    person = org_repo.person(session, person_id)
    if person is None or not policies.manages_unit(user, person.unit):  # another union's people: not there
        raise NotFound(_("人员 {person_id} 不存在", person_id=person_id))
    if not person.is_active:
        raise ValidationFailed([{"field": "is_active", "message": _("已停用的人员不能重置密码")}])
    if not link_channels(person):
        raise ValidationFailed([{"field": "email", "message": _("须有电子邮箱或手机号才能发送链接")}])
    person.password_hash = NO_PASSWORD
    tokens.revoke_all_credentials(session, person)
    sent = send_link(session, user=person, purpose="reset", by=user, ttl=ttl)
    session.commit()
    del sent["link"]  # the link goes only to its person
    return sent


def link_holder(session: Session, token: str) -> PasswordLink:
    """The live link for ``token`` (not used, not expired, its person active), or a 404."""
    link = org_repo.live_link(session, digest(token))
    if link is None or link.used_at is not None or link.expires_at <= clock.now():
        raise NotFound(_("此链接无效、已使用或已过期"))
    person = org_repo.person(session, link.user_id)
    if person is None or not person.is_active:
        raise NotFound(_("此链接无效、已使用或已过期"))
    return link


def set_password_with_link(*, session: Session, token: str, password: str) -> User:
    """Set the password of the link's person; the link (and any other of theirs) is used up."""
    link = link_holder(session, token)
    _check_password(password, "password")
    person = org_repo.person(session, link.user_id)
    assert person is not None
    now = clock.now()
    person.password_hash = hash_password(password)
    org_repo.retire_links(session, person.id, now)
    audit.record(session, actor=person, action="set_password", object_type="user", object_id=person.id,
                 detail={"by": "link", "purpose": link.purpose})
    session.commit()
    return person


def change_password(*, session: Session, user: User, current: str, new: str, keep_token: str | None = None,
                    keep_login: str | None = None) -> int:
    """A person changes their own password; every other token and browser login of theirs is revoked
    (the one it was made with, ``keep_*``, continues). Returns how many were revoked."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed([{"field": "current_password", "message": _("当前密码不正确")}])
    _check_password(new, "new_password")
    user.password_hash = hash_password(new)
    revoked = tokens.revoke_all_credentials(session, user, keep_token=keep_token, keep_login=keep_login)
    org_repo.retire_links(session, user.id, clock.now())
    audit.record(session, actor=user, action="set_password", object_type="user", object_id=user.id,
                 detail={"by": "self", "revoked": revoked})
    session.commit()
    return revoked


def _check_password(password: str, field: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ValidationFailed([{"field": field, "message": problem}])


def deactivate(session: Session, *, person: User, by: User | None) -> list[int]:
    """Withdraw the person's credentials and release their claimed tasks to the pool; returns the task ids.

    Runs in the caller's transaction (the person's ``is_active`` is already false there).
    """
    now = clock.now()
    tokens.revoke_all_credentials(session, person)
    org_repo.retire_links(session, person.id, now)
    released = org_repo.claimed_open_tasks(session, person.id)
    if not released:
        return []
    pools = {t.id: Pool(t.role, t.unit_id) for t in released if t.candidate_user_id is None}
    people = resolve(session, set(pools.values()))
    rows: list[dict[str, Any]] = []
    for task in released:
        task.assignee_id, task.claimed_at = None, None
        audit.record(session, actor=by, action="release_task", object_type="task", object_id=task.id,
                     detail={"from_user_id": person.id, "reason": "deactivated"},
                     campaign_id=audit_repo.campaign_of_task(session, task))
        context = {"task_name": task.name, "released_from": person.display_name, "link": links.task(task.id),
                   "due_at": task.due_at.isoformat() if task.due_at else None}
        for member in people.get(pools.get(task.id), []) if task.id in pools else []:
            if member.id == person.id:
                continue
            rows += outbox.rows_for(key=f"task_released:{task.id}:{person.id}:{member.id}", user=member,
                                    template="task_released", context=context,
                                    campaign_id=audit_repo.campaign_of_task(session, task), now=now)
    outbox.insert_rows(session, rows)
    return [t.id for t in released]
