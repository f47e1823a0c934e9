"""Practice with immediate feedback, and the wrong-answer book (错题本).

`WrongAnswer` keeps one row per person and question; the helpers below are pure (plain
data in, plain data out) so the rules are tested without a request.
"""
from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...platform.clock import now
from ...platform.extensions import db

SOURCES = ("practice", "exam")
ROUND_SIZES = (5, 10, 20)


class WrongAnswer(db.Model):
    """A question this person got wrong; open until answered correctly while practising."""

    __tablename__ = "wrong_answer"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id", name="uq_wrong_answer_user_question"),
        CheckConstraint("source IN ('practice', 'exam')", name="source_known"),
        CheckConstraint("wrong_count > 0", name="wrong_count_positive"),
        Index("ix_wrong_answer_user_open", "user_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    #: Where it went wrong the last time: "practice" or "exam".
    source: Mapped[str] = mapped_column(String(10), default="practice")
    wrong_count: Mapped[int] = mapped_column(default=1)
    last_wrong_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    #: When it was answered correctly from the book; None while open. A new mistake reopens it.
    resolved_at: Mapped[object | None] = mapped_column(db.DateTime)

    question = relationship("Question")

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# --------------------------------------------------------------------------- pure helpers


def draw_round(question_ids: Sequence[int], count: int, rng: random.Random | None = None) -> list[int]:
    """Up to `count` distinct ids in random order (all of them when there are fewer)."""
    unique = list(dict.fromkeys(question_ids))
    chooser = rng or random.SystemRandom()
    return chooser.sample(unique, min(count, len(unique)))


def response_from_form(qtype: str, form: Mapping, blank_count: int):
    """The raw response for `grading.validate_response` from posted form fields.

    single: "answer" = key; multiple: "answer" repeated; truefalse: "answer" = "true"/"false";
    fill: "blank-0", "blank-1", ... . `form` is a werkzeug MultiDict or a plain dict of lists.
    Anything unreadable comes back as given, for the validator to refuse.
    """
    def values(name):
        if hasattr(form, "getlist"):
            return form.getlist(name)
        value = form.get(name)
        return value if isinstance(value, list) else ([] if value is None else [value])

    chosen = values("answer")
    if qtype == "single":
        return chosen[0] if chosen else None
    if qtype == "multiple":
        return chosen or None
    if qtype == "truefalse":
        if not chosen:
            return None
        return {"true": True, "false": False}.get(chosen[0], chosen[0])
    if qtype == "fill":
        blanks = [(values(f"blank-{n}") or [""])[0] for n in range(blank_count)]
        return blanks if any(b.strip() for b in blanks) else None
    raise ValueError(f"unknown question type {qtype!r}")


def exam_mistake_is_new(last_wrong_at: datetime | None, resolved_at: datetime | None,
                        submitted_at: datetime) -> bool:
    """Whether a wrong exam answer submitted at `submitted_at` still has to go into the book.

    Not when the book already holds a mistake at or after that moment (the same attempt
    collected before, or a later one), nor when the question was resolved after it.
    """
    if last_wrong_at is not None and last_wrong_at >= submitted_at:
        return False
    if resolved_at is not None and resolved_at >= submitted_at:
        return False
    return True
