"""Paper drawing from rules or fixed lists (trainingapp.exams.drawing)."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainingapp.exams.drawing import (
    PaperItem,
    PoolQuestion,
    Rule,
    Shortfall,
    _pick_prepared,
    check_rules,
    describe_rule,
    draw_fixed_paper,
    draw_prepared_paper,
    draw_rule_paper,
    matches,
    paper_total,
    prepare_rule_draw,
)

OPTIONS = {"single": 4, "multiple": 5, "truefalse": 0, "fill": 0}


def make_pool(spec):
    """Questions from (qtype, category, difficulty, how many), ids counting from 1."""
    pool = []
    for qtype, category, difficulty, how_many in spec:
        for _ in range(how_many):
            pool.append(PoolQuestion(len(pool) + 1, qtype, category, difficulty, OPTIONS[qtype]))
    return pool


POOL = make_pool(
    [
        ("single", "宪法", "easy", 6),
        ("single", "行政法", "hard", 6),
        ("multiple", "宪法", "easy", 4),
        ("truefalse", "行政法", "easy", 5),
        ("fill", "宪法", "hard", 3),
    ]
)
BY_ID = {q.id: q for q in POOL}


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    "rule, expected",
    [
        (Rule("single", 1, 1), True),
        (Rule("single", 1, 1, category="宪法"), True),
        (Rule("single", 1, 1, category="行政法"), False),
        (Rule("single", 1, 1, difficulty="easy"), True),
        (Rule("single", 1, 1, category="宪法", difficulty="hard"), False),
        (Rule("multiple", 1, 1), False),
    ],
)
def test_matches(rule, expected):
    assert matches(rule, PoolQuestion(1, "single", "宪法", "easy", 4)) is expected


# --------------------------------------------------------------------------- check_rules

CHECKS = [
    # rules, expected shortfalls
    ([Rule("single", 12, 1)], []),
    ([Rule("single", 13, 1)], [Shortfall(0, 13, 12)]),
    ([Rule("multiple", 0, 2)], []),
    ([Rule("essay", 1, 1)], [Shortfall(0, 1, 0)]),
    # A specific rule goes first; the "any" rule loses at most what it took.
    ([Rule("single", 8, 1), Rule("single", 4, 1, category="宪法")], []),
    ([Rule("single", 9, 1), Rule("single", 4, 1, category="宪法")], [Shortfall(0, 9, 8)]),
    # Two specific rules on the same subset compete.
    (
        [Rule("single", 4, 1, category="宪法"), Rule("single", 3, 1, difficulty="easy")],
        [Shortfall(1, 3, 2)],
    ),
    # Disjoint rules never affect each other.
    ([Rule("single", 6, 1, category="宪法"), Rule("single", 6, 1, category="行政法")], []),
    (
        [Rule("truefalse", 5, 1), Rule("fill", 3, 2), Rule("multiple", 5, 2)],
        [Shortfall(2, 5, 4)],
    ),
]


@pytest.mark.parametrize("rules, expected", CHECKS)
def test_check_rules(rules, expected):
    assert check_rules(rules, POOL) == expected


def test_check_rules_accepts_what_the_specific_first_order_can_always_fill():
    # "any, 1" has 3 eligible and "A, 2" has 2: the A rule draws first and takes both
    # A's, so B is always left for "any".
    pool = make_pool([("single", "A", "easy", 2), ("single", "B", "easy", 1)])
    assert check_rules([Rule("single", 1, 1), Rule("single", 2, 1, category="A")], pool) == []


def test_check_rules_refuses_what_a_random_draw_could_fail_even_if_an_assignment_exists():
    # A-easy, A-hard, B-easy, B-hard and the rules A, easy, hard, B (1 each): a perfect
    # assignment exists (A-easy, B-easy, A-hard, B-hard), but the random draw can take
    # A-hard, B-easy, B-hard for the first three and starve "B". Conservative by design.
    pool = make_pool([("single", "A", "easy", 1), ("single", "A", "hard", 1),
                      ("single", "B", "easy", 1), ("single", "B", "hard", 1)])
    rules = [Rule("single", 1, 1, category="A"), Rule("single", 1, 1, difficulty="easy"),
             Rule("single", 1, 1, difficulty="hard"), Rule("single", 1, 1, category="B")]
    assert check_rules(rules, pool) == [Shortfall(3, 1, 0)]
    with pytest.raises(ValueError, match="rule 4"):
        draw_rule_paper(rules, pool, seed=0)


def test_check_rules_rejects_negative_counts_and_duplicate_ids():
    with pytest.raises(ValueError, match="rule 1"):
        check_rules([Rule("single", -1, 1)], POOL)
    with pytest.raises(ValueError, match="question 1"):
        check_rules([Rule("single", 1, 1)], POOL + [POOL[0]])


# --------------------------------------------------------------------------- draw_rule_paper

RULES = [
    Rule("single", 5, 1.0),
    Rule("single", 3, 1.0, category="行政法"),
    Rule("multiple", 2, 2.0),
    Rule("truefalse", 4, 0.5),
    Rule("fill", 1, 3.0, difficulty="hard"),
]


def test_rule_paper_meets_every_rule_without_repeats():
    paper = draw_rule_paper(RULES, POOL, seed=42)
    ids = [item.question_id for item in paper]
    assert len(ids) == len(set(ids)) == 15
    assert [item.position for item in paper] == list(range(1, 16))
    assert sum(item.points for item in paper) == paper_total(RULES) == 17.0
    assert sum(BY_ID[i].category == "行政法" and BY_ID[i].qtype == "single" for i in ids) >= 3


def test_rule_paper_is_reproducible_and_independent_of_pool_order():
    paper = draw_rule_paper(RULES, POOL, seed=7)
    shuffled = POOL[:]
    random.Random(1).shuffle(shuffled)
    assert draw_rule_paper(RULES, shuffled, seed=7) == paper
    assert draw_rule_paper(RULES, POOL, seed=8) != paper


def test_rule_paper_golden_output():
    # Pins the algorithm: if this changes, papers re-drawn from stored seeds change too.
    paper = draw_rule_paper(RULES[2:4], POOL, seed=2024)
    assert [(i.question_id, i.points, i.option_order) for i in paper] == GOLDEN


GOLDEN = [
    (16, 2.0, (1, 0, 4, 3, 2)),
    (19, 0.5, ()),
    (17, 0.5, ()),
    (13, 2.0, (1, 0, 3, 4, 2)),
    (21, 0.5, ()),
    (18, 0.5, ()),
]


def test_unshuffled_rule_paper_follows_rule_order_then_id():
    rules = [Rule("truefalse", 2, 1), Rule("single", 3, 1, category="行政法"), Rule("single", 2, 1)]
    paper = draw_rule_paper(rules, POOL, seed=3, shuffle_questions=False, shuffle_options=False)
    qtypes = [BY_ID[item.question_id].qtype for item in paper]
    assert qtypes == ["truefalse"] * 2 + ["single"] * 5
    ids = [item.question_id for item in paper]
    for group in (ids[:2], ids[2:5], ids[5:]):
        assert group == sorted(group)
    assert all(BY_ID[i].category == "行政法" for i in ids[2:5])
    assert all(item.option_order == tuple(range(BY_ID[item.question_id].option_count))
               for item in paper)


def test_shuffled_options_are_permutations_and_none_for_optionless():
    paper = draw_rule_paper(RULES, POOL, seed=5)
    for item in paper:
        count = BY_ID[item.question_id].option_count
        assert sorted(item.option_order) == list(range(count))


def test_rule_paper_short_pool_names_the_rule():
    with pytest.raises(ValueError, match=r"rule 2 \(9 × single, category 宪法, any difficulty\)"):
        draw_rule_paper([Rule("truefalse", 1, 1), Rule("single", 9, 1, category="宪法")], POOL, 1)


def test_empty_rules_give_an_empty_paper():
    assert draw_rule_paper([], POOL, 1) == [] and paper_total([]) == 0
    assert check_rules([], []) == []


def test_describe_rule():
    assert describe_rule(0, Rule("fill", 2, 1, difficulty="hard")) == (
        "rule 1 (2 × fill, any category, difficulty hard)"
    )


def test_paper_total_rounds():
    assert paper_total([Rule("single", 3, 0.1), Rule("fill", 2, 1.5)]) == 3.3


# --------------------------------------------------------------------------- draw_fixed_paper

FIXED = [(10, 2.0, 4), (11, 1.0, 0), (12, 3.0, 5), (13, 1.5, 2)]


def test_fixed_paper_unshuffled_keeps_order_and_options():
    paper = draw_fixed_paper(FIXED, 1, shuffle_questions=False, shuffle_options=False)
    assert paper == [
        PaperItem(10, 1, 2.0, (0, 1, 2, 3)),
        PaperItem(11, 2, 1.0, ()),
        PaperItem(12, 3, 3.0, (0, 1, 2, 3, 4)),
        PaperItem(13, 4, 1.5, (0, 1)),
    ]


def test_fixed_paper_shuffled_is_a_reproducible_permutation():
    paper = draw_fixed_paper(FIXED, 9, shuffle_questions=True, shuffle_options=True)
    assert paper == draw_fixed_paper(FIXED, 9, shuffle_questions=True, shuffle_options=True)
    assert sorted((i.question_id, i.points, len(i.option_order)) for i in paper) == sorted(FIXED)
    assert all(sorted(i.option_order) == list(range(len(i.option_order))) for i in paper)
    assert [i.position for i in paper] == [1, 2, 3, 4]


def test_fixed_paper_rejects_repeated_questions():
    with pytest.raises(ValueError, match="more than once"):
        draw_fixed_paper(FIXED + [(10, 1.0, 4)], 1, shuffle_questions=False, shuffle_options=False)


# --------------------------------------------------------------------------- properties

QTYPES = ["single", "multiple", "truefalse", "fill"]


COMBOS = [(qtype, category, difficulty) for qtype in QTYPES[:2] for category in "ABC"
          for difficulty in ("easy", "hard")]


@st.composite
def pools(draw):
    """Every (type, category, difficulty) with 0-6 questions, under scattered unique ids."""
    sizes = draw(st.lists(st.integers(0, 6), min_size=len(COMBOS), max_size=len(COMBOS)))
    pool = make_pool([combo + (size,) for combo, size in zip(COMBOS, sizes)])
    ids = draw(st.permutations(range(1, 3 * len(pool) + 2)))[: len(pool)]
    return [PoolQuestion(new_id, q.qtype, q.category, q.difficulty, q.option_count)
            for new_id, q in zip(ids, pool)]


rules_strategy = st.lists(
    st.builds(Rule, st.sampled_from(QTYPES[:2]), st.integers(0, 4), st.sampled_from([1.0, 2.0]),
              st.none() | st.sampled_from("ABC"), st.none() | st.sampled_from(["easy", "hard"])),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(rules=rules_strategy, pool=pools(), seed=st.integers(0, 2**32))
def test_passing_check_means_the_draw_succeeds(rules, pool, seed):
    if check_rules(rules, pool):
        return
    for attempt in range(seed, seed + 5):  # several seeds: the worst case must not fail
        picks = _pick_prepared(prepare_rule_draw(rules, pool), random.Random(attempt))
        for index, rule in enumerate(rules):
            assert len(picks[index]) == rule.count
            assert all(matches(rule, q) for q in picks[index])
        paper = draw_rule_paper(rules, pool, attempt)
        ids = [item.question_id for item in paper]
        assert len(ids) == len(set(ids)) == sum(rule.count for rule in rules)
        assert set(ids) == {q.id for chosen in picks.values() for q in chosen}


@settings(max_examples=100, deadline=None)
@given(rules=rules_strategy, pool=pools(), seed=st.integers(0, 2**32),
       rnd=st.randoms(use_true_random=False),
       shuffle_questions=st.booleans(), shuffle_options=st.booleans())
def test_draw_is_reproducible_and_option_orders_are_permutations(
    rules, pool, seed, rnd, shuffle_questions, shuffle_options
):
    if check_rules(rules, pool):
        return
    flags = dict(shuffle_questions=shuffle_questions, shuffle_options=shuffle_options)
    paper = draw_rule_paper(rules, pool, seed, **flags)
    shuffled = pool[:]
    rnd.shuffle(shuffled)
    assert draw_rule_paper(rules, shuffled, seed, **flags) == paper
    # Prepared once per exam and drawn from for every candidate (starting.draw_inputs): the same
    # papers, seed for seed, whatever the pool's order at preparation and however many draws.
    prepared = prepare_rule_draw(rules, shuffled)
    assert draw_prepared_paper(prepared, seed + 1, **flags) == draw_rule_paper(rules, pool, seed + 1, **flags)
    assert draw_prepared_paper(prepared, seed, **flags) == paper
    by_id = {q.id: q for q in pool}
    for item in paper:
        assert sorted(item.option_order) == list(range(by_id[item.question_id].option_count))
        if not shuffle_options:
            assert item.option_order == tuple(range(by_id[item.question_id].option_count))


@settings(max_examples=100, deadline=None)
@given(
    items=st.lists(st.tuples(st.integers(1, 50), st.sampled_from([1.0, 2.5]), st.integers(0, 6)),
                   max_size=10, unique_by=lambda item: item[0]),
    seed=st.integers(), shuffle_questions=st.booleans(), shuffle_options=st.booleans(),
)
def test_fixed_paper_properties(items, seed, shuffle_questions, shuffle_options):
    flags = dict(shuffle_questions=shuffle_questions, shuffle_options=shuffle_options)
    paper = draw_fixed_paper(items, seed, **flags)
    assert paper == draw_fixed_paper(items, seed, **flags)
    assert sorted(i.question_id for i in paper) == sorted(item[0] for item in items)
    assert all(sorted(i.option_order) == list(range(len(i.option_order))) for i in paper)
    if not shuffle_questions:
        assert [i.question_id for i in paper] == [item[0] for item in items]
