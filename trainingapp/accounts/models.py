"""People, roles and the department tree."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..platform.clock import now
from ..platform.extensions import db
from . import hashing

ROLES = {
    "cadre": _l("Cadre"),
    "trainer": _l("Trainer"),
    "liaison": _l("Liaison"),
    "admin": _l("Administrator"),
}
CATEGORIES = {
    "staff": _l("Established staff"),
    "contract": _l("Non-established staff"),
    "auxiliary": _l("Auxiliary enforcement staff"),
    "village": _l("Village (community) cadre"),
    "legal_literate": _l("Legally literate person"),
    "other": _l("Other"),
}
STATUSES = {
    "active": _l("In post"),
    "transferred": _l("Transferred"),
    "retired": _l("Retired"),
    "disabled": _l("Disabled"),
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Department(db.Model):
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_department_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: Optional organisation code (统一社会信用代码 or an internal code).
    code: Mapped[str | None] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent",
                                                       order_by="Department.position, Department.name")

    def __repr__(self):
        return f"<Department {self.id} {self.name}>"


class User(db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role_known"),
        CheckConstraint(_in("category", CATEGORIES), name="category_known"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        Index("ix_user_department_category", "department_id", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Phone number or staff number; what people type to log in.
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    category: Mapped[str] = mapped_column(String(20), default="staff")
    post: Mapped[str] = mapped_column(String(100), default="")
    #: Where e-mail reminders go (optional; checked by accounts/emails.py). Each person may turn
    #: e-mail reminders off (notifications: NotificationPreference); in-app notifications stay.
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(10), default="cadre")
    status: Mapped[str] = mapped_column(String(12), default="active")
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Set for passwords chosen by someone else (an admin, an import): changed at first login.
    must_change_password: Mapped[bool] = mapped_column(default=True)
    #: Bumped to end every session of this person (logout everywhere, deactivation, role change).
    session_version: Mapped[int] = mapped_column(default=1)
    #: The interface language this person chose ("zh" or "en"); None = the default.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    updated_at: Mapped[object] = mapped_column(db.DateTime, default=now, onupdate=now)

    department: Mapped[Department] = relationship()

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The session version travels in the cookie, so bumping it logs the person out everywhere.
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str, *, must_change: bool) -> None:
        key = "INITIAL_PASSWORD_HASH_METHOD" if must_change else "PASSWORD_HASH_METHOD"
        self.password_hash = hashing.hash_password(password, current_app.config[key])
        self.must_change_password = must_change

    def check_password(self, password: str) -> bool:
        """Check the password; a person's own password hashed by an older method is rehashed."""
        if not hashing.verify_password(self.password_hash, password):
            return False
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if not self.must_change_password and not hashing.is_current(self.password_hash, method):
            self.password_hash = hashing.hash_password(password, method)
        return True

    @property
    def role_label(self) -> str:
        return str(ROLES[self.role])

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])

    @property
    def status_label(self) -> str:
        return str(STATUSES[self.status])

    def __repr__(self):
        return f"<User {self.login}>"


class LoginThrottle(db.Model):
    """Recent failed sign-ins of one typed login, existing or not (see accounts/throttle.py)."""

    __tablename__ = "login_throttle"

    #: The login as typed, lower case and trimmed: unknown logins are throttled exactly alike.
    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[object] = mapped_column(db.DateTime, index=True)
    #: No password is checked for this login before this moment (None: no delay).
    blocked_until: Mapped[object | None] = mapped_column(db.DateTime)
