"""Does the question bank cover the laws of the 普法责任清单? For a year's responsibility lists:
per law, the active questions citing it (not awaiting review), by type and by difficulty; per
department, its laws with their counts. Read once into frozen objects, then only counted."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..accounts.models import Department
from ..laws.models import Law
from ..laws.resolver import law_index, resolve_title
from ..platform.extensions import db
from ..questionbank.models import Question, QuestionCitation, QuestionReview
from ..training.outreach.models import ResponsibilityItem


@dataclass(frozen=True)
class LawCoverage:
    """One law named in the lists: the departments that list it and the questions citing it."""

    name: str
    #: None: the list names a law the library does not have (its questions cannot be counted).
    law_id: int | None
    departments: tuple[str, ...]
    by_type: dict
    by_difficulty: dict

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


@dataclass(frozen=True)
class DepartmentCoverage:
    department: str
    #: (law name, law id or None, questions citing it), in the list's order by name.
    laws: tuple[tuple[str, int | None, int], ...]

    @property
    def uncovered(self) -> int:
        return sum(1 for _name, _law, count in self.laws if not count)


@dataclass(frozen=True)
class Coverage:
    year: int
    laws: tuple[LawCoverage, ...]
    departments: tuple[DepartmentCoverage, ...]

    @property
    def uncovered(self) -> tuple[LawCoverage, ...]:
        return tuple(law for law in self.laws if not law.total)


def question_counts(law_ids) -> dict[int, dict[tuple[str, str], int]]:
    """law id -> {(type, difficulty): active questions citing it, not awaiting review}; a question
    citing a law twice counts once."""
    wanted = sorted(set(law_ids))
    counts: dict[int, dict[tuple[str, str], int]] = {law_id: {} for law_id in wanted}
    if not wanted:
        return counts
    pending = select(QuestionReview.question_id).where(QuestionReview.confirmed_at.is_(None))
    rows = db.session.execute(
        select(QuestionCitation.law_id, Question.id, Question.qtype, Question.difficulty).distinct()
        .join(Question, Question.id == QuestionCitation.question_id)
        .where(QuestionCitation.law_id.in_(wanted), Question.is_active.is_(True), Question.id.not_in(pending)))
    for law_id, _question_id, qtype, difficulty in rows:
        cell = counts[law_id]
        cell[(qtype, difficulty)] = cell.get((qtype, difficulty), 0) + 1
    return counts


def build(year: int) -> Coverage:
    """The coverage of the year's responsibility lists."""
    index = law_index()
    items = db.session.execute(select(ResponsibilityItem.law, Department.name)
                               .join(Department, Department.id == ResponsibilityItem.department_id)
                               .where(ResponsibilityItem.year == year)
                               .order_by(Department.name, ResponsibilityItem.law)).all()
    names = {law_id: short or title for law_id, title, short in
             db.session.execute(select(Law.id, Law.title, Law.short_title))}
    resolved = {written: resolve_title(written, index) for written, _department in items}
    counts = question_counts(law_id for law_id in resolved.values() if law_id is not None)
    by_law: dict[object, tuple[str, int | None, list[str]]] = {}
    per_department: dict[str, list[tuple[str, int | None, int]]] = {}
    for written, department in items:
        law_id = resolved[written]
        key = law_id if law_id is not None else written.strip("《》 ")
        name = names[law_id] if law_id is not None else written.strip("《》 ")
        entry = by_law.setdefault(key, (name, law_id, []))
        if department not in entry[2]:
            entry[2].append(department)
        total = sum(counts.get(law_id, {}).values()) if law_id is not None else 0
        per_department.setdefault(department, []).append((name, law_id, total))
    laws = []
    for name, law_id, departments in sorted(by_law.values(), key=lambda entry: entry[0]):
        by_type: dict[str, int] = {}
        by_difficulty: dict[str, int] = {}
        for (qtype, difficulty), n in counts.get(law_id, {}).items():
            by_type[qtype] = by_type.get(qtype, 0) + n
            by_difficulty[difficulty] = by_difficulty.get(difficulty, 0) + n
        laws.append(LawCoverage(name, law_id, tuple(departments), by_type, by_difficulty))
    return Coverage(year, tuple(laws),
                    tuple(DepartmentCoverage(department, tuple(entries))
                          for department, entries in per_department.items()))
