"""Who something is for: department subtrees × staff categories, plus people added or removed.

Exams (their candidates before publication), training sessions (who is expected) and courses
(who may study them) all name their people this way. An `Audience` is an immutable value;
each owner keeps it in its own JSON columns, read with `Audience.from_json` and written with
`groups_json` / `added_json` / `removed_json`, so no table changes shape.

Only people in post belong to an audience: someone transferred or retired drops out of it
(and of `includes`) without anyone editing it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, false, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from ..platform.extensions import db
from .models import User
from .permissions import department_tree
from .tree import DepartmentTree


@dataclass(frozen=True)
class Group:
    """The people of one department and everything below it (of the whole tree when
    `department_id` is None) whose staff category is one of `categories` (any when empty)."""

    department_id: int | None
    categories: frozenset[str] = frozenset()

    def departments(self, tree: DepartmentTree) -> set[int] | None:
        """The departments the group covers: None for the whole tree, empty for a department
        deleted since the group was chosen."""
        if self.department_id is None:
            return None
        return tree.subtree(self.department_id) if self.department_id in tree.names else set()

    def covers(self, department_id: int, tree: DepartmentTree) -> bool:
        """Whether the department lies in the group's subtree (walking up is shorter than down)."""
        return (self.department_id is None or department_id == self.department_id
                or self.department_id in tree.ancestors(department_id))


@dataclass(frozen=True)
class Audience:
    """Any of the groups, plus the people added, less the people removed; only people in post."""

    groups: tuple[Group, ...] = ()
    added: frozenset[int] = field(default_factory=frozenset)
    removed: frozenset[int] = field(default_factory=frozenset)

    # --- building and storing ------------------------------------------------------------------

    @classmethod
    def of(cls, departments: Iterable[int | None] = (), categories: Iterable[str] = (),
           added: Iterable[int] = (), removed: Iterable[int] = ()) -> Audience:
        """Each department (None: the whole tree) with the same categories, plus and minus people."""
        chosen = frozenset(categories)
        return cls(tuple(Group(d, chosen) for d in dict.fromkeys(departments)), frozenset(added), frozenset(removed))

    @classmethod
    def everyone(cls) -> Audience:
        return cls((Group(None),))

    @classmethod
    def from_json(cls, groups: list[dict] | None, added: Iterable[int] | None = (),
                  removed: Iterable[int] | None = ()) -> Audience:
        """From the stored shape: [{"department_id": 3, "categories": ["staff"]}, ...] and id lists."""
        return cls(tuple(Group(entry.get("department_id"), frozenset(entry.get("categories") or []))
                         for entry in groups or []),
                   frozenset(int(i) for i in added or ()), frozenset(int(i) for i in removed or ()))

    def groups_json(self) -> list[dict]:
        return [{"department_id": g.department_id, "categories": sorted(g.categories)} for g in self.groups]

    def added_json(self) -> list[int]:
        return sorted(self.added)

    def removed_json(self) -> list[int]:
        return sorted(self.removed)

    @property
    def departments(self) -> list[int]:
        """The departments chosen (not the whole-tree group), in the order chosen."""
        return [g.department_id for g in self.groups if g.department_id is not None]

    @property
    def categories(self) -> frozenset[str]:
        """Every category any group names."""
        return frozenset().union(*(g.categories for g in self.groups))

    def simplified(self, tree: DepartmentTree, all_categories: Iterable[str]) -> Audience:
        """The same people in fewer words: every category ticked means any category, and a
        department inside another chosen one with (at least) the same categories adds nothing."""
        every = frozenset(all_categories)
        groups = [Group(g.department_id, frozenset() if g.categories >= every else g.categories)
                  for g in self.groups]

        def covered(group: Group) -> bool:
            if group.department_id is None:
                return False
            above = tree.ancestors(group.department_id)
            return any(other.department_id is None or other.department_id in above
                       for other in groups
                       if other is not group and (not other.categories or other.categories >= group.categories))
        return Audience(tuple(g for g in groups if not covered(g)), self.added, self.removed)

    def labels(self, tree: DepartmentTree, category_labels: dict) -> list[str]:
        """"共和镇/综合行政执法办 · Established staff, Auxiliary …" per chosen department."""
        labels = []
        for group in self.groups:
            if group.department_id not in tree.names:
                continue
            where = tree.path(group.department_id)
            who = ", ".join(str(label) for code, label in category_labels.items() if code in group.categories)
            labels.append(f"{where} · {who}" if who else where)
        return labels

    # --- who is in it ------------------------------------------------------------------------

    def criteria(self, tree: DepartmentTree | None = None) -> ColumnElement[bool]:
        """A condition on `User` rows that holds for exactly the people in the audience.

        Groups with the same categories share one IN list, so the usual audience (several
        departments, one set of categories) is a single department test however many it names.
        """
        tree = tree or department_tree()
        by_categories: dict[frozenset[str], set[int] | None] = {}
        for group in self.groups:
            covered = group.departments(tree)
            known = by_categories.get(group.categories, set())
            by_categories[group.categories] = None if covered is None or known is None else known | covered
        chosen = []
        for categories, departments in by_categories.items():
            if departments is not None and not departments:
                continue
            parts = [User.category.in_(sorted(categories))] if categories else []
            if departments is not None:
                parts.append(User.department_id.in_(sorted(departments)))
            chosen.append(and_(*parts) if parts else true())
        if self.added:
            chosen.append(User.id.in_(sorted(self.added)))
        condition = and_(User.status == "active", or_(*chosen) if chosen else false())
        if self.removed:
            condition = and_(condition, User.id.not_in(sorted(self.removed)))
        return condition

    def statement(self, tree: DepartmentTree | None = None) -> Select:
        """SELECT of the people (unordered)."""
        return select(User).where(self.criteria(tree))

    def ids(self, tree: DepartmentTree | None = None) -> Select:
        """SELECT of their ids: a subquery for callers that join or filter on the audience."""
        return select(User.id).where(self.criteria(tree))

    def people(self, tree: DepartmentTree | None = None) -> list[User]:
        """The people, in one statement, by the tree's display order of departments then name."""
        tree = tree or department_tree()
        return sorted(db.session.scalars(self.statement(tree)), key=display_order(tree))

    def count(self, tree: DepartmentTree | None = None) -> int:
        return db.session.scalar(select(func.count()).select_from(User).where(self.criteria(tree)))

    def includes(self, person, tree: DepartmentTree | None = None) -> bool:
        """Whether `person` (anything with id, department_id, category and status) is in it;
        no query once the tree is loaded."""
        if person.status != "active" or person.id in self.removed:
            return False
        if person.id in self.added:
            return True
        tree = tree or department_tree()
        return any(group.covers(person.department_id, tree)
                   and (not group.categories or person.category in group.categories) for group in self.groups)


def display_order(tree: DepartmentTree):
    """A sort key: people in the tree's display order of their departments, then by name."""
    order = {dept_id: index for index, (dept_id, _depth) in enumerate(tree.walk())}
    return lambda person: (order.get(person.department_id, len(order)), person.name, person.login)


def logins_to_ids(logins: Iterable[str]) -> tuple[list[int], list[str]]:
    """(ids of the known logins, the unknown logins), each in the order given; one query."""
    wanted = list(dict.fromkeys(logins))
    if not wanted:
        return [], []
    found = dict(db.session.execute(select(User.login, User.id).where(User.login.in_(wanted))).all())
    return [found[login] for login in wanted if login in found], [login for login in wanted if login not in found]


def ids_to_logins(ids: Iterable[int]) -> list[str]:
    """The logins of these people, in the order given (unknown ids are left out)."""
    wanted = list(ids)
    if not wanted:
        return []
    found = dict(db.session.execute(select(User.id, User.login).where(User.id.in_(wanted))).all())
    return [found[i] for i in wanted if i in found]
