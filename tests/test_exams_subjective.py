"""Subjective questions (简答, 案例分析) on the paper and the exam page (issue #25): rules and fixed
papers draw them in their own sections, answers of up to 5,000 characters save and resume through
the same API as every other answer, and their reference answers (the key) reach a candidate only in
a review that shows keys.

Every reference answer and scoring point carries a marker nobody could guess, so "the key leaked"
is "a marker appears in a response".
"""
from __future__ import annotations

import html
from itertools import count

import pytest
from sqlalchemy import select, update

from tests.conftest import login
from tests.test_exams_statements import counting
from trainingapp.exams.models import Answer, Attempt, Exam
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question
from trainingapp.questionbank.parsing import QuestionData
from trainingapp.questionbank.subjective import MAX_ANSWER_CHARS, Part, RubricPoint, make_key

_serial = count(1)

#: About 4,200 Chinese characters with line breaks: a long answer as a cadre would write it.
LONG_TEXT = "\n".join(f"第{n}点：行政机关应当依法全面履行职责，坚持严格规范公正文明执法。" for n in range(1, 141))


def subjective_question(app, qtype: str, *, parts: int = 3, category: str = "行政处罚法", stem: str | None = None,
                        marks: float = 6.0, active: bool = True) -> tuple[Question, list[str]]:
    """A 简答 (`short`, one part) or 案例分析 (`case`, `parts` sub-questions) in the stored shape;
    (question, the markers in its reference answers and scoring points)."""
    serial = next(_serial)
    count_ = 1 if qtype == "short" else parts
    markers = ([f"参考答案标记{serial}x{n}" for n in range(count_)]
               + [f"评分要点标记{serial}x{n}" for n in range(count_)])
    key = make_key([Part(stem="", reference=f"{markers[n]}：应当听取陈述申辩。", marks=marks,
                         rubric=(RubricPoint(f"{markers[count_ + n]}：程序", marks / 2),
                                 RubricPoint("结论正确", marks / 2)))
                    for n in range(count_)])
    options = [f"第{n + 1}问：该处罚决定的程序是否合法？({serial})" for n in range(count_)] if qtype == "case" else []
    data = QuestionData(qtype=qtype, stem=stem or f"{'案例材料' if qtype == 'case' else '简答题'}{serial}：某镇政府……",
                        options=options, answer=key, points=marks * count_, difficulty="medium", category=category,
                        explanation="", basis="《行政处罚法》第四十四条", is_active=active)
    with app.app_context():
        question = Question()
        question.apply(data)
        db.session.add(question)
        db.session.commit()
        db.session.refresh(question)
        db.session.expunge(question)
    return question, markers


@pytest.fixture
def paper(app, make):
    """A published rule exam of 2 single choice (5 each), a short answer (12) and a case analysis of
    3 sub-questions (18); (exam, cadre, signed-in client, {qtype: question}, markers)."""
    make.bank({"single": 3})
    short, short_markers = subjective_question(app, "short", marks=12)
    case, case_markers = subjective_question(app, "case", parts=3, marks=6)
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("case", 1, 18), ("short", 1, 12), ("single", 2, 5)])
    client = app.test_client()
    login(client, cadre)
    return exam, cadre, client, {"short": short, "case": case}, short_markers + case_markers


def start(client, exam) -> dict:
    response = client.post(f"/api/exams/{exam.id}/attempts")
    assert response.status_code in (200, 201), response.data[:300]
    return response.get_json()


def save(client, attempt_id: int, question_id: int, answer, seq: int):
    return client.put(f"/api/attempts/{attempt_id}/answers/{question_id}", json={"answer": answer, "seq": seq})


def of_type(body: dict, qtype: str) -> dict:
    return next(q for q in body["questions"] if q["type"] == qtype)


# --- the paper ---------------------------------------------------------------------------------------

def test_rules_draw_short_and_case_in_sections_after_the_objective_types(app, paper):
    exam, _cadre, client, questions, _markers = paper
    body = start(client, exam)
    assert [q["type"] for q in body["questions"]] == ["single", "single", "short", "case"]
    assert [s["heading"] for s in body["sections"]] == [
        "一、单项选择题（共2题，每题5分）", "二、简答题（共1题，每题12分）", "三、案例分析题（共1题，每题18分）"]
    assert body["total"] == 40 == sum(s["points"] for s in body["sections"])
    short, case = of_type(body, "short"), of_type(body, "case")
    # One text for a short answer, one per sub-question for a case, in the bank's order (a case's
    # sub-questions are never shuffled like options); the stem is the case material.
    assert (short["blanks"], short["parts"], short["options"], short["max_chars"]) == (1, [], [], MAX_ANSWER_CHARS)
    assert case["blanks"] == 3 and case["options"] == [] and case["max_chars"] == MAX_ANSWER_CHARS
    assert case["parts"] == questions["case"].options and case["stem"] == questions["case"].stem
    with app.app_context():
        snapshot = {row[0]: row for row in db.session.get(Exam, exam.id).pool_snapshot}
    assert snapshot[questions["short"].id][5] == 1 and snapshot[questions["case"].id][5] == 3


def test_a_fixed_paper_includes_them_and_the_settings_show_the_total(app, make):
    single = make.question("single")
    short, _ = subjective_question(app, "short", marks=10)
    case, _ = subjective_question(app, "case", parts=2, marks=15)
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], fixed=[(case, 30), (short, 10), (single, 10)], shuffle_options=True,
                     publish=False)
    client = app.test_client()
    login(client, trainer)
    overview = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert "3道题，50分" in overview, overview[:3000]
    editor = client.get(f"/exams/{exam.id}/paper").get_data(as_text=True)
    assert "四、简答题（共1题，每题10分）" not in editor  # numbered on from the sections present
    assert "二、简答题（共1题，每题10分）" in editor and "三、案例分析题（共1题，每题30分）" in editor
    with app.app_context():
        from trainingapp.accounts.models import User
        from trainingapp.exams import authoring
        authoring.publish(db.session.get(User, trainer.id), db.session.get(Exam, exam.id))
    cadre_client = app.test_client()
    login(cadre_client, cadre)
    body = start(cadre_client, exam)
    assert [q["id"] for q in body["questions"]] == [single.id, short.id, case.id]
    assert of_type(body, "case")["parts"] == case.options and of_type(body, "case")["blanks"] == 2
    assert body["total"] == 50


def test_the_rule_form_offers_short_and_case(app, make):
    subjective_question(app, "short")
    subjective_question(app, "case")
    trainer = make.user(role="trainer")
    make.bank({"single": 2})
    exam = make.exam(trainer, [make.user()], rules=[("single", 1, 10)], publish=False)
    client = app.test_client()
    login(client, trainer)
    editor = client.get(f"/exams/{exam.id}/paper").get_data(as_text=True)
    assert '<option value="short"' in editor and '<option value="case"' in editor
    client.post(f"/exams/{exam.id}/paper", data={"mode": "rules", "qtype": ["single", "short", "case"],
                                                 "category": ["", "", ""], "difficulty": ["", "", ""],
                                                 "count": ["1", "1", "1"], "points": ["10", "20", "30"]})
    with app.app_context():
        stored = db.session.get(Exam, exam.id)
        assert [(r.qtype, r.count, float(r.points)) for r in stored.rules] == [
            ("single", 1, 10.0), ("short", 1, 20.0), ("case", 1, 30.0)]
        assert stored.total_points == 60
    editor = client.get(f"/exams/{exam.id}/paper").get_data(as_text=True)
    assert "二、简答题（共1题，每题20分）" in editor and "三、案例分析题（共1题，每题30分）" in editor


# --- saving and resuming -----------------------------------------------------------------------------

def test_a_long_text_saves_and_resumes_through_the_api_and_the_page(app, paper):
    exam, cadre, client, _questions, _markers = paper
    body = start(client, exam)
    attempt_id, short, case = body["attempt_id"], of_type(body, "short"), of_type(body, "case")
    assert len(LONG_TEXT) > 4000
    case_texts = [LONG_TEXT, "", "第三问：程序违法，应当撤销。\n理由如下……"]
    assert save(client, attempt_id, short["id"], LONG_TEXT, 1).get_json()["saved"] is True
    assert save(client, attempt_id, case["id"], case_texts, 2).get_json()["saved"] is True
    resumed = client.get(f"/api/attempts/{attempt_id}").get_json()
    assert resumed["answers"][str(short["id"])] == {"answer": LONG_TEXT, "seq": 1}
    assert resumed["answers"][str(case["id"])] == {"answer": case_texts, "seq": 2}
    # The page embeds the same answers (a reload draws them into the textareas).
    page = client.get(f"/my/attempts/{attempt_id}").get_data(as_text=True)
    assert "第140点" in html.unescape(page)
    with app.app_context():
        stored = db.session.scalar(select(Answer.response).where(Answer.attempt_id == attempt_id,
                                                                 Answer.question_id == short["id"]))
    assert stored == LONG_TEXT


def test_an_answer_from_another_device_is_there_on_reload(app, paper):
    exam, cadre, client, _questions, _markers = paper
    body = start(client, exam)
    attempt_id, case = body["attempt_id"], of_type(body, "case")
    assert save(client, attempt_id, case["id"], ["手机上写的", "", ""], 10).status_code == 200
    other = app.test_client()
    login(other, cadre)
    again = start(other, exam)  # the other device resumes the same attempt
    assert again["attempt_id"] == attempt_id
    assert again["answers"][str(case["id"])]["answer"] == ["手机上写的", "", ""]
    assert save(other, attempt_id, case["id"], ["电脑上改的", "第二问", ""], 20).get_json()["saved"] is True
    # An older save from the first device arriving late changes nothing.
    assert save(client, attempt_id, case["id"], ["旧的", "", ""], 15).get_json()["saved"] is False
    assert client.get(f"/api/attempts/{attempt_id}").get_json()["answers"][str(case["id"])] == {
        "answer": ["电脑上改的", "第二问", ""], "seq": 20}


def test_the_length_limit_is_5000_characters_per_text(app, paper):
    exam, _cadre, client, _questions, _markers = paper
    body = start(client, exam)
    attempt_id, short, case = body["attempt_id"], of_type(body, "short"), of_type(body, "case")
    assert MAX_ANSWER_CHARS == 5000
    exactly = "法" * 5000
    assert save(client, attempt_id, short["id"], exactly, 1).get_json()["saved"] is True
    # Surrounding spaces and line breaks are trimmed before counting, as the page counts.
    assert save(client, attempt_id, short["id"], "\n " + exactly + " \n", 2).get_json()["saved"] is True
    refused = save(client, attempt_id, short["id"], exactly + "治", 3)
    assert refused.status_code == 422
    assert refused.get_json() == {"code": "invalid",
                                  "error": "the answer must be at most 5000 characters; it has 5001"}
    assert save(client, attempt_id, case["id"], [exactly, "", exactly], 4).get_json()["saved"] is True
    refused = save(client, attempt_id, case["id"], ["", exactly + "治", ""], 5)
    assert refused.status_code == 422
    assert refused.get_json()["error"] == "the answer to sub-question 2 must be at most 5000 characters; it has 5001"
    answers = client.get(f"/api/attempts/{attempt_id}").get_json()["answers"]
    assert answers[str(short["id"])] == {"answer": exactly, "seq": 2}
    assert answers[str(case["id"])]["seq"] == 4


@pytest.mark.parametrize("qtype, answer, message", [
    ("case", "一段话", "expected a list of 3 strings, one per sub-question"),
    ("case", ["只有", "两问"], "expected a list of 3 strings, one per sub-question"),
    ("case", ["一", 2, "三"], "expected a list of 3 strings, one per sub-question"),
    ("case", ["一", ["二"], "三"], "expected a list of 3 strings, one per sub-question"),
    ("short", ["一段话"], "expected a string"),
    ("short", True, "expected a string"),
])
def test_the_shape_of_a_subjective_answer_is_checked(app, paper, qtype, answer, message):
    exam, _cadre, client, _questions, _markers = paper
    body = start(client, exam)
    question = of_type(body, qtype)
    # Twice: the first save reads the attempt (the full save), the second goes the fast path,
    # which must hand a bad shape back to the full save for its reason.
    for seq in (1, 2):
        refused = save(client, body["attempt_id"], question["id"], answer, seq)
        assert refused.status_code == 422 and refused.get_json()["error"] == message
    assert save(client, body["attempt_id"], question["id"], None, 3).get_json()["saved"] is True


def test_all_blank_texts_are_no_answer(app, paper):
    exam, _cadre, client, _questions, _markers = paper
    body = start(client, exam)
    case = of_type(body, "case")
    assert save(client, body["attempt_id"], case["id"], ["  ", "\n", ""], 1).get_json()["saved"] is True
    assert client.get(f"/api/attempts/{body['attempt_id']}").get_json()["answers"][str(case["id"])]["answer"] is None


def test_a_long_save_takes_the_same_statements_as_any_save(app, paper):
    exam, _cadre, client, _questions, _markers = paper
    body = start(client, exam)
    attempt_id, short, case = body["attempt_id"], of_type(body, "short"), of_type(body, "case")
    with counting(app) as first:
        assert save(client, attempt_id, case["id"], [LONG_TEXT, LONG_TEXT, LONG_TEXT], 1).status_code == 200
    # The full save: one read of the attempt, then the one upsert (tests/test_exams_statements.py).
    assert [s for s in first if s in ("INSERT", "UPDATE", "DELETE")] == ["INSERT"] and first.count("SELECT") == 1
    with counting(app) as later:
        assert save(client, attempt_id, short["id"], LONG_TEXT, 2).get_json()["saved"] is True
    with counting(app) as again:
        assert save(client, attempt_id, case["id"], [LONG_TEXT, "", "改"], 3).get_json()["saved"] is True
    assert later == again == ["INSERT"], (later, again)


# --- keys ---------------------------------------------------------------------------------------------

def leaked(markers: list[str], text: str) -> list[str]:
    text = html.unescape(text)
    return [marker for marker in markers if marker in text]


def test_no_reference_answer_reaches_the_exam_page_or_the_api(app, paper):
    exam, _cadre, client, _questions, markers = paper
    body = start(client, exam)
    attempt_id = body["attempt_id"]
    assert leaked(markers, str(body)) == []
    assert leaked(markers, client.get(f"/api/attempts/{attempt_id}").get_data(as_text=True)) == []
    page = client.get(f"/my/attempts/{attempt_id}")
    assert page.status_code == 200 and leaked(markers, page.get_data(as_text=True)) == []
    # Under the default review policy ("score") and secrecy, not after submitting either.
    case = of_type(body, "case")
    save(client, attempt_id, case["id"], ["答一", "", ""], 1)
    submitted = client.post(f"/api/attempts/{attempt_id}/submit").get_json()
    assert submitted["score"] is None  # waits for marking
    for url in (f"/api/attempts/{attempt_id}", f"/my/attempts/{attempt_id}/result"):
        assert leaked(markers, client.get(url).get_data(as_text=True)) == []


def _finished(app, make, *, protect: bool, review_policy: str = "after_submit"):
    make.bank({"single": 2})
    short, short_markers = subjective_question(app, "short", marks=10)
    case, case_markers = subjective_question(app, "case", parts=2, marks=5)
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], fixed=[(short, 20), (case, 10)], review_policy=review_policy,
                     protect_questions=protect, shuffle_questions=False)
    client = app.test_client()
    login(client, cadre)
    body = start(client, exam)
    attempt_id = body["attempt_id"]
    save(client, attempt_id, short.id, "我的简答：应当告知当事人。", 1)
    save(client, attempt_id, case.id, ["第一问我的回答", ""], 2)
    client.post(f"/api/attempts/{attempt_id}/submit")
    return client, attempt_id, short, case, short_markers + case_markers


def test_a_held_back_review_shows_the_case_but_no_reference_answer(app, make):
    client, attempt_id, _short, case, markers = _finished(app, make, protect=True)
    page = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    api = client.get(f"/api/attempts/{attempt_id}").get_json()
    assert leaked(markers, page) == [] and leaked(markers, str(api)) == []
    # The API lists the held-back questions (the page lists none when all are): a case's
    # sub-questions are the question, not its key.
    row = next(q for q in api["review"]["questions"] if q["id"] == case.id)
    assert row["held_back"] is True and row["parts"] == case.options and "key" not in row and "answer" not in row


def test_the_review_shows_the_text_the_reference_and_awaits_marking(app, make):
    client, attempt_id, short, case, markers = _finished(app, make, protect=False)
    page = html.unescape(client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True))
    assert "我的简答：应当告知当事人。" in page and "第一问我的回答" in page
    assert leaked(markers, page) == markers  # every reference answer and scoring point
    assert page.count("待阅卷") >= 2 and "data-pending-answer=" in page
    api = client.get(f"/api/attempts/{attempt_id}").get_json()
    rows = {q["id"]: q for q in api["review"]["questions"]}
    assert rows[short.id]["answer"] == "我的简答：应当告知当事人。"
    assert rows[short.id]["score"] is None and rows[short.id]["awaiting_marks"] is True
    assert rows[short.id]["correct"] is None
    # The key in the paper's points: the short answer is worth 20 on the paper, 10 in the bank.
    assert rows[short.id]["key"][0]["marks"] == 20 and [r["marks"] for r in rows[short.id]["key"][0]["rubric"]] == [
        10, 10]
    assert rows[case.id]["parts"] == case.options and [k["stem"] for k in rows[case.id]["key"]] == case.options
    assert api["result"]["score"] is None


def test_a_marked_answer_shows_its_marks(app, make):
    client, attempt_id, short, case, _markers = _finished(app, make, protect=False)
    with app.app_context():
        db.session.execute(update(Answer).where(Answer.attempt_id == attempt_id, Answer.question_id == short.id)
                           .values(score=14.5))
        db.session.commit()
        assert db.session.get(Attempt, attempt_id).awaiting_marks is True
    page = html.unescape(client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True))
    assert "得14.5分（共20分）" in page
    rows = {q["id"]: q for q in client.get(f"/api/attempts/{attempt_id}").get_json()["review"]["questions"]}
    assert (rows[short.id]["score"], rows[short.id]["awaiting_marks"]) == (14.5, False)
    assert (rows[case.id]["score"], rows[case.id]["awaiting_marks"]) == (None, True)
