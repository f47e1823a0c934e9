"""The department tree as plain data: subtrees, paths and name lookup without N queries."""
from __future__ import annotations

from dataclasses import dataclass, field


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
