"""Item analysis for trainers: how each question performed, and where knowledge is weak.

Plain data in, plain data out: no Flask, no database.

Definitions:

- times drawn: how many attempts had the question on their paper (responses counted).
- facility (难度 / 通过率): the share of those responses that were correct.
- discrimination (区分度), Kelley's upper-lower index: among the attempts that drew the
  question, ranked by attempt total, the facility in the top 27 % minus the facility in
  the bottom 27 % (group size = 27 % of those attempts, rounded half up). None when a
  group would hold fewer than 2 attempts. Ties at a group boundary are broken by
  attempt id so the result is deterministic.
- flagged: facility below 0.2 (few get it right) or negative discrimination (the
  stronger candidates get it wrong more often), both typical of a wrong answer key.
- Department × law-category facility rolls up: a parent's figures include all its
  descendants' answers.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .rates import TreeChildren, roll_up

KELLEY_SHARE = 0.27
MIN_GROUP = 2
LOW_FACILITY = 0.2
FLAG_REASONS = ("low_facility", "negative_discrimination")


@dataclass(frozen=True)
class ItemResponse:
    attempt_id: int
    question_id: int
    correct: bool
    chosen: tuple[str, ...]  # option keys chosen; empty for unanswered or non-choice questions


@dataclass(frozen=True)
class ItemStats:
    question_id: int
    drawn: int
    correct: int
    facility: float
    discrimination: float | None
    upper_facility: float | None
    lower_facility: float | None
    # hash=False: a dict is unhashable, and the other fields identify the item anyway.
    option_counts: dict[str, int] = field(default_factory=dict, hash=False)
    flag_reasons: tuple[str, ...] = ()  # codes from FLAG_REASONS, for the view to translate

    @property
    def flagged(self) -> bool:
        """True when the item needs a trainer's look (see FLAG_REASONS)."""
        return bool(self.flag_reasons)


class Facility(NamedTuple):
    correct: int
    answered: int
    facility: float


def kelley_group_size(attempts: int) -> int:
    """27 % of `attempts`, rounded half up (round() would round 2.5 down to 2)."""
    return int(attempts * KELLEY_SHARE + 0.5)


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags)


def _discrimination(
    ranked: list[tuple[float, int, bool]],
) -> tuple[float | None, float | None, float | None]:
    """(discrimination, upper facility, lower facility) from (total, attempt, correct)."""
    size = kelley_group_size(len(ranked))
    if size < MIN_GROUP:
        return None, None, None
    ranked = sorted(ranked, key=lambda row: (-row[0], row[1]))
    upper = _share([correct for _, _, correct in ranked[:size]])
    lower = _share([correct for _, _, correct in ranked[-size:]])
    return upper - lower, upper, lower


def _flags(facility: float, discrimination: float | None) -> tuple[str, ...]:
    reasons = []
    if facility < LOW_FACILITY:
        reasons.append("low_facility")
    if discrimination is not None and discrimination < 0:
        reasons.append("negative_discrimination")
    return tuple(reasons)


def item_statistics(
    responses: Iterable[ItemResponse], attempt_totals: Mapping[int, float]
) -> dict[int, ItemStats]:
    """Per drawn question (ordered by question id): times drawn, facility, Kelley
    discrimination over attempts with a known total, option counts, and flags.
    Expects one response per attempt and question."""
    by_question: dict[int, list[ItemResponse]] = defaultdict(list)
    for response in responses:
        by_question[response.question_id].append(response)
    result = {}
    for question_id in sorted(by_question):
        rows = by_question[question_id]
        correct = sum(r.correct for r in rows)
        facility = correct / len(rows)
        # Attempts without a total (e.g. not yet graded) cannot be ranked; they still
        # count for facility.
        ranked = [
            (attempt_totals[r.attempt_id], r.attempt_id, r.correct) for r in rows if r.attempt_id in attempt_totals
        ]
        discrimination, upper, lower = _discrimination(ranked)
        options = Counter(key for r in rows for key in dict.fromkeys(r.chosen))
        result[question_id] = ItemStats(
            question_id=question_id,
            drawn=len(rows),
            correct=correct,
            facility=facility,
            discrimination=discrimination,
            upper_facility=upper,
            lower_facility=lower,
            option_counts=dict(sorted(options.items())),
            flag_reasons=_flags(facility, discrimination),
        )
    return result


def _merge_counts(
    a: Mapping[str, tuple[int, int]], b: Mapping[str, tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    merged = dict(a)
    for category, (correct, answered) in b.items():
        have_correct, have_answered = merged.get(category, (0, 0))
        merged[category] = (have_correct + correct, have_answered + answered)
    return merged


def department_category_facility(
    rows: Iterable[tuple[int, str, bool]], tree_children: TreeChildren
) -> dict[tuple[int, str], Facility]:
    """(department, law category) -> (correct, answered, facility), each department
    counting its own answers plus all descendants'; only pairs with answers appear, so
    facility is always defined."""
    own: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for department_id, category, correct in rows:
        have_correct, have_answered = own[department_id].get(category, (0, 0))
        own[department_id][category] = (have_correct + bool(correct), have_answered + 1)
    rolled = roll_up(own, tree_children, {}, _merge_counts)
    return {
        (department_id, category): Facility(correct, answered, correct / answered)
        for department_id, counts in rolled.items()
        for category, (correct, answered) in sorted(counts.items())
    }
