"""Report figures counted by the database equal the figures of the plain per-record code.

The exam report, the item analysis and the department × law facility are counted by SQL
(trainingapp/reports/queries.py) so a 100,000-candidate exam stays a few statements; these
tests build an exam with the awkward cases (ties, two attempts, blanks, cleared answers, an
attempt in progress, exemption, a make-up, several categories) and check every counted figure
against the per-record functions of rates.py and items.py, on SQLite and on PostgreSQL.
Also: the .xlsx export is streamed and still the same workbook.
"""
import io
import random
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from trainingapp.platform import clock
from trainingapp.platform.extensions import db


def _paper(questions, rng, size):
    chosen = rng.sample(questions, size)
    return [{"q": q.id, "p": 10.0, "t": q.qtype, "o": list(range(len(q.options or []))), "n": len(q.options or []),
             "b": 1 if q.qtype == "fill" else 0} for q in chosen]


def _response(question, rng):
    """A right, wrong, cleared (None) or missing ("skip") answer."""
    roll = rng.random()
    if roll < 0.08:
        return "skip", False
    if roll < 0.12:
        return None, False
    right = roll < 0.62
    if question.qtype == "single":
        return (question.answer if right else rng.choice([k for k in "ABCD" if k != question.answer])), right
    if question.qtype == "multiple":
        return (sorted(question.answer) if right else ["C"]), right
    if question.qtype == "truefalse":
        return (question.answer if right else not question.answer), right
    return ([question.answer[0][0]] if right else ["错"]), right


def _sit(exam, user_id, number, paper, rng, *, status="submitted", minutes=0):
    """One attempt with its answers written as the exam code stores them; score = 10 per right answer."""
    from trainingapp.exams.models import Answer, Attempt
    from trainingapp.questionbank.models import Question
    start = clock.now() - timedelta(days=1, minutes=-minutes)
    attempt = Attempt(exam_id=exam.id, user_id=user_id, number=number, seed=rng.randrange(1, 2**40), paper=paper,
                      started_at=start, deadline_at=start + timedelta(minutes=30), status=status,
                      submitted_at=None if status == "in_progress" else start + timedelta(minutes=20),
                      total=10.0 * len(paper), tab_switches=rng.randrange(3))
    db.session.add(attempt)
    db.session.flush()
    score = 0.0
    for item in paper:
        question = db.session.get(Question, item["q"])
        response, right = _response(question, rng)
        if response == "skip":
            continue
        score += 10.0 if right else 0.0
        db.session.add(Answer(attempt_id=attempt.id, question_id=question.id, response=response, seq=1,
                              saved_at=start, score=10.0 if right else 0.0, is_correct=right))
    if status != "in_progress":
        attempt.score = score
    return attempt


@pytest.fixture
def scenario(app, make):
    """共和镇 > 司法所, 应急办 > 消防队; 36 people of two categories; a main exam (best of two attempts)
    over 4 of 8 questions each, with ties, blanks, an exempt person, absentees, one attempt in
    progress, and a make-up for some."""
    from trainingapp.accounts.models import User
    from trainingapp.exams import authoring
    from trainingapp.exams.models import Exam, ExamCandidate
    root = make.department("共和镇")
    law, fire = make.department("司法所", root), make.department("应急办", root)
    team = make.department("消防队", fire)
    trainer = make.user(role="trainer", department=root)
    questions = ([make.question("single", category="宪法") for _ in range(3)] +
                 [make.question("multiple", category="行政处罚法") for _ in range(2)] +
                 [make.question("truefalse", category="宪法", answer=bool(i)) for i in range(2)] +
                 [make.question("fill", category="")])
    departments = [law, fire, team, root]
    people = [make.user(department=departments[i % 4], category="staff" if i % 3 else "contract")
              for i in range(36)]
    exam = make.exam(trainer, people, fixed=[(q, 10) for q in questions], attempts_allowed=2, counting="best")
    makeup = make.exam(trainer, people[:12], fixed=[(q, 10) for q in questions], makeup_of_id=exam.id,
                       counting="last")
    rng = random.Random(8)
    with app.app_context():
        authoring.set_exempt(db.session.get(User, trainer.id), db.session.get(Exam, exam.id), people[5].id, "病假")
        main = db.session.get(Exam, exam.id)
        for index, person in enumerate(people):
            if index in (7, 8):
                continue  # absent
            _sit(main, person.id, 1, _paper(questions, rng, 4), rng)
            if index % 4 == 0:
                _sit(main, person.id, 2, _paper(questions, rng, 4), rng, minutes=40)
        _sit(main, people[8].id, 1, _paper(questions, rng, 4), rng, status="in_progress")
        other = db.session.get(Exam, makeup.id)
        for index, person in enumerate(people[:12]):
            if index % 3:
                _sit(other, person.id, 1, _paper(questions, rng, 4), rng)
                _sit(other, person.id, 2, _paper(questions, rng, 4), rng, minutes=30)
        # A candidate taken off the list counts nowhere.
        removed = db.session.scalar(select(ExamCandidate).where(ExamCandidate.exam_id == exam.id,
                                                                ExamCandidate.user_id == people[9].id))
        removed.removed = True
        db.session.commit()
    return {"root": root, "law": law, "fire": fire, "team": team, "exam": exam, "makeup": makeup,
            "people": people, "trainer": trainer}


def _as_set(counts):
    return sorted((c.department_id, c.exempt, -1 if c.result is None else c.result, c.count) for c in counts)


@pytest.mark.parametrize("counting", ["best", "last"])
def test_counted_results_equal_the_records(app, scenario, counting):
    from trainingapp.exams.models import Exam
    from trainingapp.reports import queries, rates
    with app.app_context():
        exam = db.session.get(Exam, scenario["exam"].id)
        exam.counting = counting
        db.session.commit()
        rules = queries.exam_rules(exam)
        for departments, category in [(None, None), ({scenario["law"].id, scenario["team"].id}, None),
                                      (None, "staff"), ({scenario["fire"].id}, "contract")]:
            counted = queries.result_counts(exam, rules, departments=departments, category=category)
            records = queries.candidate_records(exam, departments=departments, category=category)
            assert _as_set(counted) == _as_set(rates.result_counts(records, rules)), (departments, category)
            assert rates.figures_from_counts(counted, rules) == rates.figures(records, rules)


def test_the_report_built_from_counts_equals_the_per_record_figures(app, scenario):
    from trainingapp.exams.models import Exam
    from trainingapp.reports import exam_report, queries, rates
    with app.app_context():
        exam = db.session.get(Exam, scenario["exam"].id)
        report = exam_report.build(exam, denominator="required", records=True)
        rules = queries.exam_rules(exam)
        tree = queries.department_tree().children
        records = report.records  # read with the figures when asked for
        assert len(records) == 35  # 36 candidates, one taken off the list
        assert report.total == rates.figures(records, rules, denominator="required")
        per_department = rates.department_figures(records, rules, tree, denominator="required")
        assert {row.department_id: row.figures for row in report.rows} == per_department
        assert report.distribution == rates.score_distribution(records, rules, total=exam.total_points)
        absent = exam_report.people(report, None, only="absent")
        assert {p.user_id for p in absent} == {r.user_id for r in rates.not_yet_taken(records)}
        everyone = {p.user_id: p for p in exam_report.people(report, None)}
        assert everyone[scenario["people"][0].id].attempts == 2


def test_item_tallies_equal_reading_every_response(app, scenario):
    from trainingapp.exams.models import Exam
    from trainingapp.reports import items, queries
    with app.app_context():
        for exam_id in (scenario["exam"].id, scenario["makeup"].id):
            exam = db.session.get(Exam, exam_id)
            tallies, finished = queries.item_tallies(exam)
            responses, totals = queries.item_responses(exam)
            counted = items.statistics_from_tallies(tallies)
            assert counted == items.item_statistics(responses, totals)
            assert finished == len(totals)
            assert any(s.discrimination is not None for s in counted.values())
            assert any(s.option_counts for s in counted.values())


def test_item_tallies_with_ties_at_the_group_bounds(app, make):
    """Twenty attempts with only two scores: the Kelley groups end inside a tie, broken by attempt id."""
    from trainingapp.exams.models import Answer, Attempt, Exam
    from trainingapp.reports import items, queries
    trainer = make.user(role="trainer")
    questions = [make.question("truefalse", answer=True) for _ in range(3)]
    people = [make.user() for _ in range(20)]
    exam = make.exam(trainer, people, fixed=[(q, 10) for q in questions])
    with app.app_context():
        for index, person in enumerate(people):
            start = clock.now() - timedelta(hours=1)
            attempt = Attempt(exam_id=exam.id, user_id=person.id, number=1, seed=index + 1, total=30.0,
                              paper=[{"q": q.id, "p": 10.0, "t": "truefalse", "o": [], "n": 0, "b": 0}
                                     for q in questions],
                              started_at=start, deadline_at=start + timedelta(minutes=30), status="submitted",
                              submitted_at=start + timedelta(minutes=10), score=20.0 if index % 2 else 10.0)
            db.session.add(attempt)
            db.session.flush()
            for position, question in enumerate(questions):
                right = (index + position) % 3 == 0
                db.session.add(Answer(attempt_id=attempt.id, question_id=question.id, response=right, seq=1,
                                      saved_at=start, score=10.0 if right else 0.0, is_correct=right))
        db.session.commit()
        exam = db.session.get(Exam, exam.id)
        tallies, _finished = queries.item_tallies(exam)
        assert items.statistics_from_tallies(tallies) == items.item_statistics(*queries.item_responses(exam))


def test_facility_counts_equal_the_answer_rows(app, scenario):
    from trainingapp.exams.models import Exam
    from trainingapp.reports import items, queries
    with app.app_context():
        exam = db.session.get(Exam, scenario["exam"].id)
        tree = queries.department_tree().children
        assert (items.department_category_facility_counts(queries.facility_counts(exam), tree)
                == items.department_category_facility(queries.facility_rows(exam), tree))


def _workbook(content):
    from openpyxl import load_workbook
    return load_workbook(io.BytesIO(content))


def _openpyxl_export(app, client, exam_id, url):
    """The exam export's sheets as pandas and openpyxl wrote them before XlsxWriter."""
    from flask_login import login_user

    from tests.xlsx_reference import openpyxl_workbook
    from trainingapp.accounts.models import User
    from trainingapp.reports import exports
    from trainingapp.reports.views import _report
    with app.test_request_context(url):
        login_user(db.session.get(User, client.user.id))
        report, _root = _report(exam_id, records=True)
        content = openpyxl_workbook(exports.exam_frames(report))
        db.session.remove()
    return content


def test_streamed_export_is_the_same_workbook(app, as_role, scenario):
    from tests.xlsx_reference import column_widths
    admin = as_role("admin", department=scenario["root"])
    url = f"/reports/exams/{scenario['exam'].id}/export.xlsx"
    streamed = admin.get(url)
    whole = _openpyxl_export(app, admin, scenario["exam"].id, url)  # every sheet through openpyxl, as before
    assert streamed.is_streamed and streamed.status_code == 200
    assert streamed.headers["Content-Disposition"].startswith("attachment; filename=exam-report-")
    expected = pd.read_excel(io.BytesIO(whole), sheet_name=None)
    got = pd.read_excel(io.BytesIO(streamed.data), sheet_name=None)
    assert list(got) == list(expected) == ["汇总", "各部门", "人员明细", "未参考名单", "口径说明"]
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, check_dtype=False, obj=name)
    assert len(got["人员明细"]) == 35
    book, before = _workbook(streamed.data), _workbook(whole)
    assert book["汇总"]._charts and book["汇总"]["E2"].number_format == "0.0%"
    for name in ("人员明细", "未参考名单"):
        assert book[name].freeze_panes == before[name].freeze_panes == "A2"
        assert book[name].max_row == before[name].max_row
        assert column_widths(book[name]) == column_widths(before[name])
