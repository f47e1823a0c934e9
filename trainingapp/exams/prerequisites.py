"""What a candidate must have done before starting an exam (study credits, courses).

Training builds on exams' neighbours, not the other way round, so training registers a
checker here at start-up; with none registered nothing is required.
"""
from __future__ import annotations

from typing import Callable

_checkers: list[Callable] = []
_course_choices: list[Callable] = []


def register_course_choices(provider: Callable) -> None:
    """provider() -> [(course id, title)] of courses an exam may require."""
    if provider not in _course_choices:
        _course_choices.append(provider)


def course_choices() -> list[tuple[int, str]]:
    return [choice for provider in _course_choices for choice in provider()]


def register(checker: Callable) -> None:
    """checker(exam, user) -> list of human-readable things still missing."""
    if checker not in _checkers:
        _checkers.append(checker)


def missing_prerequisites(exam, user) -> list[str]:
    """Everything this person still lacks for this exam (empty: they may start)."""
    missing: list[str] = []
    for checker in _checkers:
        missing.extend(str(item) for item in checker(exam, user))
    return missing
