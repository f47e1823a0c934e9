"""The department tree as plain data: subtrees, walks, roll-ups, paths and name lookup
without N queries. The one home of every walk over `parent_id`: reports, audiences and
the roster all read the tree through `DepartmentTree` (or the two pure functions below,
which work on any parent -> children mapping)."""
from __future__ import annotations

import operator
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ..platform.tabular import match_key

#: parent id (None: the top) -> child ids in display order.
TreeChildren = Mapping[int | None, Sequence[int]]
T = TypeVar("T")


def walk_tree(tree_children: TreeChildren, roots: Sequence[int] | None = None) -> list[tuple[int, int | None]]:
    """(department, parent) for every department reachable in the tree (from `roots` only,
    when given, each with parent None), in display order (depth-first pre-order), each
    exactly once even if the data has a cycle or a node listed under two parents (the
    first listing wins)."""
    if roots is None:
        listed = {child for kids in tree_children.values() for child in kids}
        # The children of None, plus any parent key never listed as a child, so a subtree
        # passed without its own root entry is still walked.
        roots = [*tree_children.get(None, ()),
                 *(key for key in tree_children if key is not None and key not in listed)]
    order: list[tuple[int, int | None]] = []
    seen: set[int] = set()
    stack: list[tuple[int, int | None]] = [(root, None) for root in reversed(roots)]
    while stack:
        node, parent = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append((node, parent))
        stack.extend((child, node) for child in reversed(tree_children.get(node, ())) if child not in seen)
    return order


def roll_up(
    own: Mapping[int, T],
    tree_children: TreeChildren,
    zero: T,
    add: Callable[[T, T], T] = operator.add,
) -> dict[int, T]:
    """Every department's own value plus all its descendants', in display order, with
    one `add` per department and per tree edge. Departments in `own` missing from the
    tree come last, with their own value only."""
    order = walk_tree(tree_children)
    children_sum: dict[int, T] = {}
    totals: dict[int, T] = {}
    # Reversed pre-order lists every node after all its descendants, so each node is
    # final when it is folded into its parent.
    for node, parent in reversed(order):
        total = own.get(node, zero)
        if node in children_sum:
            total = add(total, children_sum.pop(node))
        totals[node] = total
        if parent is not None:
            children_sum[parent] = add(children_sum[parent], total) if parent in children_sum else total
    result = {node: totals[node] for node, _ in order}
    result.update((dept, value) for dept, value in own.items() if dept not in result)
    return result


@dataclass(frozen=True)
class DepartmentTree:
    """Built from (id, name, parent_id) rows; every method is pure and nothing changes it
    after `from_rows`, so one load serves a whole request or report."""

    names: dict[int, str] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)
    children: dict[int | None, list[int]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows) -> DepartmentTree:
        """rows: iterables of (id, name, parent_id), in display order."""
        names: dict[int, str] = {}
        parents: dict[int, int | None] = {}
        children: dict[int | None, list[int]] = {}
        for dept_id, name, parent_id in rows:
            names[dept_id] = name
            parents[dept_id] = parent_id
            children.setdefault(parent_id, []).append(dept_id)
        return cls(names=names, parents=parents, children=children)

    def subtree(self, root_id: int) -> set[int]:
        """root_id and all its descendants."""
        return {dept_id for dept_id, _parent in walk_tree(self.children, roots=[root_id])}

    def below(self, root_id: int | None) -> DepartmentTree:
        """The subtree of root_id as a tree of its own, root_id at the top (the whole tree
        for None): what a report over one department shows and rolls up."""
        if root_id is None:
            return self
        order = walk_tree(self.children, roots=[root_id])
        names = {d: self.names[d] for d, _parent in order if d in self.names}
        parents = dict(order)
        children: dict[int | None, list[int]] = {}
        for dept_id, parent in order:
            children.setdefault(parent, []).append(dept_id)
        return DepartmentTree(names=names, parents=parents, children=children)

    def edges(self) -> list[tuple[int, int | None]]:
        """(department, parent) in display order, each once (see `walk_tree`)."""
        return walk_tree(self.children)

    def roll_up(self, own: Mapping[int, T], zero: T, add: Callable[[T, T], T] = operator.add) -> dict[int, T]:
        """Each department's own value plus its descendants' (see `roll_up`)."""
        return roll_up(own, self.children, zero, add)

    def ancestors(self, dept_id: int) -> list[int]:
        """From the root down to dept_id's parent."""
        chain, current = [], self.parents.get(dept_id)
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parents.get(current)
        return list(reversed(chain))

    def path(self, dept_id: int, sep: str = "/") -> str:
        """The full path people write in spreadsheets, e.g. 共和镇/司法所."""
        return sep.join(self.names[d] for d in [*self.ancestors(dept_id), dept_id])

    def depth(self, dept_id: int) -> int:
        return len(self.ancestors(dept_id))

    def walk(self, root_id: int | None = None):
        """(dept_id, depth) in display order, depth-first; each department once."""
        tree = self.children if root_id is None else self.below(root_id).children
        depth: dict[int, int] = {}
        for dept_id, parent in walk_tree(tree):
            depth[dept_id] = 0 if parent is None else depth[parent] + 1
            yield dept_id, depth[dept_id]

    def resolve(self, text: str) -> tuple[int | None, str | None]:
        """A department from a name unique in the tree or a path such as 共和镇/司法所.

        Returns (id, None), or (None, reason) where reason is "unknown" or "ambiguous".
        A path may start below the root (司法所 under 共和镇 can be written 共和镇/司法所 or
        just 司法所 when that name is unique).
        """
        parts = [p.strip() for p in text.replace("\\", "/").replace("／", "/").split("/") if p.strip()]
        if not parts:
            return None, "unknown"
        candidates = [d for d, n in self.names.items() if n == parts[-1]]
        matches = [d for d in candidates if self._path_ends_with(d, parts)]
        if len(matches) == 1:
            return matches[0], None
        return None, ("ambiguous" if matches else "unknown")

    def resolve_loosely(self, text: str) -> tuple[int | None, str | None, bool]:
        """`resolve`, and failing an exact match, the same ignoring full-/half-width forms and
        spaces ("社会事务办（民政）" for "社会事务办(民政)"); the flag says the match was loose."""
        found, reason = self.resolve(text)
        if reason != "unknown":
            return found, reason, False
        parts = [match_key(p) for p in unicodedata.normalize("NFKC", text).replace("\\", "/").split("/")]
        parts = [p for p in parts if p]
        if not parts:
            return None, "unknown", False
        matches = [d for d, name in self.names.items() if match_key(name) == parts[-1]
                   and [match_key(self.names[a]) for a in [*self.ancestors(d), d]][-len(parts):] == parts]
        if len(matches) == 1:
            return matches[0], None, True
        return None, ("ambiguous" if matches else "unknown"), False

    def _path_ends_with(self, dept_id: int, parts: list[str]) -> bool:
        full = [self.names[d] for d in [*self.ancestors(dept_id), dept_id]]
        return full[-len(parts):] == parts
