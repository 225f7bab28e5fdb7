"""People, their roles, their API tokens and their browser sessions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, event, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.extensions import Base
from service.models.org import OrgUnit
from service.models.types import UtcDateTime

ROLES = (
    "unit_submitter", "unit_leader", "vetter", "leading_group", "group_leader",
    "office", "scorer", "chair_office", "process_admin",
)


class User(Base):
    __tablename__ = "users"
    # the username is unique whatever its case (``username_taken``): two requests at once cannot both pass the check
    __table_args__ = (Index("uq_users_username_lower", func.lower(text("username")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10), default="zh-CN")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    role_rows: Mapped[list["UserRole"]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def roles(self) -> frozenset[str]:
        """The roles held, in any unit (``role_units`` says where)."""
        return frozenset(r.role for r in self.role_rows)

    def roles_in(self, unit_id: int | None) -> frozenset[str]:
        """The roles held in ``unit_id`` (the person's own unit: the roles the person page ticks)."""
        return frozenset(r.role for r in self.role_rows if r.unit_id == unit_id)

    def role_units(self, role: str) -> frozenset[int]:
        """The units in which the person holds ``role``."""
        return frozenset(r.unit_id for r in self.role_rows if r.role == role)


class UserRole(Base):
    """A role held in one unit: a person may hold roles in several (office staff of a county union who
    also scores for the federation)."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True, index=True)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")


@event.listens_for(User.role_rows, "append")
def _held_in_own_unit(person: User, held: UserRole, _initiator: object) -> None:
    """A role given without a unit is held in the person's own unit."""
    if held.unit_id is None and person.unit_id is not None:
        held.unit_id = person.unit_id


class Credential:
    """What a bearer token and a browser login share: whose it is, the SHA-256 of its secret (never the secret),
    when it was issued, when it expires and when it was revoked; ``tokens.revoke_all_credentials`` revokes both
    kinds by these columns. A mixin, not a table: each kind keeps its own table (the schema is unchanged)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ApiToken(Credential, Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"


class PasswordLink(Base):
    """A one-time link to set a password (a new account's, or after the office resets it); only its SHA-256 is stored."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))  # invite | reset
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class BrowserSession(Credential, Base):
    """A browser login: the cookie carries a random id, only its SHA-256 is stored here.

    The server decides whether it still counts: logging out, a password change
    or the account's deactivation sets ``revoked_at``, and a copied cookie stops
    working at once.
    """

    __tablename__ = "browser_sessions"
