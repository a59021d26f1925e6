from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Choice(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    kind: str = Field(max_length=64, description='a notification kind, or "*" for every kind')
    channel: Literal["sms", "email", "in_app"]
    enabled: bool


class QuietHours(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    start: time = Field(description="Vietnam time (UTC+7), e.g. 22:00")
    end: time = Field(description="Vietnam time; earlier than start: the window spans midnight")

    @model_validator(mode="after")
    def _not_empty(self) -> "QuietHours":
        if self.start == self.end:
            raise ValueError("start and end are the same time: leave quiet_hours out to have none")
        return self


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choices: list[Choice] = Field(
        default_factory=list,
        max_length=200,
        description="a choice for a kind beats one for every kind (*), which beats the kind's defaults",
    )
    quiet_hours: QuietHours | None = Field(
        default=None, description="e-mail and SMS wait until it ends; critical requests do not"
    )
    critical_note: str = Field(
        default="OTP codes and Hỏa tốc documents (critical) always go out, whatever is chosen here.",
        description="read-only",
    )
