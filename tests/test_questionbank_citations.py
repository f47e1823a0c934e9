"""Questions cite articles: resolution against the law library, on save and on import, the
import preview, the list of citations not found, and the cited text on the question page."""
import io
import re
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from tests.cited_laws import PENALTY_2017, PENALTY_2021, cite, make_law
from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import to_xlsx
from trainingapp.questionbank.models import Question, QuestionCitation

FORM = {"qtype": "single", "stem": "当事人要求听证的，应当在告知后几日内提出？", "option_A": "三日", "option_B": "五日",
        "option_C": "七日", "option_D": "十日", "answer": "B", "explanation": "", "points": "2",
        "difficulty": "medium", "category": "行政处罚法", "knowledge_point": "听证", "status": "active"}


@pytest.fixture
def trainer(as_role):
    return as_role("trainer")


def citations(app, question_id=None):
    with app.app_context():
        query = select(QuestionCitation).order_by(QuestionCitation.question_id, QuestionCitation.position)
        if question_id is not None:
            query = query.where(QuestionCitation.question_id == question_id)
        return [(c.law_id, c.version_id, c.article_number, c.paragraph, c.resolved, c.text)
                for c in db.session.scalars(query)]


def test_a_saved_question_cites_the_version_in_force(app, trainer):
    law_id, (v2017, v2021) = make_law(app, versions=[(date(2017, 9, 1), PENALTY_2017),
                                                     (date(2021, 7, 15), PENALTY_2021)])
    response = trainer.post("/questions/new", data={**FORM, "basis": "行政处罚法第六十四条第一款、第九十九条；见教材"})
    assert response.status_code == 302
    with app.app_context():
        question_id = db.session.scalar(select(Question.id))
    assert citations(app, question_id) == [
        (law_id, v2021, 64, 1, True, "行政处罚法第六十四条第一款、第九十九条"),
        (law_id, v2021, 99, None, False, "行政处罚法第六十四条第一款、第九十九条")]


@pytest.mark.parametrize("basis", ["《中华人民共和国行政处罚法》第六十四条", "《行政处罚法》第64条",
                                   "行政处罚法第六十四条第一款", "中华人民共和国行政处罚法第64条",
                                   "《 中华人民共和国 行政处罚法 》第六十四条", "根据行政处罚法第六十四条"])
def test_every_spelling_resolves_to_the_same_article(app, make, basis):
    law_id, (version_id,) = make_law(app)
    question_id = cite(app, make, basis)
    [(law, version, number, _paragraph, resolved, _text)] = citations(app, question_id)
    assert (law, version, number, resolved) == (law_id, version_id, 64, True)


def test_a_law_named_without_the_prc_prefix_and_without_a_short_title(app, make):
    law_id, _ = make_law(app, title="中华人民共和国行政复议法", short=None,
                         versions=[(date(2024, 1, 1), {20: "六十日"})])
    question_id = cite(app, make, "行政复议法第二十条")
    assert citations(app, question_id)[0][0] == law_id and citations(app, question_id)[0][4] is True


def test_edit_rebuilds_the_citations(app, trainer):
    make_law(app)
    trainer.post("/questions/new", data={**FORM, "basis": "《行政处罚法》第六十三条"})
    with app.app_context():
        question_id = db.session.scalar(select(Question.id))
    trainer.post(f"/questions/{question_id}", data={**FORM, "basis": "《行政处罚法》第六十三条、第六十四条"})
    assert [row[2] for row in citations(app, question_id)] == [63, 64]
    trainer.post(f"/questions/{question_id}", data={**FORM, "basis": ""})
    assert citations(app, question_id) == []


def test_the_question_page_shows_the_cited_text(app, trainer, make):
    make_law(app)
    question_id = cite(app, make, "《行政处罚法》第六十四条、第九十九条")
    page = trainer.get(f"/questions/{question_id}").get_data(as_text=True)
    assert PENALTY_2017[64] in page
    assert "《行政处罚法》第六十四条" in page
    assert "not found in the law library" in page or "法规库中未找到" in page


def sheet(rows):
    header = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值", "难度", "法律法规分类", "依据条款"]
    return to_xlsx({"题目": pd.DataFrame(rows, columns=header)})


ROWS = [["单选", "听证申请期限？", "三日", "五日", "七日", "十日", "A", "2", "中", "行政处罚法",
         "《行政处罚法》第六十四条"],
        ["判断", "听证由行政机关组织。", "", "", "", "", "√", "1", "易", "行政处罚法",
         "行政处罚法第六十三条、第六十四条"],
        ["判断", "某条例规定了某事。", "", "", "", "", "×", "1", "易", "其他", "《某某不存在条例》第五条"],
        ["判断", "无依据的题。", "", "", "", "", "√", "1", "易", "其他", ""]]


def test_import_preview_shows_which_citations_resolved_then_stores_them(app, trainer):
    law_id, (version_id,) = make_law(app)
    response = trainer.post("/questions/import", data={"file": (io.BytesIO(sheet(ROWS)), "bank.xlsx"), "category": ""},
                            content_type="multipart/form-data")
    preview = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'data-count="citations-resolved">3<', preview)
    assert re.search(r'data-count="citations-unresolved">1<', preview)
    unresolved = preview[preview.index('id="citations-unresolved"'):]
    assert "《某某不存在条例》第五条" in unresolved[:unresolved.index("</table>")]
    confirm = re.search(r'action="(/questions/import/[^"]+/confirm)"', preview).group(1)
    assert trainer.post(confirm, data={"mode": "all"}).status_code == 200
    stored = citations(app)
    assert sorted((row[2], row[4]) for row in stored) == [(5, False), (63, True), (64, True), (64, True)]
    assert {row[1] for row in stored if row[4]} == {version_id}


def test_unresolved_citations_are_listed_and_read_again_once_the_law_exists(app, trainer, make):
    known = cite(app, make, "《行政处罚法》第六十四条")
    missing = cite(app, make, "《行政许可法》第十二条")
    retired = cite(app, make, "《行政许可法》第十三条", active=False)
    page = trainer.get("/questions/citations").get_data(as_text=True)
    assert f'data-unresolved="{missing}"' in page and f'data-unresolved="{known}"' in page
    assert f'data-unresolved="{retired}"' not in page
    make_law(app)
    trainer.post("/questions/citations/resolve")
    page = trainer.get("/questions/citations").get_data(as_text=True)
    assert f'data-unresolved="{known}"' not in page and f'data-unresolved="{missing}"' in page


def test_cadres_cannot_open_the_citation_pages(as_role):
    cadre = as_role("cadre")
    assert cadre.get("/questions/citations").status_code == 403
    assert cadre.get("/questions/reviews").status_code == 403


# --- the cited text where questions are answered ------------------------------------------------

def test_practice_feedback_shows_the_cited_article_but_not_before_the_answer(app, make, as_role):
    make_law(app)
    question_id = cite(app, make, "《行政处罚法》第六十四条", qtype="truefalse", category="行政处罚法", answer=True)
    client = as_role("cadre")
    client.post("/practice/start", data={"category": "行政处罚法", "count": "5", "source": "category"})
    assert PENALTY_2017[64] not in client.get("/practice/round").get_data(as_text=True)
    client.post("/practice/round/answer", data={"question_id": str(question_id), "answer": "false"})
    feedback = client.get("/practice/round").get_data(as_text=True)
    assert 'id="cited"' in feedback and PENALTY_2017[64] in feedback


def sit(app, make, *, protect):
    from tests.conftest import login
    make_law(app)
    question_id = cite(app, make, "《行政处罚法》第六十四条", qtype="truefalse", answer=True)
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 1, 10)], review_policy="after_submit",
                     protect_questions=protect)
    client = app.test_client()
    login(client, cadre)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    client.put(f"/api/attempts/{body['attempt_id']}/answers/{question_id}", json={"answer": False, "seq": 1})
    assert client.post(f"/api/attempts/{body['attempt_id']}/submit").status_code == 200
    return client, body["attempt_id"]


def test_the_review_shows_the_cited_article_where_it_shows_keys(app, make):
    client, attempt_id = sit(app, make, protect=False)
    page = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert PENALTY_2017[64] in page and "《行政处罚法》第六十四条" in page
    [row] = client.get(f"/api/attempts/{attempt_id}").get_json()["review"]["questions"]
    assert row["cited"][0]["text"] == PENALTY_2017[64]


def test_a_held_back_question_shows_no_cited_text(app, make):
    client, attempt_id = sit(app, make, protect=True)
    page = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert PENALTY_2017[64] not in page
    questions = client.get(f"/api/attempts/{attempt_id}").get_json()["review"]["questions"]
    assert questions[0]["held_back"] is True and "cited" not in questions[0]


def test_a_newer_version_is_noted_where_the_old_text_is_shown(app, make, as_role):
    from tests.cited_laws import add_version
    law_id, _ = make_law(app)
    question_id = cite(app, make, "《行政处罚法》第六十四条")
    add_version(app, law_id, date(2021, 7, 15), PENALTY_2021)  # in force, not announced: no review yet
    page = as_role("trainer").get(f"/questions/{question_id}").get_data(as_text=True)
    assert PENALTY_2017[64] in page and ("a newer version is in force" in page or "已有新版本施行" in page)


def test_the_wrong_answer_book_lists_the_articles_mistakes_cite_most(app, make, as_role):
    from trainingapp.training.practice.models import WrongAnswer
    make_law(app)
    most = cite(app, make, "《行政处罚法》第六十四条", category="行政处罚法")
    both = cite(app, make, "《行政处罚法》第六十三条、第六十四条", category="行政处罚法")
    cite(app, make, "《行政处罚法》第六十三条", category="行政处罚法")  # never got wrong
    client = as_role("cadre")
    with app.app_context():
        db.session.add_all([WrongAnswer(user_id=client.user.id, question_id=most, wrong_count=3),
                            WrongAnswer(user_id=client.user.id, question_id=both, wrong_count=1)])
        db.session.commit()
    page = client.get("/practice/mistakes").get_data(as_text=True)
    section = page[page.index('id="mistakes-by-article"'):]
    section = section[:section.index("</section>")]
    first, second = section.index("第六十四条"), section.index("第六十三条")
    assert first < second  # 64: four mistakes in two questions; 63: one in one
    assert re.search(r"第六十四条\s*<span[^>]*>· 2道题共错4次", section)
    assert re.search(r"第六十三条\s*<span[^>]*>· 1道题共错1次", section)


def test_questions_older_than_citations_are_read_by_the_command(app, make, runner):
    from trainingapp.questionbank.models import Question as Stored
    make_law(app)
    question_id = make.question().id  # the factory writes 《某法》第一条 and builds no citation
    with app.app_context():
        db.session.get(Stored, question_id).basis = "《行政处罚法》第六十四条"
        db.session.commit()
    assert citations(app, question_id) == []
    result = runner.invoke(args=["questions", "cite"])
    assert "questions read: 1" in result.output
    assert [row[2] for row in citations(app, question_id)] == [64]
    assert "questions read: 0" in runner.invoke(args=["questions", "cite"]).output
