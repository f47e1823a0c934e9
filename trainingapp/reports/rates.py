"""Exam participation, pass and excellence figures per department, with roll-up.

Plain data in, plain data out: no Flask, no database. The caller loads one exam's
candidate list (and its make-up's attempts) into `CandidateRecord`s.

Definitions (product spec):

- 应参考人数 (required): the exam's candidates minus exemptions (免考). Candidates removed
  from the list do not count at all: the caller simply leaves them out.
- 实际参考人数 (participants): required candidates with at least one submitted or
  auto-submitted attempt in the exam or in its make-up (补考).
- 参考率 (participation rate) = participants / required.
- A candidate's counting result: per exam the best or the last submitted score (exam
  setting "best" / "last"); with a make-up, the better of the main exam's counting
  result and the make-up's.
- 待阅卷 (pending): participants with a finished attempt, in the exam or its make-up, whose
  subjective answers are not all marked yet. Their counting result is unknown until marking
  completes, so they are in none of 合格 / 优秀 / 不合格 and not in the scores' figures.
- 合格人数 / 优秀人数 (passed / excellent): participants whose counting result reaches the
  pass / excellent mark (≥, compared rounded to 2 decimals). An excellent result is also
  a pass. 不合格 (failed) = participants − passed − pending. 合格率 / 优秀率 divide by
  participants by default (pending included: a rate with people pending is a floor that
  marking can only raise), or by required when asked; `Figures.denominator` always says
  which and `Figures.pending` how many results the rate is still waiting for.
- A candidate counts in the department recorded on the candidate list, not their
  current one. A parent department's figures include all its descendants.
- 平均分 / 最高分 / 最低分 (average / highest / lowest) are over participants' counting
  results (pending people have none yet).
- Every rate and score figure is None (not 0) when its denominator is 0.

The tree helpers `walk_tree` and `roll_up` live with the department tree
(accounts/tree.py) and are re-exported here for `training_figures`.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..accounts.tree import TreeChildren, roll_up
from ..accounts.tree import walk_tree as walk_tree  # re-exported for training_figures
from ..exams.marks import combined_result, counting_score, grade_band

DENOMINATORS = ("participants", "required")
STATUSES = ("exempt", "absent", "pending", "fail", "pass", "excellent")
DEFAULT_BINS = (0, 60, 70, 80, 90, 100.0001)


@dataclass(frozen=True)
class CandidateRecord:
    user_id: int
    department_id: int  # as recorded on the candidate list, not the person's current one
    category: str  # staff category code, e.g. "staff" (在编)
    exempt: bool
    main_scores: tuple[float, ...]  # submitted scores in submission order, main exam
    makeup_scores: tuple[float, ...] = ()  # make-up exam, if any
    tab_switches: int = 0
    #: A finished attempt in the exam or its make-up awaits marks (待阅卷): the scores above
    #: hold only the marked attempts, and the counting result is unknown until it is marked.
    pending: bool = False


@dataclass(frozen=True)
class ResultCount:
    """`count` candidates of one department with the same exemption and counting result.

    The figures depend on nothing else, so a database can hand over 100,000 candidates as a
    few thousand of these (see `queries.result_counts`); `result_counts` makes them from records.
    """

    department_id: int
    exempt: bool
    result: float | None  # the counting result; None: no submitted attempt, or pending
    count: int = 1
    pending: bool = False  # took the exam, result awaits marks (result is None)


@dataclass(frozen=True)
class ExamRules:
    pass_mark: float
    excellent_mark: float
    counting: str = "best"  # or "last"
    makeup_counting: str = "best"


@dataclass(frozen=True)
class Figures:
    """One group's figures. Rates are fractions in [0, 1]; None when undefined."""

    required: int
    exempt: int
    participants: int
    participation_rate: float | None
    passed: int
    pass_rate: float | None
    excellent: int
    excellent_rate: float | None
    average: float | None
    highest: float | None
    lowest: float | None
    denominator: str  # "participants" or "required": what pass_rate / excellent_rate divide by
    #: 待阅卷: participants whose result awaits marks (in none of passed / excellent / failed).
    pending: int = 0

    @property
    def absent(self) -> int:
        """未参考: required candidates without a submitted attempt."""
        return self.required - self.participants

    @property
    def failed(self) -> int:
        """不合格: participants with a known result below the pass mark."""
        return self.participants - self.passed - self.pending

    @property
    def marked(self) -> int:
        """Participants with a known (fully marked) counting result."""
        return self.participants - self.pending

    @property
    def rate_base(self) -> int:
        """The count pass_rate and excellent_rate were divided by."""
        return self.participants if self.denominator == "participants" else self.required


@dataclass(frozen=True)
class _Tally:
    """Mergeable summary of a group: the counts plus an exact score sum and extremes.

    Figures need only these, so roll-up merges two tallies in O(1) instead of merging
    score lists; the sum is an exact Fraction so the result is the same whatever order
    departments are merged in (a parent's average equals the flat average exactly).
    """

    required: int = 0
    exempt: int = 0
    participants: int = 0
    passed: int = 0
    excellent: int = 0
    pending: int = 0
    score_sum: Fraction = Fraction(0)
    highest: float | None = None
    lowest: float | None = None

    def __add__(self, other: _Tally) -> _Tally:
        return _Tally(
            required=self.required + other.required,
            exempt=self.exempt + other.exempt,
            participants=self.participants + other.participants,
            passed=self.passed + other.passed,
            excellent=self.excellent + other.excellent,
            pending=self.pending + other.pending,
            score_sum=self.score_sum + other.score_sum,
            highest=_extreme(max, self.highest, other.highest),
            lowest=_extreme(min, self.lowest, other.lowest),
        )


_EMPTY = _Tally()


def _extreme(pick, a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return pick(a, b)


def _ratio(numerator: int | Fraction, denominator: int) -> float | None:
    return None if denominator == 0 else float(Fraction(numerator) / denominator)


def _check_denominator(denominator: str) -> None:
    if denominator not in DENOMINATORS:
        raise ValueError(f"unknown denominator {denominator!r}; expected one of {DENOMINATORS}")


def counting_result(record: CandidateRecord, rules: ExamRules) -> float | None:
    """The score that counts: best/last per exam, then the better of main and make-up;
    None when no attempt was submitted in either, or while one awaits marks (`record.pending`).
    Ignores exemption."""
    if record.pending:
        return None
    main = counting_score(list(record.main_scores), rules.counting)
    makeup = counting_score(list(record.makeup_scores), rules.makeup_counting)
    return combined_result(main, makeup)


def person_status(record: CandidateRecord, rules: ExamRules) -> str:
    """One of STATUSES; "exempt" wins over any score the person may have, "pending" over the
    scores of marked attempts (the result is not known until every attempt is marked)."""
    if record.exempt:
        return "exempt"
    if record.pending:
        return "pending"
    return grade_band(counting_result(record, rules), rules.pass_mark, rules.excellent_mark)


def _exact_sum(weighted: Iterable[tuple[float, int]]) -> Fraction:
    """The exact sum of floats, each taken `count` times. Every float is an integer over a
    power of two, so scaling all to the largest denominator sums them as plain ints: exact
    like Fraction addition, without a gcd per score."""
    pairs = [(float(score).as_integer_ratio(), count) for score, count in weighted]
    if not pairs:
        return Fraction(0)
    common = max(denominator for (_, denominator), _count in pairs)
    return Fraction(sum(numerator * (common // denominator) * count
                        for (numerator, denominator), count in pairs), common)


def result_counts(records: Iterable[CandidateRecord], rules: ExamRules, *,
                  category: str | None = None) -> list[ResultCount]:
    """Records grouped by department, exemption and counting result (optionally one staff
    category only); the counting result of each record is worked out once."""
    grouped: dict[tuple[int, bool, float | None, bool], int] = defaultdict(int)
    for record in records:
        if category is None or record.category == category:
            grouped[record.department_id, record.exempt, counting_result(record, rules), record.pending] += 1
    return [ResultCount(department, exempt, result, count, pending)
            for (department, exempt, result, pending), count in grouped.items()]


def _tally(counts: Iterable[ResultCount], rules: ExamRules) -> _Tally:
    required = exempt = passed = excellent = participants = pending = 0
    scores: list[tuple[float, int]] = []
    bands: dict[float, str] = {}
    for group in counts:
        if group.exempt:
            exempt += group.count
            continue
        required += group.count
        if group.pending:
            participants += group.count
            pending += group.count
            continue
        score = group.result
        if score is None:
            continue
        participants += group.count
        scores.append((score, group.count))
        band = bands.get(score)
        if band is None:
            band = bands[score] = grade_band(score, rules.pass_mark, rules.excellent_mark)
        if band in ("pass", "excellent"):
            passed += group.count
        if band == "excellent":
            excellent += group.count
    return _Tally(
        required=required,
        exempt=exempt,
        participants=participants,
        passed=passed,
        excellent=excellent,
        pending=pending,
        score_sum=_exact_sum(scores),
        highest=max((score for score, _count in scores), default=None),
        lowest=min((score for score, _count in scores), default=None),
    )


def _figures_of(tally: _Tally, denominator: str) -> Figures:
    base = tally.participants if denominator == "participants" else tally.required
    return Figures(
        required=tally.required,
        exempt=tally.exempt,
        participants=tally.participants,
        participation_rate=_ratio(tally.participants, tally.required),
        passed=tally.passed,
        pass_rate=_ratio(tally.passed, base),
        excellent=tally.excellent,
        excellent_rate=_ratio(tally.excellent, base),
        average=_ratio(tally.score_sum, tally.participants - tally.pending),
        highest=tally.highest,
        lowest=tally.lowest,
        denominator=denominator,
        pending=tally.pending,
    )


def figures(records: Iterable[CandidateRecord], rules: ExamRules, *, denominator: str = "participants") -> Figures:
    """The figures of one group of candidate records, rates over `denominator`."""
    return figures_from_counts(result_counts(records, rules), rules, denominator=denominator)


def figures_from_counts(counts: Iterable[ResultCount], rules: ExamRules, *,
                        denominator: str = "participants") -> Figures:
    """`figures` from grouped counting results."""
    _check_denominator(denominator)
    return _figures_of(_tally(counts, rules), denominator)


def department_figures(
    records: Iterable[CandidateRecord],
    rules: ExamRules,
    tree_children: TreeChildren,
    *,
    denominator: str = "participants",
    category: str | None = None,
) -> dict[int, Figures]:
    """Figures for every department in the tree (own records plus all descendants'),
    in display order, optionally for one staff category only; O(records + departments)."""
    _check_denominator(denominator)
    return department_figures_from_counts(result_counts(records, rules, category=category), rules, tree_children,
                                          denominator=denominator)


def department_figures_from_counts(
    counts: Iterable[ResultCount],
    rules: ExamRules,
    tree_children: TreeChildren,
    *,
    denominator: str = "participants",
) -> dict[int, Figures]:
    """`department_figures` from grouped counting results."""
    _check_denominator(denominator)
    buckets: dict[int, list[ResultCount]] = defaultdict(list)
    for group in counts:
        buckets[group.department_id].append(group)
    own = {dept: _tally(bucket, rules) for dept, bucket in buckets.items()}
    rolled = roll_up(own, tree_children, _EMPTY)
    return {dept: _figures_of(tally, denominator) for dept, tally in rolled.items()}


def _format_edge(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _bin_labels(edges: Sequence[float]) -> list[str]:
    labels = []
    for index, (low, high) in enumerate(zip(edges, edges[1:])):
        if index == len(edges) - 2:
            # The top edge sits a hair above the full mark so a full mark falls inside;
            # the label shows the full mark itself.
            top = high
        elif high == int(high):
            top = high - 1  # whole-point edges read "60–69", as on paper reports
        else:
            top = high - 0.01  # scores are kept to 2 decimals
        labels.append(f"{_format_edge(low)}–{_format_edge(top)}")
    return labels


def score_distribution(
    records: Iterable[CandidateRecord],
    rules: ExamRules,
    *,
    bins: Sequence[float] = DEFAULT_BINS,
    total: float = 100,
) -> list[tuple[str, int]]:
    """(label, count) per score band over participants' counting results; edges are on
    a 100-point scale, scaled to `total`; bands are [low, high); the counts add up to
    the participants with a known result, pending left out (scores outside the edges go to the nearest end band)."""
    return distribution_from_counts(result_counts(records, rules), bins=bins, total=total)


def distribution_from_counts(
    counts: Iterable[ResultCount],
    *,
    bins: Sequence[float] = DEFAULT_BINS,
    total: float = 100,
) -> list[tuple[str, int]]:
    """`score_distribution` from grouped counting results."""
    if len(bins) < 2 or any(b <= a for a, b in zip(bins, bins[1:])):
        raise ValueError("bins must be at least two strictly increasing edges")
    if total <= 0:
        raise ValueError("total must be positive")
    edges = [edge * total / 100 for edge in bins]
    counts_per_band = [0] * (len(edges) - 1)
    for group in counts:
        if group.exempt or group.result is None or group.pending:
            continue
        index = bisect_right(edges, round(group.result, 2)) - 1
        counts_per_band[min(max(index, 0), len(counts_per_band) - 1)] += group.count
    return list(zip(_bin_labels(edges), counts_per_band))


def not_yet_taken(records: Iterable[CandidateRecord]) -> list[CandidateRecord]:
    """Required (non-exempt) candidates with no submitted attempt in the exam or its
    make-up, in the order given (a pending attempt is a submitted one)."""
    return [r for r in records if not r.exempt and not r.pending and not r.main_scores and not r.makeup_scores]
