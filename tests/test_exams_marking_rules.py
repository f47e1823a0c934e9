"""The pure rules of marking (exams/marking.py): bounds, the final mark rule, agreement, bands."""
import pytest

from trainingapp.exams import marking
from trainingapp.exams.marking import (
    ARBITRATION,
    FINAL,
    FIRST,
    SECOND,
    WAITING_ARBITRATION,
    WAITING_FIRST,
    WAITING_SECOND,
    Final,
    MarkRefused,
)


@pytest.mark.parametrize(("text", "maximum", "expected"), [
    ("0", 4, 0.0), ("4", 4, 4.0), ("2.5", 4, 2.5), (" 3 ", 4, 3.0), ("１．５", 4, 1.5), ("1,5", 4, 1.5),
    ("3.33", 3.33, 3.33),  # a scaled maximum is always allowed
])
def test_a_mark_within_bounds_in_half_points_is_accepted(text, maximum, expected):
    assert marking.parse_mark(text, maximum) == expected


@pytest.mark.parametrize("text", ["", None, "abc", "-0.5", "4.5", "2.3", "nan", "inf", "3.3"])
def test_a_mark_out_of_bounds_or_off_the_step_is_refused(text):
    with pytest.raises(MarkRefused) as refused:
        marking.parse_mark(text, 4 if text != "3.3" else 3.33, part=1, point=2)
    assert refused.value.part == 1 and refused.value.point == 2


@pytest.mark.parametrize(("value", "expected"), [(6.0, 6.0), (6.25, 6.5), (6.5, 6.5), (6.75, 7.0), (6.1, 6.0),
                                                 (6.7, 6.5), (0.25, 0.5)])
def test_round_half_goes_to_the_nearest_half_point_with_quarters_up(value, expected):
    assert marking.round_half(value) == expected


def test_single_marking_the_first_mark_is_final():
    assert marking.final_mark({}, double=False, tolerance=2, full=10) == Final(WAITING_FIRST, None)
    assert marking.final_mark({FIRST: 7.5}, double=False, tolerance=2, full=10) == Final(FINAL, 7.5)


def test_double_marking_within_the_tolerance_is_the_rounded_mean():
    rule = dict(double=True, tolerance=2, full=10)
    assert marking.final_mark({FIRST: 7}, **rule) == Final(WAITING_SECOND, None)
    assert marking.final_mark({FIRST: 7, SECOND: 8}, **rule) == Final(FINAL, 7.5)
    assert marking.final_mark({FIRST: 7, SECOND: 7.5}, **rule) == Final(FINAL, 7.5)  # 7.25 rounds up
    assert marking.final_mark({FIRST: 6, SECOND: 8}, **rule) == Final(FINAL, 7.0)  # exactly the tolerance
    assert marking.final_mark({FIRST: 9.5, SECOND: 10}, **rule) == Final(FINAL, 10)  # never above full marks


def test_double_marking_beyond_the_tolerance_waits_for_and_takes_the_arbitration():
    rule = dict(double=True, tolerance=2, full=10)
    assert marking.final_mark({FIRST: 3, SECOND: 5.5}, **rule) == Final(WAITING_ARBITRATION, None)
    assert marking.final_mark({FIRST: 3, SECOND: 5.5, ARBITRATION: 4}, **rule) == Final(FINAL, 4)


def test_agreement_counts_pairs_within_the_tolerance_the_mean_difference_and_arbitrations():
    found = marking.agreement([(20, 21), (10, 16), (30, 29), (3, 3)], 2)
    assert (found.pairs, found.within, found.mean_difference, found.arbitrated) == (4, 3, 2.0, 1)
    assert found.share_within == 0.75
    assert marking.agreement([], 2).share_within is None


def test_distribution_bands_are_fifths_of_the_points_with_full_marks_on_top():
    assert marking.distribution([0, 1.9, 2, 5, 7.99, 8, 10], 10) == [2, 1, 1, 1, 2]
