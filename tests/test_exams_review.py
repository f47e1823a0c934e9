"""Review that teaches (issue #24): the `after_submit` review policy, the sentence every policy
tells the cadre, and keys only in the review of a finished attempt, only when the policy and
question secrecy allow.

Every question here carries markers nobody could guess (its explanation, its legal basis and,
for a fill-in, its key), so "a key leaked" is "a marker appears in a response".
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from itertools import count
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from tests.conftest import login
from trainingapp.exams.models import REVIEW_POLICIES, Exam
from trainingapp.exams.review_notice import review_notice
from trainingapp.exams.timing import review_open
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question
from trainingapp.training.practice.models import WrongAnswer

T0 = datetime(2026, 5, 4, 2, 0)
_marker = count(1)
PAPER = [("single", 2, 10), ("multiple", 1, 20), ("truefalse", 2, 15), ("fill", 1, 30)]


# --- helpers ---------------------------------------------------------------------------------------

def marked_bank(app, make, counts: dict[str, int]) -> dict[int, list[str]]:
    """Questions with unguessable markers; {question id: [explanation, basis, (fill key)]}."""
    secrets = {}
    for qtype, n in counts.items():
        for index in range(n):
            mark = next(_marker)
            answer = [[f"填空答案{mark}号"]] if qtype == "fill" else (index % 2 == 1 if qtype == "truefalse" else None)
            question = make.question(qtype, explanation=f"解析标记{mark}号", answer=answer)
            secrets[question.id] = [f"解析标记{mark}号", f"依据标记{mark}号"] + (
                [f"填空答案{mark}号"] if qtype == "fill" else [])
            with app.app_context():
                db.session.execute(update(Question).where(Question.id == question.id).values(basis=f"依据标记{mark}号"))
                db.session.commit()
    return secrets


def revealed(texts: list[str], secrets: dict[int, list[str]]) -> set[int]:
    blob = "\n".join(texts)
    return {qid for qid, markers in secrets.items() if any(marker in blob for marker in markers)}


def key_of(app, qid):
    with app.app_context():
        answer = db.session.get(Question, qid).answer
        db.session.remove()
    return answer


def wrong_answer(qtype, key):
    if qtype == "single":
        return "D" if key != "D" else "C"
    if qtype == "multiple":
        return ["C", "D"]  # the factory's key is A and B
    if qtype == "truefalse":
        return not key
    return ["不知道"]


def right_answer(qtype, key):
    return [alternatives[0] for alternatives in key] if qtype == "fill" else key


def english(client):
    client.set_cookie("lang", "en")
    return client


def signed_in(app, person):
    client = english(app.test_client())
    login(client, person)
    return client


def later(client, person, delta):
    """Move the clock on; the person signs in again (a long wait ends the session)."""
    clock.advance(delta)
    client.get("/")
    login(client, person)


def sit(client, app, exam, *, right_every=2, texts=None):
    """Start, answer every question (right for every `right_every`-th, else wrong; the last one
    left out), submit. Returns (attempt id, {question id: (answer given or None, was it right)})."""
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    if texts is not None:
        texts.append(str(body))
    given = {}
    questions = body["questions"]
    for seq, question in enumerate(questions, start=1):
        if seq == len(questions):
            given[question["id"]] = (None, False)
            continue
        key = key_of(app, question["id"])
        right = seq % right_every == 1
        response = right_answer(question["type"], key) if right else wrong_answer(question["type"], key)
        saved = client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                           json={"answer": response, "seq": seq})
        assert saved.status_code == 200, saved.get_json()
        if texts is not None:
            texts.append(saved.get_data(as_text=True))
        given[question["id"]] = (response, right)
    submitted = client.post(f"/api/attempts/{body['attempt_id']}/submit")
    assert submitted.status_code == 200
    if texts is not None:
        texts.append(submitted.get_data(as_text=True))
    return body["attempt_id"], given


def mistakes(given) -> set[int]:
    """The questions answered wrongly (one left out is no mistake for the book)."""
    return {qid for qid, (response, right) in given.items() if response is not None and not right}


def book(app, user) -> set[int]:
    with app.app_context():
        rows = {w.question_id for w in db.session.scalars(select(WrongAnswer).where(
            WrongAnswer.user_id == user.id, WrongAnswer.source == "exam"))}
        db.session.remove()
    return rows


# --- after_submit: what the cadre sees right after submitting -------------------------------------

def test_after_submit_shows_every_question_with_answer_key_explanation_and_basis(app, make):
    secrets = marked_bank(app, make, {"single": 2, "multiple": 1, "truefalse": 2, "fill": 1})
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=PAPER, review_policy="after_submit", protect_questions=False)
    client = signed_in(app, cadre)
    attempt_id, given = sit(client, app, exam)
    assert clock.now() < exam.closes_at  # the exam is still open

    page = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="review"' in page and page.count('class="card mb-3 review-item"') == 6
    assert revealed([page], secrets) == set(secrets)
    assert all(marker in page for markers in secrets.values() for marker in markers[:2])  # explanation, basis
    assert page.count("Correct answer") >= 6 and page.count("Your answer") >= 6
    assert page.count("✓ Correct") == sum(right for _given, right in given.values())
    assert "Not answered" in page
    assert "Right after submitting: the score and every question" in page
    # The review is laid out in the paper's sections, each heading once before its first question.
    shown = [html.unescape(text) for text in re.findall(r'<h3 class="h5 mt-3 mb-2 review-section">([^<]+)</h3>', page)]
    assert len(shown) == 4 and [text.split(".")[0] for text in shown] == ["Part 1", "Part 2", "Part 3", "Part 4"]
    assert "Single-choice questions" in shown[0]

    body = client.get(f"/api/attempts/{attempt_id}").get_json()
    assert body["status"] == "submitted" and body["result"]["score"] is not None
    review = body["review"]
    assert review["notice"].startswith("Right after submitting")
    rows = {row["id"]: row for row in review["questions"]}
    assert set(rows) == set(secrets) == set(given)
    assert [row["position"] for row in review["questions"]] == list(range(1, 7))
    for qid, (response, right) in given.items():
        row = rows[qid]
        assert row["held_back"] is False
        assert row["key"] == key_of(app, qid)
        assert row["explanation"] == secrets[qid][0] and row["basis"] == secrets[qid][1]
        assert row["answer"] == response and row["correct"] is right
        assert (row["score"] > 0) is right


def test_full_review_opens_when_the_window_closes_in_the_api_too(app, make):
    secrets = marked_bank(app, make, {"truefalse": 4})
    trainer, cadre = make.user(role="trainer"), make.user()
    clock.freeze(T0)
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], review_policy="full", lasts=timedelta(hours=1))
    client = signed_in(app, cadre)
    attempt_id, _given = sit(client, app, exam)
    body = client.get(f"/api/attempts/{attempt_id}").get_json()
    assert body["review"]["questions"] is None and not revealed([str(body)], secrets)
    assert "once the exam has closed" in body["review"]["notice"]
    later(client, cadre, timedelta(hours=2))
    body = client.get(f"/api/attempts/{attempt_id}").get_json()
    assert revealed([str(body)], secrets) == set(secrets)
    assert all(row["key"] == key_of(app, row["id"]) for row in body["review"]["questions"])


# --- no key before finishing, and after finishing only as the policy allows --------------------

@pytest.mark.parametrize("protect", [True, False])
@pytest.mark.parametrize("policy", REVIEW_POLICIES)
def test_no_page_or_payload_of_an_unfinished_attempt_carries_a_key(app, make, policy, protect):
    secrets = marked_bank(app, make, {"single": 2, "multiple": 1, "truefalse": 2, "fill": 1})
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=PAPER, review_policy=policy, protect_questions=protect)
    client = signed_in(app, cadre)
    texts = [client.get("/my/exams").get_data(as_text=True), client.get(f"/my/exams/{exam.id}").get_data(as_text=True)]
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    attempt_id = body["attempt_id"]
    for seq, question in enumerate(body["questions"], start=1):
        texts.append(client.put(f"/api/attempts/{attempt_id}/answers/{question['id']}",
                                json={"answer": wrong_answer(question["type"], key_of(app, question["id"])),
                                      "seq": seq}).get_data(as_text=True))
    resumed = client.get(f"/api/attempts/{attempt_id}")
    texts += [str(body), resumed.get_data(as_text=True)]
    texts += [client.get(path, follow_redirects=True).get_data(as_text=True)
              for path in (f"/my/attempts/{attempt_id}", f"/my/attempts/{attempt_id}/result", "/api/exams",
                           "/practice/mistakes")]
    assert not revealed(texts, secrets)
    resumed = resumed.get_json()
    assert "review" not in resumed and "result" not in resumed
    for question in resumed["questions"]:
        assert set(question) == {"id", "position", "type", "stem", "options", "points", "blanks", "section"}


@pytest.mark.parametrize("policy, protect, shown", [
    ("never", False, False), ("score", False, False), ("full", False, False), ("full", True, False),
    ("after_submit", True, False), ("after_submit", False, True)])
def test_a_finished_attempt_carries_keys_only_when_policy_and_secrecy_allow(app, make, policy, protect, shown):
    """Submitted while the exam is still open: only after_submit without secrecy shows keys now."""
    secrets = marked_bank(app, make, {"single": 2, "multiple": 1, "truefalse": 2, "fill": 1})
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=PAPER, review_policy=policy, protect_questions=protect)
    client = signed_in(app, cadre)
    texts = []
    attempt_id, _given = sit(client, app, exam, texts=texts)
    body = client.get(f"/api/attempts/{attempt_id}").get_json()
    texts.append(str(body))
    texts += [client.get(path).get_data(as_text=True)
              for path in (f"/my/attempts/{attempt_id}/result", f"/my/exams/{exam.id}", "/api/exams")]
    assert revealed(texts, secrets) == (set(secrets) if shown else set())
    questions = body["review"]["questions"]
    if policy == "after_submit":
        assert [row["held_back"] for row in questions] == [not shown] * 6
        assert all(("key" in row) is shown for row in questions)
    else:
        assert questions is None


# --- question secrecy: someone who submits early and tells others -----------------------------------

def test_an_early_submitter_under_secrecy_learns_no_key_until_the_exam_and_its_makeup_close(app, make):
    secrets = marked_bank(app, make, {"truefalse": 6})
    pool = list(secrets)
    trainer, early, absent = make.user(role="trainer"), make.user(), make.user()
    clock.freeze(T0)
    exam = make.exam(trainer, [early, absent], rules=[("truefalse", 4, 25)], review_policy="after_submit",
                     lasts=timedelta(hours=2))
    assert exam.protect_questions  # the default

    # Early submits after ten minutes (the first answer right, then wrong ones, the last left out)
    # and collects everything the pages give away to pass on to those still sitting the exam.
    clock.advance(timedelta(minutes=10))
    client = signed_in(app, early)
    attempt_id, given = sit(client, app, exam, right_every=10**6)
    result = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    body = client.get(f"/api/attempts/{attempt_id}").get_json()
    harvest = [result, str(body), client.get("/practice/mistakes").get_data(as_text=True),
               client.get(f"/my/exams/{exam.id}").get_data(as_text=True)]
    assert not revealed(harvest, secrets)
    assert 'id="result-score"' in result and 'id="review"' not in result  # the score at once, no list
    assert "The questions are kept secret while the exam runs" in result
    assert all(row["held_back"] and set(row) == {"id", "position", "type", "stem", "options", "points",
                                                 "blanks", "held_back"} for row in body["review"]["questions"])
    # Not even right/wrong per question: a mark next to a true/false answer is its key.
    assert "✓ Correct" not in result and "✗ Wrong" not in result and "your choice" not in result
    assert book(app, early) == set()

    # A make-up for the absent one is published; the main exam closes.
    makeup = make.exam(trainer, [absent], rules=[("truefalse", 4, 25)], review_policy="after_submit",
                       makeup_of_id=exam.id, opens_in=timedelta(hours=3), lasts=timedelta(days=1))
    later(client, early, timedelta(hours=3))
    assert clock.now() > exam.closes_at and clock.now() < makeup.closes_at
    result = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    body = client.get(f"/api/attempts/{attempt_id}").get_json()
    assert not revealed([result, str(body), client.get("/practice/mistakes").get_data(as_text=True)], secrets)
    assert "still used by an exam that is running or about to start" in result
    assert body["review"]["notice"].startswith("The questions are still used")
    assert book(app, early) == set()

    # The make-up is over: the review teaches, the book takes the mistakes.
    later(client, early, timedelta(days=2))
    result = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    body = client.get(f"/api/attempts/{attempt_id}").get_json()
    assert revealed([result], secrets) == set(given) and revealed([str(body)], secrets) == set(given)
    assert 'id="review"' in result and "held-back" not in result
    client.get("/practice/mistakes")
    assert book(app, early) == mistakes(given)
    assert set(given) <= set(pool)


def test_after_submit_mistakes_enter_the_book_at_once_without_secrecy(app, make):
    marked_bank(app, make, {"truefalse": 4})
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], review_policy="after_submit",
                     protect_questions=False)
    client = signed_in(app, cadre)
    _attempt_id, given = sit(client, app, exam)
    page = client.get("/practice/mistakes").get_data(as_text=True)
    wrong = mistakes(given)
    assert wrong and book(app, cadre) == wrong
    assert {int(n) for n in re.findall(r'data-question-id="(\d+)"', page)} == wrong
    client.get("/practice/mistakes")
    assert book(app, cadre) == wrong  # collected once


# --- the sentence -----------------------------------------------------------------------------------

CLOSES = datetime(2026, 6, 1, 10, 0)  # 18:00 in Beijing
BEFORE, AFTER = CLOSES - timedelta(hours=1), CLOSES + timedelta(hours=1)


@pytest.mark.parametrize("policy, protect, moment, held, english_text, chinese", [
    ("never", True, BEFORE, False, "Neither the score nor the answers are shown", "不公布成绩，不提供答卷查看"),
    ("never", False, AFTER, False, "Neither the score nor the answers are shown", "不公布成绩，不提供答卷查看"),
    ("score", True, BEFORE, False, "Only the score is shown, right after submitting", "只显示成绩"),
    ("score", False, AFTER, False, "the answers are not shown", "不提供答卷查看"),
    ("full", True, BEFORE, False, "once the exam has closed (2026-06-01 18:00)",
     "考试结束（2026-06-01 18:00）后可查看答案和解析"),
    ("full", False, BEFORE, False, "the answers with the correct answers and explanations", "交卷后显示成绩"),
    ("full", True, AFTER, False, "The exam has closed: the answers with the correct answers",
     "考试已结束，可查看答案和解析"),
    ("full", True, AFTER, True, "still used by an exam that is running or about to start",
     "考试结束后可查看答案和解析"),
    ("after_submit", False, BEFORE, False, "Right after submitting: the score and every question",
     "交卷后即可查看答案和解析"),
    ("after_submit", False, AFTER, False, "the correct answer, the explanation and the legal basis",
     "交卷后即可查看答案和解析"),
    ("after_submit", True, BEFORE, False, "kept secret while the exam runs", "题目保密"),
    ("after_submit", True, BEFORE, False, "(2026-06-01 18:00 at the earliest)", "考试（含补考）结束后"),
    ("after_submit", True, AFTER, False, "Right after submitting: the score", "交卷后即可查看答案和解析"),
    ("after_submit", True, AFTER, True, "still used by an exam that is running", "正在进行或即将开始的考试"),
    ("after_submit", False, BEFORE, True, "still used by an exam that is running", "正在进行或即将开始的考试"),
])
def test_the_review_sentence_per_policy_secrecy_and_time(app, policy, protect, moment, held, english_text, chinese):
    notice = review_notice(policy, protect=protect, closes_at=CLOSES, moment=moment, held_back=held)
    with app.test_request_context():
        with force_locale("en"):
            assert english_text in str(notice)
        with force_locale("zh"):
            assert chinese in str(notice)


def test_every_policy_has_its_own_sentence(app):
    with app.test_request_context(), force_locale("zh"):
        sentences = {str(review_notice(p, protect=False, closes_at=CLOSES, moment=BEFORE)) for p in REVIEW_POLICIES}
    assert len(sentences) == len(REVIEW_POLICIES)


@pytest.mark.parametrize("policy, fragment", [
    ("never", "不公布成绩，不提供答卷查看"), ("score", "交卷后只显示成绩，不提供答卷查看"),
    ("full", "后可查看答案和解析"), ("after_submit", "题目保密")])
def test_my_exams_rules_and_result_say_what_can_be_reviewed(app, make, policy, fragment):
    marked_bank(app, make, {"truefalse": 2})
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 2, 50)], review_policy=policy)
    client = app.test_client()  # Chinese, the default
    login(client, cadre)
    cards = client.get("/my/exams").get_data(as_text=True)
    rules = client.get(f"/my/exams/{exam.id}").get_data(as_text=True)
    assert fragment in re.search(r'class="small mb-0 review-notice">(.*?)</p>', cards, re.S).group(1)
    assert fragment in re.search(r'id="review-notice">(.*?)</dd>', rules, re.S).group(1)
    attempt_id, _given = sit(client, app, exam)
    result = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert fragment in re.search(r'id="review-notice">(.*?)</p>', result, re.S).group(1)


# --- the decider and the trainer's choice ----------------------------------------------------------

def test_review_open_decides_after_submit_at_once_and_never_before_finishing():
    exam = SimpleNamespace(opens_at=T0, closes_at=T0 + timedelta(hours=2), review_policy="after_submit",
                           protect_questions=True)
    for moment in (T0 + timedelta(minutes=1), T0 + timedelta(hours=3)):
        assert review_open(SimpleNamespace(is_finished=True, exam=exam), moment)
        assert not review_open(SimpleNamespace(is_finished=False, exam=exam), moment)
    for policy in REVIEW_POLICIES:
        exam.review_policy = policy
        assert not review_open(SimpleNamespace(is_finished=False, exam=exam), T0 + timedelta(days=9))


def test_trainers_choose_after_submit_in_the_exam_form(app, make, as_role):
    from trainingapp.platform.clock import to_local
    marked_bank(app, make, {"truefalse": 2})
    trainer = as_role("trainer")  # Chinese, the default
    form = trainer.get("/exams/new").get_data(as_text=True)
    assert 'value="after_submit"' in form and "交卷后即可完整查看" in form
    exam = make.exam(trainer.user, [make.user()], rules=[("truefalse", 2, 50)], publish=False)
    with app.app_context():
        window = [to_local(moment).strftime("%Y-%m-%dT%H:%M") for moment in (exam.opens_at, exam.closes_at)]
    fields = {"title": exam.title, "description": "", "year": exam.year, "opens_at": window[0], "closes_at": window[1],
              "duration_minutes": exam.duration_minutes, "attempts_allowed": exam.attempts_allowed,
              "counting": exam.counting, "pass_mark": exam.pass_mark, "excellent_mark": exam.excellent_mark,
              "multiple_scoring": exam.multiple_scoring, "fill_scoring": exam.fill_scoring,
              "shuffle_questions": "y", "shuffle_options": "y", "protect_questions": "y",
              "review_policy": "after_submit", "makeup_of_id": "0"}
    saved = trainer.post(f"/exams/{exam.id}/settings", data=fields)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    with app.app_context():
        assert db.session.get(Exam, exam.id).review_policy == "after_submit"
