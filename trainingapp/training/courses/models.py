"""Courses, their ordered materials, study progress measured by the server, completions.

A course is for an audience (department subtrees × staff categories, empty = everyone)
and is worth `credits` (学分), awarded once when every material is completed. Progress
per material is kept in seconds credited by `studytime.credit_heartbeat`.
"""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...platform.clock import now
from ...platform.extensions import db

MATERIAL_KINDS = ("text", "file", "video")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Course(db.Model):
    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("credits >= 0", name="credits_not_negative"),
        # A published course carries its publication time, a draft none.
        CheckConstraint("is_published = (published_at IS NOT NULL)", name="published_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: 法律法规分类, the same words as questions use (e.g. 行政处罚法); "" for a general course.
    category: Mapped[str] = mapped_column(String(50), default="", index=True)
    #: Markdown, rendered with `render_markdown`.
    description: Mapped[str] = mapped_column(Text, default="")
    #: Who the course is for: [{"department_id": 3, "categories": ["staff"]}, ...]; [] = everyone.
    #: A department includes everything below it; empty categories = every category.
    audience: Mapped[list] = mapped_column(db.JSON, default=list)
    #: 学分 awarded when every material is completed.
    credits: Mapped[float] = mapped_column(db.Numeric(5, 1, asdecimal=False), default=0)
    is_published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[object | None] = mapped_column(db.DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    updated_at: Mapped[object] = mapped_column(db.DateTime, default=now, onupdate=now)

    materials: Mapped[list[Material]] = relationship(back_populates="course", order_by="Material.position",
                                                     cascade="all, delete-orphan")
    created_by = relationship("User")

    @property
    def total_minutes(self) -> int:
        return sum(m.minutes for m in self.materials)


class Material(db.Model):
    """One step of a course: a Markdown text, an uploaded document or a video link."""

    __tablename__ = "material"
    __table_args__ = (
        CheckConstraint(_in("kind", MATERIAL_KINDS), name="kind_known"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("kind != 'file' OR file_name IS NOT NULL", name="file_has_name"),
        CheckConstraint("kind != 'video' OR video_url IS NOT NULL", name="video_has_url"),
        Index("ix_material_course_position", "course_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="text")
    #: The text of a "text" material (and optional notes under a file or video), Markdown.
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    #: The generated name under instance/uploads/ (see uploads.py), never the uploader's.
    file_name: Mapped[str | None] = mapped_column(String(64))
    file_original_name: Mapped[str | None] = mapped_column(String(200))
    file_mimetype: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None]
    #: http or https only.
    video_url: Mapped[str | None] = mapped_column(String(500))
    #: Study time the material asks for; credit stops there and the material is then completed.
    minutes: Mapped[int] = mapped_column(default=10)
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    updated_at: Mapped[object] = mapped_column(db.DateTime, default=now, onupdate=now)

    course: Mapped[Course] = relationship(back_populates="materials")

    @property
    def seconds(self) -> int:
        return self.minutes * 60

    @property
    def is_pdf(self) -> bool:
        return self.kind == "file" and (self.file_name or "").endswith(".pdf")

    @property
    def is_video_file(self) -> bool:
        """An uploaded video: played in the page by an HTML5 <video>."""
        return self.kind == "file" and (self.file_mimetype or "").startswith("video/")


class StudyProgress(db.Model):
    """Time credited to one person on one material (see studytime.Progress)."""

    __tablename__ = "study_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "material_id", name="uq_study_progress_user_material"),
        CheckConstraint("credited_seconds >= 0", name="credited_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id", ondelete="CASCADE"), index=True)
    credited_seconds: Mapped[int] = mapped_column(default=0)
    #: The moment up to which time has been counted (the next beat is paid from here).
    last_beat_at: Mapped[object | None] = mapped_column(db.DateTime)
    #: Set once, the first time the credit reached the material's length.
    completed_at: Mapped[object | None] = mapped_column(db.DateTime)


class StudyClock(db.Model):
    """Per person, the one material whose study time is being counted (see studytime.PersonClock).

    Every heartbeat of the person locks this row first, so beats of several tabs or devices
    are decided one after another and a second can never be paid to two materials.
    """

    __tablename__ = "study_clock"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    #: The material last credited; None once its page said it was leaving (the clock is free).
    material_id: Mapped[int | None] = mapped_column(ForeignKey("material.id", ondelete="SET NULL"))
    #: The moment up to which the person's time has been paid to some material.
    counted_until: Mapped[object | None] = mapped_column(db.DateTime)
    #: The person's latest page views, [[viewing id, number of its newest beat], ...] most
    #: recent first and at most studytime.REMEMBERED_VIEWINGS long: a beat overtaken by a later
    #: one of its page is stale. A list, because only arrays keep their order in every database.
    viewings: Mapped[list | None] = mapped_column(db.JSON)


class CourseCompletion(db.Model):
    """A person completed every material of a course; `credits` as the course gave them then."""

    __tablename__ = "course_completion"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", name="uq_course_completion_user_course"),
        CheckConstraint("credits >= 0", name="credits_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # RESTRICT: a course people earned credits with is unpublished, never deleted.
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"), index=True)
    completed_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    credits: Mapped[float] = mapped_column(db.Numeric(5, 1, asdecimal=False))

    course: Mapped[Course] = relationship()
