"""Marking subjective answers (阅卷): the rules, pure. Plain data in, plain data out.

Rounds: every answer gets a ``first`` mark; with double marking (双评) also a ``second``
mark from another person, and when the two differ by more than the exam's tolerance an
``arbitration`` mark (仲裁) from a third person.

The final mark rule (stated on the marking pages and in the trainer guide):

- single marking: the first mark;
- double marking, the two marks at most the tolerance apart: their mean, rounded to the
  nearest 0.5 (a quarter rounds up: 6.25 → 6.5), never above the full marks;
- double marking, further apart: the arbitrator's mark (an arbitration counts only while the
  two marks disagree: a remark that brings them within the tolerance makes their mean final);
- otherwise no final mark yet (the answer waits).

Marks are given in the paper's points (`subjective.scaled_parts`), per scoring point where
the part has a rubric, else one mark per part; each from 0 to its maximum in steps of 0.5
(the maximum itself is always allowed, even when scaling made it 3.33).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

FIRST, SECOND, ARBITRATION = "first", "second", "arbitration"
ROUNDS = (FIRST, SECOND, ARBITRATION)
STEP = 0.5
#: Default tolerance of double marking, in the paper's points.
DEFAULT_TOLERANCE = 2.0
#: Distribution bands of marks as a share of the question's points: [0, 20 %), …, [80 %, 100 %].
BAND_EDGES = (0.2, 0.4, 0.6, 0.8)
BAND_LABELS = ("0–20%", "20–40%", "40–60%", "60–80%", "80–100%")

# States of an answer in the queue.
WAITING_FIRST, WAITING_SECOND, WAITING_ARBITRATION, FINAL = "first", "second", "arbitration", "final"


class MarkRefused(ValueError):
    """A mark outside its bounds; `field` names the input (part index, point index or None)."""

    def __init__(self, part: int, point: int | None, maximum: float, text: str):
        super().__init__(f"part {part + 1}, point {point}: {text!r} not in 0..{maximum}")
        self.part, self.point, self.maximum, self.text = part, point, maximum, text


def round_half(value: float) -> float:
    """`value` rounded to the nearest 0.5, a quarter rounding up (6.25 → 6.5, 6.75 → 7.0)."""
    return math.floor(round(value * 2, 6) + 0.5) / 2


def parse_mark(text, maximum: float, *, part: int = 0, point: int | None = None) -> float:
    """A mark typed in a field: a number from 0 to `maximum` in steps of 0.5, or exactly
    `maximum`; MarkRefused otherwise (empty included). Full-width digits and a comma as the
    decimal sign are accepted."""
    raw = str(text if text is not None else "").strip()
    cleaned = raw.translate(_FULL_WIDTH).replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise MarkRefused(part, point, maximum, raw) from None
    if not math.isfinite(value) or value < 0 or value > maximum + 0.005:
        raise MarkRefused(part, point, maximum, raw)
    if abs(value - maximum) < 0.005:
        return round(maximum, 2)
    if abs(value * 2 - round(value * 2)) > 1e-6:
        raise MarkRefused(part, point, maximum, raw)
    return value


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


@dataclass(frozen=True)
class Final:
    """The answer's state and its final mark (None until it has one)."""

    state: str
    mark: float | None


def final_mark(marks: dict[str, float], *, double: bool, tolerance: float, full: float) -> Final:
    """The final mark from the marks given so far (round → total), by the rule above."""
    first, second, arbiter = marks.get(FIRST), marks.get(SECOND), marks.get(ARBITRATION)
    if first is None:
        return Final(WAITING_FIRST, None)
    if not double:
        return Final(FINAL, first)
    if second is None:
        return Final(WAITING_SECOND, None)
    if within(first, second, tolerance):
        return Final(FINAL, min(round_half((first + second) / 2), full))
    if arbiter is None:
        return Final(WAITING_ARBITRATION, None)
    return Final(FINAL, arbiter)


def within(first: float, second: float, tolerance: float) -> bool:
    """Whether two marks agree: at most `tolerance` apart (compared at 2 decimals)."""
    return round(abs(first - second), 2) <= round(tolerance, 2)


@dataclass(frozen=True)
class Agreement:
    """Marker agreement over double-marked answers."""

    pairs: int
    within: int
    mean_difference: float | None
    arbitrated: int

    @property
    def share_within(self) -> float | None:
        return self.within / self.pairs if self.pairs else None


def agreement(pairs: list[tuple[float, float]], tolerance: float) -> Agreement:
    """Over (first, second) pairs: how many agree within `tolerance`, the mean absolute
    difference, and how many went to arbitration (those beyond it)."""
    if not pairs:
        return Agreement(0, 0, None, 0)
    inside = sum(1 for a, b in pairs if within(a, b, tolerance))
    mean = round(sum(abs(a - b) for a, b in pairs) / len(pairs), 2)
    return Agreement(len(pairs), inside, mean, len(pairs) - inside)


def band_of(mark: float, full: float) -> int:
    """The distribution band (0..4) of a mark out of `full`; full marks fall in the top band."""
    share = mark / full if full > 0 else 0.0
    return sum(1 for edge in BAND_EDGES if share >= edge - 1e-9)


def distribution(marks: list[float], full: float) -> list[int]:
    """How many marks fall in each band of BAND_LABELS."""
    counts = [0] * len(BAND_LABELS)
    for mark in marks:
        counts[band_of(mark, full)] += 1
    return counts


def marks_total(parts: list[dict]) -> float:
    """The total of stored per-part marks ([{"total": …}, …]), rounded to 2 decimals."""
    return round(sum(float(p.get("total", 0)) for p in parts), 2)
