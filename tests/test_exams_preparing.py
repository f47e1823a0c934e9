"""Papers prepared before the window opens (`flask --app run exams prepare`): the start uses the
stored paper, which is exactly the one its seed gives, for a first attempt only, never a paper the
start must avoid, never one of another publication; candidates added later draw at their start."""
from datetime import timedelta

from sqlalchemy import select, update

from tests.conftest import login
from trainingapp.accounts.models import User
from trainingapp.exams import authoring, starting
from trainingapp.exams.models import Attempt, Exam, PreparedPaper
from trainingapp.platform import clock
from trainingapp.platform.extensions import db

RULES = [("single", 3, 10), ("truefalse", 2, 20), ("fill", 1, 30)]


def _upcoming(make, people, **settings):
    make.bank()
    trainer = make.user(role="trainer")
    return trainer, make.exam(trainer, people, rules=RULES, opens_in=timedelta(minutes=10), **settings)


def _prepared(app, exam_id):
    with app.app_context():
        return {row.user_id: (row.seed, row.paper) for row in db.session.scalars(
            select(PreparedPaper).where(PreparedPaper.exam_id == exam_id))}


def _start(app, person, exam_id):
    client = app.test_client()
    login(client, person)
    response = client.post(f"/api/exams/{exam_id}/attempts")
    assert response.status_code in (200, 201), response.get_json()
    return client, response.get_json()


def _attempt(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def test_a_start_uses_the_prepared_paper_which_its_seed_gives(app, make, runner):
    first, second = make.user(), make.user()
    _trainer, exam = _upcoming(make, [first, second])
    result = runner.invoke(args=["exams", "prepare", str(exam.id)])
    assert result.exit_code == 0 and f"exam {exam.id}: prepared 2 papers" in result.output, result.output
    prepared = _prepared(app, exam.id)
    assert set(prepared) == {first.id, second.id} and prepared[first.id][0] != prepared[second.id][0]
    assert runner.invoke(args=["exams", "prepare", str(exam.id)]).output.strip() == f"exam {exam.id}: prepared 0 papers"
    clock.advance(timedelta(minutes=11))
    _client, body = _start(app, first, exam.id)
    attempt = _attempt(app, body["attempt_id"])
    assert (attempt.seed, attempt.paper) == prepared[first.id]
    assert float(attempt.total) == 100 and body["total"] == 100
    assert [q["id"] for q in body["questions"]] == [item["q"] for item in attempt.paper]
    with app.app_context():
        starting.forget_draw_inputs()
        published = db.session.get(Exam, exam.id)
        # The stored paper is the draw its seed gives from the publication's pool snapshot.
        assert starting.draw_paper(published, starting.draw_inputs(published), attempt.seed) == attempt.paper


def test_a_retry_returns_the_same_attempt_and_a_later_attempt_draws_afresh(app, make, runner):
    cadre = make.user()
    _trainer, exam = _upcoming(make, [cadre])
    runner.invoke(args=["exams", "prepare", str(exam.id)])
    seed = _prepared(app, exam.id)[cadre.id][0]
    clock.advance(timedelta(minutes=11))
    client, body = _start(app, cadre, exam.id)
    retried = client.post(f"/api/exams/{exam.id}/attempts")
    assert retried.status_code == 200 and retried.get_json()["attempt_id"] == body["attempt_id"]
    assert client.post(f"/api/attempts/{body['attempt_id']}/submit").status_code == 200
    again = client.post(f"/api/exams/{exam.id}/attempts")
    assert again.status_code == 201
    later = _attempt(app, again.get_json()["attempt_id"])
    assert later.number == 2 and later.seed != seed


def test_candidates_added_after_preparing_draw_at_their_start(app, make, runner):
    early, late = make.user(), make.user()
    trainer, exam = _upcoming(make, [early])
    runner.invoke(args=["exams", "prepare", str(exam.id)])
    with app.app_context():
        authoring.add_candidate(db.session.get(User, trainer.id), db.session.get(Exam, exam.id),
                                db.session.get(User, late.id), "new in the unit")
    clock.advance(timedelta(minutes=11))
    _client, body = _start(app, late, exam.id)
    attempt = _attempt(app, body["attempt_id"])
    assert attempt.number == 1 and len(attempt.paper) == 6 and late.id not in _prepared(app, exam.id)


def test_a_paper_of_another_publication_is_never_used_and_preparing_again_replaces_it(app, make, runner):
    cadre = make.user()
    _trainer, exam = _upcoming(make, [cadre])
    runner.invoke(args=["exams", "prepare", str(exam.id)])
    with app.app_context():
        db.session.execute(update(PreparedPaper).values(published_at=PreparedPaper.published_at - timedelta(days=1),
                                                        seed=7))
        db.session.commit()
    assert runner.invoke(args=["exams", "prepare", str(exam.id)]).output.strip() == f"exam {exam.id}: prepared 1 papers"
    assert _prepared(app, exam.id)[cadre.id][0] != 7
    with app.app_context():
        db.session.execute(update(PreparedPaper).values(published_at=PreparedPaper.published_at - timedelta(days=1),
                                                        seed=7))
        db.session.commit()
    clock.advance(timedelta(minutes=11))
    _client, body = _start(app, cadre, exam.id)
    assert _attempt(app, body["attempt_id"]).seed != 7


def test_a_prepared_paper_equal_to_a_personal_mock_paper_is_not_used(app, make, runner):
    make.bank({"truefalse": 12})
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 4, 25)], allow_personal_mock=True)
    client = app.test_client()
    login(client, cadre)
    mock_id = int(client.post(f"/my/exams/{exam.id}/mock").headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/api/attempts/{mock_id}/submit").status_code == 200
    with app.app_context():
        mock = db.session.get(Attempt, mock_id)
        mock_seed, mock_paper = mock.seed, mock.paper
    runner.invoke(args=["exams", "prepare", str(exam.id)])
    with app.app_context():
        # As if the draw before the window had given the paper of the mock sat since.
        db.session.execute(update(PreparedPaper).values(seed=mock_seed, paper=mock_paper))
        db.session.commit()
    _client, body = _start(app, cadre, exam.id)
    attempt = _attempt(app, body["attempt_id"])
    assert attempt.paper != mock_paper and attempt.seed != mock_seed


def test_prepare_needs_an_exam_or_all_upcoming_and_skips_closed_and_draft_exams(app, make, runner):
    cadre = make.user()
    trainer, upcoming = _upcoming(make, [cadre])
    closed = make.exam(trainer, [cadre], rules=RULES, opens_in=timedelta(days=-3), lasts=timedelta(days=1))
    draft = make.exam(trainer, [cadre], rules=RULES, publish=False)
    assert runner.invoke(args=["exams", "prepare"]).exit_code != 0
    assert runner.invoke(args=["exams", "prepare", str(upcoming.id), "--all-upcoming"]).exit_code != 0
    assert runner.invoke(args=["exams", "prepare", str(draft.id)]).exit_code != 0
    result = runner.invoke(args=["exams", "prepare", "--all-upcoming"])
    assert result.exit_code == 0 and result.output.strip() == f"exam {upcoming.id}: prepared 1 papers", result.output
    assert _prepared(app, closed.id) == {} and _prepared(app, draft.id) == {}
