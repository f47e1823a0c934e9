"""Marking subjective answers (阅卷, issue #25 part 3): single and double marking, arbitration,
blindness, anonymity, bounds, claims, audit, remarking after publication with the result and
certificate following, who may mark, and the item analysis of subjective questions."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.accounts.audit import AuditEvent
from trainingapp.exams.finalising import close_attempt
from trainingapp.exams.models import Answer, Attempt, Certificate, Exam, Mark
from trainingapp.notifications.models import Notification
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question

SHORT_KEY = [{"reference": "依法行政的基本要求：合法行政、合理行政、程序正当。", "marks": 10.0,
              "rubric": [{"point": "合法行政", "marks": 4.0}, {"point": "合理行政", "marks": 3.0},
                         {"point": "程序正当", "marks": 3.0}]}]
CASE_KEY = [{"reference": "违法：未告知陈述申辩权利。", "marks": 6.0, "rubric": []},
            {"reference": "应当撤销并重新作出。", "marks": 4.0, "rubric": []}]


def subjective(app, qtype):
    """A 简答 worth 10 (three scoring points) or a 案例分析 worth 10 (two parts, no rubric)."""
    from trainingapp.questionbank.parsing import QuestionData
    data = QuestionData(qtype=qtype, stem="简述依法行政的基本要求。" if qtype == "short" else "某局作出罚款决定……",
                        options=[] if qtype == "short" else ["该决定是否合法？", "应当如何处理？"],
                        answer=SHORT_KEY if qtype == "short" else CASE_KEY, points=10.0, difficulty="medium",
                        category="行政法", explanation="", basis="", is_active=True)
    with app.app_context():
        question = Question()
        question.apply(data)
        db.session.add(question)
        db.session.commit()
        db.session.refresh(question)
        db.session.expunge(question)
        return question


def setting_up(app, make, *, cadres=3, **settings):
    """An exam of a single choice (40) + a 简答 (30) + a 案例分析 (30), pass 60; each cadre
    answered the single choice right and wrote both texts, then finished."""
    trainer = make.user(role="trainer", name="出题老师")
    single = make.question("single", answer="A")
    short, case = subjective(app, "short"), subjective(app, "case")
    people = [make.user(name=f"考生{n}号") for n in range(cadres)]
    exam = make.exam(trainer, people, fixed=[(single, 40), (short, 30), (case, 30)], **settings)
    attempts = [finish(app, exam, person, {single.id: "A", short.id: f"{person.name}的简答",
                                           case.id: ["不合法", "撤销"]}) for person in people]
    return trainer, exam, (single, short, case), people, attempts


def finish(app, exam, person, responses):
    """A finished attempt of `person` with these responses, closed the way a submit closes it."""
    with app.app_context():
        moment = clock.now()
        found = db.session.get(Exam, exam.id)
        paper = [{"q": item.question_id, "p": float(item.points), "t": item.question.qtype, "o": [],
                  "n": len(item.question.options) if item.question.qtype != "case" else 0,
                  "b": len(item.question.answer) if item.question.qtype == "case" else 0}
                 for item in found.fixed_items]
        number = len(db.session.scalars(select(Attempt.id).where(Attempt.exam_id == exam.id,
                                                                 Attempt.user_id == person.id)).all()) + 1
        attempt = Attempt(exam_id=exam.id, user_id=person.id, number=number, seed=1, paper=paper, started_at=moment,
                          deadline_at=moment + timedelta(minutes=30), total=found.total_points)
        db.session.add(attempt)
        db.session.flush()
        for question_id, response in responses.items():
            db.session.add(Answer(attempt_id=attempt.id, question_id=question_id, response=response))
        db.session.flush()
        close_attempt(attempt, "submitted", moment, None)
        db.session.commit()
        return attempt.id


def attempt_of(app, attempt_id):
    with app.app_context():
        found = db.session.get(Attempt, attempt_id)
        db.session.expunge(found)
        return found


def signed_in(app, person):
    client = app.test_client()
    assert login(client, person).status_code == 302
    return client


def url(exam, question, round_="first", number=None):
    base = f"/exams/{exam.id}/marking/{question.id}/{round_}"
    return f"{base}/next" if number is None else f"{base}/{number}"


SHORT_FULL = {"p0_1": "4", "p0_2": "3", "p0_3": "3"}


def short_marks(total_of_three):
    """Scoring point marks (in the paper's 30 points: 12 + 9 + 9) adding up to the total."""
    first = min(12, total_of_three)
    second = min(9, total_of_three - first)
    return {"p0_1": f"{first:g}", "p0_2": f"{second:g}", "p0_3": f"{total_of_three - first - second:g}"}


def mark(client, exam, question, number, values, round_="first", action="next", **extra):
    return client.post(url(exam, question, round_, number), data={**values, "action": action, **extra})


def marks_of(app, attempt_id, question_id):
    with app.app_context():
        return {m.round: (float(m.total), m.marker_id) for m in db.session.scalars(
            select(Mark).where(Mark.attempt_id == attempt_id, Mark.question_id == question_id))}


def answer_score(app, attempt_id, question_id):
    with app.app_context():
        found = db.session.get(Answer, (attempt_id, question_id))
        return None if found.score is None else float(found.score)


# --- single marking -------------------------------------------------------------------------

def test_a_finished_attempt_waits_and_single_marking_completes_it_with_a_certificate(app, make):
    trainer, exam, (_single, short, case), (cadre,), (attempt_id,) = setting_up(app, make, cadres=1)
    waiting = attempt_of(app, attempt_id)
    assert waiting.awaiting_marks and waiting.score is None
    client = signed_in(app, trainer)
    # The queue hands out answer #1; the page shows the reference and the scoring points.
    opened = client.get(url(exam, short))
    assert opened.status_code == 302 and opened.location.endswith(url(exam, short, number=1))
    page = client.get(url(exam, short, number=1)).get_data(as_text=True)
    assert "合法行政" in page and "依法行政的基本要求：合法行政" in page and "已阅 0/1" in page
    assert mark(client, exam, short, 1, short_marks(24)).status_code == 302
    assert answer_score(app, attempt_id, short.id) == 24
    assert attempt_of(app, attempt_id).awaiting_marks  # the case analysis still waits
    # A case analysis without scoring points: one mark per sub-question, in the paper's points (18 + 12).
    page = client.get(url(exam, case, number=1)).get_data(as_text=True)
    assert "该决定是否合法？" in page and "不合法" in page and "/ 18" in page and "/ 12" in page
    assert mark(client, exam, case, 1, {"p0": "15", "p1": "10.5"}).status_code == 302
    done = attempt_of(app, attempt_id)
    assert not done.awaiting_marks and done.score == 40 + 24 + 25.5
    # The candidate hears of the result once, when the last mark made it final (not at submit).
    def results_announced():
        with app.app_context():
            return db.session.scalars(select(Notification.kind).where(Notification.user_id == cadre.id,
                                                                      Notification.kind == "result_ready")).all()
    assert results_announced() == ["result_ready"]
    with app.app_context():
        assert db.session.get(Answer, (attempt_id, case.id)).is_correct is False
    # The result passes: the cadre can download the certificate.
    cadre_client = signed_in(app, cadre)
    assert cadre_client.post(f"/my/exams/{exam.id}/certificate").mimetype == "application/pdf"


def test_full_marks_make_the_answer_correct_and_fullwidth_digits_are_accepted(app, make):
    trainer, exam, (_single, short, _case), _people, (attempt_id,) = setting_up(app, make, cadres=1)
    client = signed_in(app, trainer)
    assert mark(client, exam, short, 1, {"p0_1": "１２", "p0_2": "9", "p0_3": "9"}).status_code == 302
    with app.app_context():
        answer = db.session.get(Answer, (attempt_id, short.id))
        assert float(answer.score) == 30 and answer.is_correct is True


def test_marks_out_of_bounds_or_off_the_half_point_step_are_refused_with_a_clear_message(app, make):
    trainer, exam, (_single, short, _case), _people, (attempt_id,) = setting_up(app, make, cadres=1)
    client = signed_in(app, trainer)
    for bad in ("13", "-1", "2.3", "", "abc"):
        refused = mark(client, exam, short, 1, {"p0_1": bad, "p0_2": "3", "p0_3": "3"})
        assert refused.status_code == 422
        text = refused.get_data(as_text=True)
        assert "第 1 小题 第 1 个评分要点" in text and "0 到 12" in text
        # What was typed is kept in the form.
        assert 'value="3"' in text
    assert marks_of(app, attempt_id, short.id) == {}


def test_every_mark_and_remark_is_audited_with_old_and_new_marks(app, make):
    trainer, exam, (_single, short, case), _people, (attempt_id,) = setting_up(app, make, cadres=1)
    client = signed_in(app, trainer)
    mark(client, exam, short, 1, short_marks(20))
    mark(client, exam, short, 1, short_marks(21), action="save")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("marking.%"))
                                    .order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["marking.mark", "marking.remark"]
        assert events[1].details["old"]["total"] == 20 and events[1].details["new"]["total"] == 21
        assert all(e.actor_id == trainer.id for e in events)
        assert "考生" not in events[0].subject  # anonymous in the log's subject too


# --- double marking and arbitration -----------------------------------------------------------

def test_double_marks_within_the_tolerance_give_their_mean_rounded_to_half_a_point(app, make):
    trainer, exam, (_single, short, case), _people, attempts = setting_up(app, make, cadres=2)
    admin = make.user(role="admin")
    first, second = signed_in(app, trainer), signed_in(app, admin)
    assert first.post(f"/exams/{exam.id}/marking/settings",
                      data={"double": "y", "tolerance": "3", "anonymous": "y"}).status_code == 302
    mark(first, exam, short, 1, short_marks(20))
    assert answer_score(app, attempts[0], short.id) is None  # waits for the second mark
    # The first marker cannot give the second mark.
    assert mark(first, exam, short, 1, short_marks(20), round_="second").status_code == 422
    mark(second, exam, short, 1, short_marks(21), round_="second")
    assert answer_score(app, attempts[0], short.id) == 20.5
    # 20 and 20.5: the mean 20.25 rounds up to 20.5.
    mark(first, exam, short, 2, short_marks(20))
    mark(second, exam, short, 2, {"p0_1": "12", "p0_2": "8.5", "p0_3": "0"}, round_="second")
    assert answer_score(app, attempts[1], short.id) == 20.5
    # Double marking is fixed once marks exist.
    first.post(f"/exams/{exam.id}/marking/settings", data={"tolerance": "3", "anonymous": "y"})
    with app.app_context():
        assert db.session.get(Exam, exam.id).double_marking is True


def test_double_marks_beyond_the_tolerance_go_to_a_third_person_whose_mark_is_final(app, make):
    trainer, exam, (_single, short, case), _people, (attempt_id,) = setting_up(
        app, make, cadres=1, double_marking=True, marking_tolerance=2)
    admin, arbitrator = make.user(role="admin"), make.user(role="admin")
    first, second, third = signed_in(app, trainer), signed_in(app, admin), signed_in(app, arbitrator)
    mark(first, exam, short, 1, short_marks(10))
    mark(second, exam, short, 1, short_marks(20), round_="second")
    assert answer_score(app, attempt_id, short.id) is None
    overview = third.get(f"/exams/{exam.id}/marking").get_data(as_text=True)
    assert "1 份待仲裁" in overview
    # Neither earlier marker may arbitrate.
    assert mark(first, exam, short, 1, short_marks(15), round_="arbitration").status_code == 422
    assert mark(second, exam, short, 1, short_marks(15), round_="arbitration").status_code == 422
    # The arbitrator sees both marks, then gives the final one.
    page = third.get(url(exam, short, "arbitration", 1)).get_data(as_text=True)
    assert 'id="earlier-marks"' in page and "<strong>10</strong>" in page and "<strong>20</strong>" in page
    assert mark(third, exam, short, 1, short_marks(13), round_="arbitration").status_code == 302
    assert answer_score(app, attempt_id, short.id) == 13
    assert set(marks_of(app, attempt_id, short.id)) == {"first", "second", "arbitration"}
    # Arbitration is only for answers whose marks disagree.
    mark(first, exam, case, 1, {"p0": "10", "p1": "10"})
    mark(second, exam, case, 1, {"p0": "11", "p1": "10"}, round_="second")
    assert mark(third, exam, case, 1, {"p0": "1", "p1": "1"}, round_="arbitration").status_code == 422
    assert attempt_of(app, attempt_id).score == 40 + 13 + 20.5


def test_the_second_marker_never_sees_the_first_mark(app, make):
    trainer, exam, (_single, short, _case), _people, _attempts = setting_up(
        app, make, cadres=1, double_marking=True)
    admin = make.user(role="admin")
    first, second = signed_in(app, trainer), signed_in(app, admin)
    mark(first, exam, short, 1, {"p0_1": "11.5", "p0_2": "7", "p0_3": "2"}, comment="第一评语：要点不全")
    page = second.get(url(exam, short, "second", 1)).get_data(as_text=True)
    assert "第一评语" not in page and "11.5" not in page and 'id="earlier-marks"' not in page
    assert 'name="p0_1"' in page and 'value=""' in page
    # Not through the arbitration page either: nothing to arbitrate, nothing shown.
    page = second.get(url(exam, short, "arbitration", 1)).get_data(as_text=True)
    assert "第一评语" not in page and "11.5" not in page and 'id="earlier-marks"' not in page


def test_a_manager_sees_and_changes_another_markers_blind_mark_only_once_both_marks_are_in(app, make):
    # The admin manages every exam and gives the second mark: opening the first round must not
    # show them the first mark while theirs is still to come.
    trainer, exam, (_single, short, _case), _people, (attempt_id,) = setting_up(
        app, make, cadres=1, double_marking=True, marking_tolerance=2)
    admin = make.user(role="admin")
    first, second = signed_in(app, trainer), signed_in(app, admin)
    mark(first, exam, short, 1, {"p0_1": "11.5", "p0_2": "7", "p0_3": "2"}, comment="第一评语：要点不全")
    page = second.get(url(exam, short, "first", 1)).get_data(as_text=True)
    assert "第一评语" not in page and "11.5" not in page and 'id="marking-refusal"' in page
    assert "盲评" in page  # the refusal says why
    # Nor may they change it unseen; the first mark stays the trainer's.
    assert mark(second, exam, short, 1, short_marks(3)).status_code == 422
    assert marks_of(app, attempt_id, short.id)["first"] == (20.5, trainer.id)
    # They still give the second mark, blind.
    assert mark(second, exam, short, 1, short_marks(21), round_="second").status_code == 302
    assert answer_score(app, attempt_id, short.id) == 21
    # Both marks in: another admin, who manages every exam, now sees the first mark and may change it.
    third = signed_in(app, make.user(role="admin"))
    page = third.get(url(exam, short, "first", 1)).get_data(as_text=True)
    assert 'id="marking-refusal"' not in page and "第一评语" in page and 'value="11.5"' in page
    assert mark(third, exam, short, 1, short_marks(22), reason="复核：第一评分漏计要点").status_code == 302
    assert marks_of(app, attempt_id, short.id)["first"][0] == 22.0


# --- anonymity, access, claims ------------------------------------------------------------------

def test_the_queue_shows_answer_numbers_never_names_unless_anonymity_is_off(app, make):
    trainer, exam, (_single, short, _case), people, _attempts = setting_up(app, make, cadres=2)
    client = signed_in(app, trainer)
    for path in (f"/exams/{exam.id}/marking", url(exam, short, number=1), url(exam, short, number=2)):
        html = client.get(path).get_data(as_text=True)
        for person in people:
            assert person.name not in html.replace(f"{person.name}的简答", "") and person.login not in html
            assert "/attempts/" not in html
    assert "答卷 #2" in client.get(url(exam, short, number=2)).get_data(as_text=True)
    client.post(f"/exams/{exam.id}/marking/settings", data={"tolerance": "2"})  # anonymous unticked
    assert 'id="candidate-name"' in client.get(url(exam, short, number=1)).get_data(as_text=True)


def test_a_cadre_opens_no_marking_page_and_a_trainer_who_does_not_manage_the_exam_cannot_mark(app, make):
    trainer, exam, (_single, short, _case), (cadre,), (attempt_id,) = setting_up(app, make, cadres=1)
    cadre_client, other = signed_in(app, cadre), signed_in(app, make.user(role="trainer", login="other-trainer"))
    for client in (cadre_client, other):
        for path in (f"/exams/{exam.id}/marking", url(exam, short), url(exam, short, number=1)):
            assert client.get(path).status_code == 403
        assert mark(client, exam, short, 1, SHORT_FULL).status_code == 403
        assert client.post(f"/exams/{exam.id}/marking/settings", data={"tolerance": "1"}).status_code == 403
    assert marks_of(app, attempt_id, short.id) == {}
    # Added as a marker by the exam's trainer, the other trainer may mark, but not change the settings.
    manager = signed_in(app, trainer)
    manager.post(f"/exams/{exam.id}/marking/markers", data={"login": "other-trainer"})
    assert other.get(url(exam, short, number=1)).status_code == 200
    assert mark(other, exam, short, 1, short_marks(20)).status_code == 302
    assert other.post(f"/exams/{exam.id}/marking/settings", data={"tolerance": "1"}).status_code == 403


def test_an_attempt_in_progress_is_never_in_the_queue(app, make):
    trainer, exam, (_single, short, _case), _people, _attempts = setting_up(app, make, cadres=1)
    late = make.user()
    with app.app_context():
        moment = clock.now()
        attempt = Attempt(exam_id=exam.id, user_id=late.id, number=1, seed=1, total=100, started_at=moment,
                          deadline_at=moment + timedelta(minutes=30),
                          paper=[{"q": short.id, "p": 30, "t": "short", "o": [], "n": 0, "b": 0}])
        db.session.add(attempt)
        db.session.flush()
        db.session.add(Answer(attempt_id=attempt.id, question_id=short.id, response="还在写"))
        db.session.commit()
    client = signed_in(app, trainer)
    assert client.get(url(exam, short, number=2)).status_code == 404
    assert mark(client, exam, short, 2, SHORT_FULL).status_code == 404


def test_two_markers_of_the_same_round_are_handed_different_answers(app, make):
    trainer, exam, (_single, short, _case), _people, attempts = setting_up(app, make, cadres=2)
    admin = make.user(role="admin")
    one, two = signed_in(app, trainer), signed_in(app, admin)
    assert one.get(url(exam, short)).location.endswith(url(exam, short, number=1))
    assert two.get(url(exam, short)).location.endswith(url(exam, short, number=2))
    # The answer #1 the trainer holds: the admin's save is refused, the trainer's accepted.
    refused = mark(two, exam, short, 1, short_marks(5))
    assert refused.status_code == 422 and "另一位阅卷人正在批阅" in refused.get_data(as_text=True)
    assert mark(one, exam, short, 1, short_marks(6)).status_code == 302
    assert marks_of(app, attempts[0], short.id) == {"first": (6.0, trainer.id)}
    # After the lease runs out, someone else may take an abandoned answer.
    clock.advance(timedelta(minutes=6))
    assert one.get(url(exam, short)).location.endswith(url(exam, short, number=2))


# --- remarking after publication ---------------------------------------------------------------

def test_a_remark_after_publication_needs_a_reason_and_moves_result_report_and_certificate(app, make):
    trainer, exam, (_single, short, case), (cadre,), (attempt_id,) = setting_up(app, make, cadres=1)
    client = signed_in(app, trainer)
    mark(client, exam, short, 1, short_marks(20))
    mark(client, exam, case, 1, {"p0": "10", "p1": "5"})
    assert attempt_of(app, attempt_id).score == 75
    cadre_client = signed_in(app, cadre)
    assert cadre_client.post(f"/my/exams/{exam.id}/certificate").mimetype == "application/pdf"
    # Published: a change needs a reason.
    refused = mark(client, exam, short, 1, short_marks(0), action="save")
    assert refused.status_code == 422 and "说明" in refused.get_data(as_text=True)
    assert attempt_of(app, attempt_id).score == 75
    assert mark(client, exam, short, 1, short_marks(0), action="save", reason="复核：答非所问").status_code == 302
    assert attempt_of(app, attempt_id).score == 55  # a fail now
    with app.app_context():
        assert db.session.scalars(select(Certificate).where(Certificate.revoked_at.is_(None),
                                                            Certificate.kind == "certificate")).all() == []
        remark = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "marking.remark"))
        assert remark.details["reason"] == "复核：答非所问" and remark.details["old"]["total"] == 20
    assert cadre_client.post(f"/my/exams/{exam.id}/certificate").status_code != 200
    report = app.test_client()
    login(report, trainer)
    people = report.get(f"/reports/exams/{exam.id}/people").get_data(as_text=True)
    assert "55" in people
    # And back to a pass: a new certificate is issued on download.
    mark(client, exam, short, 1, short_marks(25), action="save", reason="再次复核")
    assert attempt_of(app, attempt_id).score == 80
    assert cadre_client.post(f"/my/exams/{exam.id}/certificate").mimetype == "application/pdf"
    with app.app_context():
        documents = db.session.scalars(select(Certificate).where(Certificate.kind == "certificate")).all()
        assert len(documents) == 2 and sum(d.revoked_at is None for d in documents) == 1
        assert float(next(d for d in documents if d.revoked_at is None).facts["score"]) == 80


# --- item analysis ---------------------------------------------------------------------------

def test_item_analysis_of_subjective_questions_matches_a_hand_count(app, make):
    trainer, exam, (single, short, case), _people, _attempts = setting_up(
        app, make, cadres=4, double_marking=True, marking_tolerance=2)
    admin, third = make.user(role="admin"), make.user(role="admin")
    first, second, arbiter = signed_in(app, trainer), signed_in(app, admin), signed_in(app, third)
    # Short answer (30 points): pairs (20, 21), (10, 16), (30, 29), (3, 3); the second goes to arbitration (12).
    for number, (a, b) in enumerate([(20, 21), (10, 16), (30, 29), (3, 3)], start=1):
        mark(first, exam, short, number, short_marks(a))
        mark(second, exam, short, number, short_marks(b), round_="second")
    mark(arbiter, exam, short, 2, short_marks(12), round_="arbitration")
    # Finals: 20.5, 12, 29.5, 3 → mean 16.25; shares .683 .4 .983 .1 → mean .5417; bands: 0–20 %: 1,
    # 40–60 %: 1, 60–80 %: 1, 80–100 %: 1. Agreement: 3 of 4 within 2, mean |diff| (1+6+1+0)/4 = 2, 1 arbitrated.
    html = first.get(f"/reports/exams/{exam.id}/items").get_data(as_text=True)
    assert 'id="subjective-items"' in html
    row = html.split(f'data-subjective="{short.id}"')[1].split("</tr>")[0]
    assert "16.25" in row and "54%" in row and "1 · 0 · 1 · 1 · 1" in row
    assert "3/4" in row and "75%" in row and "2.00" in row and 'data-arbitrated="1"' in row
    case_row = html.split(f'data-subjective="{case.id}"')[1].split("</tr>")[0]
    assert 'data-waiting="4"' in case_row
    # The right-or-wrong table (facility, discrimination) holds the objective question only.
    assert f'data-question="{single.id}"' in html
    assert f'data-question="{short.id}"' not in html and f'data-question="{case.id}"' not in html


@pytest.mark.parametrize("role", ["liaison"])
def test_other_staff_roles_cannot_open_the_marking_overview(app, make, as_role, role):
    _trainer, exam, _questions, _people, _attempts = setting_up(app, make, cadres=1)
    assert as_role(role).get(f"/exams/{exam.id}/marking").status_code == 403


def test_skipping_gives_the_answer_back_and_moves_on(app, make):
    trainer, exam, (_single, short, _case), _people, _attempts = setting_up(app, make, cadres=2)
    admin = make.user(role="admin")
    one, two = signed_in(app, trainer), signed_in(app, admin)
    assert one.get(url(exam, short)).location.endswith(url(exam, short, number=1))
    skipped = mark(one, exam, short, 1, {}, action="skip")
    assert skipped.status_code == 302
    assert one.get(skipped.location).location.endswith(url(exam, short, number=2))
    # The skipped answer is free for the next marker.
    assert two.get(url(exam, short)).location.endswith(url(exam, short, number=1))
