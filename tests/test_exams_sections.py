"""A paper in sections (issue #24): 一、单项选择题（共20题，每题2分） / 二、多项选择题 / 三、判断题 / 四、填空题.

The pure part (sections.py and drawing with sections) without a request; then the trainer's
paper page, the attempt API and the exam page through the test client, and attempts drawn
before sections existed, which keep their stored paper exactly.
"""
from __future__ import annotations

import random

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from tests.conftest import login
from trainingapp.exams import authoring, starting
from trainingapp.exams.drawing import PoolQuestion, Rule, draw_fixed_paper, draw_rule_paper
from trainingapp.exams.models import Attempt, Exam
from trainingapp.exams.sections import (
    DEFAULT_TITLES,
    Section,
    SectionSpec,
    arrange,
    chinese_numeral,
    headings,
    paper_sections,
    planned_sections,
    section_order,
    specs_from_json,
)
from trainingapp.platform.extensions import db

# --- the pure part ---------------------------------------------------------------------------------

TYPES = {"single": 4, "multiple": 4, "truefalse": 0, "fill": 0}
POOL = [PoolQuestion(qid, qtype, "宪法", "medium", TYPES[qtype])
        for qid, qtype in enumerate(["single"] * 12 + ["multiple"] * 8 + ["truefalse"] * 10 + ["fill"] * 6, start=1)]
QTYPE = {q.id: q.qtype for q in POOL}
# Written in an order of its own, two rules of one type: the sections still follow the section order.
RULES = [Rule("truefalse", 5, 1.0), Rule("single", 4, 2.0), Rule("fill", 2, 3.0), Rule("multiple", 3, 2.0),
         Rule("single", 2, 3.0, category="宪法")]
DEFAULT = tuple(DEFAULT_TITLES)


def types_of(paper):
    return [QTYPE[item.question_id] for item in paper]


def runs(qtypes):
    return [qtype for index, qtype in enumerate(qtypes) if index == 0 or qtypes[index - 1] != qtype]


def test_the_default_order_is_the_printed_papers():
    assert DEFAULT == ("single", "multiple", "truefalse", "fill", "short", "case")
    assert section_order((), ["fill", "truefalse", "single"]) == ("single", "truefalse", "fill")
    # The trainer's order first, then the types it does not name in the default order, then any
    # other type alphabetically: a new type works before it has a default title.
    assert section_order([SectionSpec("fill"), SectionSpec("truefalse")], ["single", "zeta", "fill", "alpha"]) == (
        "fill", "truefalse", "single", "alpha", "zeta")


def test_chinese_numerals():
    assert [chinese_numeral(n) for n in (1, 2, 4, 5, 9, 10, 11, 20, 21, 99)] == [
        "一", "二", "四", "五", "九", "十", "十一", "二十", "二十一", "九十九"]
    assert chinese_numeral(100) == "100" and chinese_numeral(0) == "0"


def test_a_rule_paper_is_in_sections_and_numbered_on():
    paper = draw_rule_paper(RULES, POOL, seed=11, sections=DEFAULT)
    assert runs(types_of(paper)) == ["single", "multiple", "truefalse", "fill"]
    assert [item.position for item in paper] == list(range(1, 17))
    assert types_of(paper).count("single") == 6  # both single-choice rules in one section


def test_sections_change_the_order_never_what_is_drawn():
    for seed in range(30):
        plain = draw_rule_paper(RULES, POOL, seed)
        sectioned = draw_rule_paper(RULES, POOL, seed, sections=DEFAULT)
        assert sorted((i.question_id, i.points) for i in plain) == sorted((i.question_id, i.points) for i in sectioned)


def test_the_in_section_shuffle_is_reproducible_from_the_seed():
    first = draw_rule_paper(RULES, POOL, seed=42, sections=DEFAULT)
    shuffled_pool = POOL[:]
    random.Random(3).shuffle(shuffled_pool)
    assert draw_rule_paper(RULES, shuffled_pool, seed=42, sections=DEFAULT) == first
    orders = {tuple(i.question_id for i in draw_rule_paper(RULES, POOL, seed, sections=DEFAULT)
                    if QTYPE[i.question_id] == "truefalse") for seed in range(20)}
    assert len(orders) > 10  # the questions really are shuffled within a section…
    for seed in range(20):  # …and never out of it
        assert runs(types_of(draw_rule_paper(RULES, POOL, seed, sections=DEFAULT))) == [
            "single", "multiple", "truefalse", "fill"]


def test_the_trainers_section_order_is_kept():
    order = ("truefalse", "fill", "single")  # multiple not named: it follows in the default order
    paper = draw_rule_paper(RULES, POOL, seed=5, sections=order)
    assert runs(types_of(paper)) == ["truefalse", "fill", "single", "multiple"]


def test_an_unshuffled_paper_keeps_rule_order_then_id_within_a_section():
    paper = draw_rule_paper(RULES, POOL, seed=5, shuffle_questions=False, shuffle_options=False, sections=DEFAULT)
    singles = [(i.question_id, i.points) for i in paper if QTYPE[i.question_id] == "single"]
    assert [points for _id, points in singles] == [2.0] * 4 + [3.0] * 2  # rule 2 before rule 5
    assert [qid for qid, _p in singles[:4]] == sorted(qid for qid, _p in singles[:4])
    assert all(item.option_order == tuple(range(TYPES[QTYPE[item.question_id]])) for item in paper)


def test_a_fixed_paper_in_sections():
    items = [(25, 1.0, 0), (3, 2.0, 4), (14, 3.0, 4), (1, 2.0, 4), (31, 2.0, 0), (22, 1.0, 0)]
    paper = draw_fixed_paper(items, 9, shuffle_questions=False, shuffle_options=False, sections=DEFAULT, qtypes=QTYPE)
    # Grouped by type, the trainer's order kept within each section.
    assert [i.question_id for i in paper] == [3, 1, 14, 25, 22, 31]
    shuffled = draw_fixed_paper(items, 9, shuffle_questions=True, shuffle_options=True, sections=DEFAULT, qtypes=QTYPE)
    assert shuffled == draw_fixed_paper(items, 9, shuffle_questions=True, shuffle_options=True, sections=DEFAULT,
                                        qtypes=QTYPE)
    assert runs(types_of(shuffled)) == ["single", "multiple", "truefalse", "fill"]
    with pytest.raises(ValueError, match="type of each question"):
        draw_fixed_paper(items, 9, shuffle_questions=False, shuffle_options=False, sections=DEFAULT)


def test_arrange_is_stable_and_shuffles_each_section_in_order():
    entries = [("b", 1), ("a", 2), ("b", 3), ("a", 4)]
    assert arrange(entries, lambda e: e[0], ("a", "b")) == [("a", 2), ("a", 4), ("b", 1), ("b", 3)]
    calls = []
    arrange(entries, lambda e: e[0], ("b",), shuffle=lambda group: calls.append(list(group)))
    assert calls == [[("b", 1), ("b", 3)], [("a", 2), ("a", 4)]]


def test_sections_of_a_stored_paper_are_its_runs_and_never_reorder_it():
    found = paper_sections([("single", 2), ("single", 2), ("truefalse", 1), ("truefalse", 2)],
                           [SectionSpec("single", "宪法单选")])
    assert found == [Section("single", "宪法单选", (1, 2), (2.0, 2.0)), Section("truefalse", None, (3, 4), (1.0, 2.0))]
    assert found[0].points_each == 2.0 and found[1].points_each is None and found[1].total == 3.0
    # A paper drawn before sections mixes its types: one section, in the stored order.
    mixed = paper_sections([("single", 2), ("truefalse", 1), ("single", 2)])
    assert mixed == [Section(None, None, (1, 2, 3), (2.0, 1.0, 2.0))]
    assert paper_sections([]) == []


def test_stored_choices_are_read_defensively():
    assert specs_from_json(None) == ()
    assert specs_from_json([{"type": "fill", "title": "  "}, {"type": "single", "title": " 单选 "}, "junk",
                            {"title": "no type"}]) == (SectionSpec("fill"), SectionSpec("single", "单选"))


def test_headings_in_chinese_and_english(ctx):
    planned = [("truefalse", 1)] * 2 + [("single", 2)] * 20 + [("fill", 2), ("fill", 3), ("fill", 7)]
    found = planned_sections(planned, [SectionSpec("single"), SectionSpec("fill", "案例填空")])
    with force_locale("zh"):
        assert headings(found) == ["一、单项选择题（共20题，每题2分）", "二、案例填空（共3题，共12分）",
                                   "三、判断题（共2题，每题1分）"]
    with force_locale("en"):
        assert headings(found) == ["Part 1. Single-choice questions (questions: 20, points each: 2)",
                                   "Part 2. 案例填空 (questions: 3, points in all: 12)",
                                   "Part 3. True/false questions (questions: 2, points each: 1)"]
        assert headings(paper_sections([("single", 1.5), ("multiple", 2)])) == [
            "Part 1. Single-choice questions (questions: 1, points each: 1.5)",
            "Part 2. Multiple-choice questions (questions: 1, points each: 2)"]
    with force_locale("zh"):
        assert headings(paper_sections([("fill", 1), ("multiple", 2), ("fill", 1)])) == ["一、试题（共3题，共4分）"]


# --- through the application -----------------------------------------------------------------------

PAPER = [("truefalse", 3, 2), ("single", 4, 5), ("fill", 2, 10), ("multiple", 2, 10)]


@pytest.fixture
def people(make):
    make.bank({"single": 8, "multiple": 4, "truefalse": 6, "fill": 3})
    return make.user(role="trainer"), make.user(role="cadre")


def signed_in(app, person):
    client = app.test_client()
    assert login(client, person).status_code == 302
    return client


def start(client, exam):
    response = client.post(f"/api/exams/{exam.id}/attempts")
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def save_sections(client, exam, rows):
    """The section editor as a browser sends it: rows of (type, place, title)."""
    return client.post(f"/exams/{exam.id}/paper", data={
        "mode": "sections", "section_type": [r[0] for r in rows], "section_place": [str(r[1]) for r in rows],
        "section_title": [r[2] for r in rows]}, follow_redirects=True)


def publish(app, trainer, exam):
    with app.app_context():
        authoring.publish(db.session.merge(trainer), db.session.get(Exam, exam.id))
        db.session.remove()


def test_the_api_gives_sections_in_the_default_order(app, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], rules=PAPER)
    body = start(signed_in(app, cadre), exam)
    assert [q["position"] for q in body["questions"]] == list(range(1, 12))
    assert runs([q["type"] for q in body["questions"]]) == ["single", "multiple", "truefalse", "fill"]
    assert body["sections"] == [
        {"heading": "一、单项选择题（共4题，每题5分）", "type": "single", "count": 4, "points": 20.0,
         "points_each": 5.0, "questions": [1, 2, 3, 4]},
        {"heading": "二、多项选择题（共2题，每题10分）", "type": "multiple", "count": 2, "points": 20.0,
         "points_each": 10.0, "questions": [5, 6]},
        {"heading": "三、判断题（共3题，每题2分）", "type": "truefalse", "count": 3, "points": 6.0,
         "points_each": 2.0, "questions": [7, 8, 9]},
        {"heading": "四、填空题（共2题，每题10分）", "type": "fill", "count": 2, "points": 20.0,
         "points_each": 10.0, "questions": [10, 11]}]
    by_position = {q["position"]: q for q in body["questions"]}
    for section in body["sections"]:
        assert {by_position[n]["section"] for n in section["questions"]} == {section["heading"]}
        assert {by_position[n]["type"] for n in section["questions"]} == {section["type"]}
    assert sum(s["points"] for s in body["sections"]) == body["total"]


def test_the_trainers_order_and_titles_shape_every_paper(app, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], rules=PAPER, publish=False)
    client = signed_in(app, trainer)
    page = save_sections(client, exam, [("single", 3, ""), ("multiple", 4, "多选（每题全对得分）"),
                                        ("truefalse", 1, "判断对错"), ("fill", 2, "")]).get_data(as_text=True)
    assert "一、判断对错（共3题，每题2分）" in page and "二、填空题（共2题，每题10分）" in page
    assert "四、多选（每题全对得分）（共2题，每题10分）" in page
    with app.app_context():
        assert db.session.get(Exam, exam.id).sections == [
            {"type": "truefalse", "title": "判断对错"}, {"type": "fill", "title": None},
            {"type": "single", "title": None}, {"type": "multiple", "title": "多选（每题全对得分）"}]
    publish(app, trainer, exam)
    body = start(signed_in(app, cadre), exam)
    assert runs([q["type"] for q in body["questions"]]) == ["truefalse", "fill", "single", "multiple"]
    assert [s["heading"] for s in body["sections"]] == [
        "一、判断对错（共3题，每题2分）", "二、填空题（共2题，每题10分）", "三、单项选择题（共4题，每题5分）",
        "四、多选（每题全对得分）（共2题，每题10分）"]
    # The trainer sees the same headings on the candidate's paper.
    detail = client.get(f"/exams/{exam.id}/attempts/{body['attempt_id']}").get_data(as_text=True)
    assert detail.index("一、判断对错") < detail.index("二、填空题") < detail.index("三、单项选择题")


def test_a_fixed_paper_is_laid_out_in_sections_too(app, make, people):
    trainer, cadre = people
    questions = [make.question(qtype) for qtype in ("fill", "single", "truefalse", "single", "fill")]
    exam = make.exam(trainer, [cadre], fixed=[(q, 20) for q in questions], shuffle_questions=False, publish=False)
    client = signed_in(app, trainer)
    assert "一、单项选择题（共2题，每题20分）" in client.get(f"/exams/{exam.id}/paper").get_data(as_text=True)
    save_sections(client, exam, [("single", 2, ""), ("multiple", 4, ""), ("truefalse", 3, ""), ("fill", 1, "")])
    publish(app, trainer, exam)
    body = start(signed_in(app, cadre), exam)
    ids = [q.id for q in questions]
    # Fill first as set, then single, then true/false; the trainer's order within each section.
    assert [q["id"] for q in body["questions"]] == [ids[0], ids[4], ids[1], ids[3], ids[2]]
    assert [s["heading"] for s in body["sections"]] == [
        "一、填空题（共2题，每题20分）", "二、单项选择题（共2题，每题20分）", "三、判断题（共1题，每题20分）"]


@pytest.mark.parametrize("rows, message", [
    ([("single", 1, ""), ("multiple", 1, ""), ("truefalse", 3, ""), ("fill", 4, "")],
     "单选题和多选题都排在第1位"),
    ([("single", 1, ""), ("multiple", "二", ""), ("truefalse", 3, ""), ("fill", 4, "")],
     "多选题的位置必须是1到4之间的整数"),
    ([("single", 1, ""), ("multiple", 2, ""), ("truefalse", 3, "判" * 41), ("fill", 4, "")],
     "判断题的标题有41个字"),
])
def test_bad_section_choices_are_refused_by_name_and_change_nothing(app, make, people, rows, message):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], rules=PAPER, publish=False)
    page = save_sections(signed_in(app, trainer), exam, rows).get_data(as_text=True)
    assert message in page, page[page.find("alert"):][:400]
    with app.app_context():
        assert db.session.get(Exam, exam.id).sections is None


def test_a_published_papers_sections_cannot_change(app, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], rules=PAPER)
    client = signed_in(app, trainer)
    page = client.get(f"/exams/{exam.id}/paper").get_data(as_text=True)
    assert 'name="section_place" disabled' in page and "一、单项选择题（共4题，每题5分）" in page
    refused = save_sections(client, exam, [("fill", 1, ""), ("single", 2, ""), ("multiple", 3, ""),
                                           ("truefalse", 4, "")]).get_data(as_text=True)
    assert "已发布考试的试卷不能更改" in refused
    with app.app_context():
        assert db.session.get(Exam, exam.id).sections is None


def test_a_paper_is_reproducible_from_its_seed(app, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], rules=PAPER)
    body = start(signed_in(app, cadre), exam)
    with app.app_context():
        attempt = db.session.get(Attempt, body["attempt_id"])
        starting.forget_draw_inputs()
        assert starting.draw_paper(attempt.exam, starting.draw_inputs(attempt.exam), attempt.seed) == attempt.paper


def test_headings_follow_the_cadres_language(app, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], rules=PAPER)
    client = signed_in(app, cadre)
    client.post("/language/en", data={"next": "/"})
    body = start(client, exam)  # the start reads nobody's settings: the language cookie decides
    assert body["sections"][0]["heading"] == "Part 1. Single-choice questions (questions: 4, points each: 5)"
    again = client.get(f"/api/attempts/{body['attempt_id']}").get_json()
    assert [s["heading"] for s in again["sections"]] == [s["heading"] for s in body["sections"]]
    page = client.get(f"/my/attempts/{body['attempt_id']}").get_data(as_text=True)
    assert "Part 4. Fill-in-the-blank questions (questions: 2, points each: 10)" in page


def test_an_attempt_drawn_before_sections_keeps_its_paper(app, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], rules=PAPER)
    client = signed_in(app, cadre)
    body = start(client, exam)
    with app.app_context():
        attempt = db.session.get(Attempt, body["attempt_id"])
        # As drawn before this change: one shuffle over the whole paper, types mixed.
        old = [dict(item) for item in attempt.paper]
        rnd = random.Random(1)
        while len(runs([item["t"] for item in old])) == 4:  # until some type is split
            rnd.shuffle(old)
        db.session.execute(update(Attempt).where(Attempt.id == attempt.id).values(paper=old))
        db.session.commit()
        db.session.remove()
    resumed = client.get(f"/api/attempts/{body['attempt_id']}").get_json()
    assert [q["id"] for q in resumed["questions"]] == [item["q"] for item in old]  # not redrawn, not reordered
    assert [q["position"] for q in resumed["questions"]] == list(range(1, 12))
    assert resumed["sections"] == [{"heading": "一、试题（共11题，共66分）", "type": None, "count": 11,
                                    "points": 66.0, "points_each": None, "questions": list(range(1, 12))}]
    assert {q["section"] for q in resumed["questions"]} == {"一、试题（共11题，共66分）"}
    # Starting again resumes that attempt: nothing is drawn anew.
    assert [q["id"] for q in start(client, exam)["questions"]] == [item["q"] for item in old]
    with app.app_context():
        assert db.session.scalar(select(Attempt.paper).where(Attempt.id == body["attempt_id"])) == old


def test_an_old_attempt_already_in_type_order_gets_its_runs_as_sections(app, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 2, 5), ("single", 3, 10)])
    client = signed_in(app, cadre)
    body = start(client, exam)
    with app.app_context():
        attempt = db.session.get(Attempt, body["attempt_id"])
        old = sorted(attempt.paper, key=lambda item: item["t"] != "truefalse")  # printed in rule order
        db.session.execute(update(Attempt).where(Attempt.id == attempt.id).values(paper=old))
        db.session.commit()
        db.session.remove()
    resumed = client.get(f"/api/attempts/{body['attempt_id']}").get_json()
    assert [q["id"] for q in resumed["questions"]] == [item["q"] for item in old]
    assert [s["heading"] for s in resumed["sections"]] == ["一、判断题（共2题，每题5分）",
                                                           "二、单项选择题（共3题，每题10分）"]


def test_sections_and_their_headings_cost_a_start_no_statement(app, make, people):
    from tests.test_exams_statements import counting
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], rules=PAPER, publish=False)
    save_sections(signed_in(app, trainer), exam, [("single", 2, "单选"), ("multiple", 1, ""), ("truefalse", 3, ""),
                                                  ("fill", 4, "")])
    publish(app, trainer, exam)
    client = signed_in(app, cadre)
    client.post("/language/en", data={"next": "/"})
    with counting(app) as statements:
        body = start(client, exam)
    # As for any start (test_exams_statements): the person is not loaded for the headings' language.
    assert statements == ["SELECT", "SELECT", "SELECT", "INSERT", "SELECT"], statements
    assert body["sections"][0]["heading"] == "Part 1. Multiple-choice questions (questions: 2, points each: 10)"
