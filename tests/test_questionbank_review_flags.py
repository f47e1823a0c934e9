"""Amendments flag questions (待复核): law_changed marks exactly the active questions citing the
law; they are left out of new papers (publication, starts, fixed papers) until a trainer confirms
them; papers already drawn are unchanged; confirm, edit then confirm, repeal."""
from datetime import date

import pytest
from sqlalchemy import select

from tests.cited_laws import PENALTY_2021, add_version, announce, cite, make_law
from tests.conftest import login
from trainingapp.accounts.audit import AuditEvent
from trainingapp.exams import authoring
from trainingapp.exams.models import Attempt, Exam
from trainingapp.platform.errors import DomainError
from trainingapp.platform.extensions import db
from trainingapp.questionbank.amendments import pending_question_ids
from trainingapp.questionbank.models import Question, QuestionCitation, QuestionReview


def pending(app):
    with app.app_context():
        return pending_question_ids()


@pytest.fixture
def penalty(app):
    """The 2017 行政处罚法 in the library: (law id, 2017 version id)."""
    law_id, (v2017,) = make_law(app)
    return law_id, v2017


def amend(app, penalty):
    law_id, v2017 = penalty
    v2021 = add_version(app, law_id, date(2021, 7, 15), PENALTY_2021)
    return v2021, announce(app, law_id, v2017, v2021)


def test_law_changed_flags_exactly_the_active_questions_citing_the_law(app, make, penalty):
    other_law, _ = make_law(app, title="中华人民共和国行政许可法", short="行政许可法",
                            versions=[(date(2004, 7, 1), {12: "下列事项可以设定行政许可"})])
    cites_64 = cite(app, make, "《行政处罚法》第六十四条")
    cites_63_and_other = cite(app, make, "行政处罚法第六十三条；《行政许可法》第十二条")
    cites_missing_article = cite(app, make, "《行政处罚法》第九十九条")
    cites_other = cite(app, make, "《行政许可法》第十二条")
    cites_nothing = cite(app, make, "")
    unresolved = cite(app, make, "《处罚法》第六十四条")
    retired = cite(app, make, "《行政处罚法》第六十四条", active=False)
    _v2021, marked = amend(app, penalty)
    assert marked == [3]
    assert pending(app) == {cites_64, cites_63_and_other, cites_missing_article}
    assert not pending(app) & {cites_other, cites_nothing, unresolved, retired}
    # A second amendment before anyone confirmed: still one open review per question and law.
    law_id, _ = penalty
    v2023 = add_version(app, law_id, date(2023, 1, 1), PENALTY_2021)
    announce(app, law_id, None, v2023)
    with app.app_context():
        reviews = db.session.scalars(select(QuestionReview).where(QuestionReview.question_id == cites_64)).all()
        assert len(reviews) == 1 and reviews[0].new_version_id == v2023 and reviews[0].old_version_id == penalty[1]
    assert other_law


def test_the_review_page_shows_old_and_new_text_side_by_side(app, make, as_role, penalty):
    question_id = cite(app, make, "《行政处罚法》第六十四条")
    cite(app, make, "《行政处罚法》第六十三条")
    amend(app, penalty)
    page = as_role("trainer").get("/questions/reviews").get_data(as_text=True)
    assert page.count("data-review-question=") == 2
    entry = page[page.index(f'data-review-question="{question_id}"'):]
    # 三日 became 五日: the character removed and the one added are marked, the rest is shared.
    assert "<del>三</del>" in entry and "<ins>五</ins>" in entry
    assert "<ins>应当</ins>" in entry


def test_the_diff_is_escaped(app, make, as_role):
    law_id, (old,) = make_law(app, title="测试法", short=None, versions=[(date(2020, 1, 1), {1: "<b>旧</b>文本"})])
    cite(app, make, "《测试法》第一条")
    new = add_version(app, law_id, date(2022, 1, 1), {1: "<script>x</script>文本"})
    announce(app, law_id, old, new)
    page = as_role("trainer").get("/questions/reviews").get_data(as_text=True)
    entry = page[page.index("data-review-question="):]
    assert "<script>" not in entry and "&lt;<ins>script</ins>&gt;<ins>x</ins>" in entry


def single_bank(app, make, citing_count, plain_count):
    cited = [cite(app, make, "《行政处罚法》第六十四条") for _ in range(citing_count)]
    plain = [make.question("single").id for _ in range(plain_count)]
    return cited, plain


def test_a_question_under_review_is_not_in_a_new_exam_pool(app, make, penalty):
    cited, plain = single_bank(app, make, 2, 3)
    amend(app, penalty)
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("single", 3, 10)])
    with app.app_context():
        snapshot = db.session.get(Exam, exam.id).pool_snapshot
    assert {row[0] for row in snapshot} == set(plain)
    with pytest.raises(DomainError, match="4"):
        make.exam(trainer, [cadre], rules=[("single", 4, 10)])


def test_a_fixed_paper_refuses_a_question_under_review_until_confirmed(app, make, penalty, as_role):
    cited, plain = single_bank(app, make, 1, 1)
    amend(app, penalty)
    trainer, cadre = make.user(role="trainer"), make.user()
    with pytest.raises(DomainError, match="awaiting review"):
        make.exam(trainer, [cadre], fixed=[(cited[0], 10), (plain[0], 10)])
    client = as_role("trainer")
    client.post(f"/questions/{cited[0]}/review/confirm")
    exam = make.exam(trainer, [cadre], fixed=[(cited[0], 10), (plain[0], 10)])
    assert exam.question_count == 2


def test_a_draft_fixed_paper_flagged_later_cannot_be_published(app, make, penalty):
    cited, plain = single_bank(app, make, 1, 1)
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], fixed=[(cited[0], 10), (plain[0], 10)], publish=False)
    amend(app, penalty)
    with app.app_context():
        problems, _pool, _people = authoring.publish_problems(db.session.get(Exam, exam.id))
    assert any("awaiting review" in str(problem) for problem in problems)


def start(app, person, exam):
    client = app.test_client()
    login(client, person)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    return body["attempt_id"]


def paper_of(app, attempt_id):
    with app.app_context():
        return [item["q"] for item in db.session.get(Attempt, attempt_id).paper]


def test_new_papers_leave_flagged_questions_out_and_drawn_papers_keep_them(app, make, penalty, as_role):
    cited, plain = single_bank(app, make, 3, 3)
    trainer = make.user(role="trainer")
    cadres = [make.user() for _ in range(6)]
    exam = make.exam(trainer, cadres, rules=[("single", 3, 10)], shuffle_questions=False)
    # Before the amendment: a paper of the whole pool (drawn until one holds a cited question).
    before = [start(app, cadre, exam) for cadre in cadres[:3]]
    papers_before = [paper_of(app, attempt) for attempt in before]
    amend(app, penalty)
    after = [start(app, cadre, exam) for cadre in cadres[3:]]
    for attempt in after:
        assert sorted(paper_of(app, attempt)) == sorted(plain)
    assert [paper_of(app, attempt) for attempt in before] == papers_before
    page = as_role("admin").get(f"/exams/{exam.id}").get_data(as_text=True)
    assert 'id="pending-review"' in page and "alert-info" in page[page.index('id="pending-review"') - 40:]


def test_a_pool_too_small_without_them_still_draws_them_and_warns(app, make, penalty, as_role):
    cited, plain = single_bank(app, make, 2, 1)
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("single", 3, 10)])
    amend(app, penalty)
    attempt = start(app, cadre, exam)
    assert sorted(paper_of(app, attempt)) == sorted(cited + plain)
    page = as_role("admin").get(f"/exams/{exam.id}").get_data(as_text=True)
    warning = page[page.index('id="pending-review"') - 40:]
    assert "alert-warning" in warning[:80]


def test_confirm_keeps_the_question_cites_the_new_version_and_is_audited(app, make, penalty, as_role):
    question_id = cite(app, make, "《行政处罚法》第六十四条")
    v2021, _ = amend(app, penalty)
    client = as_role("trainer")
    assert client.post(f"/questions/{question_id}/review/confirm").status_code == 302
    assert pending(app) == set()
    with app.app_context():
        review = db.session.scalar(select(QuestionReview))
        assert review.confirmed_by_id == client.user.id and review.confirmed_at is not None
        assert db.session.scalar(select(QuestionCitation.version_id)) == v2021
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "question.review_confirm"))
        assert event.details["question_id"] == question_id and event.details["law_ids"] == [penalty[0]]
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("single", 1, 10)])
    with app.app_context():
        assert [row[0] for row in db.session.get(Exam, exam.id).pool_snapshot] == [question_id]
    page = client.get(f"/questions/{question_id}").get_data(as_text=True)
    assert PENALTY_2021[64] in page


def test_edit_then_confirm(app, make, penalty, as_role):
    question_id = cite(app, make, "《行政处罚法》第六十四条", stem="听证申请期限是告知后几日？",
                       options=["三日", "五日", "七日", "十日"], answer="A")
    amend(app, penalty)
    client = as_role("trainer")
    page = client.get(f"/questions/{question_id}").get_data(as_text=True)
    assert 'id="awaiting-review"' in page and "<ins>五</ins>" in page
    form = {"qtype": "single", "stem": "听证申请期限是告知后几日？", "option_A": "三日", "option_B": "五日",
            "option_C": "七日", "option_D": "十日", "answer": "B", "explanation": "", "points": "1",
            "difficulty": "medium", "category": "行政处罚法", "knowledge_point": "",
            "basis": "《行政处罚法》第六十四条", "status": "active"}
    assert client.post(f"/questions/{question_id}", data=form).status_code == 302
    assert pending(app) == {question_id}  # an edit is not a confirmation
    client.post(f"/questions/{question_id}/review/confirm")
    with app.app_context():
        assert db.session.get(Question, question_id).answer == "B"
    assert pending(app) == set()


def test_repeal_flags_the_same_way(app, make, penalty, as_role):
    question_id = cite(app, make, "《行政处罚法》第六十四条")
    law_id, v2017 = penalty
    assert announce(app, law_id, v2017, None) == [1]
    assert pending(app) == {question_id}
    page = as_role("trainer").get("/questions/reviews").get_data(as_text=True)
    assert "已废止" in page


def test_confirming_a_question_not_under_review_is_refused(app, make, as_role):
    question_id = make.question().id
    client = as_role("trainer")
    response = client.post(f"/questions/{question_id}/review/confirm", follow_redirects=True)
    assert "not awaiting review" in response.get_data(as_text=True) or "不在待复核" in response.get_data(as_text=True)


def test_a_question_written_before_the_law_was_in_the_library_is_flagged_too(app, make):
    question_id = cite(app, make, "《行政处罚法》第六十四条")  # no such law yet: not resolved
    law_id, (v2017,) = make_law(app)
    v2021 = add_version(app, law_id, date(2021, 7, 15), PENALTY_2021)
    assert announce(app, law_id, v2017, v2021) == [1]
    assert pending(app) == {question_id}
    with app.app_context():
        assert db.session.scalar(select(QuestionCitation.version_id)) == v2017


def test_the_review_page_shows_a_bounded_number_per_law(app, make, penalty, as_role, monkeypatch):
    from trainingapp.questionbank import amendments
    monkeypatch.setattr(amendments, "PER_LAW", 2)
    for _ in range(3):
        cite(app, make, "《行政处罚法》第六十四条")
    amend(app, penalty)
    page = as_role("trainer").get("/questions/reviews").get_data(as_text=True)
    assert page.count("data-review-question=") == 2 and "3道题" in page


def test_a_prepared_paper_holding_a_question_under_review_is_not_used(app, make, penalty, runner):
    # Papers prepared before an amendment (exams prepare) may hold a question that came under
    # review since: the start draws afresh instead, leaving it out like any new paper.
    from datetime import timedelta

    from trainingapp.exams.models import PreparedPaper
    from trainingapp.platform import clock
    cited, plain = single_bank(app, make, 3, 3)
    trainer = make.user(role="trainer")
    cadres = [make.user() for _ in range(4)]
    exam = make.exam(trainer, cadres, rules=[("single", 3, 10)], opens_in=timedelta(minutes=10))
    runner.invoke(args=["exams", "prepare", str(exam.id)])
    with app.app_context():
        prepared = {row.user_id: row for row in db.session.scalars(select(PreparedPaper))}
        db.session.expunge_all()
    holding = [c for c in cadres if {item["q"] for item in prepared[c.id].paper} & set(cited)]
    clean = [c for c in cadres if c not in holding]
    amend(app, penalty)
    clock.advance(timedelta(minutes=11))
    for cadre in holding:
        attempt = start(app, cadre, exam)
        assert sorted(paper_of(app, attempt)) == sorted(plain)
        with app.app_context():
            assert db.session.get(Attempt, attempt).seed != prepared[cadre.id].seed
    for cadre in clean:  # a prepared paper of plain questions only is used as prepared
        attempt = start(app, cadre, exam)
        with app.app_context():
            assert db.session.get(Attempt, attempt).seed == prepared[cadre.id].seed
    assert holding  # a paper of 3 of these 6 without a cited one is 1 in 20; four such papers 1 in 160,000
