"""The agency directory's API shapes, and the rules for codes, contacts and searchable text.

Agency codes (DOMAIN.md §2): QCVN 102 is ``V1V2V3.Z1Z2.Y1Y2.MX1X2`` with level 1 on the right and
unused levels zero-filled; the 3-group form ``28.22.H17`` seen in samples is read as
``000.28.22.H17`` (the raw value is kept). QĐ 20/2020 codes are at most 35 capital letters,
digits and dots, level 1 on the left.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated, Any, Final
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    computed_field,
    field_validator,
)

from kit_contracts import Tier

QCVN102_PATTERN: Final = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"
QD20_PATTERN: Final = r"^[0-9A-Z]+(?:\.[0-9A-Z]+)*$"
QD20_MAX_LENGTH: Final = 35
_QCVN102 = re.compile(QCVN102_PATTERN, re.ASCII)
_QCVN102_SHORT = re.compile(r"^\d{2}\.\d{2}\.[A-Z]\d{2}$", re.ASCII)
_QD20 = re.compile(QD20_PATTERN, re.ASCII)
_PHONE = re.compile(r"^\+?[0-9 .\-()]+$", re.ASCII)
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)

# A child never sits above its parent: central > province > district > commune.
TIER_RANK: Final[dict[str, int]] = {
    Tier.CENTRAL.value: 0,
    Tier.PROVINCE.value: 1,
    Tier.DISTRICT.value: 2,
    Tier.COMMUNE.value: 3,
}


def fold(text: str) -> str:
    """Lower case without tones or marks, đ → d, single spaces: "Phường Đông Thành" → "phuong dong thanh"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def search_text(*parts: str | None) -> str:
    return fold(" ".join(p for p in parts if p))


def is_qcvn102(value: str) -> bool:
    return bool(_QCVN102.fullmatch(value) or _QCVN102_SHORT.fullmatch(value))


def canonical_code(value: str) -> str:
    """The canonical 13-character QCVN 102 form of ``value`` (ValueError if it is not one)."""
    if _QCVN102.fullmatch(value):
        return value
    if _QCVN102_SHORT.fullmatch(value):
        return "000." + value
    raise ValueError(
        f"{value!r} is not a QCVN 102 agency code: expected three digits, two, two, then a capital "
        "letter and two digits, separated by dots, like 000.00.00.H42 (or the short form 00.00.H42)"
    )


def code_level(code: str) -> int:
    """Cấp 1 to 4 of a canonical QCVN 102 code: its left-most group that is not zero-filled."""
    v, z, y, _ = code.split(".")
    if v != "000":
        return 4
    if z != "00":
        return 3
    if y != "00":
        return 2
    return 1


def is_qd20(value: str) -> bool:
    return len(value) <= QD20_MAX_LENGTH and bool(_QD20.fullmatch(value))


def _qcvn102(value: str) -> str:
    value = value.strip()
    canonical_code(value)
    return value  # as supplied: the service stores the canonical form and keeps this one too


def _qd20(value: str) -> str:
    value = value.strip()
    if not is_qd20(value):
        raise ValueError(
            f"{value!r} is not a QĐ 20/2020 agency code: use at most {QD20_MAX_LENGTH} capital letters, "
            "digits and dots, level 1 first, like G09.20"
        )
    return value


def _phone(value: str) -> str:
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.fullmatch(value) or not 8 <= digits <= 15:
        raise ValueError(
            f"{value!r} is not a phone number: use 8 to 15 digits with spaces, dots or dashes, "
            "optionally starting with +84, like 0229 3871 105"
        )
    return value


def _website(value: str) -> str:
    problem = (
        f"{value!r} is not a web address: write it in full, starting with https:// or http://, "
        "like https://ninhbinh.gov.vn"
    )
    if not value.lower().startswith(("https://", "http://")):
        raise ValueError(problem)
    try:
        _HTTP_URL.validate_python(value)
    except ValidationError:
        raise ValueError(problem) from None
    return value


def trim(value: Any) -> Any:
    """Strip, and NFC: Vietnamese arrives composed or decomposed, and must compare equal either way."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def blank_to_none(value: Any) -> Any:
    value = trim(value)
    return value if value != "" else None


_Trim = BeforeValidator(trim)
QcvnCode = Annotated[
    str,
    _Trim,
    AfterValidator(_qcvn102),
    Field(
        examples=["000.00.00.H42"],
        description="QCVN 102 code V1V2V3.Z1Z2.Y1Y2.MX1X2, level 1 on the right; "
        "the short form 00.00.H42 is read as 000.00.00.H42",
    ),
]
Qd20Code = Annotated[
    str,
    _Trim,
    AfterValidator(_qd20),
    Field(
        max_length=QD20_MAX_LENGTH, examples=["G09.20"], description="QĐ 20/2020 code, level 1 on the left"
    ),
]
Name = Annotated[str, _Trim, Field(min_length=1, max_length=255, examples=["Ủy ban nhân dân tỉnh Ninh Bình"])]
ShortName = Annotated[str, _Trim, Field(max_length=50, examples=["UBND"], description="used in notations")]
Address = Annotated[str, _Trim, Field(max_length=500)]
Phone = Annotated[str, _Trim, AfterValidator(_phone), Field(max_length=32)]
Email = Annotated[EmailStr, _Trim, Field(max_length=254)]
Website = Annotated[str, _Trim, AfterValidator(_website), Field(max_length=255)]

# Optional fields: a blank value is the same as no value.
_Blank = BeforeValidator(blank_to_none)
OptionalQcvnCode = Annotated[QcvnCode | None, _Blank]
OptionalQd20Code = Annotated[Qd20Code | None, _Blank]
OptionalName = Annotated[Name | None, _Blank]
OptionalShortName = Annotated[ShortName | None, _Blank]
OptionalAddress = Annotated[Address | None, _Blank]
OptionalPhone = Annotated[Phone | None, _Blank]
OptionalEmail = Annotated[Email | None, _Blank]
OptionalWebsite = Annotated[Website | None, _Blank]


class OrgCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: QcvnCode
    qd20_code: OptionalQd20Code = None
    name: Name
    short_name: OptionalShortName = None
    tier: Tier
    parent_id: UUID | None = None
    address: OptionalAddress = None
    phone: OptionalPhone = None
    email: OptionalEmail = None
    website: OptionalWebsite = None
    external: bool = Field(default=False, description="reached through the national axis, not served here")


class OrgUpdate(BaseModel):
    """Only the fields sent change; null clears an optional field (parent_id: null makes a root)."""

    model_config = ConfigDict(extra="forbid")

    code: OptionalQcvnCode = None
    qd20_code: OptionalQd20Code = None
    name: OptionalName = None
    short_name: OptionalShortName = None
    tier: Tier | None = None
    parent_id: UUID | None = None
    address: OptionalAddress = None
    phone: OptionalPhone = None
    email: OptionalEmail = None
    website: OptionalWebsite = None
    active: bool | None = None
    external: bool | None = None

    @field_validator("code", "name", "tier", "active", "external", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be cleared; leave the field out to keep it")
        return value


class Org(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    code: str = Field(description="QCVN 102 code, canonical")
    code_raw: str | None = Field(description="the code as supplied, when it was not in canonical form")
    qd20_code: str | None
    name: str
    short_name: str | None
    tier: Tier
    parent_id: UUID | None
    address: str | None
    phone: str | None
    email: str | None
    website: str | None
    external: bool
    active: bool
    created_at: datetime
    updated_at: datetime | None

    @computed_field(description="cấp 1 to 4 of the QCVN 102 code (its left-most group not zero-filled)")  # type: ignore[prop-decorator]
    @property
    def level(self) -> int:
        return code_level(self.code)


class OrgNode(Org):
    depth: int = Field(description="0 for the subtree's root, 1 for its children, …")


class ImportReport(BaseModel):
    created: int
    updated: int
    unchanged: int


class RowError(BaseModel):
    row: int = Field(description="1 is the header row, 2 the first agency")
    column: str | None = Field(description="the column at fault, or null for the whole row")
    message: str
