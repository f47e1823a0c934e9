"""Starting an attempt: the checks, the paper drawn for it, and the insert.

At the start of a rush thousands of starts arrive in a minute, so a first start is three
statements: the person's session checks with the exam, the candidacy, the number of attempts
so far, the paper prepared for them and whether questions came under review
(`_EXAM_FOR_START`); the insert; and the paper's questions for the payload. A paper prepared
before the window opened (`preparing.py`) is used as stored unless it holds a question under
review; without one the paper is drawn here, from draw inputs read once per process
(`draw_inputs`: two statements more for the process's first start of the exam), less the
questions under review (待复核, `_without_pending`).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts import session_rules
from ..accounts.models import User
from ..platform.clock import now
from ..platform.database import commit_keeping_loaded
from ..platform.extensions import db
from ..questionbank.amendments import pending_question_ids
from ..questionbank.models import QuestionReview
from .finalising import finalize
from .mock import DRAWS_TRIED, choose_paper, create_personal_mock_exam, personal_mock_exam
from .models import Attempt, Exam, ExamCandidate, PreparedPaper
from .prerequisites import missing_prerequisites
from .saving import autocommit_options
from .taking import Refused
from .timing import allowed_attempts, attempt_deadline, can_start_now, is_overdue


@dataclass(frozen=True)
class DrawInputs:
    """What drawing a paper of one published exam needs, prepared once per process."""

    pool: dict  # question id -> [id, type, category, difficulty, options, blanks]
    rules: object  # drawing.RuleDraw of a rule paper, else None
    fixed: tuple  # (question id, points) of a fixed paper, in order
    total: float
    #: The paper's section order (question types; sections.py): papers are drawn in sections.
    sections: tuple = ()


#: Per process, by (exam id, publication time): a published exam's rules, fixed items and pool
#: snapshot never change (authoring refuses it), so 5,000 starts in a minute need not each
#: load and rebuild them: two queries and a fifth of a start's CPU.
_DRAW_INPUTS: dict[tuple, DrawInputs] = {}
_DRAW_INPUTS_KEPT = 64


def draw_inputs(exam: Exam, review_mark: tuple | None = None) -> DrawInputs:
    """The exam's draw inputs for a new paper: as published, less the questions under review.
    `review_mark`: what the start's first statement read of the reviews (`_pending_ids`)."""
    if exam.personal_mock_of_id is not None:
        # A personal mock copies the real exam's rules and draws from its pool: its inputs are the real exam's.
        return draw_inputs(exam.personal_mock_of, review_mark)
    return _without_pending((exam.id, exam.published_at), published_inputs(exam), review_mark)


def published_inputs(exam: Exam) -> DrawInputs:
    """The exam's draw inputs as published, from this process's cache when it has read them before."""
    from .authoring import pool_question, rule_of
    from .drawing import prepare_rule_draw
    from .sections import section_order, specs_from_json
    if exam.personal_mock_of_id is not None:
        return published_inputs(exam.personal_mock_of)
    key = (exam.id, exam.published_at)
    found = _DRAW_INPUTS.get(key) if exam.is_published else None
    if found is None:
        pool = {row[0]: row for row in exam_pool(exam)}
        found = DrawInputs(
            pool=pool,
            rules=prepare_rule_draw([rule_of(r) for r in exam.rules], [pool_question(row) for row in pool.values()])
            if exam.paper_mode == "rules" else None,
            fixed=tuple((i.question_id, float(i.points)) for i in exam.fixed_items)
            if exam.paper_mode != "rules" else (),
            total=exam.total_points,
            sections=section_order(specs_from_json(exam.sections)))
        if exam.is_published:
            if len(_DRAW_INPUTS) >= _DRAW_INPUTS_KEPT:
                _DRAW_INPUTS.clear()
            _DRAW_INPUTS[key] = found
    return found


#: Per process: draw inputs less the questions awaiting review, by (exam key, the ids left out).
_FILTERED: dict[tuple, DrawInputs] = {}


#: Per process: the ids of the questions under review, with the mark they were read at.
_PENDING: list = [None, frozenset()]


def _pending_ids(review_mark: tuple | None) -> frozenset:
    """The questions under review. A start's first statement also reads the reviews' mark (how
    many are open, the latest id): while it is unchanged, this process's copy holds, so a start
    costs no statement more; none open: nothing to read."""
    if review_mark is not None:
        if not review_mark[0]:
            return frozenset()
        if _PENDING[0] == review_mark:
            return _PENDING[1]
    found = frozenset(pending_question_ids())
    if review_mark is not None:
        _PENDING[:] = [review_mark, found]
    return found


def _without_pending(key: tuple, inputs: DrawInputs, review_mark: tuple | None = None) -> DrawInputs:
    """A rule paper's inputs without the questions that came under review (待复核) after the
    exam was published: new papers leave them out. When too few would be left for the rules,
    the pool stays as published (a start is never refused for it; the exam page warns the
    trainer, `pending_in_pool`). A fixed paper is the paper: it keeps its questions."""
    if inputs.rules is None:
        return inputs
    if inputs.rules is None:
        return inputs
    excluded = _pending_ids(review_mark) & frozenset(inputs.pool)
    if not excluded:
        return inputs
    found = _FILTERED.get((key, excluded))
    if found is None:
        found = _filtered(inputs, excluded) or inputs
        if len(_FILTERED) >= _DRAW_INPUTS_KEPT:
            _FILTERED.clear()
        _FILTERED[(key, excluded)] = found
    return found


def _filtered(inputs: DrawInputs, excluded: frozenset) -> DrawInputs | None:
    """The inputs without `excluded`, or None when the rules could then fail."""
    from .authoring import pool_question
    from .drawing import check_rules, prepare_rule_draw
    rules = list(inputs.rules.rules)
    left = [pool_question(row) for question_id, row in inputs.pool.items() if question_id not in excluded]
    if check_rules(rules, left):
        return None
    return replace(inputs, rules=prepare_rule_draw(rules, left))


@dataclass(frozen=True)
class PendingInPool:
    """Questions of a published exam's pool that came under review since publication."""

    count: int
    #: New papers leave them out (False: too few questions would be left, so they may still be drawn).
    excluded: bool


def pending_in_pool(exam: Exam) -> PendingInPool:
    """How many of a published exam's pool questions are 待复核, and whether new papers leave them out."""
    if not exam.is_published:
        return PendingInPool(0, True)
    inputs = published_inputs(exam)
    pending = frozenset(pending_question_ids(inputs.pool.keys()))
    if not pending:
        return PendingInPool(0, True)
    return PendingInPool(len(pending), inputs.rules is not None and _filtered(inputs, pending) is not None)


def draw_paper(exam: Exam, inputs: DrawInputs, seed: int) -> list[dict]:
    """The paper for one attempt from the pool snapshot taken at publication, in sections."""
    from .drawing import draw_fixed_paper, draw_prepared_paper
    pool = inputs.pool
    if exam.paper_mode == "rules":
        items = draw_prepared_paper(inputs.rules, seed, shuffle_questions=exam.shuffle_questions,
                                    shuffle_options=exam.shuffle_options, sections=inputs.sections)
    else:
        items = draw_fixed_paper([(question_id, points,
                                   pool[question_id][4] if pool[question_id][1] in ("single", "multiple") else 0)
                                  for question_id, points in inputs.fixed], seed,
                                 shuffle_questions=exam.shuffle_questions, shuffle_options=exam.shuffle_options,
                                 sections=inputs.sections,
                                 qtypes={question_id: pool[question_id][1] for question_id, _p in inputs.fixed})
    return [{"q": item.question_id, "p": item.points, "t": pool[item.question_id][1],
             "o": list(item.option_order), "n": pool[item.question_id][4], "b": pool[item.question_id][5]}
            for item in items]


def exam_pool(exam: Exam) -> list[list]:
    """[id, type, category, difficulty, options, blanks] of the questions the exam may draw."""
    return exam.pool_snapshot or []

def forget_draw_inputs() -> None:
    """Drop this process's prepared draws (tests reuse exam ids and publication times)."""
    _DRAW_INPUTS.clear()
    _FILTERED.clear()
    _PENDING[:] = [None, frozenset()]


def _exam_for_start():
    """The person's session checks, the exam, their candidacy (None if not one) and how many
    attempts they have made, in one statement: at the start of a rush thousands of these
    arrive in a minute, and the API does not load the person first. Built once, like the save's."""
    person_id = bindparam("person_id", type_=User.id.type)
    made = (select(func.count()).where(Attempt.exam_id == Exam.id, Attempt.user_id == person_id)
            .correlate(Exam).scalar_subquery())
    # The reviews' mark (open ones, latest id): changes whenever the set of questions under review does.
    open_reviews = select(func.count()).where(QuestionReview.confirmed_at.is_(None)).scalar_subquery()
    latest_review = select(func.max(QuestionReview.id)).scalar_subquery()
    return (select(*session_rules.stored_session(), PreparedPaper.seed, PreparedPaper.paper, PreparedPaper.total,
                   Exam, ExamCandidate, made, open_reviews, latest_review)
            .select_from(User)
            .outerjoin(Exam, Exam.id == bindparam("exam_id", type_=Exam.id.type))
            .outerjoin(ExamCandidate, (ExamCandidate.exam_id == Exam.id) & (ExamCandidate.user_id == person_id)
                       & ExamCandidate.removed.is_(False))
            # Only a paper drawn from this publication's pool snapshot.
            .outerjoin(PreparedPaper, (PreparedPaper.exam_id == Exam.id) & (PreparedPaper.user_id == person_id)
                       & (PreparedPaper.published_at == Exam.published_at))
            .where(User.id == person_id)
            # Nothing in a start reads these (a personal mock's creation reads the description,
            # once, by itself); decoding an audience of thousands would be paid at every start.
            .options(defer(Exam.description), defer(Exam.audience), defer(Exam.audience_added),
                     defer(Exam.audience_removed)))


_EXAM_FOR_START = _exam_for_start()
_INSERT_ATTEMPT = Attempt.__table__.insert().returning(Attempt.__table__.c.id)


def start_attempt(person, exam_id: int) -> tuple[Attempt, bool]:
    """The attempt in progress, or a new one; (attempt, created). Refused with a reason otherwise.

    `person` needs `id` and `session_version`: a signed-in User, or the API's unverified
    SessionPerson, checked here in the first statement (accounts.session_rules).
    """
    # Autocommit on a fresh PostgreSQL connection, as for a save: a first start is a read, one
    # insert and a read, and the insert's unique index settles two starts at once without a
    # transaction around them. A caller already in a transaction keeps it.
    options = autocommit_options(db.session.get_bind().dialect.name)
    db.session.connection(execution_options=options)
    exam, candidate, attempts_so_far, prepared, review_mark = _candidacy(person, exam_id)
    moment = now()
    attempts = []
    if attempts_so_far:  # most starts are first starts: one statement less for them
        attempts = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == person.id)
                                      .order_by(Attempt.number)).all()
    current = next((a for a in attempts if a.status == "in_progress"), None)
    if current is not None:
        if not is_overdue(current, exam, moment):
            # Hand the loaded exam to the attempt: the caller's payload reads it, and once this
            # function returns nothing else keeps it in the session (a query more per start).
            set_committed_value(current, "exam", exam)
            return current, False
        # Finalising locks the attempt: it needs a transaction of its own, which the autocommit
        # connection would not give (ending this one also ends the autocommit).
        db.session.commit()
        finalize(current.id, reason="deadline")
        return start_attempt(person, exam_id)
    _refuse_unless_startable(person, exam, candidate, attempts, moment)
    avoid = _papers_to_avoid(person, exam)
    if attempts or (prepared is not None and prepared.paper in avoid):
        prepared = None  # prepared for the first attempt only, and never a paper to avoid
    return _insert_attempt(person, exam, candidate, len(attempts) + 1, moment, autocommitted=bool(options),
                           avoid=avoid, need_choice=exam.personal_mock_of_id is not None, prepared=prepared,
                           review_mark=review_mark)


def start_personal_mock(person, exam_id: int) -> tuple[Attempt, bool]:
    """An attempt at the person's personal mock exam of the real exam `exam_id` (created at the
    first one): refused unless they are a candidate, the trainer allows it, the exam is open
    and no real attempt of theirs is running."""
    real, candidate, _made, _prepared, _mark = _candidacy(person, exam_id)
    if real.is_mock or not real.allow_personal_mock:
        raise Refused("mock_not_offered", _l("This exam offers no personal mock exams."), 403)
    moment = now()
    if not can_start_now(real, moment):
        raise Refused("closed", _l("Personal mock exams can be started only while the exam is open."))
    if db.session.scalar(select(Attempt.id).where(Attempt.exam_id == real.id, Attempt.user_id == person.id,
                                                  Attempt.status == "in_progress")) is not None:
        raise Refused("real_in_progress", _l("Finish your attempt at the exam first; then start a mock exam."))
    mock = personal_mock_exam(person.id, real)
    if mock is None:
        # Refused before a hidden exam is made that could never be started.
        if _single_paper(real, draw_inputs(real)):
            raise Refused("mock_same_paper", _SINGLE_PAPER)
        mock = create_personal_mock_exam(real, candidate, moment)
    mock_id = mock.id
    db.session.commit()  # the start sets up its own connection
    return start_attempt(person, mock_id)


_SINGLE_PAPER = _l("The question pool of this exam allows only one paper, so a mock exam would repeat the real "
                   "one: no personal mock exam is offered.")


def _single_paper(exam: Exam, inputs: DrawInputs) -> bool:
    """Whether every draw of the exam gives the same paper (then no mock can differ from it)."""
    random_source = random.SystemRandom()
    return choose_paper(lambda seed: draw_paper(exam, inputs, seed),
                        [random_source.randrange(1, 2**62) for _ in range(DRAWS_TRIED)], [], need_choice=True) is None


def _papers_to_avoid(person, exam: Exam) -> list[list[dict]]:
    """The papers a new attempt must not repeat: for a personal mock, the person's papers of the
    real exam (refused if they lost their candidacy or the trainer withdrew the offer since);
    for a real exam offering personal mocks, the person's mock papers. No query otherwise."""
    if exam.personal_mock_of_id is not None:
        real = exam.personal_mock_of
        still = db.session.scalar(select(ExamCandidate.id).where(
            ExamCandidate.exam_id == real.id, ExamCandidate.user_id == person.id,
            ExamCandidate.removed.is_(False), ExamCandidate.exempt_reason.is_(None)))
        if still is None or not real.allow_personal_mock:
            raise Refused("mock_not_offered", _l("This exam offers no personal mock exams."), 403)
        return list(db.session.scalars(select(Attempt.paper).where(Attempt.exam_id == real.id,
                                                                   Attempt.user_id == person.id)))
    if exam.allow_personal_mock:
        return list(db.session.scalars(select(Attempt.paper).join(Exam, Exam.id == Attempt.exam_id).where(
            Exam.personal_mock_of_id == exam.id, Attempt.user_id == person.id)))
    return []


@dataclass(frozen=True)
class Prepared:
    """A paper drawn before the window opened (models.PreparedPaper)."""

    seed: int
    paper: list
    total: float


def _candidacy(person, exam_id: int) -> tuple[Exam, ExamCandidate, int, Prepared | None, tuple]:
    """The exam, the person's candidacy, how many attempts they made, the paper prepared for
    them (None: none for this publication) and the reviews' mark, once the session, the exam and
    the candidacy pass; refused otherwise."""
    found = db.session.execute(_EXAM_FOR_START, {"exam_id": exam_id, "person_id": person.id}).first()
    refusal = session_rules.SIGNED_OUT if found is None else session_rules.row_refusal(found, person.session_version)
    if refusal is not None:
        raise Refused.session(refusal)
    seed, paper, total, exam, candidate, attempts_so_far, open_reviews, latest_review = found[-8:]
    if exam is None or not exam.is_published:
        raise Refused("not_found", _l("There is no such exam."), 404)
    if candidate is None:
        raise Refused("not_candidate", _l("You are not a candidate of this exam."), 403)
    if candidate.is_exempt:
        raise Refused("exempt", _l("You are exempt from this exam (%(reason)s).", reason=candidate.exempt_reason), 403)
    return (exam, candidate, attempts_so_far, None if seed is None else Prepared(seed, paper, total),
            (open_reviews, latest_review))


def _refuse_unless_startable(person, exam: Exam, candidate: ExamCandidate, attempts: list[Attempt], moment) -> None:
    """Refused unless a new attempt may begin now: the window, the attempts left, the prerequisites."""
    if moment < exam.opens_at:
        raise Refused("not_open", _l("The exam opens at %(when)s.", when=_local(exam.opens_at)))
    if not can_start_now(exam, moment):
        raise Refused("closed", _l("The exam can no longer be started."))
    finished = sum(1 for a in attempts if a.is_finished)
    if finished >= allowed_attempts(exam, candidate):
        raise Refused("no_attempts_left", _l("You have used all %(n)s attempts.", n=allowed_attempts(exam, candidate)))
    missing = missing_prerequisites(exam, person)
    if missing:
        raise Refused("prerequisites", _l("Before this exam: %(what)s.", what="; ".join(missing)), 403)


def _insert_attempt(person, exam: Exam, candidate: ExamCandidate, number: int, moment, *,
                    autocommitted: bool, avoid: list[list[dict]] = (), need_choice: bool = False,
                    prepared: Prepared | None = None, review_mark: tuple | None = None) -> tuple[Attempt, bool]:
    """A new attempt with its prepared or drawn paper; (attempt, True), or another tab's start of
    the same moment.

    The paper repeats none in `avoid` (a real paper and a personal mock's never coincide);
    `need_choice` (a personal mock): refused when the pool allows a single paper. A prepared
    paper holding a question that came under review since (待复核) is not used."""
    if prepared is not None and not (_pending_ids(review_mark) & {item["q"] for item in prepared.paper}):
        # Drawn before the window opened: no draw inputs, no draw, no statement.
        seed, paper, total = prepared.seed, prepared.paper, prepared.total
    else:
        seed, paper, total = _draw(exam, avoid, need_choice, review_mark)
    values = {"exam_id": exam.id, "user_id": person.id, "number": number, "seed": seed,
              "paper": paper, "started_at": moment,
              "deadline_at": attempt_deadline(exam, candidate, moment),
              "total": total, "status": "in_progress", "tab_switches": 0}
    try:
        # One Core insert rather than the ORM's unit of work: a fifth of a start's CPU.
        attempt_id = db.session.execute(_INSERT_ATTEMPT, values).scalar_one()
        if not autocommitted:  # under autocommit the insert is committed, and the payload's read stays so too
            commit_keeping_loaded(db.session)  # the payload reads the exam next
    except IntegrityError:
        # Another tab or device started at the same moment (or a retry of this start that the
        # client gave up waiting for): theirs is the attempt.
        db.session.rollback()
        other = db.session.scalar(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == person.id,
                                                        Attempt.status == "in_progress"))
        if other is None:
            raise
        return other, False
    # The attempt as inserted, for the caller's payload; not in the session (nothing to track).
    attempt = Attempt(id=attempt_id, **values)
    set_committed_value(attempt, "exam", exam)
    return attempt, True


def _draw(exam: Exam, avoid: list[list[dict]], need_choice: bool,
          review_mark: tuple | None) -> tuple[int, list[dict], float]:
    """(seed, paper, total) of a paper drawn now, repeating none in `avoid`, without questions under review."""
    random_source = random.SystemRandom()
    inputs = draw_inputs(exam, review_mark)
    seed = random_source.randrange(1, 2**62)
    found = None
    if avoid or need_choice:
        found = choose_paper(lambda s: draw_paper(exam, inputs, s),
                             [seed] + [random_source.randrange(1, 2**62) for _ in range(DRAWS_TRIED - 1)],
                             avoid, need_choice=need_choice)
        if found is None and need_choice:
            raise Refused("mock_same_paper", _SINGLE_PAPER)
        # A real exam's start is never refused for this: with a single possible paper no mock was offered.
    seed, paper = found or (seed, draw_paper(exam, inputs, seed))
    return seed, paper, inputs.total


def _local(moment) -> str:
    from flask_babel import format_datetime
    return format_datetime(moment, "yyyy-MM-dd HH:mm")
