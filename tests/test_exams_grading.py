"""Response validation, grading and receipts (trainingapp.exams.grading)."""
import hashlib
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainingapp.exams.grading import (
    MAX_BLANK_CHARS,
    InvalidResponse,
    grade,
    is_correct,
    normalise_blank,
    receipt_canonical_json,
    receipt_code,
    validate_response,
)

KEYS = ["A", "B", "C", "D"]
FILL_KEY = [["十五日", "15日"], ["书面"]]

# --------------------------------------------------------------------------- validation

VALID = [
    # qtype, response, blank_count, expected
    ("single", "B", 0, "B"),
    ("single", None, 0, None),
    ("multiple", ["D", "A", "B"], 0, ["A", "B", "D"]),
    ("multiple", ["B", "B", "A"], 0, ["A", "B"]),
    ("multiple", ["C"], 0, ["C"]),
    ("multiple", [], 0, None),
    ("multiple", None, 0, None),
    ("truefalse", True, 0, True),
    ("truefalse", False, 0, False),
    ("truefalse", None, 0, None),
    ("fill", ["  十五日 ", "书面\n"], 2, ["十五日", "书面"]),
    ("fill", ["十五日", ""], 2, ["十五日", ""]),
    ("fill", ["", "  "], 2, None),
    ("fill", ["\u3000"], 1, None),
    ("fill", None, 2, None),
    ("fill", ["x" * MAX_BLANK_CHARS], 1, ["x" * MAX_BLANK_CHARS]),
    ("fill", [" " + "x" * MAX_BLANK_CHARS + " "], 1, ["x" * MAX_BLANK_CHARS]),
]


@pytest.mark.parametrize("qtype, response, blank_count, expected", VALID)
def test_validate_response_normalises(qtype, response, blank_count, expected):
    assert validate_response(qtype, response, KEYS, blank_count) == expected


INVALID = [
    # qtype, response, blank_count, words expected in the message
    ("single", 2, 0, "one option key"),
    ("single", "E", 0, "one option key"),
    ("single", "b", 0, "one option key"),
    ("single", "", 0, "one option key"),
    ("single", ["B"], 0, "one option key"),
    ("single", True, 0, "one option key"),
    ("single", {"key": "B"}, 0, "one option key"),
    ("multiple", "AB", 0, "list of option keys"),
    ("multiple", "A", 0, "list of option keys"),
    ("multiple", ["A", "E"], 0, "list of option keys"),
    ("multiple", ["A", 1], 0, "list of option keys"),
    ("multiple", [["A"]], 0, "list of option keys"),
    ("multiple", [{"A": 1}], 0, "list of option keys"),
    ("multiple", {"A": True}, 0, "list of option keys"),
    ("truefalse", "true", 0, "true or false"),
    ("truefalse", 1, 0, "true or false"),
    ("truefalse", 0, 0, "true or false"),
    ("truefalse", [True], 0, "true or false"),
    ("fill", "十五日", 1, "list of 1 strings"),
    ("fill", ["十五日"], 2, "list of 2 strings"),
    ("fill", ["a", "b", "c"], 2, "list of 2 strings"),
    ("fill", [15, "书面"], 2, "list of 2 strings"),
    ("fill", [None, "书面"], 2, "list of 2 strings"),
    ("fill", [["十五日"], "书面"], 2, "list of 2 strings"),
    ("fill", [{"a": "b"}, "书面"], 2, "list of 2 strings"),
    ("fill", {"0": "a"}, 1, "list of 1 strings"),
    ("fill", ["x" * (MAX_BLANK_CHARS + 1)], 1, "at most 500"),
    ("fill", ["a\x00b"], 1, "not allowed"),
    ("fill", ["\ud800"], 1, "not allowed"),
]


@pytest.mark.parametrize("qtype, response, blank_count, message", INVALID)
def test_validate_response_rejects_wrong_shapes(qtype, response, blank_count, message):
    with pytest.raises(InvalidResponse, match=message):
        validate_response(qtype, response, KEYS, blank_count)


def test_invalid_response_is_a_value_error():
    assert issubclass(InvalidResponse, ValueError)


def test_unknown_qtype_is_a_programming_error_not_invalid_response():
    with pytest.raises(ValueError) as caught:
        validate_response("essay", "text", KEYS, 0)
    assert not isinstance(caught.value, InvalidResponse)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(KEYS + ["", "E", "true", "x" * 501, "\x00", "\ud800"]),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=5), children, max_size=5),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(
    qtype=st.sampled_from(["single", "multiple", "truefalse", "fill"]),
    response=json_values,
    blank_count=st.integers(0, 3),
)
def test_validate_response_raises_only_invalid_response(qtype, response, blank_count):
    try:
        validate_response(qtype, response, KEYS, blank_count)
    except InvalidResponse as error:
        assert str(error)


# --------------------------------------------------------------------------- grading

GRADES = [
    # qtype, key, response, partial, expected (out of 2 points)
    ("single", "B", "B", False, 2.0),
    ("single", "B", "C", False, 0.0),
    ("single", "B", "C", True, 0.0),
    ("single", "B", None, False, 0.0),
    ("truefalse", True, True, False, 2.0),
    ("truefalse", False, False, False, 2.0),
    ("truefalse", True, False, True, 0.0),
    ("truefalse", False, None, False, 0.0),
    ("multiple", ["A", "B", "D"], ["A", "B", "D"], False, 2.0),
    ("multiple", ["A", "B", "D"], ["A", "B", "D"], True, 2.0),
    ("multiple", ["A", "B", "D"], ["A", "B"], False, 0.0),
    ("multiple", ["A", "B", "D"], ["A", "B"], True, 1.33),
    ("multiple", ["A", "B", "D"], ["D"], True, 0.67),
    ("multiple", ["A", "B", "D"], ["A", "B", "C"], True, 0.0),
    ("multiple", ["A", "B", "D"], ["A", "B", "C", "D"], True, 0.0),
    ("multiple", ["A", "B", "D"], ["C"], True, 0.0),
    ("multiple", ["A", "B", "D"], None, True, 0.0),
    ("fill", FILL_KEY, ["十五日", "书面"], False, 2.0),
    ("fill", FILL_KEY, ["15日", "书面"], False, 2.0),
    ("fill", FILL_KEY, ["１５日", "书 面。"], False, 2.0),  # full-width digits, space, 。
    ("fill", FILL_KEY, ["十五日", "口头"], False, 0.0),
    ("fill", FILL_KEY, ["十五日", "口头"], True, 1.0),
    ("fill", FILL_KEY, ["", "书面"], True, 1.0),
    ("fill", FILL_KEY, ["三十日", "口头"], True, 0.0),
    ("fill", FILL_KEY, ["十五日"], True, 1.0),  # key grew a blank after answering
    ("fill", FILL_KEY, ["十五日", "书面", "多余"], False, 2.0),  # extra blanks ignored
    ("fill", FILL_KEY, None, True, 0.0),
    ("fill", [["Article 5"]], ["article5."], False, 2.0),
    ("fill", [["书面"]], ["书\u200b面"], False, 2.0),  # zero-width space from copy-paste
    ("fill", [["书面"], [" "]], ["书面", ""], False, 0.0),  # empty never matches
    ("fill", ["书面"], ["书面"], False, 2.0),  # bare string alternative tolerated
    ("fill", [], ["x"], True, 0.0),
]


@pytest.mark.parametrize("qtype, key, response, partial, expected", GRADES)
def test_grade(qtype, key, response, partial, expected):
    assert grade(qtype, key, response, 2, partial=partial) == pytest.approx(expected)


def test_partial_fill_rounds_the_total_once_and_stays_under_full_marks():
    key = [["a"], ["b"], ["c"]]
    assert grade("fill", key, ["a", "b", "x"], 1, partial=True) == 0.67
    assert grade("fill", key, ["a", "b", "x"], 0.01, partial=True) == 0.01
    assert grade("fill", key, ["a", "b", "c"], 1, partial=True) == 1.0


def test_grade_returns_float_points():
    result = grade("single", "A", "A", 5)
    assert result == 5.0 and isinstance(result, float)


def test_grade_unknown_qtype_raises_value_error():
    with pytest.raises(ValueError):
        grade("essay", "x", "x", 1)


CORRECT = [
    ("single", "B", "B", True),
    ("single", "B", "A", False),
    ("single", "B", None, False),
    ("truefalse", False, False, True),
    ("truefalse", False, True, False),
    ("multiple", ["A", "C"], ["A", "C"], True),
    ("multiple", ["A", "C"], ["A"], False),
    ("fill", FILL_KEY, ["15日。", "书面"], True),
    ("fill", FILL_KEY, ["15日", ""], False),
    ("fill", [], None, False),
]


@pytest.mark.parametrize("qtype, key, response, expected", CORRECT)
def test_is_correct(qtype, key, response, expected):
    assert is_correct(qtype, key, response) is expected


def test_is_correct_does_not_depend_on_points():
    # A 0-point question can still be answered correctly (wrong-answer book, statistics).
    assert is_correct("single", "A", "A") and grade("single", "A", "A", 0) == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("  ABC  ", "abc"),
        ("１５\u3000日", "15日"),
        ("书面。。", "书面"),
        ("书面．", "书面"),
        ("a. b.", "a.b"),
        ("Straße", "strasse"),
        ("\ufeff书面", "书面"),
        ("", ""),
    ],
)
def test_normalise_blank(text, expected):
    assert normalise_blank(text) == expected


@st.composite
def keyed_responses(draw):
    """A canonical key and any response validate_response accepts for its type."""
    qtype = draw(st.sampled_from(["single", "multiple", "truefalse", "fill"]))
    if qtype == "single":
        return qtype, draw(st.sampled_from(KEYS)), draw(st.none() | st.sampled_from(KEYS))
    if qtype == "multiple":
        key = sorted(draw(st.sets(st.sampled_from(KEYS), min_size=1)))
        return qtype, key, draw(st.none() | st.lists(st.sampled_from(KEYS)))
    if qtype == "truefalse":
        return qtype, draw(st.booleans()), draw(st.none() | st.booleans())
    # Lone surrogates are refused by validate_response (they cannot be stored as UTF-8).
    text = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=5)
    words = st.sampled_from(["十五日", "15日", "书面", "口头", " ", "。", "Ａ", "a"]) | text
    key = draw(st.lists(st.lists(words, min_size=1, max_size=3), min_size=1, max_size=3))
    return qtype, key, draw(st.none() | st.lists(words, min_size=len(key), max_size=len(key)))


@settings(max_examples=200, deadline=None)
@given(
    case=keyed_responses(),
    points=st.floats(0, 100, allow_nan=False) | st.sampled_from([0.01, 1, 2, 3]),
    partial=st.booleans(),
)
def test_grade_is_within_zero_and_points(case, points, partial):
    qtype, key, raw = case
    blank_count = len(key) if qtype == "fill" else 0
    response = validate_response(qtype, raw, KEYS, blank_count)
    earned = grade(qtype, key, response, points, partial=partial)
    assert 0 <= earned <= points
    assert (earned == points) or not is_correct(qtype, key, response)
    if response is None:
        assert earned == 0


# --------------------------------------------------------------------------- receipts


def test_receipt_code_format():
    code = receipt_code(7, {1: "B", 2: ["A", "C"]}, "2024-05-01T08:00:00+00:00")
    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", code)


def test_receipt_code_hashes_the_documented_canonical_json():
    answers = {2: ["A", "C"], 10: ["十五日", "书面"], 1: True, 3: None}
    canonical = (
        '{"answers":{"1":true,"10":["十五日","书面"],"2":["A","C"]},'
        '"attempt_id":7,"submitted_at":"2024-05-01T08:00:00+00:00"}'
    )
    assert receipt_canonical_json(7, answers, "2024-05-01T08:00:00+00:00") == canonical
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest().upper()
    expected = "-".join([digest[0:4], digest[4:8], digest[8:12], digest[12:16]])
    assert receipt_code(7, answers, "2024-05-01T08:00:00+00:00") == expected


def test_receipt_code_ignores_dict_order_and_id_type_and_unanswered():
    at = "2024-05-01T08:00:00+00:00"
    base = receipt_code(7, {1: "B", 2: ["A", "C"]}, at)
    assert receipt_code(7, {2: ["A", "C"], 1: "B"}, at) == base
    assert receipt_code(7, {"2": ["A", "C"], "1": "B"}, at) == base  # after a JSON round trip
    assert receipt_code(7, {1: "B", 2: ["A", "C"], 3: None}, at) == base


@pytest.mark.parametrize(
    "attempt_id, answers, at",
    [
        (8, {1: "B", 2: ["A", "C"]}, "2024-05-01T08:00:00+00:00"),
        (7, {1: "C", 2: ["A", "C"]}, "2024-05-01T08:00:00+00:00"),
        (7, {1: "B", 2: ["A"]}, "2024-05-01T08:00:00+00:00"),
        (7, {1: "B", 2: ["A", "C"]}, "2024-05-01T08:00:01+00:00"),
    ],
)
def test_receipt_code_changes_with_any_input(attempt_id, answers, at):
    assert receipt_code(attempt_id, answers, at) != receipt_code(
        7, {1: "B", 2: ["A", "C"]}, "2024-05-01T08:00:00+00:00"
    )


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.integers(1, 10_000),
        st.none()
        | st.booleans()
        | st.sampled_from(KEYS)
        | st.lists(st.text(max_size=5), max_size=3),
        max_size=8,
    ),
    st.randoms(use_true_random=False),
)
def test_receipt_code_is_order_independent(answers, rnd):
    items = list(answers.items())
    rnd.shuffle(items)
    at = "2024-05-01T08:00:00+00:00"
    assert receipt_code(1, dict(items), at) == receipt_code(1, answers, at)
    json.loads(receipt_canonical_json(1, answers, at))  # always valid JSON
