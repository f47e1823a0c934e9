"""Training sessions (培训班/场次) and the attendance recorded at them."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...platform.clock import now
from ...platform.extensions import db

SESSION_KINDS = {
    "class": _l("Training class"),
    "lecture": _l("Lecture"),
    "enforcement": _l("Enforcement staff training"),
    "legal_literate": _l("Legally literate persons training"),
    "other": _l("Other"),
}
MODES = {
    "offline": _l("Offline"),
    "online": _l("Online"),
    "hybrid": _l("Online and offline"),
}
ATTENDANCE_STATUSES = {
    "present": _l("Present"),
    "late": _l("Late"),
    "leave": _l("On leave"),
    "absent": _l("Absent"),
    "walk_in": _l("Walk-in"),
}
#: How an attendance record came to be.
SOURCES = {
    "manual": _l("Marked by staff"),
    "self": _l("Self check-in"),
    "import": _l("Sign-in sheet"),
}
#: Seconds a rotating check-in code lives (see checkin.code_at).
ROTATE_SECONDS = 60


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def new_checkin_secret() -> bytes:
    return secrets.token_bytes(32)


class TrainingSession(db.Model):
    __tablename__ = "training_session"
    __table_args__ = (
        CheckConstraint(_in("kind", SESSION_KINDS), name="kind_known"),
        CheckConstraint(_in("mode", MODES), name="mode_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="class")
    #: The organising department ("谁执法谁普法": reports count sessions per organiser).
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    #: A trainer on the platform; outside lecturers are named in trainer_name instead.
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    trainer_name: Mapped[str] = mapped_column(String(64), default="")
    starts_at: Mapped[object] = mapped_column(db.DateTime, index=True)
    ends_at: Mapped[object] = mapped_column(db.DateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[str] = mapped_column(String(10), default="offline")
    #: 学时 credited to each person who attended.
    hours: Mapped[float] = mapped_column(db.Numeric(5, 1, asdecimal=False), default=0)
    #: The course this session belongs to (courses.id; no foreign key until courses exist).
    course_id: Mapped[int | None] = mapped_column(index=True)
    #: Expected attendees: [{"department_id": 3, "categories": ["staff"]}, ...], each a
    #: department with everything below it, limited to the categories (empty: all).
    audience: Mapped[list] = mapped_column(db.JSON, default=list)
    #: People expected besides the audience above (user ids).
    expected_added: Mapped[list] = mapped_column(db.JSON, default=list)
    #: Key of the check-in codes (HMAC); never shown, never leaves the server.
    checkin_secret: Mapped[bytes] = mapped_column(LargeBinary(64), default=new_checkin_secret)
    #: The code on the projector changes every ROTATE_SECONDS (a code sent away soon stops working).
    rotate_codes: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    department = relationship("Department")
    trainer = relationship("User", foreign_keys=[trainer_id])
    attendance: Mapped[list[Attendance]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                                        passive_deletes=True)

    @property
    def kind_label(self) -> str:
        return str(SESSION_KINDS[self.kind])

    @property
    def mode_label(self) -> str:
        return str(MODES[self.mode])

    @property
    def trainer_label(self) -> str:
        return self.trainer.name if self.trainer is not None else self.trainer_name

    @property
    def rotate_seconds(self) -> int | None:
        return ROTATE_SECONDS if self.rotate_codes else None

    def __repr__(self):
        return f"<TrainingSession {self.id} {self.title}>"


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_attendance_session_user"),
        CheckConstraint(_in("status", ATTENDANCE_STATUSES), name="status_known"),
        CheckConstraint(_in("source", SOURCES), name="source_known"),
        # Leave is only granted for a reason, and the reason is what the report shows.
        CheckConstraint("status != 'leave' OR leave_reason != ''", name="leave_has_reason"),
        # A self check-in always knows when it happened.
        CheckConstraint("source != 'self' OR checked_in_at IS NOT NULL", name="self_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    leave_reason: Mapped[str] = mapped_column(String(200), default="")
    #: When the person arrived (self check-in, or the time written on a paper sheet).
    checked_in_at: Mapped[object | None] = mapped_column(db.DateTime)
    source: Mapped[str] = mapped_column(String(10), default="manual")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[object] = mapped_column(db.DateTime, default=now, onupdate=now)

    session: Mapped[TrainingSession] = relationship(back_populates="attendance")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def status_label(self) -> str:
        return str(ATTENDANCE_STATUSES[self.status])

    @property
    def source_label(self) -> str:
        return str(SOURCES[self.source])


class CheckinFailure(db.Model):
    """Wrong self check-in codes of one person for one session: at CHECKIN_WRONG_CODES_BEFORE_LOCK
    the person's self check-in to that session is locked until a trainer unlocks it (review
    finding 4: a limit kept in the session cookie reset at every sign-in)."""

    __tablename__ = "checkin_failure"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_checkin_failure_session_user"),
        # Locked exactly when the lock time is set; never locked without a wrong code.
        CheckConstraint("locked_at IS NULL OR wrong_codes > 0", name="locked_after_wrong_codes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    wrong_codes: Mapped[int] = mapped_column(default=0)
    last_wrong_at: Mapped[object] = mapped_column(db.DateTime)
    #: When the self check-in was locked (None: not locked); a trainer's unlock deletes the row.
    locked_at: Mapped[object | None] = mapped_column(db.DateTime)

    user = relationship("User", foreign_keys=[user_id])
