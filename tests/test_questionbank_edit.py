"""Browsing, editing, retiring and deleting questions."""
import pytest
from sqlalchemy import select

from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question

FORM = {"qtype": "single", "stem": "行政复议期限是多少日？", "option_A": "十五日", "option_B": "三十日",
        "option_C": "六十日", "option_D": "九十日", "answer": "C", "explanation": "第二十条规定六十日。",
        "points": "2", "difficulty": "medium", "category": "行政复议法", "knowledge_point": "申请期限",
        "basis": "《中华人民共和国行政复议法》第二十条", "status": "active"}


@pytest.fixture
def trainer(as_role):
    return as_role("trainer")


def stored(app):
    with app.app_context():
        return db.session.scalars(select(Question).order_by(Question.id)).all()


def test_add_a_question_with_the_import_rules(app, trainer):
    assert trainer.post("/questions/new", data=FORM).status_code == 302
    question = stored(app)[0]
    assert question.answer == "C" and question.options[2] == "六十日" and question.created_by_id


def test_every_problem_of_an_edited_question_is_shown(app, trainer):
    bad = {**FORM, "stem": "", "answer": "E", "points": "abc"}
    page = trainer.post("/questions/new", data=bad).get_data(as_text=True)
    assert page.count('alert-danger') >= 3
    assert stored(app) == []


def test_identical_question_is_refused(app, trainer):
    trainer.post("/questions/new", data=FORM)
    page = trainer.post("/questions/new", data={**FORM, "stem": " 行政复议期限是多少日? "}).get_data(as_text=True)
    assert "#" in page and len(stored(app)) == 1


def test_edit_keeps_notation_and_saves(app, trainer):
    trainer.post("/questions/new", data={**FORM, "qtype": "multiple", "answer": "B、C"})
    question = stored(app)[0]
    page = trainer.get(f"/questions/{question.id}").get_data(as_text=True)
    assert 'value="BC"' in page
    trainer.post(f"/questions/{question.id}", data={**FORM, "qtype": "fill", "stem": "申请期限为____日。",
                                                     "option_A": "", "option_B": "", "option_C": "", "option_D": "",
                                                     "answer": "六十;60"})
    question = stored(app)[0]
    assert question.qtype == "fill" and question.answer == [["六十", "60"]] and question.options == []


def test_retire_and_reactivate(app, trainer):
    trainer.post("/questions/new", data=FORM)
    question = stored(app)[0]
    trainer.post(f"/questions/{question.id}/status")
    assert stored(app)[0].is_active is False
    page = trainer.get("/questions?status=inactive").get_data(as_text=True)
    assert f"#{question.id}" in page
    trainer.post(f"/questions/{question.id}/status")
    assert stored(app)[0].is_active is True


def test_unused_question_can_be_deleted(app, trainer):
    trainer.post("/questions/new", data=FORM)
    question = stored(app)[0]
    trainer.post(f"/questions/{question.id}/delete")
    assert stored(app) == []


def test_search_and_filters(app, trainer):
    trainer.post("/questions/new", data=FORM)
    trainer.post("/questions/new", data={**FORM, "stem": "宪法是根本法。", "qtype": "truefalse", "answer": "对",
                                         "option_A": "", "option_B": "", "option_C": "", "option_D": "",
                                         "category": "宪法"})
    page = trainer.get("/questions?q=根本法").get_data(as_text=True)
    assert "宪法是根本法" in page and "行政复议期限" not in page
    page = trainer.get("/questions?category=行政复议法&qtype=single").get_data(as_text=True)
    assert "行政复议期限" in page and "宪法是根本法" not in page
    # LIKE wildcards typed by a person are searched literally
    assert "行政复议期限" not in trainer.get("/questions?q=%25").get_data(as_text=True)


def test_stems_cannot_inject_html(app, trainer):
    trainer.post("/questions/new", data={**FORM, "stem": "<script>alert(1)</script>是否？",
                                         "option_A": "<img src=x onerror=alert(1)>"})
    page = trainer.get("/questions").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_template_and_format_pages(trainer):
    template = trainer.get("/questions/template.xlsx")
    assert template.status_code == 200 and template.data.startswith(b"PK")
    page = trainer.get("/questions/format").get_data(as_text=True)
    assert "题型" in page and "<table" in page


def test_usage_counts_and_a_used_question_cannot_be_deleted(app, make):
    from tests.conftest import login
    question = make.question("truefalse", answer=True)
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], fixed=[(question, 100)])
    client = app.test_client()
    login(client, cadre)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    client.put(f"/api/attempts/{body['attempt_id']}/answers/{question.id}", json={"answer": True, "seq": 1})
    client.post(f"/api/attempts/{body['attempt_id']}/submit")
    from trainingapp.questionbank.usage import usage_of
    with app.app_context():
        usage = usage_of([question.id])[question.id]
    assert (usage.used, usage.answered, usage.correct) == (1, 1, 1)
    manager = app.test_client()
    login(manager, trainer)
    page = manager.get(f"/questions/{question.id}").get_data(as_text=True)
    assert "/delete" not in page
    manager.post(f"/questions/{question.id}/delete")
    assert stored(app)[0].id == question.id  # still there: it can only be retired
