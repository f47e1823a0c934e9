"""Subjective questions (简答题, 案例分析题): the shape of their key, and its checks. Pure.

A subjective question is marked by a person, not matched against a key. It is stored in the
same columns as every question:

- ``options``: for 案例分析 (``case``) the sub-questions' texts in order (the case text itself
  is the stem); for 简答 (``short``) empty.
- ``answer``: one *part* per sub-question (a short answer has exactly one part)::

      [{"reference": "参考答案…", "marks": 6.0,
        "rubric": [{"point": "评分要点一", "marks": 3.0}, {"point": "…", "marks": 3.0}]}, …]

  ``rubric`` (评分要点) may be empty: the marker then gives the part's total only. When it is
  not empty its marks add up to the part's marks.
- ``points``: the sum of the parts' marks.

A candidate's response is a string for ``short`` and a list of strings, one per sub-question,
for ``case``; at most `MAX_ANSWER_CHARS` characters each. In a paper the item's ``b`` (blank
count) is the number of parts, as for a fill-in's blanks.

An exam may give the question other points than the bank: the marker awards marks in the
paper's points, so the parts and rubric are scaled (`scaled_parts`).
"""
from __future__ import annotations

from dataclasses import dataclass

SUBJECTIVE_TYPES = ("short", "case")
#: Longest text a candidate may write for one (sub-)question; the exam page says so.
MAX_ANSWER_CHARS = 5000
#: Longest reference answer or scoring point the bank keeps.
MAX_REFERENCE_CHARS = 5000
MAX_PARTS = 10
MAX_RUBRIC_POINTS = 20


@dataclass(frozen=True)
class RubricPoint:
    point: str
    marks: float


@dataclass(frozen=True)
class Part:
    """One (sub-)question to mark: its text (empty for a short answer), reference, marks."""

    stem: str
    reference: str
    marks: float
    rubric: tuple[RubricPoint, ...] = ()


def is_subjective(qtype: str) -> bool:
    return qtype in SUBJECTIVE_TYPES


def make_key(parts: list[Part]) -> list[dict]:
    """The stored ``answer`` of a subjective question from its parts."""
    return [{"reference": p.reference, "marks": float(p.marks),
             "rubric": [{"point": r.point, "marks": float(r.marks)} for r in p.rubric]} for p in parts]


def parts_of(qtype: str, options, answer) -> list[Part]:
    """The parts of a stored subjective question (tolerant: a malformed key gives fewer parts)."""
    if not isinstance(answer, list):
        return []
    stems = list(options or []) if qtype == "case" else [""]
    parts = []
    for index, raw in enumerate(answer):
        if not isinstance(raw, dict):
            continue
        rubric = tuple(RubricPoint(str(r.get("point", "")), _number(r.get("marks")))
                       for r in raw.get("rubric") or [] if isinstance(r, dict))
        parts.append(Part(stem=stems[index] if index < len(stems) else "",
                          reference=str(raw.get("reference", "")), marks=_number(raw.get("marks")),
                          rubric=rubric))
    return parts


def key_problems(qtype: str, options, answer) -> list[str]:
    """What is wrong with a subjective key, in English sentences (empty: nothing)."""
    parts = parts_of(qtype, options, answer)
    if not isinstance(answer, list) or len(parts) != len(answer) or not parts:
        return ["the key must be a list of parts, each with a reference answer and marks"]
    problems = []
    if qtype == "short" and len(parts) != 1:
        problems.append("a short-answer question has exactly one part")
    if qtype == "case" and len(parts) != len(options or []):
        problems.append(f"a case analysis has one part per sub-question: {len(options or [])} "
                        f"sub-question(s), {len(parts)} part(s)")
    if len(parts) > MAX_PARTS:
        problems.append(f"at most {MAX_PARTS} sub-questions")
    for number, part in enumerate(parts, start=1):
        if part.marks <= 0:
            problems.append(f"part {number}: its marks must be more than 0")
        if len(part.reference) > MAX_REFERENCE_CHARS:
            problems.append(f"part {number}: the reference answer is longer than {MAX_REFERENCE_CHARS} characters")
        if len(part.rubric) > MAX_RUBRIC_POINTS:
            problems.append(f"part {number}: at most {MAX_RUBRIC_POINTS} scoring points")
        if part.rubric and abs(sum(r.marks for r in part.rubric) - part.marks) > 0.005:
            problems.append(f"part {number}: the scoring points add up to "
                            f"{_fmt(sum(r.marks for r in part.rubric))}, not the part's {_fmt(part.marks)}")
        if any(r.marks <= 0 or not r.point.strip() for r in part.rubric):
            problems.append(f"part {number}: every scoring point needs a text and marks more than 0")
    return problems


def total_marks(qtype: str, options, answer) -> float:
    return round(sum(p.marks for p in parts_of(qtype, options, answer)), 2)


def scaled_parts(parts: list[Part], item_points: float) -> list[Part]:
    """The parts in a paper's points: each part's and scoring point's marks times
    item points / the question's own total (unchanged when they agree)."""
    own = sum(p.marks for p in parts)
    if own <= 0 or abs(own - item_points) < 0.005:
        return list(parts)
    factor = item_points / own
    return [Part(p.stem, p.reference, round(p.marks * factor, 2),
                 tuple(RubricPoint(r.point, round(r.marks * factor, 2)) for r in p.rubric)) for p in parts]


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _fmt(value: float) -> str:
    return f"{value:g}"
