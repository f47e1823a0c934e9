"""Drawing exam papers: from rules over a question pool, or from a fixed list.

Everything random goes through one `random.Random(seed)`, consumed in a fixed order
(picks, then question order, then option orders by position), so a paper can be
rebuilt from its seed as long as the pool and this algorithm are unchanged. Prefer
storing the drawn items anyway: editing the pool or this module changes re-draws.

Given a section order (`sections`: question types, see sections.py), a paper is laid out in
sections, one per type in that order, and questions are shuffled only within their section,
one section after the other; without it (None) the whole paper is one shuffle, as before sections.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from .sections import arrange


@dataclass(frozen=True)
class Rule:
    """Draw `count` questions of `qtype` worth `points` each; None category,
    difficulty or law means any (`law_id`: only questions citing that law)."""

    qtype: str
    count: int
    points: float
    category: str | None = None
    difficulty: str | None = None
    law_id: int | None = None


@dataclass(frozen=True)
class PoolQuestion:
    """A question available for drawing. `option_count` is the number of lettered
    options (A, B, ...): pass 0 for truefalse, fill, short and case so they are never shuffled
    (a case's sub-questions keep their order)."""

    id: int
    qtype: str
    category: str
    difficulty: str
    option_count: int
    #: The laws the question cites (questionbank citations).
    law_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class PaperItem:
    """One question on a paper. `position` is 1-based; the option shown k-th is the
    question's original option `option_order[k]` (a permutation of range(option_count))."""

    question_id: int
    position: int
    points: float
    option_order: tuple[int, ...]


@dataclass(frozen=True)
class Shortfall:
    """Rule `rule_index` (0-based, as written) needs `needed` questions but only
    `available` are guaranteed to be left for it."""

    rule_index: int
    needed: int
    available: int


# --------------------------------------------------------------------------- rules


def matches(rule: Rule, question: PoolQuestion) -> bool:
    """Whether `question` is eligible for `rule`."""
    return (
        question.qtype == rule.qtype
        and (rule.category is None or question.category == rule.category)
        and (rule.difficulty is None or question.difficulty == rule.difficulty)
        and (rule.law_id is None or rule.law_id in question.law_ids)
    )


def check_rules(rules: list[Rule], pool: list[PoolQuestion]) -> list[Shortfall]:
    """The rules the pool cannot satisfy; when empty, `draw_rule_paper` cannot fail.

    Rules are processed most specific first (fewest eligible questions, ties by
    index), the same order `draw_rule_paper` draws in. For each rule, the questions
    left for it are its eligible questions minus the worst case that earlier
    overlapping rules take from them: the sum over earlier rules j of
    min(count_j, |eligible_j ∩ eligible_i|). Since a random draw can hit that worst
    case, the check must assume it; it is conservative (it may report a shortfall a
    cleverer assignment could avoid, e.g. when an earlier "any category" rule could
    have been steered away from a category a later rule needs), never optimistic.
    """
    sorted_pool = _sorted_pool(pool)
    _check_counts(rules)
    eligible = [frozenset(q.id for q in sorted_pool if matches(rule, q)) for rule in rules]
    shortfalls = []
    done: list[int] = []
    for index in _processing_order(eligible):
        taken = sum(min(rules[j].count, len(eligible[j] & eligible[index])) for j in done)
        available = max(0, len(eligible[index]) - taken)
        if available < rules[index].count:
            shortfalls.append(Shortfall(index, rules[index].count, available))
        done.append(index)
    return sorted(shortfalls, key=lambda shortfall: shortfall.rule_index)


@dataclass(frozen=True)
class RuleDraw:
    """Rules with each one's eligible questions (sorted by id) and the order they draw in:
    everything a rule paper needs that does not depend on the seed, worked out once for the
    thousands of papers of one exam."""

    rules: tuple[Rule, ...]
    eligible: tuple[tuple[PoolQuestion, ...], ...]
    order: tuple[int, ...]


def prepare_rule_draw(rules: list[Rule], pool: list[PoolQuestion]) -> RuleDraw:
    """The seed-independent part of `draw_rule_paper` (ValueError on a bad count or pool)."""
    sorted_pool = _sorted_pool(pool)
    _check_counts(rules)
    eligible = tuple(tuple(q for q in sorted_pool if matches(rule, q)) for rule in rules)
    order = _processing_order([frozenset(q.id for q in e) for e in eligible])
    return RuleDraw(tuple(rules), eligible, tuple(order))


def draw_rule_paper(
    rules: list[Rule],
    pool: list[PoolQuestion],
    seed: int,
    *,
    shuffle_questions: bool = True,
    shuffle_options: bool = True,
    sections: Sequence[str] | None = None,
) -> list[PaperItem]:
    """A paper meeting every rule with no repeated question, reproducible from `seed`
    and independent of the pool's input order; ValueError naming the rule if short."""
    return draw_prepared_paper(prepare_rule_draw(rules, pool), seed, shuffle_questions=shuffle_questions,
                               shuffle_options=shuffle_options, sections=sections)


def draw_prepared_paper(
    prepared: RuleDraw, seed: int, *, shuffle_questions: bool = True, shuffle_options: bool = True,
    sections: Sequence[str] | None = None,
) -> list[PaperItem]:
    """`draw_rule_paper` from its prepared rules: the same paper for the same seed."""
    rules = prepared.rules
    rng = random.Random(seed)
    picks = _pick_prepared(prepared, rng)
    if sections is not None:
        # Within a section: shuffled from the rules' draws, or rule order then id unshuffled.
        ordered = arrange([(q, rules[index].points) for index in sorted(picks)
                           for q in (picks[index] if shuffle_questions else sorted(picks[index], key=lambda q: q.id))],
                          lambda entry: entry[0].qtype, sections, rng.shuffle if shuffle_questions else None)
    elif shuffle_questions:
        ordered = [(q, rules[index].points) for index in sorted(picks) for q in picks[index]]
        rng.shuffle(ordered)
    else:
        # The order the trainer wrote the rules in (e.g. all single choice first),
        # then by id, so an unshuffled paper reads like a printed one.
        ordered = [
            (q, rules[index].points)
            for index in range(len(rules))
            for q in sorted(picks[index], key=lambda q: q.id)
        ]
    return _number(
        [(q.id, points, q.option_count) for q, points in ordered], rng, shuffle_options
    )


def draw_fixed_paper(
    items: list[tuple[int, float, int]],
    seed: int,
    *,
    shuffle_questions: bool,
    shuffle_options: bool,
    sections: Sequence[str] | None = None,
    qtypes: dict[int, str] | None = None,
) -> list[PaperItem]:
    """The given (question_id, points, option_count) items in the given order, or
    shuffled reproducibly from `seed`; ValueError on a repeated question. With `sections`
    (and each question's type in `qtypes`) grouped in sections, the order and the shuffle
    within each section."""
    ids = [question_id for question_id, _points, _count in items]
    if len(set(ids)) != len(ids):
        raise ValueError("a fixed paper lists the same question more than once")
    rng = random.Random(seed)
    ordered = list(items)
    if sections is not None:
        if qtypes is None:
            raise ValueError("a fixed paper in sections needs the type of each question")
        ordered = arrange(ordered, lambda item: qtypes[item[0]], sections,
                          rng.shuffle if shuffle_questions else None)
    elif shuffle_questions:
        rng.shuffle(ordered)
    return _number(ordered, rng, shuffle_options)


def paper_total(rules: list[Rule]) -> float:
    """The full mark of a rule paper: sum of count × points, rounded to 2 decimals."""
    return round(sum(rule.count * rule.points for rule in rules), 2)


def describe_rule(index: int, rule: Rule) -> str:
    """A rule as text for error messages: 'rule 2 (5 × single, category X, any difficulty)'."""
    category = f"category {rule.category}" if rule.category is not None else "any category"
    difficulty = (
        f"difficulty {rule.difficulty}" if rule.difficulty is not None else "any difficulty"
    )
    law = f", law #{rule.law_id}" if rule.law_id is not None else ""
    return f"rule {index + 1} ({rule.count} × {rule.qtype}, {category}, {difficulty}{law})"


# --------------------------------------------------------------------------- internals


def _sorted_pool(pool: list[PoolQuestion]) -> list[PoolQuestion]:
    # Sorting by id makes the draw independent of the order the database returned rows.
    ordered = sorted(pool, key=lambda q: q.id)
    for before, after in zip(ordered, ordered[1:]):
        if before.id == after.id:
            raise ValueError(f"question {after.id} appears twice in the pool")
    return ordered


def _check_counts(rules: list[Rule]) -> None:
    for index, rule in enumerate(rules):
        if isinstance(rule.count, bool) or not isinstance(rule.count, int) or rule.count < 0:
            raise ValueError(f"{describe_rule(index, rule)}: count must be a whole number ≥ 0")


def _processing_order(eligible: list[frozenset]) -> list[int]:
    # Most specific first: a narrow rule drawing early cannot be starved by a broad one.
    return sorted(range(len(eligible)), key=lambda index: (len(eligible[index]), index))


def _pick_prepared(prepared: RuleDraw, rng: random.Random) -> dict[int, list[PoolQuestion]]:
    """Per rule index, its drawn questions (in draw order), in the check_rules order."""
    taken: set[int] = set()
    picks: dict[int, list[PoolQuestion]] = {}
    for index in prepared.order:
        rule = prepared.rules[index]
        candidates = [q for q in prepared.eligible[index] if q.id not in taken]
        if len(candidates) < rule.count:
            raise ValueError(
                f"{describe_rule(index, rule)}: only {len(candidates)} questions left "
                f"in the pool"
            )
        chosen = rng.sample(candidates, rule.count)
        taken.update(q.id for q in chosen)
        picks[index] = chosen
    return picks


def _number(
    ordered: list[tuple[int, float, int]], rng: random.Random, shuffle_options: bool
) -> list[PaperItem]:
    """PaperItems with positions 1.. and option orders drawn in position order."""
    items = []
    for position, (question_id, points, option_count) in enumerate(ordered, start=1):
        order = list(range(max(0, option_count)))
        if shuffle_options:
            rng.shuffle(order)
        items.append(PaperItem(question_id, position, float(points), tuple(order)))
    return items
