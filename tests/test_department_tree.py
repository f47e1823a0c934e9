"""The one department tree: a subtree as its own tree, walks and roll-ups on it (pure)."""
import dataclasses

import pytest

from trainingapp.accounts.tree import DepartmentTree, roll_up, walk_tree

ROWS = [(1, "共和镇", None), (2, "司法所", 1), (3, "应急办", 1), (4, "消防队", 3),
        (5, "另一镇", None), (6, "司法所", 5)]


@pytest.fixture
def tree():
    return DepartmentTree.from_rows(ROWS)


def test_below_is_the_subtree_with_its_root_on_top(tree):
    below = tree.below(3)
    assert below.children == {None: [3], 3: [4]}
    assert below.names == {3: "应急办", 4: "消防队"}
    assert list(below.walk()) == [(3, 0), (4, 1)]
    assert below.edges() == [(3, None), (4, 3)]
    assert tree.below(None) is tree


def test_below_keeps_display_order_and_matches_subtree(tree):
    below = tree.below(1)
    assert [d for d, _depth in below.walk()] == [1, 2, 3, 4]
    assert set(below.names) == tree.subtree(1)


def test_roll_up_adds_descendants(tree):
    own = {2: 1, 4: 10, 6: 100}
    assert tree.roll_up(own, 0) == {1: 11, 2: 1, 3: 10, 4: 10, 5: 100, 6: 100}
    assert tree.below(3).roll_up(own, 0) == {3: 10, 4: 10, 2: 1, 6: 100}  # outside the subtree: own value, last
    assert tree.roll_up(own, 0) == roll_up(own, tree.children, 0)


def test_walks_survive_a_cycle():
    looped = DepartmentTree(names={1: "甲", 2: "乙"}, parents={1: 2, 2: 1}, children={None: [1], 1: [2], 2: [1]})
    assert list(looped.walk()) == [(1, 0), (2, 1)]
    assert looped.subtree(2) == {1, 2}
    assert walk_tree(looped.children, roots=[2]) == [(2, None), (1, 2)]


def test_the_tree_cannot_be_reassigned(tree):
    with pytest.raises(dataclasses.FrozenInstanceError):
        tree.names = {}
