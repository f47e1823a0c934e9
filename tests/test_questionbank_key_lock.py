"""A question published exams use is locked; its key changes only by a correction that
regrades; every question edit, retirement and deletion is audited (issue #20, finding 3)."""
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import login
from trainingapp.accounts.audit import AuditEvent
from trainingapp.exams.models import Attempt
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.questionbank.formats import answer_notation
from trainingapp.questionbank.models import Question


def form_of(app, question_id, **changes):
    """The editor's form for the question as stored, with `changes` applied."""
    with app.app_context():
        q = db.session.get(Question, question_id)
        fields = {"qtype": q.qtype, "stem": q.stem, "answer": answer_notation(q.to_data()),
                  "explanation": q.explanation, "points": f"{float(q.points):g}", "difficulty": q.difficulty,
                  "category": q.category, "knowledge_point": q.knowledge_point, "basis": q.basis,
                  "status": "active" if q.is_active else "inactive"}
        for index, text in enumerate(q.options or []):
            fields[f"option_{'ABCDEFGH'[index]}"] = text
    fields.update(changes)
    return fields


def question(app, question_id):
    with app.app_context():
        found = db.session.get(Question, question_id)
        if found is not None:
            db.session.expunge(found)
        return found


def events(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id)).all()


def score_of(app, attempt_id):
    with app.app_context():
        return db.session.get(Attempt, attempt_id).score


def sit(app, exam, cadre, answers, *, submit=True):
    """The cadre starts the exam, saves `answers` ({question id: response}) and submits."""
    client = app.test_client()
    login(client, cadre)
    attempt_id = client.post(f"/api/exams/{exam.id}/attempts").get_json()["attempt_id"]
    for seq, (question_id, response) in enumerate(answers.items(), start=1):
        saved = client.put(f"/api/attempts/{attempt_id}/answers/{question_id}", json={"answer": response, "seq": seq})
        assert saved.status_code == 200, saved.get_json()
    if submit:
        client.post(f"/api/attempts/{attempt_id}/submit")
    return client, attempt_id


def test_another_trainer_cannot_change_the_key_of_a_question_in_a_running_exam(app, make):
    key_question, other = make.question("single", answer="A"), make.question("truefalse", answer=True)
    owner, intruder = make.user(role="trainer"), make.user(role="trainer")
    done_cadre, running_cadre = make.user(), make.user()
    exam = make.exam(owner, [done_cadre, running_cadre], fixed=[(key_question, 50), (other, 50)], title="县普法考试")
    _client, done = sit(app, exam, done_cadre, {key_question.id: "A", other.id: True})
    running_client, running = sit(app, exam, running_cadre, {key_question.id: "A", other.id: True}, submit=False)
    assert score_of(app, done) == 100

    attacker = app.test_client()
    login(attacker, intruder)
    page = attacker.post(f"/questions/{key_question.id}", data=form_of(app, key_question.id, answer="B"),
                         follow_redirects=True).get_data(as_text=True)
    assert "《县普法考试》" in page and "/correct-key" in page
    assert question(app, key_question.id).answer == "A"
    # Nor the stem, options or points: what candidates saw stays as they saw it.
    before = question(app, key_question.id)
    for change in ({"stem": "改过的题干"}, {"option_B": "改过的选项"}, {"points": "9"}):
        attacker.post(f"/questions/{key_question.id}", data=form_of(app, key_question.id, **change))
    after = question(app, key_question.id)
    assert (after.stem, after.options, after.points) == (before.stem, before.options, before.points)
    # The correction is the owner's: another trainer is told whose it is, and changes nothing.
    refused = attacker.post(f"/exams/questions/{key_question.id}/correct-key",
                            data={"new_key": "B", "reason": "我认为答案是B", "confirm": "1"})
    assert refused.status_code == 403 and "《县普法考试》" in refused.get_data(as_text=True)
    assert attacker.get(f"/exams/questions/{key_question.id}/correct-key").status_code == 403
    assert question(app, key_question.id).answer == "A"
    # Grading of the owner's attempts is unchanged: the running one submits against key A.
    running_client.post(f"/api/attempts/{running}/submit")
    assert score_of(app, running) == 100 and score_of(app, done) == 100
    assert events(app, "question.edit") == [] and events(app, "question.key_correction") == []


def test_the_owner_corrects_the_key_and_exactly_the_affected_attempts_change(app, make):
    wrong = make.question("truefalse", answer=False)          # the key should have been True
    sure = make.question("single", answer="A")
    trainer = make.user(role="trainer")
    right, misled, silent, late = (make.user(name=n) for n in ("张三", "李四", "王五", "赵六"))
    exam = make.exam(trainer, [right, misled, silent, late], fixed=[(wrong, 50), (sure, 50)], title="宪法考试")
    unrelated_cadre = make.user()
    unrelated = make.exam(trainer, [unrelated_cadre], fixed=[(sure, 100)], title="另一场考试")
    _c, a_right = sit(app, exam, right, {wrong.id: True, sure.id: "A"})      # 50 -> 100, fail -> excellent
    _c, a_misled = sit(app, exam, misled, {wrong.id: False, sure.id: "A"})   # 100 -> 50, excellent -> fail
    _c, a_silent = sit(app, exam, silent, {sure.id: "A"})                    # 50, unchanged
    late_client, a_late = sit(app, exam, late, {wrong.id: True, sure.id: "A"}, submit=False)
    _c, a_unrelated = sit(app, unrelated, unrelated_cadre, {sure.id: "A"})
    assert [score_of(app, a) for a in (a_right, a_misled, a_silent)] == [50, 100, 50]

    owner = app.test_client()
    login(owner, trainer)
    page = owner.get(f"/questions/{wrong.id}").get_data(as_text=True)
    assert f"/exams/questions/{wrong.id}/correct-key" in page
    page = owner.get(f"/exams/questions/{wrong.id}/correct-key").get_data(as_text=True)
    assert 'id="current-key">错<' in page

    # The preview names exactly the attempts whose score changes, and changes nothing.
    reason = "依据新修订条文，本题应为正确"
    page = owner.post(f"/exams/questions/{wrong.id}/correct-key",
                      data={"new_key": "对", "reason": reason, "preview": "1"}).get_data(as_text=True)
    assert f'data-attempt="{a_right}"' in page and f'data-attempt="{a_misled}"' in page
    assert f'data-attempt="{a_silent}"' not in page and "50 → 100" in page and "100 → 50" in page
    assert "已交卷答卷 3 份，成绩变动 2 份" in page
    assert question(app, wrong.id).answer is False and score_of(app, a_right) == 50

    # A reason is required; without one nothing changes.
    owner.post(f"/exams/questions/{wrong.id}/correct-key", data={"new_key": "对", "reason": " ", "confirm": "1"})
    assert question(app, wrong.id).answer is False

    done = owner.post(f"/exams/questions/{wrong.id}/correct-key",
                      data={"new_key": "对", "reason": "依据新修订条文，本题应为正确", "confirm": "1"})
    assert done.status_code == 200 and 'id="result"' in done.get_data(as_text=True)
    assert question(app, wrong.id).answer is True
    assert [score_of(app, a) for a in (a_right, a_misled, a_silent, a_unrelated)] == [100, 50, 50, 100]
    late_client.post(f"/api/attempts/{a_late}/submit")
    assert score_of(app, a_late) == 100  # graded with the corrected key

    (entry,) = events(app, "question.key_correction")
    assert entry.actor_id == trainer.id
    details = entry.details
    assert (details["question_id"], details["old_key"], details["new_key"]) == (wrong.id, False, True)
    assert details["reason"] == "依据新修订条文，本题应为正确" and details["exams"] == [exam.id]
    assert details["regraded"] == 3
    assert sorted((a["id"], a["old_score"], a["new_score"]) for a in details["attempts"]) == sorted(
        [(a_right, 50, 100), (a_misled, 100, 50)])


def test_correction_needs_every_affected_exam_owner_or_an_admin(app, make, as_role):
    shared = make.question("single", answer="A")
    first, second = make.user(role="trainer"), make.user(role="trainer")
    cadre = make.user()
    make.exam(first, [cadre], fixed=[(shared, 100)], title="甲考试")
    make.exam(second, [cadre], fixed=[(shared, 100)], title="乙考试")
    owner_of_one = app.test_client()
    login(owner_of_one, first)
    refused = owner_of_one.post(f"/exams/questions/{shared.id}/correct-key",
                                data={"new_key": "B", "reason": "答案有误", "confirm": "1"})
    assert refused.status_code == 403 and "《乙考试》" in refused.get_data(as_text=True)
    assert question(app, shared.id).answer == "A"
    admin = as_role("admin")
    bad = admin.post(f"/exams/questions/{shared.id}/correct-key",
                     data={"new_key": "E", "reason": "答案有误", "confirm": "1"}).get_data(as_text=True)
    assert "alert-danger" in bad and question(app, shared.id).answer == "A"  # no option E
    admin.post(f"/exams/questions/{shared.id}/correct-key", data={"new_key": "B", "reason": "答案有误", "confirm": "1"})
    assert question(app, shared.id).answer == "B"
    assert events(app, "question.key_correction")[0].actor_id == admin.user.id


def test_explanation_and_basis_of_a_locked_question_stay_editable_and_are_audited(app, make):
    locked = make.question("single", answer="A")
    trainer = make.user(role="trainer")
    make.exam(trainer, [make.user()], fixed=[(locked, 100)])
    client = app.test_client()
    login(client, trainer)
    response = client.post(f"/questions/{locked.id}",
                           data=form_of(app, locked.id, explanation="新的解析", basis="《行政处罚法》第三十六条"))
    assert response.status_code == 302
    stored = question(app, locked.id)
    assert (stored.explanation, stored.basis, stored.answer) == ("新的解析", "《行政处罚法》第三十六条", "A")
    (entry,) = events(app, "question.edit")
    assert entry.actor_id == trainer.id and entry.details["question_id"] == locked.id
    assert entry.details["changes"] == {"explanation": ["解析", "新的解析"],
                                        "basis": ["《某法》第一条", "《行政处罚法》第三十六条"]}


def test_retire_and_delete_are_refused_while_an_exam_using_the_question_is_open(app, make):
    held = make.question("single", answer="A")
    trainer = make.user(role="trainer")
    make.exam(trainer, [make.user()], fixed=[(held, 100)], title="年度考试", lasts=timedelta(days=1))
    client = app.test_client()
    login(client, trainer)
    page = client.post(f"/questions/{held.id}/status", follow_redirects=True).get_data(as_text=True)
    assert "《年度考试》" in page and question(app, held.id).is_active is True
    page = client.post(f"/questions/{held.id}", data=form_of(app, held.id, status="inactive"),
                       follow_redirects=True).get_data(as_text=True)
    assert "《年度考试》" in page and question(app, held.id).is_active is True
    page = client.post(f"/questions/{held.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "《年度考试》" in page and question(app, held.id) is not None
    assert events(app, "question.retire") == [] and events(app, "question.delete") == []
    # Once the exam has closed it may be retired (audited); its key stays locked.
    clock.advance(timedelta(days=2))
    client = app.test_client()  # the session has idled out meanwhile
    login(client, trainer)
    client.post(f"/questions/{held.id}/status")
    assert question(app, held.id).is_active is False
    assert [e.details["question_id"] for e in events(app, "question.retire")] == [held.id]
    client.post(f"/questions/{held.id}", data=form_of(app, held.id, answer="B"))
    assert question(app, held.id).answer == "A"


def test_edits_retirements_and_deletions_of_free_questions_work_as_before_and_are_audited(app, make, as_role):
    trainer = as_role("trainer")
    free = make.question("single", answer="A")
    in_draft = make.question("single", answer="A")
    make.exam(trainer.user, [make.user()], fixed=[(in_draft, 100)], publish=False)
    for target in (free, in_draft):
        assert trainer.post(f"/questions/{target.id}", data=form_of(app, target.id, answer="C")).status_code == 302
        assert question(app, target.id).answer == "C"
    changes = [e.details["changes"] for e in events(app, "question.edit")]
    assert changes == [{"answer": ["A", "C"]}, {"answer": ["A", "C"]}]
    trainer.post(f"/questions/{free.id}/status")
    trainer.post(f"/questions/{free.id}/status")
    assert [e.action for e in events(app, "question.retire") + events(app, "question.reactivate")] == [
        "question.retire", "question.reactivate"]
    trainer.post(f"/questions/{free.id}/delete")
    assert question(app, free.id) is None
    (deleted,) = events(app, "question.delete")
    assert deleted.actor_id == trainer.user.id and deleted.details["question"]["answer"] == "C"
    created = trainer.post("/questions/new", data=form_of(app, in_draft.id, stem="新增的一道题"))
    assert created.status_code == 302 and len(events(app, "question.create")) == 1


def test_a_closed_rule_exam_frees_the_pool_questions_nobody_drew(app, make):
    drawn, undrawn = make.question("single", answer="A"), make.question("single", answer="A")
    trainer, cadre = make.user(role="trainer"), make.user()
    upcoming = make.exam(trainer, [cadre], rules=[("single", 1, 100)], opens_in=timedelta(days=1))
    client = app.test_client()
    login(client, trainer)
    # Upcoming: the whole pool is locked.
    for target in (drawn, undrawn):
        client.post(f"/questions/{target.id}", data=form_of(app, target.id, answer="B"))
        assert question(app, target.id).answer == "A"
    clock.advance(timedelta(days=1, minutes=10))
    _c, attempt_id = sit(app, upcoming, cadre, {})
    with app.app_context():
        on_paper = db.session.get(Attempt, attempt_id).paper[0]["q"]
    clock.advance(timedelta(days=2))  # the exam has closed
    client = app.test_client()  # the session has idled out meanwhile
    login(client, trainer)
    paper_question, other = (drawn, undrawn) if on_paper == drawn.id else (undrawn, drawn)
    client.post(f"/questions/{other.id}", data=form_of(app, other.id, answer="B"))
    assert question(app, other.id).answer == "B"
    client.post(f"/questions/{paper_question.id}", data=form_of(app, paper_question.id, answer="B"))
    assert question(app, paper_question.id).answer == "A"


def test_submits_and_starts_racing_a_correction_are_all_graded_with_the_new_key(app, make):
    import threading
    from concurrent.futures import ThreadPoolExecutor
    wrong = make.question("truefalse", answer=False)
    trainer = make.user(role="trainer")
    sitting, arriving = [make.user() for _ in range(4)], [make.user() for _ in range(3)]
    exam = make.exam(trainer, sitting + arriving, fixed=[(wrong, 100)])
    running = [sit(app, exam, cadre, {wrong.id: True}, submit=False) for cadre in sitting]
    owner = app.test_client()
    login(owner, trainer)
    arriving_clients = []
    for cadre in arriving:
        client = app.test_client()
        login(client, cadre)
        arriving_clients.append(client)
    barrier = threading.Barrier(1 + len(running) + len(arriving_clients))

    def correct():
        barrier.wait()
        return owner.post(f"/exams/questions/{wrong.id}/correct-key",
                          data={"new_key": "对", "reason": "答案有误", "confirm": "1"}).status_code

    def submit(entry):
        client, attempt_id = entry
        barrier.wait()
        return client.post(f"/api/attempts/{attempt_id}/submit").status_code

    def start_and_submit(client):
        barrier.wait()
        attempt_id = client.post(f"/api/exams/{exam.id}/attempts").get_json()["attempt_id"]
        client.put(f"/api/attempts/{attempt_id}/answers/{wrong.id}", json={"answer": True, "seq": 1})
        return client.post(f"/api/attempts/{attempt_id}/submit").status_code

    with ThreadPoolExecutor(barrier.parties) as pool:
        futures = [pool.submit(correct)] + [pool.submit(submit, e) for e in running] + [
            pool.submit(start_and_submit, c) for c in arriving_clients]
        assert [f.result() for f in futures] == [200] * barrier.parties
    with app.app_context():
        scores = db.session.scalars(select(Attempt.score).where(Attempt.exam_id == exam.id)).all()
    assert question(app, wrong.id).answer is True
    assert scores == [100] * (len(sitting) + len(arriving))
