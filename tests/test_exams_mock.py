"""Mock exams (模拟考试, issue #24 part 3): a trainer's mock exam and a cadre's personal mock
exam are taken like any exam and counted nowhere; a personal mock never repeats the paper of
the person's real attempt, never touches the real exam's attempts and, while the real exam
protects its questions, reveals none of their keys.

The exams these tests build store "full" or "score": "after_submit" (the mock default) gets its
database check from the review part's migration. Personal mocks store "after_submit" (the test
schema is built from the models, whose check lists it); this branch's review_open does not open
it yet, so the secrecy test checks the held-back set itself as well as the pages.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.exams.models import UNLIMITED_ATTEMPTS, Attempt, Exam
from trainingapp.platform import clock
from trainingapp.platform.extensions import db


def english(client):
    client.set_cookie("lang", "en")
    return client


def signed_in(app, person):
    client = english(app.test_client())
    assert login(client, person).status_code == 302
    return client


def take(client, exam_id, *, right=True):
    """Start (or resume) an attempt through the API, answer every true/false question, submit."""
    from trainingapp.questionbank.models import Question
    body = client.post(f"/api/exams/{exam_id}/attempts").get_json()
    assert "attempt_id" in body, body
    with client.application.app_context():
        keys = dict(db.session.execute(select(Question.id, Question.answer)).all())
    for seq, question in enumerate(body["questions"], start=1):
        client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                   json={"answer": keys[question["id"]] if right else not keys[question["id"]], "seq": seq})
    return body["attempt_id"], client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json()


def finish(client, attempt_id):
    return client.post(f"/api/attempts/{attempt_id}/submit").get_json()


def start_mock(client, exam_id):
    """Press "Start a mock exam" on the real exam's page: (attempt id or None, the page it led to)."""
    response = client.post(f"/my/exams/{exam_id}/mock")
    location = response.headers.get("Location", "")
    found = re.search(r"/my/attempts/(\d+)$", location)
    if found:
        return int(found.group(1)), None
    return None, client.get(location).get_data(as_text=True) if location else response.get_data(as_text=True)


def attempt(app, attempt_id) -> Attempt:
    with app.app_context():
        found = db.session.get(Attempt, attempt_id)
        _exam = found.exam
        db.session.expunge_all()
        return found


@pytest.fixture
def town(make):
    root = make.department("共和镇")
    return {"root": root, "law": make.department("司法所", root)}


@pytest.fixture
def bank(make):
    return [make.question("truefalse", answer=bool(i % 2), explanation=f"解析标记{i}号") for i in range(8)]


# --- the trainer's mock exam -------------------------------------------------------------------

def local(moment):
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")  # Asia/Shanghai


def settings(**overrides):
    opens = clock.now() - timedelta(minutes=1)
    data = {"title": "模拟考试一", "description": "", "year": opens.year, "opens_at": local(opens),
            "closes_at": local(opens + timedelta(days=3)), "latest_start_at": "", "duration_minutes": 30,
            "attempts_allowed": 3, "counting": "best", "pass_mark": "", "excellent_mark": "",
            "multiple_scoring": "all_or_nothing", "fill_scoring": "all_or_nothing", "shuffle_questions": "y",
            "shuffle_options": "y", "review_policy": "full", "tab_switch_limit": "", "required_credits": "",
            "makeup_of_id": 0}
    data.update(overrides)
    return data


def test_trainer_marks_an_exam_as_mock_with_unlimited_attempts(app, make, town):
    trainer = make.user(role="trainer", department=town["law"])
    client = signed_in(app, trainer)
    # "New mock exam" starts from the mock defaults: marked, unlimited, full review after submitting.
    page = client.get("/exams/new?mock=1").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*id="is_mock"|<input[^>]*id="is_mock"[^>]*checked', page)
    assert re.search(r'<input[^>]*id="unlimited_attempts"[^>]*checked|<input[^>]*checked[^>]*id="unlimited_attempts"',
                     page)
    assert re.search(r'<option selected value="after_submit"|<option value="after_submit" selected', page)
    assert 'id="is_mock"' in client.get("/exams/new").get_data(as_text=True)

    # Unlimited attempts belong to mock exams only: said at the field, nothing stored.
    refused = client.post("/exams/new", data=settings(unlimited_attempts="y")).get_data(as_text=True)
    assert "Only a mock exam can have unlimited attempts." in refused
    with app.app_context():
        assert db.session.scalar(select(Exam.id)) is None

    response = client.post("/exams/new", data=settings(is_mock="y", unlimited_attempts="y", attempts_allowed=""))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    exam_id = int(re.search(r"/exams/(\d+)/paper", response.headers["Location"]).group(1))
    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        assert exam.is_mock and not exam.counts_officially and exam.attempts_allowed == UNLIMITED_ATTEMPTS
    # The settings page shows "unlimited" ticked, and saving it again keeps it so.
    again = client.get(f"/exams/{exam_id}/settings").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="unlimited_attempts"[^>]*checked|<input[^>]*checked[^>]*id="unlimited_attempts"',
                     again)
    assert client.post(f"/exams/{exam_id}/settings", data=settings(is_mock="y", unlimited_attempts="y",
                                                                  attempts_allowed="")).status_code == 302
    overview = client.get(f"/exams/{exam_id}").get_data(as_text=True)
    assert 'id="mock-note"' in overview and "unlimited attempts" in overview
    assert "mock-badge" in client.get("/exams").get_data(as_text=True)
    # A mock exam counts nowhere, so no make-up can lift a result of it, nor can it be one.
    assert f'<option value="{exam_id}"' not in client.get("/exams/new").get_data(as_text=True)


def test_cadre_sees_mock_exams_under_their_own_heading(app, make, town, bank):
    trainer = make.user(role="trainer", department=town["law"])
    cadre = make.user(department=town["law"])
    real = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], title="年度学法考试", review_policy="full")
    mock = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], title="考前模拟", is_mock=True,
                     attempts_allowed=UNLIMITED_ATTEMPTS, review_policy="full")
    client = signed_in(app, cadre)
    page = client.get("/my/exams").get_data(as_text=True)
    mocks_section = page.split('id="mock-exams"')[1]
    assert f'data-exam-id="{mock.id}"' in mocks_section and f'data-exam-id="{real.id}"' not in mocks_section
    assert f'data-exam-id="{real.id}"' in page.split('id="mock-exams"')[0]
    listed = {e["id"]: e for e in client.get("/api/exams").get_json()["exams"]}
    assert listed[mock.id]["is_mock"] is True and listed[real.id]["is_mock"] is False
    rules = client.get(f"/my/exams/{mock.id}").get_data(as_text=True)
    assert 'id="mock-counts-nowhere"' in rules and "Unlimited" in rules
    # The learning page lists it apart and leaves it out of "exams taken".
    take(client, mock.id)
    learning = client.get("/learning").get_data(as_text=True)
    assert f'data-exam-id="{mock.id}"' in learning.split('id="mock-exams"')[1]
    assert f'data-exam-id="{mock.id}"' not in learning.split('id="mock-exams"')[0]
    assert re.search(r"0 / 1</div><div class=\"small\">exams taken", learning)


def test_mock_exam_attempts_are_unlimited(app, make, town, bank):
    trainer = make.user(role="trainer", department=town["law"])
    cadre = make.user(department=town["law"])
    mock = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], is_mock=True,
                     attempts_allowed=UNLIMITED_ATTEMPTS)
    client = signed_in(app, cadre)
    for _ in range(6):
        _attempt_id, outcome = take(client, mock.id)
        assert outcome["score"] == 100
    view = next(e for e in client.get("/api/exams").get_json()["exams"] if e["id"] == mock.id)
    assert view["status"] == "open" and view["attempts_used"] == 6


# --- counted nowhere ---------------------------------------------------------------------------

@pytest.fixture
def counted_and_mock(app, make, town, bank):
    """One real exam and one mock exam of the same year for the same four people: in the real
    exam one passes and three never take it; in the mock all four score 100."""
    trainer = make.user(role="trainer", department=town["law"])
    people = [make.user(department=town["law"]) for _ in range(4)]
    real = make.exam(trainer, people, rules=[("truefalse", 4, 25)], title="年度学法考试", lasts=timedelta(hours=2))
    mock = make.exam(trainer, people, rules=[("truefalse", 4, 25)], title="考前模拟", is_mock=True,
                     attempts_allowed=UNLIMITED_ATTEMPTS, lasts=timedelta(hours=2))
    take(signed_in(app, people[0]), real.id)
    for person in people:
        take(signed_in(app, person), mock.id)
    return {"trainer": trainer, "people": people, "real": real, "mock": mock}


def test_mock_exams_are_in_no_report(app, as_role, make, town, counted_and_mock):
    real, mock = counted_and_mock["real"], counted_and_mock["mock"]
    admin = english(as_role("admin", department=town["root"]))
    index = admin.get("/reports").get_data(as_text=True)
    assert f"/reports/exams/{real.id}" in index and f"/reports/exams/{mock.id}" not in index
    for path in (f"/reports/exams/{mock.id}", f"/reports/exams/{mock.id}/people", f"/reports/exams/{mock.id}/items",
                 f"/reports/exams/{mock.id}/print", f"/reports/exams/{mock.id}/export.xlsx"):
        assert admin.get(path).status_code == 404, path
    # The real exam's figures are its own: 1 of 4 took part, whatever the mock says.
    page = admin.get(f"/reports/exams/{real.id}").get_data(as_text=True)
    row = re.search(r'<tr data-department="司法所" data-depth="\d+">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[:3] == ["4", "0", "1"]
    trainer_reports = english(app.test_client())
    login(trainer_reports, counted_and_mock["trainer"])
    assert f"/reports/exams/{mock.id}" not in trainer_reports.get("/reports").get_data(as_text=True)


def test_mock_exams_are_left_out_of_the_annual_summary(app, make, counted_and_mock):
    from trainingapp.reports.annual import build
    real, mock = counted_and_mock["real"], counted_and_mock["mock"]
    clock.advance(timedelta(hours=3))  # both closed: the real exam's figures are final
    with app.app_context():
        summary = build(real.year)
        assert [e.id for e in summary.exams] == [real.id]
        assert mock.id not in {e.id for e, _reason in summary.left_out}
        assert "考试参加率达到25%" in summary.text and "考前模拟" not in summary.text  # 1 of 4 took the real exam


def test_mock_answers_count_in_no_question_figure(app, make, counted_and_mock, bank):
    from trainingapp.questionbank.usage import usage_of
    with app.app_context():
        usage = usage_of([q.id for q in bank])
        real_answers = db.session.scalar(select(db.func.count()).select_from(Attempt)
                                         .where(Attempt.exam_id == counted_and_mock["real"].id))
    assert real_answers == 1
    # Only the real attempt's four answers: the mock's sixteen are not in the facility.
    assert sum(u.answered for u in usage.values()) == 4


def test_a_make_up_cannot_follow_a_mock_exam(app, make, town, bank):
    from trainingapp.accounts.models import User
    from trainingapp.exams import authoring
    from trainingapp.platform.errors import DomainError
    trainer = make.user(role="trainer", department=town["law"])
    cadre = make.user(department=town["law"])
    mock = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], is_mock=True)
    with pytest.raises(DomainError, match="模拟考试"):
        make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], makeup_of_id=mock.id)
    with app.app_context(), pytest.raises(DomainError, match="模拟考试"):
        real = db.session.get(Exam, make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], publish=False).id)
        authoring.save_exam(db.session.get(User, trainer.id), real, {"is_mock": True, "makeup_of_id": mock.id})


# --- personal mock exams -----------------------------------------------------------------------

def test_choose_paper_skips_the_papers_to_avoid_and_refuses_a_single_paper():
    from trainingapp.exams.mock import choose_paper
    forward, backward = [{"q": 1}, {"q": 2}], [{"q": 2}, {"q": 1}]
    def draw(seed):
        return forward if seed % 2 else backward
    assert choose_paper(draw, [1, 3, 2], [forward], need_choice=True) == (2, backward)
    assert choose_paper(draw, [1, 3, 5], [forward], need_choice=False) is None  # no seed gave another
    assert choose_paper(draw, [1, 2], [], need_choice=True) == (1, forward)
    assert choose_paper(lambda seed: [{"q": 7}], range(1, 13), [], need_choice=True) is None
    # The option order alone does not make another paper.
    assert choose_paper(lambda seed: [{"q": 7, "o": [seed % 4]}], range(1, 13), [[{"q": 7, "o": [0]}]],
                        need_choice=False) is None


@pytest.fixture
def real_exam(app, make, town, bank):
    """An open real exam offering personal mocks: 4 of 8 true/false questions, one attempt."""
    trainer = make.user(role="trainer", department=town["law"])
    cadre = make.user(department=town["law"])
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], attempts_allowed=1, allow_personal_mock=True,
                     review_policy="full", lasts=timedelta(hours=3))
    return {"trainer": trainer, "cadre": cadre, "exam": exam}


def test_personal_mock_is_refused_unless_the_trainer_allows_it(app, make, town, bank):
    trainer = make.user(role="trainer", department=town["law"])
    cadre, outsider = make.user(department=town["law"]), make.user(department=town["law"])
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)])
    client = signed_in(app, cadre)
    assert 'id="start-mock"' not in client.get(f"/my/exams/{exam.id}").get_data(as_text=True)
    attempt_id, page = start_mock(client, exam.id)
    assert attempt_id is None and "This exam offers no personal mock exams." in page
    # Someone who is not a candidate learns nothing about the exam.
    allowed = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], allow_personal_mock=True)
    assert signed_in(app, outsider).post(f"/my/exams/{allowed.id}/mock").status_code in (302, 403, 404)
    with app.app_context():
        assert db.session.scalar(select(Exam.id).where(Exam.personal_mock_of_id.is_not(None))) is None
        assert db.session.scalar(select(Attempt.id)) is None


def test_personal_mock_is_never_the_real_paper_and_never_counted(app, make, real_exam):
    exam, cadre = real_exam["exam"], real_exam["cadre"]
    client = signed_in(app, cadre)
    assert 'id="start-mock"' in client.get(f"/my/exams/{exam.id}").get_data(as_text=True)
    real_id, outcome = take(client, exam.id, right=False)
    assert outcome["score"] == 0
    real = attempt(app, real_id)
    assert 'id="mock-badge"' not in client.get(f"/my/attempts/{real_id}/result").get_data(as_text=True)
    mock_ids = []
    for _ in range(5):
        mock_id, page = start_mock(client, exam.id)
        assert mock_id is not None, page
        mock = attempt(app, mock_id)
        assert mock.exam.personal_mock_of_id == exam.id and mock.exam.is_mock
        assert 'id="mock-badge"' in client.get(f"/my/attempts/{mock_id}").get_data(as_text=True)
        assert mock.seed != real.seed
        assert [i["q"] for i in mock.paper] != [i["q"] for i in real.paper]
        assert finish(client, mock_id)["status"] == "submitted"
        mock_ids.append(mock_id)
    assert len({attempt(app, m).exam_id for m in mock_ids}) == 1  # one hidden mock exam per person and exam
    # The exam keeps its questions secret: a score per mock would spell its keys out over
    # unlimited mocks answered one question at a time, so there are five.
    attempt_id, page = start_mock(client, exam.id)
    assert attempt_id is None and "You have used all 5 attempts." in page

    # The real exam: one attempt, used; nothing reset, nothing consumed by the mocks.
    view = next(e for e in client.get("/api/exams").get_json()["exams"] if e["id"] == exam.id)
    assert (view["attempts_used"], view["attempts_left"], view["status"]) == (1, 0, "finished")
    refused = client.post(f"/api/exams/{exam.id}/attempts")
    assert refused.status_code == 409 and refused.get_json()["code"] == "no_attempts_left"
    # The mocks are listed to the cadre under their heading, as a personal mock.
    my = client.get("/my/exams").get_data(as_text=True).split('id="mock-exams"')[1]
    assert "Personal mock exam" in my

    # The trainer's results and lists see the real attempt only; the hidden exam is no one's to manage.
    trainer = signed_in(app, real_exam["trainer"])
    from trainingapp.exams import authoring
    with app.app_context():
        rows = authoring.results(db.session.get(Exam, exam.id))
        assert [[a.id for a in row.attempts] for row in rows] == [[real_id]]
        db.session.remove()  # every SQLite transaction here holds the write lock
    hidden = attempt(app, mock_ids[0]).exam_id
    listing = trainer.get("/exams").get_data(as_text=True)
    assert f'/exams/{hidden}"' not in listing
    assert trainer.get(f"/exams/{hidden}").status_code == 403
    assert trainer.get(f"/exams/{exam.id}/attempts/{mock_ids[0]}").status_code == 404
    admin = signed_in(app, make.user(role="admin"))
    assert f'/exams/{hidden}"' not in admin.get("/exams").get_data(as_text=True)
    page = admin.get(f"/reports/exams/{exam.id}").get_data(as_text=True)
    row = re.search(r'<tr data-department="司法所" data-depth="\d+">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells[:3] == ["1", "0", "1"] and cells[4] == "0"  # one participant, who did not pass
    assert admin.get("/reports").get_data(as_text=True).count(f"/reports/exams/{hidden}") == 0


def test_personal_mock_before_the_real_attempt_leaves_it_whole(app, make, real_exam):
    exam, cadre = real_exam["exam"], real_exam["cadre"]
    client = signed_in(app, cadre)
    mocks = []
    for _ in range(3):
        mock_id, page = start_mock(client, exam.id)
        assert mock_id is not None, page
        finish(client, mock_id)
        mocks.append(attempt(app, mock_id))
    real_id, outcome = take(client, exam.id)
    real = attempt(app, real_id)
    assert real.number == 1 and outcome["score"] == 100
    # The real paper repeats none of the mocks either.
    assert all([i["q"] for i in real.paper] != [i["q"] for i in m.paper] for m in mocks)


def test_two_possible_papers_the_mock_is_always_the_other(app, make, town):
    """A fixed paper of two shuffled questions allows two orders: after the real attempt, every
    mock must be the other one."""
    trainer = make.user(role="trainer", department=town["law"])
    cadre = make.user(department=town["law"])
    first, second = make.question("truefalse"), make.question("truefalse")
    exam = make.exam(trainer, [cadre], fixed=[(first, 50), (second, 50)], allow_personal_mock=True,
                     protect_questions=False)
    client = signed_in(app, cadre)
    real_id, _outcome = take(client, exam.id)
    real_order = [i["q"] for i in attempt(app, real_id).paper]
    for _ in range(8):  # questions not kept secret: as many mocks as the person likes
        mock_id, page = start_mock(client, exam.id)
        assert mock_id is not None, page
        mock = attempt(app, mock_id)
        assert [i["q"] for i in mock.paper] == real_order[::-1] and mock.seed != attempt(app, real_id).seed
        finish(client, mock_id)


@pytest.mark.parametrize("shape", ["one_question", "fixed_unshuffled", "whole_pool_unshuffled"])
def test_a_pool_with_a_single_paper_refuses_a_personal_mock(app, make, town, shape):
    trainer = make.user(role="trainer", department=town["law"])
    cadre = make.user(department=town["law"])
    questions = [make.question("truefalse") for _ in range(3)]
    if shape == "one_question":
        exam = make.exam(trainer, [cadre], fixed=[(questions[0], 100)], allow_personal_mock=True)
    elif shape == "fixed_unshuffled":
        exam = make.exam(trainer, [cadre], fixed=[(q, 10) for q in questions], shuffle_questions=False,
                         allow_personal_mock=True)
    else:
        exam = make.exam(trainer, [cadre], rules=[("truefalse", 3, 10)], shuffle_questions=False,
                         allow_personal_mock=True)
    client = signed_in(app, cadre)
    attempt_id, page = start_mock(client, exam.id)
    assert attempt_id is None
    assert "allows only one paper" in page
    with app.app_context():
        assert db.session.scalar(select(Attempt.id)) is None
        assert db.session.scalar(select(Exam.id).where(Exam.personal_mock_of_id.is_not(None))) is None


def test_personal_mock_only_while_the_exam_is_open_and_not_during_a_real_attempt(app, make, real_exam):
    exam, cadre = real_exam["exam"], real_exam["cadre"]
    client = signed_in(app, cadre)
    running = client.post(f"/api/exams/{exam.id}/attempts").get_json()["attempt_id"]
    attempt_id, page = start_mock(client, exam.id)
    assert attempt_id is None and "Finish your attempt at the exam first" in page
    finish(client, running)
    clock.advance(timedelta(hours=4))  # the exam has closed
    client = signed_in(app, cadre)
    attempt_id, page = start_mock(client, exam.id)
    assert attempt_id is None and "only while the exam is open" in page


def test_exempt_candidates_get_no_personal_mock(app, make, real_exam):
    from trainingapp.accounts.models import User
    from trainingapp.exams import authoring
    exam, cadre = real_exam["exam"], real_exam["cadre"]
    with app.app_context():
        authoring.set_exempt(db.session.get(User, real_exam["trainer"].id), db.session.get(Exam, exam.id),
                             cadre.id, "病假")
    client = signed_in(app, cadre)
    attempt_id, page = start_mock(client, exam.id)
    assert attempt_id is None and "exempt" in page


def test_withdrawn_offer_or_candidacy_stops_the_next_mock(app, make, real_exam):
    """The hidden mock exam can be started directly too: its start checks the real exam again."""
    from trainingapp.accounts.models import User
    from trainingapp.exams import authoring
    exam, cadre = real_exam["exam"], real_exam["cadre"]
    client = signed_in(app, cadre)
    mock_id, _page = start_mock(client, exam.id)
    finish(client, mock_id)
    hidden = attempt(app, mock_id).exam_id
    direct = client.post(f"/api/exams/{hidden}/attempts")
    assert direct.status_code == 201
    finish(client, direct.get_json()["attempt_id"])
    with app.app_context():
        authoring.remove_candidate(db.session.get(User, real_exam["trainer"].id), db.session.get(Exam, exam.id),
                                   cadre.id, "调离")
    refused = client.post(f"/api/exams/{hidden}/attempts")
    assert refused.status_code == 403 and refused.get_json()["code"] == "mock_not_offered"


def test_personal_mock_of_a_protected_exam_reveals_no_key_until_it_closes(app, make, real_exam, bank):
    """題目保密: the mock draws from the running exam's pool, so its review holds the keys back
    (score only) as long as the real exam protects that pool."""
    from trainingapp.exams.secrecy import protected_question_ids
    exam, cadre = real_exam["exam"], real_exam["cadre"]
    client = signed_in(app, cadre)
    mock_id, _page = start_mock(client, exam.id)
    outcome = finish(client, mock_id)
    assert set(outcome) >= {"score", "total"} and "questions" not in outcome
    paper = [i["q"] for i in attempt(app, mock_id).paper]
    result = client.get(f"/my/attempts/{mock_id}/result").get_data(as_text=True)
    assert not any(f"解析标记{n}号" in result for n in range(8))
    assert 'id="correct-answer"' not in result
    api = client.get(f"/api/attempts/{mock_id}").get_json()
    assert not any(f"解析标记{n}号" in str(api) for n in range(8)) and "answer_key" not in str(api)
    with app.test_request_context():
        assert set(paper) <= protected_question_ids()
    # Once the real exam has closed its pool is free again, for the mock's review as for practice.
    clock.advance(timedelta(hours=4))
    with app.test_request_context():
        assert not set(paper) & protected_question_ids()
