"""题目保密: practice, reviews and the wrong-answer book hand out no key of a question an exam
that can still be taken may draw (issue #20, finding 2).

The attack as the review ran it: a cadre practises round after round, reads every key and
explanation the responses reveal (practice feedback, the review of a finished exam, the
wrong-answer book), then sits the open exam answering from those notes.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from tests.conftest import login
from trainingapp.exams.secrecy import ExamWindow, protected_ids_of, protected_question_ids, protecting_exams
from trainingapp.platform import clock
from trainingapp.platform.extensions import db

T0 = datetime(2026, 5, 4, 2, 0)
_marker = iter(range(1, 10**6))


def english(client):
    client.set_cookie("lang", "en")
    return client


def bank(make, qtype, n, category="行政处罚法"):
    """`n` questions, each with an explanation nobody could guess, as a marker of its key."""
    return [make.question(qtype, category=category, explanation=f"解析标记{next(_marker)}号") for _ in range(n)]


def markers(questions) -> dict[int, str]:
    return {q.id: q.explanation for q in questions}


def later(client, person, delta):
    """Move the clock on; the person signs in again (a long wait ends the session)."""
    clock.advance(delta)
    client.get("/")  # ends the session that timed out meanwhile
    login(client, person)


def cadre_client(app, person):
    client = english(app.test_client())
    login(client, person)
    return client


# --- the attacker's side: only what the pages say ----------------------------------------------

_QID = re.compile(r'id="practice-question" data-qid="(\d+)" data-type="(\w+)"')
_KEY = re.compile(r'<strong id="correct-answer">(.*?)</strong>', re.S)


def practise_and_harvest(client, rounds: int, pages: list[str], source: str = "category") -> dict[int, str]:
    """Play `rounds` rounds of 20 with any answer; every key the feedback shows, by question id."""
    keys: dict[int, str] = {}
    for _ in range(rounds):
        started = client.post("/practice/start", data={"category": "", "count": "20", "source": source})
        assert started.status_code == 302
        while True:
            page = client.get("/practice/round").get_data(as_text=True)
            pages.append(page)
            found = _QID.search(page)
            if found is None:
                break
            qid, qtype = int(found.group(1)), found.group(2)
            data = {"question_id": str(qid)}
            if qtype == "fill":
                data.update({f"blank-{n}": "不知道" for n in range(page.count('name="blank-'))})
            else:
                data["answer"] = {"single": "A", "multiple": "A", "truefalse": "true"}[qtype]
            client.post("/practice/round/answer", data=data)
            feedback = client.get("/practice/round").get_data(as_text=True)
            pages.append(feedback)
            key = _KEY.search(feedback)
            if key:
                keys[qid] = html.unescape(key.group(1)).strip()
            client.post("/practice/round/next")
    return keys


def revealed(pages: list[str], secret_by_id: dict[int, str]) -> set[int]:
    """Questions whose explanation appears in any page the attacker saw."""
    text = "\n".join(pages)
    return {qid for qid, secret in secret_by_id.items() if secret in text}


def response_from_key(qtype: str, key: str):
    if qtype == "single":
        return key
    if qtype == "multiple":
        return list(key)
    if qtype == "truefalse":
        return key == "True"
    return [blank.split(" / ")[0] for blank in key.split("；")]


def sit_from_notes(client, exam_id: int, keys: dict[int, str]) -> tuple[dict, int]:
    """Start the exam, answer every question the notes have a key for, submit: (result, used)."""
    body = client.post(f"/api/exams/{exam_id}/attempts").get_json()
    used = 0
    for seq, question in enumerate(body["questions"], start=1):
        if question["id"] in keys:
            used += 1
            saved = client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                               json={"answer": response_from_key(question["type"], keys[question["id"]]), "seq": seq})
            assert saved.status_code == 200, saved.get_json()
    return client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json(), used


# --- the attack ----------------------------------------------------------------------------------

@pytest.mark.parametrize("protect", [True, False])
def test_harvesting_practice_and_reviews_yields_no_key_of_a_protected_pool(app, make, protect):
    """Protected (the default): not one key of the open exam's pool, and answering from the notes
    scores 0. Turned off: the same harvest covers the pool and passes, as before."""
    pool = bank(make, "single", 12) + bank(make, "truefalse", 8)
    elsewhere = bank(make, "multiple", 6) + bank(make, "fill", 4)
    secrets = markers(pool + elsewhere)
    cadre, trainer = make.user(), make.user(role="trainer")
    clock.freeze(T0)
    # A finished exam over the same questions, whose full review opened when it closed.
    earlier = make.exam(trainer, [cadre], rules=[("single", 5, 10), ("truefalse", 5, 10)], lasts=timedelta(hours=1),
                        review_policy="full", protect_questions=protect)
    client = cadre_client(app, cadre)
    first = client.post(f"/api/exams/{earlier.id}/attempts").get_json()
    for seq, question in enumerate(first["questions"], start=1):
        client.put(f"/api/attempts/{first['attempt_id']}/answers/{question['id']}",
                   json={"answer": "B" if question["type"] == "single" else False, "seq": seq})
    client.post(f"/api/attempts/{first['attempt_id']}/submit")
    later(client, cadre, timedelta(hours=2))
    # The exam open now draws 10 of its 20 questions from the same pool.
    exam = make.exam(trainer, [cadre], rules=[("single", 5, 10), ("truefalse", 5, 10)], opens_in=timedelta(hours=1),
                     lasts=timedelta(days=1), protect_questions=protect)

    pages = [client.get(f"/my/attempts/{first['attempt_id']}/result").get_data(as_text=True),
             client.get("/practice/mistakes").get_data(as_text=True)]
    keys = practise_and_harvest(client, 12, pages)
    keys |= practise_and_harvest(client, 2, pages, source="book") if "Practise these" in pages[1] else {}
    pool_ids = {q.id for q in pool}
    leaked = (set(keys) | revealed(pages, secrets)) & pool_ids

    later(client, cadre, timedelta(hours=2))
    result, used = sit_from_notes(client, exam.id, keys)
    if protect:
        assert leaked == set(), f"keys of the protected pool were revealed: {sorted(leaked)}"
        assert used == 0 and result["score"] == 0
        # The harvest itself worked: every question outside the pool was practised with its key.
        assert set(keys) == {q.id for q in elsewhere}
    else:
        assert leaked == pool_ids  # practice and the review hand out the whole pool, as before
        assert used == 10 and result["score"] == 100 and result["passed"]


# --- practice -----------------------------------------------------------------------------------

def test_practice_says_why_fewer_questions_are_available(app, make):
    pool = bank(make, "truefalse", 7)
    bank(make, "single", 3, category="宪法")
    bank(make, "truefalse", 2, category="宪法")
    bank(make, "single", 1, category="民法典")
    make.question("truefalse", category="民法典", active=False)
    cadre, trainer = make.user(), make.user(role="trainer")
    client = cadre_client(app, cadre)
    assert "held-back" not in client.get("/practice").get_data(as_text=True)

    make.exam(trainer, [cadre], fixed=[(q, 10) for q in pool], opens_in=timedelta(days=3))  # upcoming
    home = client.get("/practice").get_data(as_text=True)
    assert "7 questions are used by exams that are running or about to start" in home
    assert "宪法 (5 questions)" in home and "民法典 (1 questions)" in home and "行政处罚法" not in home
    assert "All categories (6 questions)" in home

    client.set_cookie("lang", "zh")
    assert "7 道题目正用于进行中或即将开始的考试，考试结束后开放练习" in client.get("/practice").get_data(as_text=True)


def test_a_category_held_back_entirely_is_refused_with_the_reason(app, make):
    pool = bank(make, "truefalse", 3, category="宪法")
    cadre, trainer = make.user(), make.user(role="trainer")
    make.exam(trainer, [cadre], fixed=[(q, 10) for q in pool])
    client = cadre_client(app, cadre)
    home = client.get("/practice").get_data(as_text=True)
    assert "3 questions are used by exams" in home
    assert "There are no questions to practise yet" not in home
    refused = client.post("/practice/start", data={"category": "宪法", "count": "5", "source": "category"},
                          follow_redirects=True).get_data(as_text=True)
    assert "The questions of this category are all used by an exam that is running or about to start" in refused


def test_a_question_an_exam_takes_up_mid_round_is_skipped_without_its_key(app, make):
    questions = bank(make, "truefalse", 5)
    cadre, trainer = make.user(), make.user(role="trainer")
    client = cadre_client(app, cadre)
    client.post("/practice/start", data={"category": "", "count": "5", "source": "category"})
    first = int(_QID.search(client.get("/practice/round").get_data(as_text=True)).group(1))
    make.exam(trainer, [cadre], fixed=[(first, 10)], opens_in=timedelta(days=1))
    answered = client.post("/practice/round/answer", data={"question_id": str(first), "answer": "true"},
                           follow_redirects=True).get_data(as_text=True)
    assert 'id="correct-answer"' not in answered
    assert not revealed([answered], {first: markers(questions)[first]})
    after = client.get("/practice/round").get_data(as_text=True)
    assert f'data-qid="{first}"' not in after and "Question 2 of 5" in after


def test_a_draft_protects_nothing_and_publishing_does(app, make):
    pool = bank(make, "truefalse", 4)
    cadre, trainer = make.user(), make.user(role="trainer")
    client = cadre_client(app, cadre)
    draft = make.exam(trainer, [cadre], fixed=[(q, 10) for q in pool], publish=False)
    assert "held-back" not in client.get("/practice").get_data(as_text=True)
    with app.app_context():
        from trainingapp.accounts.models import User
        from trainingapp.exams import authoring
        from trainingapp.exams.models import Exam
        authoring.publish(db.session.get(User, trainer.id), db.session.get(Exam, draft.id))
    assert "4 questions are used by exams" in client.get("/practice").get_data(as_text=True)


# --- the review of a finished exam and the wrong-answer book -------------------------------------

def _wrong_answers(client, app, exam_id):
    """Answer every true/false question of the exam wrongly (the keys read from the database)."""
    from trainingapp.questionbank.models import Question
    body = client.post(f"/api/exams/{exam_id}/attempts").get_json()
    with app.app_context():
        keys = {q["id"]: db.session.get(Question, q["id"]).answer for q in body["questions"]}
    for seq, question in enumerate(body["questions"], start=1):
        client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                   json={"answer": not keys[question["id"]], "seq": seq})
    client.post(f"/api/attempts/{body['attempt_id']}/submit")
    return body["attempt_id"], [q["id"] for q in body["questions"]]


def test_review_and_book_hold_back_keys_until_the_other_exam_closes(app, make):
    questions = bank(make, "truefalse", 4)
    secrets = markers(questions)
    cadre, trainer = make.user(), make.user(role="trainer")
    clock.freeze(T0)
    finished = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], lasts=timedelta(hours=1),
                         review_policy="full")
    client = cadre_client(app, cadre)
    attempt_id, wrong = _wrong_answers(client, app, finished.id)
    later(client, cadre, timedelta(hours=2))  # the finished exam closed: its review is open
    running = make.exam(trainer, [cadre], fixed=[(q, 25) for q in questions[:2]], lasts=timedelta(days=2))

    review = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="review"' in review
    assert review.count('class="small text-muted mb-0 held-back"') == 2
    assert revealed([review], secrets) == {q.id for q in questions[2:]}
    assert review.count("Correct answer") == 2 and review.count("Your answer") == 2
    book = client.get("/practice/mistakes").get_data(as_text=True)
    assert {int(n) for n in re.findall(r'data-question-id="(\d+)"', book)} == {q.id for q in questions[2:]}

    later(client, cadre, timedelta(days=3))  # the running exam closed too
    review = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "held-back" not in review and revealed([review], secrets) == set(secrets)
    book = client.get("/practice/mistakes").get_data(as_text=True)
    assert {int(n) for n in re.findall(r'data-question-id="(\d+)"', book)} == set(wrong)
    assert running.id  # the exam that held them back


def test_the_book_marks_a_held_back_mistake_and_does_not_practise_it(app, make):
    questions = [make.question("truefalse", answer=False, explanation=f"解析标记{next(_marker)}号") for _ in range(2)]
    cadre, trainer = make.user(), make.user(role="trainer")
    clock.freeze(T0)
    client = cadre_client(app, cadre)
    keys = practise_and_harvest(client, 1, [])  # "true" is answered to each: both go into the book
    wrong = [q.id for q in questions]
    assert keys == {qid: "False" for qid in wrong}
    exam = make.exam(trainer, [cadre], fixed=[(qid, 10) for qid in wrong], opens_in=timedelta(hours=1),
                     lasts=timedelta(hours=5))
    book = client.get("/practice/mistakes").get_data(as_text=True)
    assert book.count("used by an exam that is running or about to start") == len(wrong)
    refused = client.post("/practice/start", data={"category": "", "count": "5", "source": "book"},
                          follow_redirects=True).get_data(as_text=True)
    assert "all used by an exam that is running or about to start" in refused
    assert not revealed([refused], markers(questions))

    later(client, cadre, timedelta(hours=7))
    assert exam.closes_at < clock.now()
    assert "used by an exam" not in client.get("/practice/mistakes").get_data(as_text=True)
    assert set(practise_and_harvest(client, 1, [], source="book")) == set(wrong)


# --- make-ups, the switch, extra time --------------------------------------------------------------

def test_a_pending_makeup_keeps_the_main_exams_pool_protected(app, make):
    main_pool = bank(make, "truefalse", 3)
    makeup_pool = bank(make, "single", 2)
    cadre, trainer = make.user(), make.user(role="trainer")
    clock.freeze(T0)
    main = make.exam(trainer, [cadre], fixed=[(q, 10) for q in main_pool], lasts=timedelta(hours=1))
    makeup = make.exam(trainer, [cadre], fixed=[(q, 10) for q in makeup_pool], opens_in=timedelta(days=2),
                       lasts=timedelta(days=1), makeup_of_id=main.id, protect_questions=False)
    client = cadre_client(app, cadre)
    later(client, cadre, timedelta(hours=2))  # the main exam closed; its make-up is published and upcoming
    with app.test_request_context():
        # The make-up's own pool is open (its switch is off), the main exam's is not.
        assert protected_question_ids() == {q.id for q in main_pool}
    assert "3 questions are used by exams" in client.get("/practice").get_data(as_text=True)
    later(client, cadre, timedelta(days=4))  # the make-up closed
    with app.test_request_context():
        assert protected_question_ids() == frozenset()
    assert "held-back" not in client.get("/practice").get_data(as_text=True)
    assert makeup.makeup_of_id == main.id


def test_an_attempt_running_past_the_close_keeps_the_pool_protected(app, make):
    pool = bank(make, "truefalse", 2)
    cadre, trainer = make.user(), make.user(role="trainer")
    clock.freeze(T0)
    exam = make.exam(trainer, [cadre], fixed=[(q, 50) for q in pool], lasts=timedelta(minutes=30), duration=20)
    client = cadre_client(app, cadre)
    client.post(f"/api/exams/{exam.id}/attempts")
    clock.advance(timedelta(minutes=15))
    with app.app_context():
        from trainingapp.accounts.models import User
        from trainingapp.exams import authoring
        from trainingapp.exams.models import Exam
        authoring.give_extra_time(db.session.get(User, trainer.id), db.session.get(Exam, exam.id), cadre.id, 60,
                                  "视力障碍")
    clock.advance(timedelta(minutes=30))  # the window closed, the attempt still runs
    with app.test_request_context():
        assert protected_question_ids() == {q.id for q in pool}
    clock.advance(timedelta(minutes=47))  # its deadline and grace passed
    with app.test_request_context():
        assert protected_question_ids() == frozenset()


def test_trainers_set_question_secrecy_in_the_exam_form(app, make, as_role):
    from trainingapp.platform.clock import to_local
    bank(make, "truefalse", 3)
    trainer = english(as_role("trainer"))
    form = trainer.get("/exams/new").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*name="protect_questions"[^>]*>', form).group(0)
    assert "checked" in checkbox and 'aria-describedby="protect_questions-help"' in checkbox
    assert "Keep the questions secret while the exam runs" in form
    assert "otherwise practice hands out this exam's answer key" in form
    clock.freeze(T0)  # whole minutes, as the form gives them back
    exam = make.exam(trainer.user, [make.user()], rules=[("truefalse", 2, 50)])
    overview = trainer.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert 'id="protect-questions">On:' in overview
    with app.test_request_context():
        assert len(protected_question_ids()) == 3
    with app.app_context():  # the display time zone is the app's
        window = [to_local(moment).strftime("%Y-%m-%dT%H:%M") for moment in (exam.opens_at, exam.closes_at)]
    fields = {"title": exam.title, "description": "", "year": exam.year, "opens_at": window[0], "closes_at": window[1],
              "duration_minutes": exam.duration_minutes, "attempts_allowed": exam.attempts_allowed,
              "counting": exam.counting, "pass_mark": exam.pass_mark, "excellent_mark": exam.excellent_mark,
              "multiple_scoring": exam.multiple_scoring, "shuffle_questions": "y", "shuffle_options": "y",
              "review_policy": exam.review_policy, "makeup_of_id": "0"}  # protect_questions unticked
    saved = trainer.post(f"/exams/{exam.id}/settings", data=fields)  # published: the switch may still change
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    assert 'id="protect-questions">Off:' in trainer.get(f"/exams/{exam.id}").get_data(as_text=True)
    with app.test_request_context():
        assert protected_question_ids() == frozenset()


# --- how it is computed ----------------------------------------------------------------------------

def test_the_protected_set_costs_one_statement_per_request(app, make):
    pool = bank(make, "truefalse", 3)
    trainer = make.user(role="trainer")
    main = make.exam(trainer, [make.user()], fixed=[(q, 10) for q in pool])
    make.exam(trainer, [make.user()], fixed=[(pool[0], 10)], makeup_of_id=main.id, opens_in=timedelta(days=1))
    make.exam(trainer, [make.user()], fixed=[(pool[1], 10)], publish=False)
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with app.test_request_context():
            first = protected_question_ids()
            again = protected_question_ids()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert first == again == {q.id for q in pool}
    assert len(statements) == 1, statements


def _window(exam_id, *, closes, makeup_of=None, latest=None, grace=60, protect=True, pool=()):
    return ExamWindow(exam_id, makeup_of, closes, latest, grace, protect, frozenset(pool))


def test_protecting_exams_rule():
    at = datetime(2026, 6, 1, 12, 0)
    exams = [
        _window(1, closes=at + timedelta(days=1), pool={1, 2}),                          # open or upcoming
        _window(2, closes=at - timedelta(days=1), pool={3}),                              # closed
        _window(3, closes=at - timedelta(days=2), pool={4}),                              # main of a pending make-up
        _window(4, closes=at + timedelta(days=3), makeup_of=3, protect=False, pool={5}),  # that make-up, switched off
        _window(5, closes=at - timedelta(seconds=30), pool={6}),                          # in its grace period
        _window(6, closes=at - timedelta(hours=1), latest=at + timedelta(minutes=5), pool={7}),  # extra time
        _window(7, closes=at + timedelta(days=1), protect=False, pool={8}),               # switched off
    ]
    assert protecting_exams(exams, at) == {1, 3, 5, 6}
    assert protected_ids_of(exams, at) == {1, 2, 4, 6, 7}
    assert protected_ids_of(exams, at + timedelta(days=4)) == frozenset()
