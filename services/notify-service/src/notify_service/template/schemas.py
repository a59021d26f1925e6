from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ChannelName = Literal["sms", "email", "in_app"]


class TemplateText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str | None = Field(
        default=None, max_length=2000, description="e-mail subject or in-app title; none for SMS"
    )
    body: str = Field(min_length=1, max_length=20000, description="SMS text, e-mail plain part, in-app body")
    html: str | None = Field(default=None, max_length=100000, description="e-mail HTML part (autoescaped)")


class Template(TemplateText):
    kind: str
    channel: str
    version: int = Field(description="0: the built-in default; each save adds one")
    created_at: datetime | None
    created_by: str | None
    variables: list[str] = Field(description="the values the template reads from the request's data")
    sample_data: dict[str, Any] = Field(description="what a save renders the template with")


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any] | None = Field(default=None, description="none: the kind's sample data")
    template: TemplateText | None = Field(default=None, description="none: the current version")


class Preview(BaseModel):
    kind: str
    channel: str
    version: int | None = Field(description="the version rendered; null for an unsaved template")
    subject: str | None
    body: str
    html: str | None
