"""The exam report as plain data: one builder feeds the page, the exports and the CLI,
so every number is computed once and the same everywhere."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..accounts.models import CATEGORIES
from ..exams.models import Exam
from . import queries
from .rates import (
    CandidateRecord,
    Figures,
    counting_result,
    department_figures,
    figures,
    not_yet_taken,
    person_status,
    score_distribution,
    walk_tree,
)

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
    records: list[CandidateRecord]
    distribution: list[tuple[str, int]]
    names: dict[int, str]

    def people(self, department_id: int | None = None, tree=None, *, only: str | None = None) -> list[PersonRow]:
        """Candidates (of a department subtree), with status; `only="absent"` gives 未参考名单."""
        rules = queries.exam_rules(self.exam)
        records = self.records
        if department_id is not None:
            wanted = _subtree(tree, department_id)
            records = [r for r in records if r.department_id in wanted]
        if only == "absent":
            records = not_yet_taken(records)
        who = queries.people(r.user_id for r in records)
        counts = queries.attempt_counts(self.exam)
        rows = [PersonRow(r.user_id, who.get(r.user_id, ("?", "?"))[0], who.get(r.user_id, ("?", "?"))[1],
                          self.names.get(r.department_id, ""), str(CATEGORIES.get(r.category, r.category)),
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
          scope: set[int] | None = None) -> ExamReport:
    """Figures per department (rolled up), totals and the score distribution.

    `root_id` shows one subtree; `scope` (a liaison's departments) limits every number
    to those departments, so nothing outside them is counted or shown.
    """
    from ..exams.taking import finalize_overdue
    finalize_overdue(exam.id)  # abandoned attempts past their deadline count as submitted
    tree = queries.tree_children(root_id)
    in_tree = {d for d, _parent in walk_tree(tree)}
    allowed = in_tree if scope is None else in_tree & scope
    records = [r for r in queries.candidate_records(exam, departments=allowed)
               if category is None or r.category == category]
    rules = queries.exam_rules(exam)
    per_department = department_figures(records, rules, tree, denominator=denominator)
    names = queries.department_names()
    depth: dict[int, int] = {}
    rows = []
    for dept_id, parent in walk_tree(tree):
        depth[dept_id] = 0 if parent is None else depth[parent] + 1
        if dept_id in allowed:
            rows.append(DepartmentRow(dept_id, names.get(dept_id, "?"), depth[dept_id], bool(tree.get(dept_id)),
                                      per_department[dept_id]))
    return ExamReport(exam=exam, denominator=denominator, category=category, root_id=root_id, rows=rows,
                      total=figures(records, rules, denominator=denominator), records=records,
                      distribution=score_distribution(records, rules, total=exam.total_points or 100),
                      names=names)
