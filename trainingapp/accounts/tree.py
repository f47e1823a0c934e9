"""The department tree as plain data: subtrees, paths and name lookup without N queries."""
from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar


@dataclass
class DepartmentTree:
    """Built from (id, name, parent_id) rows; every method is pure."""

    names: dict[int, str] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)
    children: dict[int | None, list[int]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows) -> DepartmentTree:
        """rows: iterables of (id, name, parent_id), in display order."""
        tree = cls()
        for dept_id, name, parent_id in rows:
            tree.names[dept_id] = name
            tree.parents[dept_id] = parent_id
            tree.children.setdefault(parent_id, []).append(dept_id)
        return tree

    def subtree(self, root_id: int) -> set[int]:
        """root_id and all its descendants."""
        found, stack = set(), [root_id]
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.add(current)
            stack.extend(self.children.get(current, []))
        return found

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
        """(dept_id, depth) in display order, depth-first."""
        def visit(node, depth):
            for child in self.children.get(node, []):
                yield child, depth
                yield from visit(child, depth + 1)
        if root_id is None:
            yield from visit(None, 0)
        else:
            yield root_id, 0
            yield from visit(root_id, 1)

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

    def _path_ends_with(self, dept_id: int, parts: list[str]) -> bool:
        full = [self.names[d] for d in [*self.ancestors(dept_id), dept_id]]
        return full[-len(parts):] == parts


#: A department tree as a children mapping (None: the roots), the shape reports pass around.
TreeChildren = Mapping[int | None, Sequence[int]]
T = TypeVar("T")


def walk_tree(tree_children: TreeChildren) -> list[tuple[int, int | None]]:
    """(department, parent) for every department reachable in the tree, in display order
    (depth-first pre-order), each exactly once even if the data has a cycle or a node
    listed under two parents (the first listing wins)."""
    listed = {child for kids in tree_children.values() for child in kids}
    # Roots: the children of None, plus any parent key never listed as a child, so a
    # subtree passed without its own root entry is still walked.
    roots = [(root, None) for root in tree_children.get(None, ())]
    roots += [(key, None) for key in tree_children if key is not None and key not in listed]
    order: list[tuple[int, int | None]] = []
    seen: set[int] = set()
    stack = list(reversed(roots))
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
