"""The exam report as plain data: one builder feeds the page, the exports and the CLI,
so every number is computed once and the same everywhere."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..accounts.models import CATEGORIES
from ..exams.models import Exam
from . import queries
from .rates import (
    CandidateRecord,
    Figures,
    counting_result,
    department_figures_from_counts,
    distribution_from_counts,
    figures_from_counts,
    not_yet_taken,
    person_status,
    walk_tree,
)

#: Above this many people, names come from one join over the candidate list rather than by id.
_JOIN_NAMES_FROM = 5000

STATUS_LABELS = {"exempt": _l("Exempt"), "absent": _l("Not taken"), "fail": _l("Fail"),
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


@dataclass
class ExamReport:
    exam: Exam
    denominator: str
    category: str | None
    root_id: int | None
    rows: list[DepartmentRow]
    total: Figures
    distribution: list[tuple[str, int]]
    names: dict[int, str]
    #: The departments whose candidates the report covers (None: all).
    departments: set[int] | None = None
    #: List departments without any candidate too (hidden by default: an exam for one office
    #: would otherwise list every empty department of the town).
    show_empty: bool = False
    _records: list[CandidateRecord] | None = field(default=None, repr=False)

    @property
    def shown_rows(self) -> list[DepartmentRow]:
        """The rows the page and the exports list: without `show_empty`, departments with no
        candidate (nobody 应参考 and nobody 免考, descendants included) are left out. A parent
        counts its descendants, so what is left out is always whole subtrees, and the totals
        (computed over every candidate) do not change."""
        if self.show_empty:
            return self.rows
        return [row for row in self.rows if row.figures.required or row.figures.exempt]

    @property
    def hidden_rows(self) -> int:
        """How many departments `shown_rows` leaves out."""
        return len(self.rows) - len(self.shown_rows)

    @property
    def records(self) -> list[CandidateRecord]:
        """Every candidate the figures count, one record each: loaded when first asked for (the
        people lists and the exports), since the figures themselves are counted by the database."""
        if self._records is None:
            self._records = queries.candidate_records(self.exam, departments=self.departments,
                                                      category=self.category)
        return self._records

    def people(self, department_id: int | None = None, tree=None, *, only: str | None = None) -> list[PersonRow]:
        """Candidates (of a department subtree), with status; `only="absent"` gives 未参考名单."""
        rules = queries.exam_rules(self.exam)
        records = self.records
        if department_id is not None:
            wanted = _subtree(tree, department_id)
            records = [r for r in records if r.department_id in wanted]
        if only == "absent":
            records = not_yet_taken(records)
        if len(records) > _JOIN_NAMES_FROM:
            who = queries.candidate_people(self.exam)
            counts = queries.attempt_counts(self.exam)
        else:
            who = queries.people(r.user_id for r in records)
            counts = queries.attempt_counts(self.exam, [r.user_id for r in records])
        unknown = ("?", "?")
        categories = {code: str(label) for code, label in CATEGORIES.items()}  # translated once, not per row
        rows = [PersonRow(r.user_id, who.get(r.user_id, unknown)[0], who.get(r.user_id, unknown)[1],
                          self.names.get(r.department_id, ""), categories.get(r.category, r.category),
                          person_status(r, rules), counts.get(r.user_id, 0), counting_result(r, rules),
                          r.tab_switches) for r in records]
        return sorted(rows, key=lambda p: (p.department, p.name))


def _subtree(tree: dict, root: int) -> set[int]:
    found, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(tree.get(node, []))
    return found


def build(exam: Exam, *, denominator: str, category: str | None = None, root_id: int | None = None,
          scope: set[int] | None = None, show_empty: bool = False) -> ExamReport:
    """Figures per department (rolled up), totals and the score distribution.

    `root_id` shows one subtree; `scope` (a liaison's departments) limits every number
    to those departments, so nothing outside them is counted or shown; `show_empty` keeps
    departments without candidates in `shown_rows`.
    """
    from ..exams.finalising import finalize_overdue
    finalize_overdue(exam.id)  # abandoned attempts past their deadline count as submitted
    tree = queries.tree_children(root_id)
    in_tree = {d for d, _parent in walk_tree(tree)}
    allowed = in_tree if scope is None else in_tree & scope
    rules = queries.exam_rules(exam)
    counts = queries.result_counts(exam, rules, departments=allowed, category=category)
    per_department = department_figures_from_counts(counts, rules, tree, denominator=denominator)
    names = queries.department_names()
    depth: dict[int, int] = {}
    rows = []
    for dept_id, parent in walk_tree(tree):
        depth[dept_id] = 0 if parent is None else depth[parent] + 1
        if dept_id in allowed:
            rows.append(DepartmentRow(dept_id, names.get(dept_id, "?"), depth[dept_id], bool(tree.get(dept_id)),
                                      per_department[dept_id]))
    return ExamReport(exam=exam, denominator=denominator, category=category, root_id=root_id, rows=rows,
                      total=figures_from_counts(counts, rules, denominator=denominator),
                      distribution=distribution_from_counts(counts, total=exam.total_points or 100),
                      names=names, departments=allowed, show_empty=show_empty)
