"""What a candidate must have done before starting an exam (study credits, courses).

Training builds on exams, not the other way round, so exams asks through signals that training
answers (platform/signals.py); with no answer nothing is required.
"""
from __future__ import annotations

from ..platform import signals


def course_choices() -> list[tuple[int, str]]:
    """(course id, title) of the courses an exam may require."""
    return [choice for answer in signals.answers(signals.exam_course_choices) for choice in answer]


def missing_prerequisites(exam, user) -> list[str]:
    """Everything this person still lacks for this exam (empty: they may start)."""
    return [str(item) for answer in signals.answers(signals.exam_prerequisites, exam=exam, person=user)
            for item in answer]
