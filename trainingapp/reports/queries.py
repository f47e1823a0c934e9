"""Read records for the reports from the database as the pure modules' plain data.

Each function runs a few set-based queries (no query per person), so a report over
100,000 candidates stays a handful of statements.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from decimal import Decimal

from sqlalchemy import case, func, select

from ..accounts.models import Department, User
from ..accounts.tree import DepartmentTree
from ..exams.models import Answer, Attempt, Exam, ExamCandidate
from ..platform.extensions import db
from ..questionbank.models import Question
from .items import ItemResponse
from .rates import CandidateRecord, ExamRules, ResultCount


def department_tree() -> DepartmentTree:
    """The whole department tree in display order, in one statement."""
    return DepartmentTree.from_rows(db.session.execute(
        select(Department.id, Department.name, Department.parent_id)
        .order_by(Department.position, Department.name)).all())


def exam_and_makeup(exam_id: int) -> tuple[Exam | None, Exam | None]:
    """An exam and its published make-up (see `makeup_of`), read in one statement."""
    found = db.session.scalars(select(Exam).where(
        (Exam.id == exam_id) | ((Exam.makeup_of_id == exam_id) & (Exam.state == "published")
                                & Exam.counts_officially))
        .order_by(Exam.id)).all()
    exam = next((e for e in found if e.id == exam_id), None)
    makeup = next((e for e in found if e.id != exam_id), None)
    return exam, makeup


#: The `makeup` arguments' default: look the make-up up (None means "has none").
LOOK_UP = object()


def exam_rules(exam: Exam, makeup=LOOK_UP) -> ExamRules:
    makeup = makeup_of(exam) if makeup is LOOK_UP else makeup
    return ExamRules(pass_mark=float(exam.pass_mark), excellent_mark=float(exam.excellent_mark),
                     counting=exam.counting, makeup_counting=makeup.counting if makeup else "best")


def makeup_of(exam: Exam) -> Exam | None:
    """The published make-up of a main exam, if there is one."""
    return db.session.scalar(select(Exam).where(Exam.makeup_of_id == exam.id, Exam.state == "published",
                                                Exam.counts_officially)
                             .order_by(Exam.id))


def official_exams(*, year: int | None = None, exam_id: int | None = None) -> list[Exam]:
    """The exams whose results count, in the order they opened: published main exams (a make-up
    counts through its main exam), of one year and/or one id. The one place that decides which
    exams the lists of people who did not pass or did not take an exam cover."""
    query = select(Exam).where(Exam.state == "published", Exam.makeup_of_id.is_(None), Exam.counts_officially)
    if year is not None:
        query = query.where(Exam.year == year)
    if exam_id is not None:
        query = query.where(Exam.id == exam_id)
    return list(db.session.scalars(query.order_by(Exam.opens_at, Exam.id)))


def attempts_in_progress(exam_ids) -> dict[int, int]:
    """exam id -> how many of its attempts are still in progress (exams without any left out)."""
    ids = list(exam_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Attempt.exam_id, func.count())
                                   .where(Attempt.exam_id.in_(ids), Attempt.status == "in_progress")
                                   .group_by(Attempt.exam_id)).all())


def _scores(exam_id: int) -> tuple[dict[int, list[float]], dict[int, int], set[int]]:
    """Per person the scores of their finished, marked attempts (in submission order), their
    tab switches, and the people with a finished attempt awaiting marks (待阅卷)."""
    scores: dict[int, list[float]] = defaultdict(list)
    switches: dict[int, int] = defaultdict(int)
    pending: set[int] = set()
    rows = db.session.execute(select(Attempt.user_id, Attempt.score, Attempt.tab_switches, Attempt.awaiting_marks)
                              .where(Attempt.exam_id == exam_id, Attempt.status != "in_progress")
                              .order_by(Attempt.user_id, Attempt.submitted_at, Attempt.number))
    for user_id, score, tab_switches, awaiting in rows:
        if awaiting or score is None:
            pending.add(user_id)
        else:
            scores[user_id].append(float(score))
        switches[user_id] += tab_switches
    return scores, switches, pending


def candidate_records(exam: Exam, *, departments: set[int] | None = None,
                      category: str | None = None, makeup=LOOK_UP) -> list[CandidateRecord]:
    """Every candidate of the exam (removed ones excluded) with their main and make-up scores."""
    query = select(ExamCandidate.user_id, ExamCandidate.department_id, ExamCandidate.category,
                   ExamCandidate.exempt_reason).where(ExamCandidate.exam_id == exam.id,
                                                      ExamCandidate.removed.is_(False))
    if departments is not None:
        query = query.where(ExamCandidate.department_id.in_(departments))
    if category is not None:
        query = query.where(ExamCandidate.category == category)
    main, switches, waiting = _scores(exam.id)
    makeup = makeup_of(exam) if makeup is LOOK_UP else makeup
    extra, _, extra_waiting = _scores(makeup.id) if makeup else ({}, {}, set())
    return [CandidateRecord(user_id=user_id, department_id=dept_id, category=category,
                            exempt=exempt is not None, main_scores=tuple(main.get(user_id, ())),
                            makeup_scores=tuple(extra.get(user_id, ())), tab_switches=switches.get(user_id, 0),
                            pending=user_id in waiting or user_id in extra_waiting)
            for user_id, dept_id, category, exempt in db.session.execute(query)]


def _counting_scores(exam_id: int, counting: str):
    """A subquery (user_id, score): each person's counting score in one exam (best or last submitted)."""
    finished = (Attempt.exam_id == exam_id, Attempt.status != "in_progress")
    if counting == "best":
        return (select(Attempt.user_id, func.max(Attempt.score).label("score"))
                .where(*finished).group_by(Attempt.user_id).subquery())
    latest = func.row_number().over(partition_by=Attempt.user_id,
                                    order_by=(Attempt.submitted_at.desc(), Attempt.number.desc()))
    ranked = select(Attempt.user_id, Attempt.score, latest.label("latest")).where(*finished).subquery()
    return select(ranked.c.user_id, ranked.c.score).where(ranked.c.latest == 1).subquery()


def _awaiting_marks(exam_ids: list[int]):
    """A subquery (user_id): the people with a finished attempt awaiting marks in these exams."""
    return (select(Attempt.user_id).where(Attempt.exam_id.in_(exam_ids), Attempt.status != "in_progress",
                                          Attempt.awaiting_marks.is_(True))
            .group_by(Attempt.user_id).subquery())


def result_counts(exam: Exam, rules: ExamRules, *, departments: set[int] | None = None,
                  category: str | None = None, makeup=LOOK_UP) -> list[ResultCount]:
    """Candidates grouped by department, exemption, pending and counting result, counted by the
    database: one statement and a few thousand rows however many candidates (the same groups as
    `rates.result_counts` makes from `candidate_records`). A person with an attempt awaiting
    marks (exam or make-up) is pending, with no result."""
    main = _counting_scores(exam.id, rules.counting)
    makeup = makeup_of(exam) if makeup is LOOK_UP else makeup
    waiting = _awaiting_marks([exam.id] if makeup is None else [exam.id, makeup.id])
    query = select(ExamCandidate.department_id)
    exempt = ExamCandidate.exempt_reason.is_not(None)
    if makeup is None:
        result = main.c.score
        query = query.outerjoin(main, main.c.user_id == ExamCandidate.user_id)
    else:
        extra = _counting_scores(makeup.id, rules.makeup_counting)
        result = case((extra.c.score.is_(None), main.c.score), (main.c.score.is_(None), extra.c.score),
                      (extra.c.score > main.c.score, extra.c.score), else_=main.c.score)
        query = (query.outerjoin(main, main.c.user_id == ExamCandidate.user_id)
                 .outerjoin(extra, extra.c.user_id == ExamCandidate.user_id))
    pending = waiting.c.user_id.is_not(None)
    result = case((pending, None), else_=result)
    query = (query.outerjoin(waiting, waiting.c.user_id == ExamCandidate.user_id)
             .add_columns(exempt, result, pending, func.count())
             .where(ExamCandidate.exam_id == exam.id, ExamCandidate.removed.is_(False))
             .group_by(ExamCandidate.department_id, exempt, result, pending))
    if departments is not None:
        query = query.where(ExamCandidate.department_id.in_(departments))
    if category is not None:
        query = query.where(ExamCandidate.category == category)
    return [ResultCount(department, bool(is_exempt), None if score is None or is_pending else float(score), count,
                        bool(is_pending))
            for department, is_exempt, score, is_pending, count in db.session.execute(query)]


def people(user_ids) -> dict[int, tuple[str, str]]:
    """user id -> (name, login)."""
    ids = list(user_ids)
    found = {}
    for start in range(0, len(ids), 5000):
        found.update({uid: (name, login) for uid, name, login in db.session.execute(
            select(User.id, User.name, User.login).where(User.id.in_(ids[start:start + 5000])))})
    return found


def candidate_people(exam: Exam) -> dict[int, tuple[str, str]]:
    """user id -> (name, login) of every candidate of the exam, in one statement."""
    return {uid: (name, login) for uid, name, login in db.session.execute(
        select(User.id, User.name, User.login).join(ExamCandidate, ExamCandidate.user_id == User.id)
        .where(ExamCandidate.exam_id == exam.id))}


def attempt_counts(exam: Exam, user_ids=None) -> dict[int, int]:
    """user id -> attempts started in the exam (of these people only, when given)."""
    query = (select(Attempt.user_id, func.count()).where(Attempt.exam_id == exam.id)
             .group_by(Attempt.user_id))
    if user_ids is None:
        return dict(db.session.execute(query).all())
    ids = list(user_ids)
    counts = {}
    for start in range(0, len(ids), 5000):
        counts.update(db.session.execute(query.where(Attempt.user_id.in_(ids[start:start + 5000]))).all())
    return counts


def item_responses(exam: Exam) -> tuple[list[ItemResponse], dict[int, float]]:
    """One response per drawn question of every finished attempt, and each attempt's total."""
    attempts = db.session.execute(select(Attempt.id, Attempt.score, Attempt.paper)
                                  .where(Attempt.exam_id == exam.id, Attempt.status != "in_progress")).all()
    answers = defaultdict(dict)
    for attempt_id, question_id, response, correct in db.session.execute(
            select(Answer.attempt_id, Answer.question_id, Answer.response, Answer.is_correct)
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .where(Attempt.exam_id == exam.id, Attempt.status != "in_progress")):
        answers[attempt_id][question_id] = (response, bool(correct))
    responses, totals = [], {}
    for attempt_id, score, paper in attempts:
        if score is not None:
            totals[attempt_id] = float(score)
        for item in paper:
            response, correct = answers[attempt_id].get(item["q"], (None, False))
            responses.append(ItemResponse(attempt_id, item["q"], correct, _chosen(item["t"], response)))
    return responses, totals


def facility_rows(exam: Exam):
    """(department on the candidate list, law category, correct) for every graded answer."""
    query = (select(ExamCandidate.department_id, Question.category, Answer.is_correct)
             .join(Attempt, Attempt.id == Answer.attempt_id)
             .join(ExamCandidate, (ExamCandidate.exam_id == Attempt.exam_id)
                   & (ExamCandidate.user_id == Attempt.user_id))
             .join(Question, Question.id == Answer.question_id)
             .where(Attempt.exam_id == exam.id, Attempt.status != "in_progress"))
    return [(dept, category or "", bool(correct)) for dept, category, correct in db.session.execute(query)]


def facility_counts(exam: Exam) -> list[tuple[int, str, int, int]]:
    """(department on the candidate list, law category, correct, answered) over every graded
    answer, counted by the database (what `facility_rows` lists one answer at a time)."""
    query = (select(ExamCandidate.department_id, Question.category,
                    func.sum(case((Answer.is_correct.is_(True), 1), else_=0)), func.count())
             .select_from(Answer)
             .join(Attempt, Attempt.id == Answer.attempt_id)
             .join(ExamCandidate, (ExamCandidate.exam_id == Attempt.exam_id)
                   & (ExamCandidate.user_id == Attempt.user_id))
             .join(Question, Question.id == Answer.question_id)
             .where(Attempt.exam_id == exam.id, Attempt.status != "in_progress")
             .group_by(ExamCandidate.department_id, Question.category))
    return [(dept, category or "", int(correct or 0), answered)
            for dept, category, correct, answered in db.session.execute(query)]


#: (attempt id, its score, a question id on its paper) for finished attempts of :exam, per dialect;
#: {where} narrows the attempts.
_DRAWN = {
    "postgresql": """
        SELECT a.id AS attempt_id, a.score AS score, item.q AS question_id
        FROM attempt a CROSS JOIN LATERAL json_to_recordset(CAST(a.paper AS json)) AS item(q integer)
        WHERE a.exam_id = :exam AND a.status <> 'in_progress'{where}""",
    "sqlite": """
        SELECT a.id AS attempt_id, a.score AS score, CAST(json_extract(item.value, '$.q') AS INTEGER) AS question_id
        FROM attempt a, json_each(a.paper) AS item
        WHERE a.exam_id = :exam AND a.status <> 'in_progress'{where}""",
}


def item_tallies(exam: Exam) -> tuple[list, int]:
    """Per question drawn in the exam's finished attempts, what its statistics need (see
    items.ItemTally), and the number of finished attempts.

    Counted by the database in three statements, without sorting or sending the 4 million
    answers of a 100,000-candidate exam. Attempts rank by score (highest first), ties by id:

    1. from the papers, how many times each question was drawn at each score: enough to tell
       at which score its upper Kelley group ends and its lower group starts;
    2. the papers of the attempts at those few scores, for the attempt ids at the two bounds;
    3. from the answers, per question and response: how many, how many correct, and how many
       correct in the upper and in the lower group.

    Same figures as `items.item_tallies(item_responses(exam))` (tests/test_reports_counted.py),
    except that the options chosen are read by each question's current type rather than the
    type on the paper: they differ only for a question whose type was edited after it was drawn.
    """
    from sqlalchemy import text

    from .items import ItemTally, kelley_group_size
    drawn = _DRAWN.get(db.engine.dialect.name)
    if drawn is None:  # another database: read every response
        from .items import item_tallies as tally
        responses, totals = item_responses(exam)
        return tally(responses, totals), len(totals)
    finished = db.session.scalar(select(func.count()).select_from(Attempt)
                                 .where(Attempt.exam_id == exam.id, Attempt.status != "in_progress"))
    if not finished:
        return [], 0
    parameters = {"exam": exam.id}
    scores: dict[int, dict] = defaultdict(dict)
    for question_id, score, count in db.session.execute(text(
            f"SELECT question_id, score, COUNT(*) FROM ({drawn.format(where='')}) AS drawn "  # noqa: S608  # nosec B608 - fixed SQL
            "GROUP BY question_id, score"), parameters):
        scores[question_id][score] = count
    # Per question: times drawn, the Kelley group size, and the (score, place among the attempts
    # with that score) of the last attempt in the upper group and of the first in the lower group.
    plans, wanted = {}, set()
    for question_id, counts in scores.items():
        ranked = sorted(((score, n) for score, n in counts.items() if score is not None), reverse=True)
        size = kelley_group_size(sum(n for _score, n in ranked))
        bounds = (_locate(ranked, size), _locate(ranked, sum(n for _s, n in ranked) - size + 1)) if size else None
        if bounds:
            wanted.update(score for score, _place in bounds)
        plans[question_id] = (sum(counts.values()), size, bounds)
    ids: dict[tuple[int, object], list[int]] = defaultdict(list)
    if wanted:
        at = ", ".join(_number(score) for score in sorted(wanted))
        for attempt_id, score, question_id in db.session.execute(text(
                drawn.format(where=f" AND a.score IN ({at})")), parameters):  # noqa: S608  # nosec B608 - numbers
            ids[question_id, score].append(attempt_id)
    limits = []
    for question_id, (_drawn, _size, bounds) in plans.items():
        if bounds is None:
            limits.append(f"({int(question_id)}, NULL, NULL, NULL, NULL)")
            continue
        (upper_score, upper_place), (lower_score, lower_place) = bounds
        upper_id = sorted(ids[question_id, upper_score])[upper_place - 1]
        lower_id = sorted(ids[question_id, lower_score])[lower_place - 1]
        limits.append(f"({int(question_id)}, {_number(upper_score)}, {int(upper_id)}, "
                      f"{_number(lower_score)}, {int(lower_id)})")
    tallies = {question_id: [0, 0, 0, Counter()] for question_id in plans}
    types = _question_types(list(plans))
    upper = "(a.score > b.upper_score OR (a.score = b.upper_score AND a.id <= b.upper_id))"
    lower = "(a.score < b.lower_score OR (a.score = b.lower_score AND a.id >= b.lower_id))"
    answers = db.session.execute(text(f"""
        WITH bounds(q, upper_score, upper_id, lower_score, lower_id) AS (
            SELECT CAST(column1 AS INTEGER), CAST(column2 AS NUMERIC), CAST(column3 AS INTEGER),
                   CAST(column4 AS NUMERIC), CAST(column5 AS INTEGER)
            FROM (VALUES {", ".join(limits)}) AS v)
        SELECT an.question_id, CAST(an.response AS TEXT), COUNT(*),
               SUM(CASE WHEN an.is_correct THEN 1 ELSE 0 END),
               SUM(CASE WHEN an.is_correct AND {upper} THEN 1 ELSE 0 END),
               SUM(CASE WHEN an.is_correct AND {lower} THEN 1 ELSE 0 END)
        FROM answer an
        JOIN attempt a ON a.id = an.attempt_id
        JOIN bounds b ON b.q = an.question_id
        WHERE a.exam_id = :exam AND a.status <> 'in_progress'
        GROUP BY an.question_id, CAST(an.response AS TEXT)"""), parameters)  # noqa: S608  # nosec B608 - numbers only
    for question_id, response, answered, correct, upper_correct, lower_correct in answers:
        tally = tallies[question_id]
        tally[0] += int(correct or 0)
        tally[1] += int(upper_correct or 0)
        tally[2] += int(lower_correct or 0)
        for key in _chosen(types.get(question_id), None if response is None else json.loads(response)):
            tally[3][key] += answered
    return [ItemTally(question_id=q, drawn=drawn_count, correct=tallies[q][0], group_size=size,
                      upper_correct=tallies[q][1], lower_correct=tallies[q][2], option_counts=tallies[q][3])
            for q, (drawn_count, size, _bounds) in plans.items()], finished


def _locate(ranked: list[tuple[object, int]], position: int) -> tuple[object, int]:
    """(score, place among the attempts with that score) of the `position`-th attempt (1-based) in
    score order, from (score, count) pairs highest first."""
    before = 0
    for score, count in ranked:
        if before + count >= position:
            return score, position - before
        before += count
    raise ValueError("position beyond the ranked attempts")


def _number(value) -> str:
    """A score from the database as an SQL literal (exact: Decimal or float repr)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"not a score: {value!r}")
    return repr(value) if isinstance(value, float) else str(value)


def _question_types(ids: list[int]) -> dict[int, str]:
    found = {}
    for start in range(0, len(ids), 5000):
        found.update(db.session.execute(select(Question.id, Question.qtype)
                                        .where(Question.id.in_(ids[start:start + 5000]))).all())
    return found


def _chosen(qtype: str, response) -> tuple[str, ...]:
    """The option keys a response chose, as item analysis counts them (none for fill-in answers)."""
    if qtype == "single" and isinstance(response, str):
        return (response,)
    if qtype == "multiple" and isinstance(response, list):
        return tuple(dict.fromkeys(response))
    if qtype == "truefalse" and isinstance(response, bool):
        return ("T" if response else "F",)
    return ()


def questions(ids) -> dict[int, Question]:
    return {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(list(ids))))}
