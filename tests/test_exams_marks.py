"""Pass/excellent marks, counting scores and result bands (trainingapp.exams.marks)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingapp.exams.marks import combined_result, counting_score, default_marks, grade_band


@pytest.mark.parametrize(
    "total, expected",
    [
        (100, (60.0, 90.0)),
        (150, (90.0, 135.0)),
        (50, (30.0, 45.0)),
        (33.3, (19.98, 29.97)),
        (0, (0.0, 0.0)),
    ],
)
def test_default_marks(total, expected):
    assert default_marks(total) == expected


@pytest.mark.parametrize(
    "scores, policy, expected",
    [
        ([70, 85, 60], "best", 85),
        ([70, 85, 60], "last", 60),
        ([55.5], "best", 55.5),
        ([55.5], "last", 55.5),
        ([], "best", None),
        ([], "last", None),
    ],
)
def test_counting_score(scores, policy, expected):
    assert counting_score(scores, policy) == expected


def test_counting_score_unknown_policy():
    with pytest.raises(ValueError, match="first"):
        counting_score([1.0], "first")


@pytest.mark.parametrize(
    "main, makeup, expected",
    [
        (50, 70, 70),
        (80, 60, 80),
        (50, None, 50),
        (None, 65, 65),
        (None, None, None),
        (0, None, 0),
    ],
)
def test_combined_result(main, makeup, expected):
    assert combined_result(main, makeup) == expected


@pytest.mark.parametrize(
    "score, expected",
    [
        (95, "excellent"),
        (90, "excellent"),
        (89.99, "pass"),
        (60, "pass"),
        (59.99, "fail"),
        (0, "fail"),
        (None, "absent"),
        (sum([0.3] * 200), "pass"),  # 59.99999999999979, a float sum meaning 60
        (59.999999999, "pass"),
    ],
)
def test_grade_band(score, expected):
    assert grade_band(score, 60, 90) == expected


@given(st.floats(0, 10_000, allow_nan=False))
def test_default_marks_order(total):
    pass_mark, excellent_mark = default_marks(total)
    assert 0 <= pass_mark <= excellent_mark <= round(total, 2) + 0.01
