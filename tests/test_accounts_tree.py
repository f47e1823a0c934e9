"""The department tree and roster notations as pure functions."""
import pytest

from trainingapp.accounts.roster import normalise_login, parse_category, parse_role, parse_status
from trainingapp.accounts.tree import DepartmentTree

ROWS = [(1, "共和镇", None), (2, "司法所", 1), (3, "应急办", 1), (4, "消防队", 3),
        (5, "另一镇", None), (6, "司法所", 5)]


@pytest.fixture
def tree():
    return DepartmentTree.from_rows(ROWS)


def test_subtree_holds_root_and_all_descendants(tree):
    assert tree.subtree(1) == {1, 2, 3, 4}
    assert tree.subtree(3) == {3, 4}
    assert tree.subtree(4) == {4}


def test_path_names_every_ancestor(tree):
    assert tree.path(4) == "共和镇/应急办/消防队"


@pytest.mark.parametrize("text,expected", [
    ("消防队", (4, None)),
    ("应急办/消防队", (4, None)),
    ("共和镇/应急办/消防队", (4, None)),
    ("共和镇／司法所", (2, None)),
    ("司法所", (None, "ambiguous")),
    ("另一镇/司法所", (6, None)),
    ("不存在", (None, "unknown")),
    ("另一镇/消防队", (None, "unknown")),
    ("", (None, "unknown")),
])
def test_resolve_by_unique_name_or_path(tree, text, expected):
    assert tree.resolve(text) == expected


def test_walk_is_depth_first_in_order(tree):
    assert list(tree.walk()) == [(1, 0), (2, 1), (3, 1), (4, 2), (5, 0), (6, 1)]
    assert list(tree.walk(3)) == [(3, 0), (4, 1)]


@pytest.mark.parametrize("text,expected", [
    ("13800138000", "13800138000"), ("138 0013 8000", "13800138000"), ("138-0013-8000", "13800138000"),
    ("ZhangSan", "zhangsan"), ("gh.0012", "gh.0012"),
])
def test_logins_are_normalised(text, expected):
    assert normalise_login(text) == (expected, None)


@pytest.mark.parametrize("text,fragment", [
    ("", "empty"), ("1.38001E+10", "scientific"), ("1380013800", "11"), ("138001380001", "11"),
    ("12800138000", "mistyped"), ("张三", "letters"), ("a b", "letters"),
])
def test_logins_that_look_wrong_are_explained(text, fragment):
    value, problem = normalise_login(text)
    assert problem and fragment in problem


@pytest.mark.parametrize("parse,text,code", [
    (parse_category, "在编", "staff"), (parse_category, "在编干部", "staff"), (parse_category, "编外", "contract"),
    (parse_category, "协管员", "auxiliary"), (parse_category, "村（社区）干部", "village"),
    (parse_category, "村(社区)干部", "village"), (parse_category, "法律明白人", "legal_literate"),
    (parse_category, "Staff", "staff"), (parse_category, "其他", "other"), (parse_category, "临时工", None),
    (parse_role, "法治联络员", "liaison"), (parse_role, "讲师", "trainer"), (parse_role, "ADMIN", "admin"),
    (parse_role, "学员", "cadre"), (parse_role, "局长", None),
    (parse_status, "退休", "retired"), (parse_status, "在职", "active"), (parse_status, "停用", "disabled"),
])
def test_category_role_and_status_words(parse, text, code):
    assert parse(text) == code
