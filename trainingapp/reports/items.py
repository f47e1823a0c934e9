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
  stronger candidates get it wrong more often), both typical of a wrong answer key, but
  only on evidence: a question answered fewer than `min_answers` times (an admin's report
  setting, default 10) is marked as too small a sample and never flagged.
- subjective questions (简答, 案例分析; marked by people, exams/marking.py): the mean final
  mark and the mean as a share of the points, the distribution of final marks in five bands
  of the points (0–20 % … 80–100 %), and over the answers marked twice: the share whose two
  marks agree within the exam's tolerance, the mean absolute difference, how many went to
  arbitration. Answers still waiting for their final mark are counted apart.
- Department × law-category facility rolls up: a parent's figures include all its
  descendants' answers.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from ..accounts.tree import TreeChildren, roll_up
from ..exams.marking import BAND_LABELS, Agreement, agreement, band_of

KELLEY_SHARE = 0.27
MIN_GROUP = 2
LOW_FACILITY = 0.2
#: Below this many answers a question's figures are shown as too small a sample, unflagged.
MIN_ANSWERS = 10
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
    #: Answered fewer times than the minimum: the figures are shown but prove nothing, so no flag.
    too_few: bool = False

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


@dataclass(frozen=True)
class ItemTally:
    """The counts one question's statistics need, which a database can count without
    handing over every response (see `queries.item_tallies`)."""

    question_id: int
    drawn: int
    correct: int
    group_size: int  # Kelley group size over the ranked attempts that drew the question
    upper_correct: int  # correct among the `group_size` best of them
    lower_correct: int  # correct among the `group_size` weakest
    option_counts: Mapping[str, int] = field(default_factory=dict)


def item_tallies(responses: Iterable[ItemResponse], attempt_totals: Mapping[int, float]) -> list[ItemTally]:
    """Responses counted into tallies: ranked by attempt total (highest first, ties by attempt
    id), attempts without a total left out of the ranking but counted for facility."""
    by_question: dict[int, list[ItemResponse]] = defaultdict(list)
    for response in responses:
        by_question[response.question_id].append(response)
    tallies = []
    for question_id, rows in by_question.items():
        ranked = sorted(((attempt_totals[r.attempt_id], r.attempt_id, r.correct) for r in rows
                         if r.attempt_id in attempt_totals), key=lambda row: (-row[0], row[1]))
        size = kelley_group_size(len(ranked))
        tallies.append(ItemTally(
            question_id=question_id, drawn=len(rows), correct=sum(r.correct for r in rows), group_size=size,
            upper_correct=sum(correct for _, _, correct in ranked[:size]),
            lower_correct=sum(correct for _, _, correct in ranked[-size:]) if size else 0,
            option_counts=Counter(key for r in rows for key in dict.fromkeys(r.chosen))))
    return tallies


def item_statistics(
    responses: Iterable[ItemResponse], attempt_totals: Mapping[int, float], *, min_answers: int = MIN_ANSWERS
) -> dict[int, ItemStats]:
    """Per drawn question (ordered by question id): times drawn, facility, Kelley
    discrimination over attempts with a known total, option counts, and flags (none for a
    question answered fewer than `min_answers` times). Expects one response per attempt and question."""
    return statistics_from_tallies(item_tallies(responses, attempt_totals), min_answers=min_answers)


def statistics_from_tallies(tallies: Iterable[ItemTally], *, min_answers: int = MIN_ANSWERS) -> dict[int, ItemStats]:
    """`item_statistics` from counted tallies, ordered by question id."""
    if min_answers < 1:
        raise ValueError(f"min_answers must be at least 1, not {min_answers}")
    result = {}
    for tally in sorted(tallies, key=lambda t: t.question_id):
        facility = tally.correct / tally.drawn
        if tally.group_size < MIN_GROUP:
            discrimination = upper = lower = None
        else:
            upper = tally.upper_correct / tally.group_size
            lower = tally.lower_correct / tally.group_size
            discrimination = upper - lower
        too_few = tally.drawn < min_answers
        result[tally.question_id] = ItemStats(
            question_id=tally.question_id,
            drawn=tally.drawn,
            correct=tally.correct,
            facility=facility,
            discrimination=discrimination,
            upper_facility=upper,
            lower_facility=lower,
            option_counts=dict(sorted((k, v) for k, v in tally.option_counts.items() if v)),
            flag_reasons=() if too_few else _flags(facility, discrimination),
            too_few=too_few,
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
    counted: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for department_id, category, correct in rows:
        pair = counted[department_id, category]
        pair[0] += bool(correct)
        pair[1] += 1
    return department_category_facility_counts(
        ((department, category, correct, answered) for (department, category), (correct, answered) in counted.items()),
        tree_children)


def department_category_facility_counts(
    rows: Iterable[tuple[int, str, int, int]], tree_children: TreeChildren
) -> dict[tuple[int, str], Facility]:
    """`department_category_facility` from (department, category, correct, answered) counts,
    as a database groups them."""
    own: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for department_id, category, correct, answered in rows:
        have_correct, have_answered = own[department_id].get(category, (0, 0))
        own[department_id][category] = (have_correct + correct, have_answered + answered)
    rolled = roll_up(own, tree_children, {}, _merge_counts)
    return {
        (department_id, category): Facility(correct, answered, correct / answered)
        for department_id, counts in rolled.items()
        for category, (correct, answered) in sorted(counts.items())
        if answered
    }


@dataclass(frozen=True)
class SubjectiveStats:
    question_id: int
    points: float
    marked: int
    waiting: int
    mean: float | None
    mean_share: float | None
    bands: tuple[int, ...]
    agreement: Agreement


def subjective_statistics(rows: Iterable[tuple[int, float, float | None, float | None, float | None]],
                          tolerance: float) -> list[SubjectiveStats]:
    """Per subjective question (by id), from (question id, points, final mark, first mark,
    second mark) per answer: the figures defined at the top of this module."""
    by_question: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        by_question[row[0]].append(row)
    found = []
    for question_id, group in sorted(by_question.items()):
        finals = [(points, final) for _q, points, final, _a, _b in group if final is not None]
        bands = [0] * len(BAND_LABELS)
        for points, final in finals:
            bands[band_of(final, points)] += 1
        shares = [final / points for points, final in finals if points > 0]
        pairs = [(a, b) for _q, _p, _f, a, b in group if a is not None and b is not None]
        found.append(SubjectiveStats(
            question_id, max(points for _q, points, *_rest in group), len(finals), len(group) - len(finals),
            round(sum(final for _p, final in finals) / len(finals), 2) if finals else None,
            round(sum(shares) / len(shares), 4) if shares else None, tuple(bands), agreement(pairs, tolerance)))
    return found
