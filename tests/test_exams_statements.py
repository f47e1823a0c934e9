"""Start and save use a small, fixed number of SQL statements whatever the paper size.

These count statements (behaviour), not time: a save that grew a query per question, or a
start that loaded the bank, would fail here long before it showed in a benchmark.
"""
from contextlib import contextmanager

from sqlalchemy import event, select

from tests.conftest import login
from trainingapp.platform.extensions import db


@contextmanager
def counting(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _measure(app, make, size):
    """Statements of a start, of its first save and of a later one, for an exam of `size` questions."""
    make.bank({"truefalse": size}, category=f"分类{size}")
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("truefalse", size, 1)])
    client = app.test_client()
    login(client, cadre)
    with counting(app) as started:
        body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    assert len(body["questions"]) == size
    question = body["questions"][-1]
    with counting(app) as saved:
        response = client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                              json={"answer": True, "seq": 1})
    assert response.status_code == 200
    with counting(app) as saved_again:
        response = client.put(f"/api/attempts/{body['attempt_id']}/answers/{body['questions'][0]['id']}",
                              json={"answer": False, "seq": 2})
    assert response.status_code == 200 and response.get_json()["saved"] is True
    return started, saved, saved_again


def test_start_and_save_statement_counts_do_not_grow_with_the_paper(app, make):
    small_start, small_save, small_next = _measure(app, make, 5)
    large_start, large_save, large_next = _measure(app, make, 40)
    # The exam with the person's session checks, the candidacy and the number of attempts so
    # far; the pool and the rules (once per process); the insert; the paper's questions. The
    # person is not loaded separately, nothing is reloaded after the commit, and earlier
    # attempts are not read when there are none.
    assert small_start == large_start == ["SELECT", "SELECT", "SELECT", "INSERT", "SELECT"], large_start
    assert len(small_save) == len(large_save), large_save
    writes = [s for s in large_save if s in ("INSERT", "UPDATE", "DELETE")]
    assert writes == ["INSERT"], large_save  # one atomic upsert (INSERT ... ON CONFLICT), never read-then-write
    # One read: the attempt with its exam's grace period and its owner's session checks (the
    # person is not loaded separately for a save).
    assert large_save.count("SELECT") == 1, large_save
    # Every later save of the attempt in this process: the upsert alone, its guard checking
    # what the first save read (saving.SaveHints).
    assert small_next == large_next == ["INSERT"], large_next


def test_a_published_exams_rules_and_pool_are_read_once_per_process(app, make):
    # A published exam's rules and pool snapshot never change, so after the first start each
    # process keeps them: the next candidate's start reads neither again.
    make.bank({"truefalse": 12, "single": 8})
    trainer, first, second = make.user(role="trainer"), make.user(), make.user()
    exam = make.exam(trainer, [first, second], rules=[("truefalse", 6, 2), ("single", 4, 5)])
    counts, papers = [], []
    for person in (first, second):
        client = app.test_client()
        login(client, person)
        with counting(app) as statements:
            body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
        counts.append(len(statements))
        papers.append(body)
    assert counts[1] == counts[0] - 2 == 3, counts  # neither the pool nor the rules
    for body in papers:
        assert body["total"] == 32
        assert sorted(q["type"] for q in body["questions"]) == ["single"] * 4 + ["truefalse"] * 6
        assert len({q["id"] for q in body["questions"]}) == 10


def test_a_start_with_a_prepared_paper_is_three_statements_whatever_the_paper_size(app, make, runner):
    # The synchronized start: with the paper drawn before the window opened, even the process's
    # first start of the exam reads neither the pool nor the rules, and draws nothing.
    from datetime import timedelta

    from trainingapp.exams import starting
    from trainingapp.platform import clock
    counts = []
    for size in (5, 40):
        make.bank({"truefalse": size}, category=f"分类{size}")
        trainer, cadre = make.user(role="trainer"), make.user()
        exam = make.exam(trainer, [cadre], rules=[("truefalse", size, 1)], opens_in=timedelta(minutes=10))
        assert "prepared 1 papers" in runner.invoke(args=["exams", "prepare", str(exam.id)]).output
        clock.advance(timedelta(minutes=11))
        starting.forget_draw_inputs()
        client = app.test_client()
        login(client, cadre)
        with counting(app) as started:
            body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
        assert len(body["questions"]) == size
        counts.append(started)
    # The exam with the session checks, the candidacy, the attempts so far and the prepared
    # paper; the insert; the paper's questions.
    assert counts[0] == counts[1] == ["SELECT", "INSERT", "SELECT"], counts


def test_a_start_reads_the_papers_questions_once_per_process_and_shows_them_as_stored(app, make):
    # A published exam locks its questions' stems and options, so once a process has read them
    # for this publication the next candidates' starts are the candidacy read and the insert.
    from trainingapp.questionbank.models import Question
    make.bank({"single": 6, "truefalse": 6})
    trainer, *people = make.user(role="trainer"), make.user(), make.user(), make.user()
    exam = make.exam(trainer, people, rules=[("single", 6, 5), ("truefalse", 6, 5)])
    counts, papers = [], []
    for person in people:
        client = app.test_client()
        login(client, person)
        with counting(app) as statements:
            papers.append(client.post(f"/api/exams/{exam.id}/attempts").get_json())
        counts.append(statements)
    assert counts[1] == counts[2] == ["SELECT", "INSERT"], counts
    with app.app_context():
        stored = {q.id: q for q in db.session.scalars(select(Question))}
        for body in papers:
            assert [section["heading"] for section in body["sections"]] == [
                "一、单项选择题（共6题，每题5分）", "二、判断题（共6题，每题5分）"]
            for shown in body["questions"]:
                question = stored[shown["id"]]
                assert shown["stem"] == question.stem
                # Each candidate's own option order, with the stored texts.
                assert sorted(option["text"] for option in shown["options"]) == sorted(
                    question.options if shown["type"] == "single" else [])
    orders = {tuple(o["text"] for o in q["options"]) for body in papers for q in body["questions"] if q["options"]}
    assert len(orders) > 6  # options shuffled per candidate, not one cached order


def test_a_draft_preview_is_not_kept(app, make):
    # Only a publication's texts are kept: a draft's questions can still be edited.
    from trainingapp.exams import paper_texts
    from trainingapp.exams.models import Exam
    from trainingapp.questionbank.models import Question
    make.bank({"truefalse": 3})
    trainer = make.user(role="trainer")
    exam = make.exam(trainer, [], rules=[("truefalse", 3, 10)], publish=False)
    with app.app_context():
        draft = db.session.get(Exam, exam.id)
        ids = list(db.session.scalars(select(Question.id)))
        assert set(paper_texts.question_texts(draft, ids)) == set(ids)
        db.session.get(Question, ids[0]).stem = "改过的题干"
        db.session.commit()
        assert paper_texts.question_texts(draft, ids)[ids[0]][0] == "改过的题干"
