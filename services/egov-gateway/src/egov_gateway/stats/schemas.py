from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])]


class AgencyStats(BaseModel):
    """One agency's electronic exchange in one month (see the README for what each number counts)."""

    agency_id: UUID
    agency_code: str
    agency_name: str
    month: Month
    sent: int = Field(description="distinct documents the agency sent electronically (new documents)")
    sent_axis: int = Field(description="of which sent to at least one agency through the national axis")
    sent_signed: int = Field(description="of which digitally signed")
    received: int = Field(description="deliveries the agency received electronically (new documents)")
    received_axis: int = Field(description="of which received through the national axis")
    received_signed: int = Field(description="of which digitally signed")
    signed_percent: float = Field(description="share of sent + received that was digitally signed, in %")
    completed_on_time: int = Field(description="received deliveries whose first 06 came by the due date")
    completed_late: int = Field(description="received deliveries whose first 06 came after the due date")
    still_open: int = Field(description="received deliveries with no 06 yet")

    def numbers(self) -> dict[str, int | float]:
        return self.model_dump(exclude={"agency_id", "agency_code", "agency_name", "month"})


class MonthStats(BaseModel):
    month: Month
    agencies: list[AgencyStats]
