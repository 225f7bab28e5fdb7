"""Queries about the organisation: units, the people in them, their one-time password links. Never commits."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from service.models import ApiToken, OrgImport, OrgUnit, PasswordLink, Task, User, UserRole


def units_by_code(session: Session) -> list[OrgUnit]:
    """Every organisation unit, in code order."""
    return list(session.scalars(select(OrgUnit).order_by(OrgUnit.code)))


def existing_unit_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Which of these unit ids exist."""
    return set(session.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(set(ids)))))


def units_of_types(session: Session, types: Iterable[str]) -> list[OrgUnit]:
    """Units of these types, in code order."""
    return list(session.scalars(select(OrgUnit).where(OrgUnit.type.in_(list(types))).order_by(OrgUnit.code)))


def federation(session: Session) -> OrgUnit | None:
    """The federation at the root of the organisation (the issuer of the award documents)."""
    return session.scalar(select(OrgUnit).where(OrgUnit.type == "federation", OrgUnit.parent_id.is_(None))
                          .order_by(OrgUnit.id))


def unit_by_id(session: Session, unit_id: int) -> OrgUnit | None:
    return session.get(OrgUnit, unit_id)


def unit_by_code(session: Session, code: str) -> OrgUnit | None:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def units(session: Session, *, include_inactive: bool = True) -> list[OrgUnit]:
    """Every unit, by code."""
    query = select(OrgUnit).order_by(OrgUnit.code)
    if not include_inactive:
        query = query.where(OrgUnit.is_active.is_(True))
    return list(session.scalars(query))


def unit_rows(session: Session) -> list[tuple[int, str, str, str, str, int | None, bool]]:
    """(id, code, name, name_en, type, parent_id, is_active) of every unit: the import's picture of the tree."""
    return [tuple(r) for r in session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.name_en,
                                                     OrgUnit.type, OrgUnit.parent_id, OrgUnit.is_active))]


def active_members_of_unit(session: Session, unit_id: int) -> int:
    """How many active people and active units are directly in the unit."""
    people = session.scalar(select(func.count()).select_from(User)
                            .where(User.unit_id == unit_id, User.is_active.is_(True))) or 0
    children = session.scalar(select(func.count()).select_from(OrgUnit)
                              .where(OrgUnit.parent_id == unit_id, OrgUnit.is_active.is_(True))) or 0
    return people + children


def people(session: Session, *, unit_id: int | None = None, q: str | None = None, include_inactive: bool = False,
           offset: int = 0, limit: int = 50, where: Any = None) -> tuple[list[User], int]:
    """People in a unit (or all; those ``where`` admits: policies.unit_filter), matching ``q`` in username, name,
    phone or e-mail; and their count."""
    scope, where = where, []
    if scope is not None:
        where.append(scope)
    if unit_id is not None:
        where.append(User.unit_id == unit_id)
    if not include_inactive:
        where.append(User.is_active.is_(True))
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(*(column.ilike(like, escape="\\") for column in (User.username, User.display_name,
                                                                          User.phone, User.email))))
    total = session.scalar(select(func.count()).select_from(User).where(*where)) or 0
    rows = list(session.scalars(select(User).where(*where).order_by(User.unit_id, User.username)
                                .offset(offset).limit(limit)))
    return rows, total


def person_rows(session: Session) -> list[tuple[int, str, str, int, str | None, str | None, bool, str]]:
    """(id, username, display_name, unit_id, phone, email, is_active, password_hash) of every person."""
    return [tuple(r) for r in session.execute(select(User.id, User.username, User.display_name, User.unit_id,
                                                     User.phone, User.email, User.is_active, User.password_hash))]


def units_where(session: Session, where: Any) -> list[OrgUnit]:
    """Units (those ``where`` admits: policies.unit_filter), by code."""
    query = select(OrgUnit) if where is None else select(OrgUnit).where(where)
    return list(session.scalars(query.order_by(OrgUnit.code)))


def role_rows(session: Session) -> dict[int, set[tuple[str, int]]]:
    """Each person's roles, as (role, the unit it is held in)."""
    out: dict[int, set[tuple[str, int]]] = {}
    for user_id, role, unit_id in session.execute(select(UserRole.user_id, UserRole.role, UserRole.unit_id)):
        out.setdefault(user_id, set()).add((role, unit_id))
    return out


def username_taken(session: Session, username: str, *, other_than: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.username) == username.lower())
    if other_than is not None:
        query = query.where(User.id != other_than)
    return session.scalar(query.limit(1)) is not None


def unit_code_taken(session: Session, code: str, *, other_than: int | None = None) -> bool:
    query = select(OrgUnit.id).where(func.lower(OrgUnit.code) == code.lower())
    if other_than is not None:
        query = query.where(OrgUnit.id != other_than)
    return session.scalar(query.limit(1)) is not None


def claimed_open_tasks(session: Session, user_id: int) -> list[Task]:
    """Open tasks the person has claimed, locked for release."""
    query = select(Task).where(Task.assignee_id == user_id, Task.state == "open").order_by(Task.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(session.scalars(query))


def live_link(session: Session, token_hash: str) -> PasswordLink | None:
    """The password link with this digest, locked (used or expired ones too: the caller says which)."""
    query = select(PasswordLink).where(PasswordLink.token_hash == token_hash)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def retire_links(session: Session, user_id: int, at: object) -> None:
    """Unused links of the person stop working (a newer one was sent, or the password was set)."""
    session.execute(update(PasswordLink).where(PasswordLink.user_id == user_id, PasswordLink.used_at.is_(None))
                    .values(used_at=at).execution_options(synchronize_session=False))


def live_token_count(session: Session, user_id: int, now: object) -> int:
    return session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)) or 0


def org_import(session: Session, import_id: int) -> OrgImport | None:
    return session.get(OrgImport, import_id)


def users_by_ids(session: Session, ids: Iterable[int]) -> list[User]:
    wanted = sorted(set(ids))
    return list(session.scalars(select(User).where(User.id.in_(wanted)))) if wanted else []


def user_ids_by_username(session: Session, usernames: list[str]) -> dict[str, int]:
    """Ids of the people with these usernames (one query per 1,000 names)."""
    out: dict[str, int] = {}
    for start in range(0, len(usernames), 1000):
        chunk = usernames[start:start + 1000]
        out.update({name: i for i, name in session.execute(select(User.id, User.username)
                                                           .where(User.username.in_(chunk)))})
    return out


def unit(session: Session, unit_id: int) -> OrgUnit | None:
    return session.get(OrgUnit, unit_id)


def person(session: Session, person_id: int) -> User | None:
    return session.get(User, person_id)


# --------------------------------------------------------------------------- the workbook's bulk writes
# A few statements per table, whatever the number of rows (executemany: SQLite's in C, psycopg's pipelined).


def insert_units(session: Session, rows: list[dict]) -> None:
    session.execute(insert(OrgUnit.__table__), rows)


def update_units(session: Session, rows: list[dict]) -> None:
    """Set the given columns (the same in every row) of each unit by id."""
    _update_by_id(session, OrgUnit.__table__, rows)


def insert_people(session: Session, rows: list[dict]) -> None:
    session.execute(insert(User.__table__), rows)


def update_people(session: Session, rows: list[dict]) -> None:
    _update_by_id(session, User.__table__, rows)


def insert_roles(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(UserRole.__table__), rows)


def replace_roles(session: Session, user_ids: list[int], rows: list[dict]) -> None:
    """The people's roles become exactly ``rows``."""
    session.execute(delete(UserRole).where(UserRole.user_id.in_(user_ids)))
    insert_roles(session, rows)


def insert_links(session: Session, rows: list[dict]) -> None:
    session.execute(insert(PasswordLink.__table__), rows)


def _update_by_id(session: Session, table: Any, rows: list[dict]) -> None:
    if not rows:
        return
    columns = [c for c in rows[0] if c != "id"]
    statement = update(table).where(table.c.id == bindparam("b_id")).values(
        {c: bindparam(f"b_{c}") for c in columns})
    session.execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in rows])
