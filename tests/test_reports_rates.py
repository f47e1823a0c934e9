"""Exam participation / pass / excellence figures with department roll-up
(trainingapp.reports.rates). Pure: no app, no database."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainingapp.reports.rates import (
    CandidateRecord,
    ExamRules,
    Figures,
    counting_result,
    department_figures,
    figures,
    not_yet_taken,
    person_status,
    roll_up,
    score_distribution,
    walk_tree,
)

BEST = ExamRules(pass_mark=60, excellent_mark=90)
LAST = ExamRules(pass_mark=60, excellent_mark=90, counting="last")

# 1 town
# ├── 2 office ── 4 unit, 5 unit
# └── 3 office ── 6 unit (no candidates)
TREE = {None: [1], 1: [2, 3], 2: [4, 5], 3: [6]}


def rec(user_id, dept, main=(), makeup=(), *, category="staff", exempt=False):
    return CandidateRecord(user_id, dept, category, exempt, tuple(main), tuple(makeup))


RECORDS = [
    rec(1, 4, (95,)),  # excellent
    rec(2, 4, (70, 50)),  # best 70 pass; last 50 fail
    rec(3, 5, (), (65,), category="contract"),  # absent in the main exam, passes the make-up
    rec(4, 5, (40,), (80,)),  # fails the main exam, passes the make-up
    rec(5, 2, (), exempt=True),  # exempt
    rec(6, 2, (), category="village"),  # absent
    rec(7, 3, (60,)),  # exactly the pass mark
    rec(8, 1, (88, 92)),  # excellent under either counting
]

# dept: required, exempt, participants, participation, passed, pass rate, excellent, excellent rate,
#       average, highest, lowest — hand-computed, rates over participants.
BEST_BY_PARTICIPANTS = {
    1: (7, 1, 6, 6 / 7, 6, 1.0, 2, 2 / 6, 77.0, 95, 60),  # (95+70+65+80+60+92) / 6 = 462 / 6
    2: (5, 1, 4, 0.8, 4, 1.0, 1, 0.25, 77.5, 95, 65),
    4: (2, 0, 2, 1.0, 2, 1.0, 1, 0.5, 82.5, 95, 70),
    5: (2, 0, 2, 1.0, 2, 1.0, 0, 0.0, 72.5, 80, 65),
    3: (1, 0, 1, 1.0, 1, 1.0, 0, 0.0, 60.0, 60, 60),
    6: (0, 0, 0, None, 0, None, 0, None, None, None, None),
}


def expected(table, denominator):
    return {dept: Figures(*row, denominator=denominator) for dept, row in table.items()}


@pytest.mark.parametrize(
    "main, makeup, rules, result",
    [
        ((70, 85, 60), (), BEST, 85),
        ((70, 85, 60), (), LAST, 60),
        ((40,), (80,), BEST, 80),  # make-up lifts the result
        ((80,), (40,), BEST, 80),  # a worse make-up does not lower it
        ((), (65,), BEST, 65),  # make-up only
        ((70,), (95, 50), ExamRules(60, 90, makeup_counting="last"), 70),
        ((70,), (95, 50), ExamRules(60, 90, makeup_counting="best"), 95),
        ((), (), BEST, None),
    ],
)
def test_counting_result(main, makeup, rules, result):
    assert counting_result(rec(1, 1, main, makeup), rules) == result


@pytest.mark.parametrize(
    "record, status",
    [
        (rec(1, 1, (95,)), "excellent"),
        (rec(1, 1, (90,)), "excellent"),
        (rec(1, 1, (89.99,)), "pass"),
        (rec(1, 1, (60,)), "pass"),
        (rec(1, 1, (59.999,)), "pass"),  # 60.00 at 2 decimals
        (rec(1, 1, (59.99,)), "fail"),
        (rec(1, 1, ()), "absent"),
        (rec(1, 1, (40,), (61,)), "pass"),  # fail -> pass through the make-up
        (rec(1, 1, (), (61,)), "pass"),  # absent -> participant through the make-up
        (rec(1, 1, (100,), exempt=True), "exempt"),  # exemption wins over a score
        (rec(1, 1, (), exempt=True), "exempt"),
    ],
)
def test_person_status(record, status):
    assert person_status(record, BEST) == status


def test_figures_one_group_both_denominators():
    by_participants = figures(RECORDS, BEST)
    by_required = figures(RECORDS, BEST, denominator="required")
    assert by_participants == Figures(*BEST_BY_PARTICIPANTS[1], denominator="participants")
    assert by_required == Figures(7, 1, 6, 6 / 7, 6, 6 / 7, 2, 2 / 7, 77.0, 95, 60, denominator="required")
    assert (by_participants.rate_base, by_required.rate_base) == (6, 7)
    assert (by_participants.absent, by_participants.failed) == (1, 0)


def test_figures_empty_group_rates_are_none():
    empty = figures([], BEST)
    only_exempt = figures([rec(1, 1, (99,), exempt=True)], BEST, denominator="required")
    assert empty == Figures(0, 0, 0, None, 0, None, 0, None, None, None, None, denominator="participants")
    assert only_exempt == Figures(0, 1, 0, None, 0, None, 0, None, None, None, None, denominator="required")


def test_figures_nobody_took_it():
    result = figures([rec(1, 1), rec(2, 1)], BEST, denominator="required")
    assert (result.required, result.participants, result.participation_rate) == (2, 0, 0.0)
    assert (result.pass_rate, result.excellent_rate) == (0.0, 0.0)  # required > 0, so a real 0
    assert figures([rec(1, 1)], BEST).pass_rate is None  # no participants to divide by


def test_department_figures_roll_up_three_levels_best():
    result = department_figures(RECORDS, BEST, TREE)
    assert result == expected(BEST_BY_PARTICIPANTS, "participants")
    assert list(result) == [1, 2, 4, 5, 3, 6]  # display order


def test_department_figures_required_denominator_says_so():
    result = department_figures(RECORDS, BEST, TREE, denominator="required")
    assert {f.denominator for f in result.values()} == {"required"}
    assert (result[1].pass_rate, result[1].excellent_rate) == (6 / 7, 2 / 7)
    assert (result[2].pass_rate, result[2].excellent_rate) == (0.8, 0.2)
    assert result[6].pass_rate is None


def test_department_figures_last_counting():
    result = department_figures(RECORDS, LAST, TREE)
    assert (result[4].passed, result[4].excellent, result[4].average, result[4].lowest) == (1, 1, 72.5, 50)
    assert (result[2].passed, result[2].pass_rate, result[2].average) == (3, 0.75, 72.5)
    assert (result[1].passed, result[1].pass_rate, result[1].average, result[1].lowest) == (5, 5 / 6, 442 / 6, 50)


def test_department_figures_category_filter():
    result = department_figures(RECORDS, BEST, TREE, category="staff")
    assert (result[1].required, result[1].exempt, result[1].participants, result[1].participation_rate) == (5, 1, 5, 1)
    assert (result[5].required, result[5].passed, result[5].average) == (1, 1, 80.0)
    assert (result[2].required, result[2].participants) == (3, 3)  # the village cadre is filtered out
    assert department_figures(RECORDS, BEST, TREE, category="auxiliary")[1].required == 0


def test_moved_person_counts_in_recorded_department():
    # User 1 has since moved to unit 6; the candidate list still says unit 4, and that is
    # where the result belongs.
    result = department_figures(RECORDS, BEST, TREE)
    assert result[4].excellent == 1 and result[6].required == 0 and result[3].required == 1


def test_department_outside_tree_is_kept_alone():
    result = department_figures([*RECORDS, rec(9, 99, (75,))], BEST, TREE)
    assert list(result)[-1] == 99 and result[99].participants == 1
    assert result[1] == Figures(*BEST_BY_PARTICIPANTS[1], denominator="participants")


def test_reference_year_staff_full_participation_and_excellence():
    """The reference report's year: every 在编 (staff) cadre took the exam and was excellent,
    one only through the make-up; other categories had absences and fails."""
    tree = {None: [1], 1: [2, 3], 2: [4]}
    records = [
        rec(1, 1, (96,)),
        rec(2, 2, (91.5, 88)),  # best counts: 91.5
        rec(3, 4, (100,)),
        rec(4, 4, (72,), (93,)),  # excellent through the make-up
        rec(5, 3, (90,)),
        rec(6, 3, (), category="contract"),
        rec(7, 4, (55,), category="village"),
        rec(8, 2, (), category="auxiliary"),
    ]
    staff = department_figures(records, BEST, tree, category="staff")
    for dept in (1, 2, 3, 4):
        assert (staff[dept].participation_rate, staff[dept].excellent_rate, staff[dept].pass_rate) == (1.0, 1.0, 1.0)
    assert department_figures(records, BEST, tree, category="staff", denominator="required")[1].excellent_rate == 1.0
    assert (staff[1].required, staff[1].excellent, staff[1].lowest, staff[1].highest) == (5, 5, 90, 100)
    everyone = department_figures(records, BEST, tree)[1]
    assert (everyone.required, everyone.participants, everyone.excellent) == (8, 6, 5)


def test_unknown_settings_are_rejected():
    with pytest.raises(ValueError, match="denominator"):
        figures(RECORDS, BEST, denominator="everyone")
    with pytest.raises(ValueError, match="denominator"):
        department_figures(RECORDS, BEST, TREE, denominator="everyone")
    with pytest.raises(ValueError, match="policy"):
        figures(RECORDS, ExamRules(60, 90, counting="first"))


def test_score_distribution_100_points():
    records = [*RECORDS, rec(9, 1, (100,)), rec(10, 1, (59.99,)), rec(11, 1, (0,)), rec(12, 1, (99,), exempt=True)]
    assert score_distribution(records, BEST) == [
        ("0–59", 2),  # 59.99, 0
        ("60–69", 2),  # 60, 65
        ("70–79", 1),  # 70
        ("80–89", 1),  # 80
        ("90–100", 3),  # 92, 95, 100 (the full mark is in the top band; the exempt 99 is not counted)
    ]


def test_score_distribution_scaled_for_150_points():
    rules = ExamRules(pass_mark=90, excellent_mark=135)
    scores = [150, 135, 134.5, 120, 119.99, 105, 104, 90, 89.99, 0]
    records = [rec(i, 1, (s,)) for i, s in enumerate(scores)] + [rec(99, 1)]  # plus one absentee
    assert score_distribution(records, rules, total=150) == [
        ("0–89", 2),
        ("90–104", 2),
        ("105–119", 2),
        ("120–134", 2),
        ("135–150", 2),
    ]


def test_score_distribution_custom_bins_and_out_of_range():
    records = [rec(1, 1, (100,)), rec(2, 1, (50,)), rec(3, 1, (-1,))]
    assert score_distribution(records, BEST, bins=(0, 60, 100)) == [("0–59", 2), ("60–100", 1)]
    assert score_distribution(records, BEST, bins=(0, 50, 100), total=75) == [("0–37.49", 1), ("37.5–75", 2)]
    with pytest.raises(ValueError, match="increasing"):
        score_distribution(records, BEST, bins=(0, 60, 60, 100))


def test_not_yet_taken():
    assert [r.user_id for r in not_yet_taken(RECORDS)] == [6]
    assert not_yet_taken([rec(1, 1), rec(2, 1, (), (70,)), rec(3, 1, exempt=True)]) == [rec(1, 1)]


def test_walk_tree_orders_and_guards():
    assert walk_tree(TREE) == [(1, None), (2, 1), (4, 2), (5, 2), (3, 1), (6, 3)]
    assert walk_tree({7: [8], 8: [9]}) == [(7, None), (8, 7), (9, 8)]  # subtree without a None entry
    assert walk_tree({None: [1], 1: [2], 2: [1, 3]}) == [(1, None), (2, 1), (3, 2)]  # cycle visited once
    assert walk_tree({}) == []


def test_roll_up_each_node_once_and_deep_chain():
    assert roll_up({4: 1, 5: 10, 1: 100, 6: 1000}, TREE, 0) == {1: 1111, 2: 11, 4: 1, 5: 10, 3: 1000, 6: 1000}
    depth = 5000  # a chain this deep would overflow a recursive walk
    chain = {None: [0], **{i: [i + 1] for i in range(depth - 1)}}
    totals = roll_up(dict.fromkeys(range(depth), 1), chain, 0)
    assert totals[0] == depth and totals[depth - 1] == 1


@st.composite
def tree_and_records(draw):
    size = draw(st.integers(1, 12))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, size)]
    tree = {None: [0]}
    for child, parent in enumerate(parents):
        if parent is not None:
            tree.setdefault(parent, []).append(child)
    score = st.floats(0, 100, allow_nan=False).map(lambda s: round(s, 2))
    record = st.builds(
        CandidateRecord,
        user_id=st.integers(1, 10_000),
        department_id=st.integers(0, size - 1),
        category=st.sampled_from(["staff", "contract"]),
        exempt=st.booleans(),
        main_scores=st.lists(score, max_size=3).map(tuple),
        makeup_scores=st.lists(score, max_size=2).map(tuple),
    )
    return tree, parents, draw(st.lists(record, max_size=40))


@settings(max_examples=100, deadline=None)
@given(
    data=tree_and_records(),
    rules=st.builds(ExamRules, st.just(60), st.just(90), st.sampled_from(["best", "last"])),
    denominator=st.sampled_from(["participants", "required"]),
    category=st.sampled_from([None, "staff"]),
)
def test_roll_up_property(data, rules, denominator, category):
    tree, parents, records = data
    result = department_figures(records, rules, tree, denominator=denominator, category=category)
    chosen = [r for r in records if category is None or r.category == category]
    assert result[0] == figures(chosen, rules, denominator=denominator)
    assert sorted(result) == list(range(len(parents)))
    for dept in result:
        own = figures([r for r in chosen if r.department_id == dept], rules)
        kids = tree.get(dept, [])
        assert result[dept].required == own.required + sum(result[k].required for k in kids)
        assert result[dept].participants == own.participants + sum(result[k].participants for k in kids)
        assert result[dept].exempt == own.exempt + sum(result[k].exempt for k in kids)
