"""Coverage of the 普法责任清单 by the bank, against a hand count; exam rules that draw by law."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.cited_laws import cite, make_law
from tests.conftest import login
from trainingapp.exams.drawing import PoolQuestion, Rule, check_rules, matches
from trainingapp.exams.models import Attempt, Exam, ExamRule
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import QuestionReview
from trainingapp.reports import coverage
from trainingapp.training.outreach.models import ResponsibilityItem


def listed(app, department, law, year):
    with app.app_context():
        db.session.add(ResponsibilityItem(department_id=department.id, year=year, law=law, planned_events=1))
        db.session.commit()


@pytest.fixture
def library(app):
    penalty, _ = make_law(app)
    safety, _ = make_law(app, title="中华人民共和国安全生产法", short="安全生产法",
                         versions=[(date(2021, 9, 1), {1: "为了加强安全生产工作", 2: "适用本法"})])
    licensing, _ = make_law(app, title="中华人民共和国行政许可法", short="行政许可法",
                            versions=[(date(2019, 4, 23), {12: "下列事项可以设定行政许可"})])
    return penalty, safety, licensing


def test_coverage_matches_a_hand_count(app, make, library, as_role):
    penalty, safety, licensing = library
    year = clock.now().year
    emergency, market = make.department("应急管理局"), make.department("市场监管局")
    listed(app, emergency, "《安全生产法》", year)
    listed(app, emergency, "中华人民共和国行政处罚法", year)
    listed(app, market, "《行政处罚法》", year)
    listed(app, market, "行政许可法", year)
    listed(app, market, "《某不存在法》", year)
    listed(app, market, "《安全生产法》", year - 1)  # another year: not on this year's page
    cite(app, make, "《行政处罚法》第六十四条", "single", difficulty="easy")
    cite(app, make, "《行政处罚法》第六十三条、第六十四条", "single", difficulty="medium")  # one question, counted once
    cite(app, make, "《行政处罚法》第六十三条；《安全生产法》第一条", "truefalse", difficulty="medium")
    cite(app, make, "《安全生产法》第二条", "truefalse", difficulty="hard")
    cite(app, make, "《行政处罚法》第六十四条", "single", difficulty="easy", active=False)  # retired
    under_review = cite(app, make, "《安全生产法》第一条", "single", difficulty="easy")
    cite(app, make, "", "single", difficulty="easy")
    with app.app_context():
        db.session.add(QuestionReview(question_id=under_review, law_id=safety, old_version_id=None,
                                      new_version_id=None))
        db.session.commit()

    with app.app_context():
        report = coverage.build(year)
    by_name = {law.name: law for law in report.laws}
    assert set(by_name) == {"行政处罚法", "安全生产法", "行政许可法", "某不存在法"}
    assert by_name["行政处罚法"].by_type == {"single": 2, "truefalse": 1}
    assert by_name["行政处罚法"].by_difficulty == {"easy": 1, "medium": 2}
    assert by_name["安全生产法"].by_type == {"truefalse": 2}
    assert by_name["安全生产法"].by_difficulty == {"medium": 1, "hard": 1}
    assert by_name["行政许可法"].total == 0 and by_name["行政许可法"].law_id == licensing
    assert by_name["某不存在法"].total == 0 and by_name["某不存在法"].law_id is None
    assert sorted(by_name["行政处罚法"].departments) == ["市场监管局", "应急管理局"]
    assert {law.name for law in report.uncovered} == {"行政许可法", "某不存在法"}
    departments = {row.department: {name: count for name, _law, count in row.laws} for row in report.departments}
    assert departments == {"应急管理局": {"安全生产法": 2, "行政处罚法": 3},
                           "市场监管局": {"行政处罚法": 3, "行政许可法": 0, "某不存在法": 0}}

    page = as_role("trainer").get(f"/reports/coverage?year={year}").get_data(as_text=True)
    assert 'data-law="行政许可法" data-total="0"' in page and 'id="uncovered"' in page
    assert 'data-law="行政处罚法" data-total="3"' in page
    assert as_role("cadre").get("/reports/coverage").status_code == 403


# --- rules by law -----------------------------------------------------------------------------

def test_a_rule_by_law_matches_only_questions_citing_it():
    rule = Rule("single", 1, 1.0, law_id=7)
    assert matches(rule, PoolQuestion(1, "single", "", "easy", 4, frozenset({7, 8})))
    assert not matches(rule, PoolQuestion(2, "single", "", "easy", 4, frozenset({8})))
    assert not matches(rule, PoolQuestion(3, "single", "", "easy", 4))
    assert check_rules([rule], [PoolQuestion(2, "single", "", "easy", 4, frozenset({8}))])


def test_an_exam_rule_draws_by_law_through_the_form(app, make, library):
    penalty, _safety, _licensing = library
    citing_ids = {cite(app, make, "《行政处罚法》第六十四条") for _ in range(3)}
    for _ in range(3):
        make.question("single")
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("single", 1, 10)], publish=False)
    client = app.test_client()
    login(client, trainer)
    paper = client.get(f"/exams/{exam.id}/paper").get_data(as_text=True)
    assert re.search(rf'<option value="{penalty}"[^>]*>行政处罚法</option>', paper)
    client.post(f"/exams/{exam.id}/paper", data={"mode": "rules", "qtype": ["single"], "category": [""],
                                                 "difficulty": [""], "law": [str(penalty)], "count": ["4"],
                                                 "points": ["25"]})
    with app.app_context():
        assert db.session.scalar(select(ExamRule.law_id).where(ExamRule.exam_id == exam.id)) == penalty
    page = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert "行政处罚法" in page and 'id="publish-problems"' in page  # 4 wanted, 3 cite it
    client.post(f"/exams/{exam.id}/paper", data={"mode": "rules", "qtype": ["single"], "category": [""],
                                                 "difficulty": [""], "law": [str(penalty)], "count": ["3"],
                                                 "points": ["25"]})
    with app.app_context():
        from trainingapp.accounts.audience import Audience
        from trainingapp.accounts.models import User
        from trainingapp.exams import authoring
        stored = db.session.get(Exam, exam.id)
        authoring.set_audience(stored, Audience(added=frozenset({cadre.id})))
        authoring.publish(db.session.get(User, trainer.id), stored)
        assert {row[0] for row in stored.pool_snapshot} == citing_ids
    cadre_client = app.test_client()
    login(cadre_client, cadre)
    attempt_id = cadre_client.post(f"/api/exams/{exam.id}/attempts").get_json()["attempt_id"]
    with app.app_context():
        assert {item["q"] for item in db.session.get(Attempt, attempt_id).paper} == citing_ids


def test_an_unknown_law_in_a_rule_is_refused(app, make, library):
    make.bank({"single": 2})
    trainer = make.user(role="trainer")
    exam = make.exam(trainer, [make.user()], rules=[("single", 1, 10)], publish=False)
    client = app.test_client()
    login(client, trainer)
    client.post(f"/exams/{exam.id}/paper", data={"mode": "rules", "qtype": ["single"], "category": [""],
                                                 "difficulty": [""], "law": ["999999"], "count": ["1"],
                                                 "points": ["10"]})
    with app.app_context():
        assert db.session.scalar(select(ExamRule.law_id).where(ExamRule.exam_id == exam.id)) is None
