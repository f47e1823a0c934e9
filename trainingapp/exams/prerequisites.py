"""What a candidate must have done before starting an exam (study credits, courses).

Training builds on exams' neighbours, not the other way round, so training registers a
checker here at start-up; with none registered nothing is required.
"""
from __future__ import annotations

from typing import Callable

_checkers: list[Callable] = []


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
