"""The audit log of security events (ASVS 16.3): append-only from the app."""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..platform.clock import now
from ..platform.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[object] = mapped_column(db.DateTime, default=now, index=True)
    #: e.g. "login.success", "login.failure", "roster.import", "password.reset"
    action: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    #: What was typed or touched, for events without a known actor (a failed login name).
    subject: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict] = mapped_column(db.JSON, default=dict)

    actor = relationship("User")


def record(action: str, *, actor=None, subject: str = "", **details) -> AuditEvent:
    """Add an event to the current transaction (the caller's commit stores it with the change)."""
    event = AuditEvent(action=action, actor_id=getattr(actor, "id", actor), subject=subject[:200],
                       address=(request.remote_addr or "")[:64] if has_request_context() else "cli",
                       details=details)
    db.session.add(event)
    return event
