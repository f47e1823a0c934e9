"""The exam report as plain data: one builder feeds the page, the exports and the CLI,
so every number is computed once and the same everywhere. Closing overdue attempts is a
step of its own (`exams.finalising.finalize_overdue`), taken before building."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..accounts.models import CATEGORIES
from ..accounts.tree import DepartmentTree
from ..exams.models import Exam
from . import queries
from .rates import (
    CandidateRecord,
    ExamRules,
    Figures,
    counting_result,
    department_figures_from_counts,
    distribution_from_counts,
    figures_from_counts,
    not_yet_taken,
    person_status,
)

#: Above this many people, names come from one join over the candidate list rather than by id.
_JOIN_NAMES_FROM = 5000

STATUS_LABELS = {"exempt": _l("Exempt"), "absent": _l("Not taken"), "pending": _l("Awaiting marks"), "fail": _l("Fail"),
                 "pass": _l("Pass"), "excellent": _l("Excellent")}
DENOMINATOR_LABELS = {"participants": _l("participants (实际参考人数)"),
                      "required": _l("required candidates (应参考人数)")}


@dataclass(frozen=True)
class DepartmentRow:
    department_id: int
    name: str
    depth: int
    has_children: bool
    figures: Figures


@dataclass(frozen=True)
class PersonRow:
    user_id: int
    name: str
    login: str
    department: str
    category: str
    status: str
    attempts: int
    score: float | None
    tab_switches: int


@dataclass(frozen=True)
class ExamReport:
    """Everything the page, the exports and the CLI show of one exam, read by `build` in one
    go and not changed afterwards. Overdue attempts are closed before
    (`exams.finalising.finalize_overdue`): building never writes."""

    exam: Exam
    denominator: str
    category: str | None
    root_id: int | None
    rows: tuple[DepartmentRow, ...]
    total: Figures
    distribution: list[tuple[str, int]]
    names: dict[int, str]
    #: The departments shown (the subtree of `root_id`, or the whole tree), as read once.
    tree: DepartmentTree
    rules: ExamRules
    #: The departments whose candidates the report covers (None: all).
    departments: frozenset[int] | None = None
    #: List departments without any candidate too (hidden by default: an exam for one office
    #: would otherwise list every empty department of the town).
    show_empty: bool = False
    #: Every candidate the figures count, one record each; only read when asked for
    #: (`build(..., records=True)`: the people lists and the exports), since the figures
    #: themselves are counted by the database.
    records: tuple[CandidateRecord, ...] | None = field(default=None, repr=False)

    @property
    def shown_rows(self) -> list[DepartmentRow]:
        """The rows the page and the exports list: without `show_empty`, departments with no
        candidate (nobody 应参考 and nobody 免考, descendants included) are left out. A parent
        counts its descendants, so what is left out is always whole subtrees, and the totals
        (computed over every candidate) do not change."""
        if self.show_empty:
            return list(self.rows)
        return [row for row in self.rows if row.figures.required or row.figures.exempt]

    @property
    def hidden_rows(self) -> int:
        """How many departments `shown_rows` leaves out."""
        return len(self.rows) - len(self.shown_rows)


def people(report: ExamReport, department_id: int | None = None, *, only: str | None = None) -> list[PersonRow]:
    """The report's candidates (of a department subtree), with status, name and attempts
    started; `only="absent"` gives 未参考名单. Reads the names and attempt counts of the
    people listed; the report must have been built with `records=True`."""
    if report.records is None:
        raise ValueError("the report was built without its candidate records (records=True)")
    records = report.records
    if department_id is not None:
        wanted = report.tree.subtree(department_id)
        records = [r for r in records if r.department_id in wanted]
    if only == "absent":
        records = not_yet_taken(records)
    if len(records) > _JOIN_NAMES_FROM:
        who = queries.candidate_people(report.exam)
        counts = queries.attempt_counts(report.exam)
    else:
        who = queries.people(r.user_id for r in records)
        counts = queries.attempt_counts(report.exam, [r.user_id for r in records])
    unknown = ("?", "?")
    categories = {code: str(label) for code, label in CATEGORIES.items()}  # translated once, not per row
    rules, names = report.rules, report.names
    rows = [PersonRow(r.user_id, who.get(r.user_id, unknown)[0], who.get(r.user_id, unknown)[1],
                      names.get(r.department_id, ""), categories.get(r.category, r.category),
                      person_status(r, rules), counts.get(r.user_id, 0), counting_result(r, rules),
                      r.tab_switches) for r in records]
    return sorted(rows, key=lambda p: (p.department, p.name))


def build(exam: Exam, *, denominator: str, category: str | None = None, root_id: int | None = None,
          scope: set[int] | None = None, show_empty: bool = False, records: bool = False,
          tree: DepartmentTree | None = None, makeup=queries.LOOK_UP) -> ExamReport:
    """Figures per department (rolled up), totals and the score distribution, read once.

    `root_id` shows one subtree; `scope` (a liaison's departments) limits every number
    to those departments, so nothing outside them is counted or shown; `show_empty` keeps
    departments without candidates in `shown_rows`; `records` also reads every candidate's
    record (for `people`). `tree` and `makeup` (the exam's published make-up, or None) are
    read here unless the caller has them already. Reads only: call
    `exams.finalising.finalize_overdue` first.
    """
    if tree is None:
        tree = queries.department_tree()
    if makeup is queries.LOOK_UP:
        makeup = queries.makeup_of(exam)
    shown = tree.below(root_id)
    in_tree = {dept_id for dept_id, _parent in shown.edges()}
    allowed = frozenset(in_tree if scope is None else in_tree & scope)
    rules = queries.exam_rules(exam, makeup)
    counts = queries.result_counts(exam, rules, departments=allowed, category=category, makeup=makeup)
    per_department = department_figures_from_counts(counts, rules, shown.children, denominator=denominator)
    names = tree.names
    rows = tuple(DepartmentRow(dept_id, names.get(dept_id, "?"), depth, bool(shown.children.get(dept_id)),
                               per_department[dept_id])
                 for dept_id, depth in shown.walk() if dept_id in allowed)
    candidates = None
    if records:
        candidates = tuple(queries.candidate_records(exam, departments=allowed, category=category, makeup=makeup))
    return ExamReport(exam=exam, denominator=denominator, category=category, root_id=root_id, rows=rows,
                      total=figures_from_counts(counts, rules, denominator=denominator),
                      distribution=distribution_from_counts(counts, total=exam.total_points or 100),
                      names=names, tree=shown, rules=rules, departments=allowed, show_empty=show_empty,
                      records=candidates)
