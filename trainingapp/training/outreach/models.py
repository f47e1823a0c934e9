"""Public outreach events (普法活动), their photos and files, and responsibility lists (普法责任清单)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...platform.clock import now
from ...platform.extensions import db
from ...platform.uploads import IMAGES

EVENT_KINDS = {
    "lecture": _l("Law lecture"),
    "six_into": _l("\"Six into\" outreach"),
    "theme_day": _l("Theme day"),
    "visit": _l("Enterprise visit"),
    "other": _l("Other"),
}
#: Where a "六进" event went: 进机关、进乡村、进社区、进学校、进企业、进单位.
TARGETS = {
    "agency": _l("Into agencies"),
    "village": _l("Into villages"),
    "community": _l("Into communities"),
    "school": _l("Into schools"),
    "enterprise": _l("Into enterprises"),
    "unit": _l("Into units"),
}
#: The key dates of the outreach calendar, by their usual Chinese shorthand.
THEMES = {
    "3.8": _l("3.8 Women's Day"),
    "3.15": _l("3.15 Consumer Rights Day"),
    "4.15": _l("4.15 National Security Education Day"),
    "6.15": _l("6.15 Work Safety Day"),
    "6.26": _l("6.26 International Anti-Drug Day"),
    "11.9": _l("11.9 Fire Safety Day"),
    "12.4": _l("12.4 Constitution Week"),
    "other": _l("Another theme day"),
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class OutreachEvent(db.Model):
    __tablename__ = "outreach_event"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind_known"),
        CheckConstraint(f"target IS NULL OR {_in('target', TARGETS)}", name="target_known"),
        CheckConstraint(f"theme IS NULL OR {_in('theme', THEMES)}", name="theme_known"),
        # A "六进" event says where it went, a theme day which day; other kinds neither.
        CheckConstraint("(kind = 'six_into') = (target IS NOT NULL)", name="target_iff_six_into"),
        CheckConstraint("(kind = 'theme_day') = (theme IS NOT NULL)", name="theme_iff_theme_day"),
        CheckConstraint("audience >= 0", name="audience_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str | None] = mapped_column(String(20))
    theme: Mapped[str | None] = mapped_column(String(10))
    held_on: Mapped[object] = mapped_column(db.Date, index=True)
    #: The organising department; its responsibility list counts this event.
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    #: 惠及人次: people reached, counted by hand (the public has no accounts).
    audience: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    department = relationship("Department")
    files: Mapped[list[EventFile]] = relationship(back_populates="event", order_by="EventFile.id",
                                                  cascade="all, delete-orphan", passive_deletes=True)

    @property
    def kind_label(self) -> str:
        return str(EVENT_KINDS[self.kind])

    @property
    def detail_label(self) -> str:
        """The target of a 六进 event or the theme of a theme day, else empty."""
        if self.target:
            return str(TARGETS[self.target])
        if self.theme:
            return str(THEMES[self.theme])
        return ""

    def __repr__(self):
        return f"<OutreachEvent {self.id} {self.title}>"


class EventFile(db.Model):
    """A photo or document of an event, stored by trainingapp.platform.uploads."""

    __tablename__ = "event_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outreach_event.id", ondelete="CASCADE"), index=True)
    #: The generated name under instance/uploads/ (never the uploader's).
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    event: Mapped[OutreachEvent] = relationship(back_populates="files")

    @property
    def is_image(self) -> bool:
        return self.stored_name.rsplit(".", 1)[-1] in IMAGES


class ResponsibilityItem(db.Model):
    """One line of a department's 普法责任清单 for a year: a law and the events planned for it."""

    __tablename__ = "responsibility_item"
    __table_args__ = (
        UniqueConstraint("department_id", "year", "law", name="uq_responsibility_item_department_year_law"),
        CheckConstraint("planned_events >= 0", name="planned_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    #: The law or regulation the department popularises, e.g. 《安全生产法》.
    law: Mapped[str] = mapped_column(String(200))
    planned_events: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    department = relationship("Department")
