"""Organisation units and the people the office manages, and the organisation workbook's vocabulary."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr, field_validator

from service.catalogue import codes
from service.schemas.base import Body, From, Query, Read
from service.schemas.common import MAX_ID, Page, Paging

UnitType = Literal["federation", "federation_department", "county_union", "development_zone_union",
                   "industry_union", "bureau_union", "direct_grassroots_union", "enterprise"]
Role = Literal["unit_submitter", "unit_leader", "vetter", "leading_group", "group_leader", "office", "scorer",
               "chair_office", "process_admin"]

# The workbook's words for unit types and roles: their Chinese names, the catalogue's one table of each
# (service/catalogue/codes.py, which the pages use too); the code is accepted too.
UNIT_TYPE_LABELS: dict[str, str] = codes.UNIT_TYPE
ROLE_LABELS: dict[str, str] = codes.ROLE
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@\-]*$"
PHONE_PATTERN = r"^\+?[0-9][0-9\- ]{4,30}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class OrgUnitRead(Read):
    id: int
    code: str
    name: str
    name_en: str | None
    type: str
    parent_id: int | None
    supervising_union_id: int | None
    is_active: bool | None = None


class OrgUnitQuery(Paging):
    include_inactive: bool = False


class OrgUnitCreate(Body):
    """A unit; its parent is the union it belongs to (an enterprise's supervising union when that vets)."""

    code: StrictStr = Field(min_length=1, max_length=40, pattern=CODE_PATTERN)
    name: StrictStr = Field(min_length=1, max_length=200)
    name_en: StrictStr = Field("", max_length=200)
    type: UnitType
    parent_id: StrictInt | None = Field(None, ge=1, le=MAX_ID)

    strip_text = field_validator("code", "name", "name_en", mode="before")(_stripped)


class OrgUnitUpdate(Body):
    """Any of a unit's fields; ``is_active: false`` deactivates it (no active people or units may remain under it)."""

    code: StrictStr | None = Field(None, min_length=1, max_length=40, pattern=CODE_PATTERN)
    name: StrictStr | None = Field(None, min_length=1, max_length=200)
    name_en: StrictStr | None = Field(None, max_length=200)
    type: UnitType | None = None
    parent_id: StrictInt | None = Field(None, ge=1, le=MAX_ID)
    is_active: StrictBool | None = None

    strip_text = field_validator("code", "name", "name_en", mode="before")(_stripped)


class PersonQuery(Paging):
    unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    q: str | None = Field(None, max_length=80)
    include_inactive: bool = False


class RoleElsewhere(Body):
    """A role held in another unit than the person's own (office staff of a county union who also scores for the
    federation)."""

    role: Role
    unit_id: StrictInt = Field(ge=1, le=MAX_ID)


class RoleHeld(Read):
    role: str
    unit_id: int
    unit_name: str


class PersonCreate(Body):
    """A person and their roles in their unit; they are sent a one-time link to set their password."""

    username: StrictStr = Field(min_length=1, max_length=80, pattern=USERNAME_PATTERN)
    display_name: StrictStr = Field(min_length=1, max_length=120)
    unit_id: StrictInt = Field(ge=1, le=MAX_ID)
    roles: list[Role] = Field(default_factory=list, max_length=9)
    other_roles: list[RoleElsewhere] = Field(default_factory=list, max_length=50)
    phone: StrictStr | None = Field(None, max_length=40, pattern=PHONE_PATTERN)
    email: StrictStr | None = Field(None, max_length=200, pattern=EMAIL_PATTERN)

    strip_text = field_validator("username", "display_name", "phone", "email", mode="before")(_stripped)


class PersonUpdate(Body):
    """Any of a person's fields; ``is_active: false`` deactivates them (their claimed tasks go back to the pool)."""

    username: StrictStr | None = Field(None, min_length=1, max_length=80, pattern=USERNAME_PATTERN)
    display_name: StrictStr | None = Field(None, min_length=1, max_length=120)
    unit_id: StrictInt | None = Field(None, ge=1, le=MAX_ID)
    roles: list[Role] | None = Field(None, max_length=9)
    other_roles: list[RoleElsewhere] | None = Field(None, max_length=50)
    phone: StrictStr | None = Field(None, max_length=40, pattern=PHONE_PATTERN)
    email: StrictStr | None = Field(None, max_length=200, pattern=EMAIL_PATTERN)
    is_active: StrictBool | None = None

    strip_text = field_validator("username", "display_name", "phone", "email", mode="before")(_stripped)


class PersonRead(Read):
    """A person as the office manages them (never their password or links)."""

    id: int
    username: str
    display_name: str
    unit_id: int
    unit_code: Annotated[str, From("unit.code")]
    unit_name: Annotated[str, From("unit.name")]
    roles: list[str]
    role_units: list[RoleHeld] = []
    phone: str | None
    email: str | None
    is_active: bool
    has_password: bool


class PasswordLinkRead(Read):
    """A one-time link was queued for the person (the link itself goes only to them)."""

    user_id: int
    purpose: str
    expires_at: str
    channels: list[str]


class SetPassword(Body):
    """A one-time link's token and the new password."""

    token: StrictStr = Field(min_length=1, max_length=200)
    password: StrictStr = Field(min_length=10, max_length=200)


class ImportQuery(Query):
    dry_run: bool = True


class ImportIssue(Read):
    sheet: str
    row: int
    column: str
    field: str
    message: str


class ImportRowRead(Read):
    sheet: str
    row: int
    key: str
    result: str  # create | update | unchanged | deactivate | error


class ImportReport(Read):
    """What the workbook would do (dry run) or did: every row's result and every error by sheet, row and column."""

    import_id: int | None = None
    dry_run: bool
    imported: bool
    counts: dict[str, dict[str, int]]
    rows: list[ImportRowRead]
    errors: list[ImportIssue]


People = Page[PersonRead]
