"""Item analysis: facility, Kelley discrimination, option counts, flags, and the
department × law-category facility roll-up (trainingapp.reports.items). Pure."""
import pytest

from trainingapp.reports.items import (
    Facility,
    ItemResponse,
    ItemStats,
    department_category_facility,
    item_statistics,
    kelley_group_size,
)

# Ten attempts, totals 100, 90, …, 10: the upper 27 % group is attempts 1–3, the lower 8–10.
TOTALS = {attempt: 110 - 10 * attempt for attempt in range(1, 11)}


def responses(question_id, attempts, correct_for, chosen_for=None):
    chosen_for = chosen_for or {}
    return [
        ItemResponse(a, question_id, a in correct_for, tuple(chosen_for.get(a, ()))) for a in attempts
    ]


@pytest.mark.parametrize("attempts, size", [(0, 0), (5, 1), (6, 2), (7, 2), (10, 3), (50, 14), (100, 27)])
def test_kelley_group_size(attempts, size):
    assert kelley_group_size(attempts) == size


def test_good_item():
    chosen = {a: "A" for a in range(1, 7)} | {7: "B", 8: "B", 9: "C"}  # attempt 10 left it blank
    stats = item_statistics(responses(1, range(1, 11), set(range(1, 7)), chosen), TOTALS)[1]
    assert stats == ItemStats(
        question_id=1, drawn=10, correct=6, facility=0.6,
        discrimination=1.0, upper_facility=1.0, lower_facility=0.0,
        option_counts={"A": 6, "B": 2, "C": 1}, flag_reasons=(),
    )
    assert not stats.flagged


def test_wrong_key_is_flagged_for_negative_discrimination():
    stats = item_statistics(responses(2, range(1, 11), {7, 8, 9, 10}), TOTALS)[2]
    assert (stats.facility, stats.discrimination, stats.upper_facility, stats.lower_facility) == (0.4, -1.0, 0.0, 1.0)
    assert stats.flagged and stats.flag_reasons == ("negative_discrimination",)


def test_hard_item_is_flagged_for_low_facility():
    stats = item_statistics(responses(4, range(1, 11), {1}), TOTALS)[4]
    assert (stats.facility, stats.discrimination) == (0.1, 1 / 3)
    assert stats.flag_reasons == ("low_facility",)


def test_both_flags():
    # Only the weakest attempt gets it right: facility 0.1 and discrimination -1/3.
    stats = item_statistics(responses(5, range(1, 11), {10}), TOTALS)[5]
    assert stats.flag_reasons == ("low_facility", "negative_discrimination")


def test_too_few_attempts_for_discrimination():
    stats = item_statistics(responses(3, [1, 2, 3, 4, 5], set()), TOTALS, min_answers=5)[3]
    assert (stats.drawn, stats.facility) == (5, 0.0)
    assert (stats.discrimination, stats.upper_facility, stats.lower_facility) == (None, None, None)
    assert stats.flag_reasons == ("low_facility",)  # facility alone still flags it


def test_too_few_answers_are_a_sample_not_evidence():
    # Nine of ten attempts drew it and nobody got it right: below the default minimum of ten
    # answers, so no flag; with a tenth answer it is flagged.
    few = item_statistics(responses(3, range(1, 10), set()), TOTALS)[3]
    assert (few.drawn, few.facility, few.too_few, few.flag_reasons, few.flagged) == (9, 0.0, True, (), False)
    enough = item_statistics(responses(3, range(1, 11), set()), TOTALS)[3]
    assert (enough.too_few, enough.flag_reasons) == (False, ("low_facility",))
    assert item_statistics(responses(3, range(1, 4), set()), TOTALS, min_answers=3)[3].flagged
    with pytest.raises(ValueError, match="min_answers must be at least 1"):
        item_statistics(responses(3, range(1, 4), set()), TOTALS, min_answers=0)


def test_only_attempts_that_drew_the_question_and_have_totals_are_ranked():
    # Attempts 1–6 rank (group size 2: upper 1, 2; lower 5, 6); attempt 99 has no total
    # yet but still counts for facility.
    rows = responses(6, [1, 2, 3, 4, 5, 6, 99], {1, 2, 99})
    stats = item_statistics(rows, TOTALS)[6]
    assert (stats.drawn, stats.correct, stats.facility) == (7, 3, 3 / 7)
    assert (stats.discrimination, stats.upper_facility, stats.lower_facility) == (1.0, 1.0, 0.0)


def test_ties_break_by_attempt_id():
    totals = dict.fromkeys(range(1, 9), 50.0)  # 8 attempts, group size 2
    stats = item_statistics(responses(7, range(1, 9), {1, 2}), totals)[7]
    assert stats.discrimination == 1.0


def test_option_counts_multiple_choice():
    rows = [
        ItemResponse(1, 8, True, ("A", "C")),
        ItemResponse(2, 8, False, ("A",)),
        ItemResponse(3, 8, False, ("C", "A", "A")),  # a repeated key counts once
        ItemResponse(4, 8, False, ()),
    ]
    stats = item_statistics(rows, TOTALS)[8]
    assert stats.option_counts == {"A": 3, "C": 2}
    assert (stats.drawn, stats.facility) == (4, 0.25)


def test_several_questions_sorted_by_id():
    rows = responses(9, [1, 2], {1}) + responses(3, [1], {1})
    result = item_statistics(rows, TOTALS)
    assert list(result) == [3, 9]
    assert item_statistics([], TOTALS) == {}


def test_department_category_facility_rolls_up():
    tree = {None: [1], 1: [2, 3], 2: [4]}
    rows = [
        (4, "constitution", True),
        (4, "constitution", False),
        (4, "administrative", True),
        (2, "constitution", True),
        (3, "administrative", False),
        (3, "administrative", False),
    ]
    assert department_category_facility(rows, tree) == {
        (1, "administrative"): Facility(1, 3, 1 / 3),
        (1, "constitution"): Facility(2, 3, 2 / 3),
        (2, "administrative"): Facility(1, 1, 1.0),
        (2, "constitution"): Facility(2, 3, 2 / 3),
        (4, "administrative"): Facility(1, 1, 1.0),
        (4, "constitution"): Facility(1, 2, 0.5),
        (3, "administrative"): Facility(0, 2, 0.0),
    }
    correct, answered, facility = department_category_facility(rows, tree)[(1, "constitution")]
    assert (correct, answered) == (2, 3)


def test_department_category_facility_empty():
    assert department_category_facility([], {None: [1]}) == {}
