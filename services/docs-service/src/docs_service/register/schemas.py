from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from docs_service.models import RegisterKind


class Register(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    agency_id: UUID
    year: int = Field(description="calendar year in Vietnam time; numbering restarts each 1 January")
    kind: RegisterKind
    series: str = Field(
        description="number series (Điều 15): administrative, secret, or legal.<type code> for a "
        "legal-normative type",
        examples=["administrative", "secret", "legal.quyet_dinh_qppl"],
    )
    title: str = Field(examples=["Sổ đăng ký văn bản đi"])
    last_number: int = Field(description="the last number given out in this register; 0 while unused")
    created_at: datetime


class RegisterCreate(BaseModel):
    """A register as configuration: another series, or next year's ahead of time."""

    model_config = ConfigDict(extra="forbid")

    kind: RegisterKind
    series: Annotated[str, StringConstraints(pattern=r"^(administrative|secret|legal\.[a-z_]{1,26})$")] = (
        Field(description="administrative, secret, or legal.<code of a legal-normative type>")
    )
    year: int = Field(ge=2000, le=2999)
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)] | None = (
        Field(default=None, description="omit for the standard title (Sổ đăng ký văn bản đi / đến …)")
    )
