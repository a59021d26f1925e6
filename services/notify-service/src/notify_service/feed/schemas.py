from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class FeedItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    user_id: UUID
    kind: str = Field(examples=["user.welcome"])
    title: str = Field(examples=["Chào mừng đến với hệ thống quản lý văn bản"])
    body: str
    data: dict[str, Any] = Field(description="the request id, its agency, and the values the text shows")
    created_at: datetime
    read_at: datetime | None = Field(description="when the user first opened it; null while unread")


class UnreadCount(BaseModel):
    user_id: UUID
    unread: int
