from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from identity_service.models import Role


def normalise_email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"địa chỉ email không hợp lệ: {exc}") from exc


MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalise_phone(value: str) -> str:
    """A mobile number in E.164; national Vietnamese forms (0912 345 678, 84912345678) are understood."""
    raw = value.strip()
    if raw.startswith("84") and not raw.startswith("+"):
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"số điện thoại không hợp lệ: {exc}") from exc
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValueError("cần một số điện thoại di động hợp lệ (ví dụ 0912 345 678)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def distinct_roles(roles: list[Role]) -> list[Role]:
    return sorted(set(roles))


Email = Annotated[
    str, Field(max_length=254, examples=["an.nv@ninhbinh.gov.vn"]), AfterValidator(normalise_email)
]
Phone = Annotated[str, Field(max_length=32, examples=["0912 345 678"]), AfterValidator(normalise_phone)]
Roles = Annotated[list[Role], Field(min_length=1, max_length=5), AfterValidator(distinct_roles)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        min_length=3,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9._-]+$",
        description="lower-case letters, digits, dot, dash, underscore",
    )
    full_name: str = Field(min_length=1, max_length=255, examples=["Nguyễn Văn An"])
    agency_id: UUID = Field(description="the agency the user acts for (from the routing directory)")
    roles: Roles = Field(default_factory=lambda: [Role.SPECIALIST], description="roles in that agency")
    email: Email | None = None
    phone: Phone | None = Field(default=None, description="stored in E.164 (+84…)")
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=1024,
        description="initial password; without one, send a reset link (POST …/password-reset)",
    )


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, min_length=1, max_length=255)  # None: leave unchanged
    email: Email | None = None
    phone: Phone | None = None


class RolesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: Roles


class Membership(BaseModel):
    agency_id: UUID
    agency_code: str
    agency_name: str
    roles: list[Role]


class User(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    username: str
    full_name: str
    agency_id: UUID = Field(description="the agency a login acts for by default")
    email: str | None
    phone: str | None
    active: bool
    has_password: bool
    created_at: datetime
    updated_at: datetime | None
    memberships: list[Membership]

    @field_validator("memberships", mode="before")
    @classmethod
    def _group_roles_by_agency(cls, value: Any) -> Any:
        """The model holds one row per (agency, role); the API shows one entry per agency."""
        if not isinstance(value, Iterable) or all(isinstance(v, dict | Membership) for v in value):
            return value
        grouped: dict[UUID, Membership] = {}
        for row in value:
            entry = grouped.setdefault(
                row.agency_id,
                Membership(
                    agency_id=row.agency_id,
                    agency_code=row.agency.code,
                    agency_name=row.agency.name,
                    roles=[],
                ),
            )
            entry.roles.append(Role(row.role))
        for entry in grouped.values():
            entry.roles.sort()
        return sorted(grouped.values(), key=lambda m: m.agency_code)
