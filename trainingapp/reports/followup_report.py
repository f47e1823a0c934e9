"""The list of people who did not pass or did not take an exam (学法考试不合格/未参考人员名单), per
exam or per year, read once into plain data for the page and the .xlsx.

Each exam is read through `exam_report.build` (same candidates, scope, category, make-up and
counting rules as its report) and filtered by `followup.entries`; which exams count is decided
by `queries.official_exams` alone. Closing overdue attempts is a step of its own
(`finalize_overdue`), taken before building.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..accounts.tree import DepartmentTree
from ..exams.finalising import finalize_overdue
from ..exams.models import Exam
from . import exam_report, queries
from .followup import Entry, entries, is_final, ordered, tally
from .rates import Figures


@dataclass(frozen=True)
class ExamPart:
    """One exam of the list with the report's totals over the same people."""

    exam: Exam
    makeup: Exam | None
    figures: Figures
    final: bool
    failed: int  # 不合格 entries listed for this exam
    absent: int  # 未参考 entries listed for this exam


@dataclass(frozen=True)
class Row:
    """One line of the list, as the page and the .xlsx show it."""

    entry: Entry
    department: str  # the full path, e.g. 共和镇/应急办/消防队
    name: str
    login: str
    exam_title: str


@dataclass(frozen=True)
class FollowupList:
    year: int | None  # the year of a yearly list; None for one exam
    root_id: int | None
    unit: str | None  # the department the list covers (None: everything)
    category: str | None
    parts: tuple[ExamPart, ...]
    rows: tuple[Row, ...]
    built_at: datetime

    @property
    def final(self) -> bool:
        """Every exam and make-up in the list is over: the list will not change any more."""
        return all(part.final for part in self.parts)

    @property
    def awaiting_marks(self) -> int:
        """How many people of the listed exams have a result awaiting marks (not listed yet)."""
        return sum(part.figures.pending for part in self.parts)

    @property
    def pending(self) -> list[ExamPart]:
        """The exams whose results may still change (the list is 临时 while there are any)."""
        return [part for part in self.parts if not part.final]


def finalize_overdue_of(exams: list[Exam]) -> int:
    """Close the overdue attempts of these exams and their make-ups (they count as submitted).
    Commits; returns how many were closed."""
    closed = 0
    for exam in exams:
        closed += finalize_overdue(exam.id)
        makeup = queries.makeup_of(exam)
        if makeup is not None:
            closed += finalize_overdue(makeup.id)
    return closed


def build(exams: list[Exam], *, moment: datetime, year: int | None = None, root_id: int | None = None,
          scope: set[int] | None = None, category: str | None = None,
          tree: DepartmentTree | None = None) -> FollowupList:
    """The list over `exams` (from `queries.official_exams`): per exam, the report's records of
    the subtree `root_id` (within `scope`, a liaison's departments) and `category`, 不合格 and 未参考
    only, each person once per exam. Reads only: call `finalize_overdue_of` first."""
    if tree is None:
        tree = queries.department_tree()
    makeups = {exam.id: queries.makeup_of(exam) for exam in exams}
    running = queries.attempts_in_progress([e.id for e in exams] + [m.id for m in makeups.values() if m])
    parts, found = [], []
    for exam in exams:
        makeup = makeups[exam.id]
        report = exam_report.build(exam, denominator="participants", category=category, root_id=root_id,
                                   scope=scope, records=True, tree=tree, makeup=makeup)
        listed = entries(report.records, report.rules, exam_id=exam.id, has_makeup=makeup is not None)
        windows = [exam.closes_at] + ([makeup.closes_at] if makeup else [])
        busy = running.get(exam.id, 0) + (running.get(makeup.id, 0) if makeup else 0)
        counted = tally(listed).get(exam.id, {"fail": 0, "absent": 0})
        parts.append(ExamPart(exam=exam, makeup=makeup, figures=report.total, final=is_final(windows, busy, moment,
                                                                                          report.total.pending),
                              failed=counted["fail"], absent=counted["absent"]))
        found.extend(listed)
    who = queries.people({entry.user_id for entry in found})
    department_order = {dept_id: index for index, (dept_id, _depth) in enumerate(tree.walk())}
    names = {user_id: name for user_id, (name, _login) in who.items()}
    titles = {exam.id: exam.title for exam in exams}
    rows = tuple(Row(entry=entry, department=tree.path(entry.department_id) if entry.department_id in tree.names
                     else "?", name=who.get(entry.user_id, ("?", "?"))[0], login=who.get(entry.user_id, ("?", "?"))[1],
                     exam_title=titles[entry.exam_id])
                 for entry in ordered(found, department_order, names, {e.id: i for i, e in enumerate(exams)}))
    return FollowupList(year=year, root_id=root_id, unit=tree.names.get(root_id) if root_id is not None else None,
                        category=category, parts=tuple(parts), rows=rows, built_at=moment)
