"""In-app notifications, the outbox of messages to send, e-mail opt-outs and department webhooks."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..platform.clock import now
from ..platform.extensions import db

#: What a notification is about (the events of issue #26).
KINDS = ("exam_published", "exam_closing", "result_ready", "makeup", "session_tomorrow", "reminder")
CHANNELS = ("email", "wecom", "dingtalk")
STATES = ("queued", "sent", "failed")
WEBHOOK_KINDS = ("wecom", "dingtalk")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Notification(db.Model):
    """One message in a person's bell; created once per event and person (`dedup_key`)."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        # The bell's count on every page: one indexed COUNT of the person's unread rows.
        Index("ix_notification_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    #: A path inside the platform (never an outside address).
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    read_at: Mapped[object | None] = mapped_column(db.DateTime)
    #: The event and person, e.g. "published:12:345": the same event never notifies twice.
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)


class OutboxMessage(db.Model):
    """A message to send by e-mail or to a group robot; `flask notifications send` sends it.

    Sent at least once: a sender that dies between sending and marking leaves the message
    queued, and it goes again with the same `idempotency_key` (the Message-ID of the e-mail,
    a line of the robot text), never as a different duplicate."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint(_in("state", STATES), name="state_known"),
        CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name="sent_has_time"),
        # The sender's claim: due queued messages in order.
        Index("ix_outbox_message_state_next_try", "state", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    #: An e-mail address, or the department id whose webhook receives it (read when sending, so
    #: a corrected URL applies to what is still queued; the URL and secret never sit here).
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    #: Sending tries started (a try that crashed counts too).
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not sent before this moment: back-off after a failure, or the lease of a sender sending it.
    next_try_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    sent_at: Mapped[object | None] = mapped_column(db.DateTime)


class NotificationPreference(db.Model):
    """A person's choice about e-mail reminders (no row: e-mails on)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    email_off: Mapped[bool] = mapped_column(default=False)


class DepartmentWebhook(db.Model):
    """The group robot (企业微信 or 钉钉) of one department's work group, set by an admin."""

    __tablename__ = "department_webhook"
    __table_args__ = (CheckConstraint(_in("kind", WEBHOOK_KINDS), name="kind_known"),)

    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    #: Checked by webhooks.url_problem: https on the service's own host only (no SSRF).
    url: Mapped[str] = mapped_column(String(500))
    #: 钉钉's 加签 secret (SEC...), or None when the robot uses keywords or addresses instead.
    secret: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[object] = mapped_column(db.DateTime, default=now, onupdate=now)

    department = relationship("Department")
