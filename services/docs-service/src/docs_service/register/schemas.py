from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from docs_service.models import RegisterKind, RegisterSeries


class Register(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    agency_id: UUID
    year: int = Field(description="calendar year in Vietnam time; numbering restarts each 1 January")
    kind: RegisterKind
    series: RegisterSeries
    title: str = Field(examples=["Sổ đăng ký văn bản đi"])
    last_number: int = Field(description="the last number given out in this register; 0 while unused")
    created_at: datetime
