from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kit_db import UTCDateTime

from .base import Base


class StatusReport(Base):
    """A business status of ours sent back to an external sender: one per (routing delivery, status code).

    The package itself (an outbound ``exchange_package`` of kind ``status``) is built, signed and sent by
    the outbound worker; this row is what makes a redelivered ``DeliveryStatusChanged`` change nothing.
    """

    __tablename__ = "status_report"

    delivery_id: Mapped[UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(2), primary_key=True)
    package_id: Mapped[UUID] = mapped_column(
        ForeignKey("exchange_package.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatsDelivery(Base):
    """One delivery (routing's ``DeliveryCreated``) as the statistics count it: who sent what to whom,
    in which month (Vietnam time), through the axis or not, digitally signed or not, due when."""

    __tablename__ = "stats_delivery"

    delivery_id: Mapped[UUID] = mapped_column(primary_key=True)
    document_id: Mapped[UUID] = mapped_column()
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    sender_org_id: Mapped[UUID] = mapped_column(index=True)
    sender_code: Mapped[str] = mapped_column(String(13))
    recipient_org_id: Mapped[UUID] = mapped_column(index=True)
    recipient_code: Mapped[str] = mapped_column(String(13))
    outbound_axis: Mapped[bool] = mapped_column(Boolean)  # to an external agency, through the axis
    inbound_axis: Mapped[bool] = mapped_column(Boolean)  # from an external agency, through the axis
    signed: Mapped[bool] = mapped_column(Boolean)
    # The end of the document's due date (DocumentSummary.due_date, Vietnam time): a 06 after it is late.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatsCompletion(Base):
    """The first 06 (Hoàn thành) of a delivery's trail."""

    __tablename__ = "stats_completion"

    delivery_id: Mapped[UUID] = mapped_column(primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatsPublication(Base):
    """What was last pushed to the Government portal for one agency and month (re-sent when it changes)."""

    __tablename__ = "stats_publication"

    agency_id: Mapped[UUID] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
