"""Taking an exam: start, save, submit, tab events, finalisation, and what a cadre sees.

The server alone decides time: every check asks `clock.now()`. Every acknowledged save is
one atomic upsert that a later (higher `seq`) save may overwrite and an older one never
does; a save and a submit of the same attempt are serialised by a row lock on the
attempt, so a submit grades exactly the answers acknowledged before it.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import User
from ..platform import signals
from ..platform.clock import isoformat, now
from ..platform.database import commit_keeping_loaded
from ..platform.extensions import db
from ..questionbank.models import Question
from . import grading, marks
from .models import Answer, Attempt, AttemptEvent, Exam, ExamCandidate
from .prerequisites import missing_prerequisites


class Refused(Exception):
    """The request cannot be honoured; `code` is stable for the API, `message` for people."""

    def __init__(self, code: str, message, status: int = 409):
        super().__init__(code)
        self.code, self.message, self.status = code, message, status


# --- time --------------------------------------------------------------------------------

def grace(exam: Exam) -> timedelta:
    return timedelta(seconds=exam.grace_seconds)


def past_grace(deadline, grace_seconds: int, moment) -> bool:
    """Past the deadline and the grace period: nothing more is accepted."""
    return moment > deadline + timedelta(seconds=grace_seconds)


def is_overdue(attempt: Attempt, exam: Exam, moment=None) -> bool:
    return past_grace(attempt.deadline_at, exam.grace_seconds, moment or now())


# --- what a person may do -------------------------------------------------------------------

@dataclass
class ExamView:
    """One exam as the signed-in person sees it on "My exams"."""

    exam: Exam
    candidate: ExamCandidate
    status: str                     # upcoming, open, in_progress, finished, missed, exempt
    attempts_used: int
    attempts_left: int
    in_progress: Attempt | None
    best: float | None              # the counting score of this exam
    band: str                       # excellent, pass, fail, absent
    attempts: list = None           # every attempt, in order (for links to results)

    def as_json(self) -> dict:
        result = None
        if self.best is not None and self.exam.review_policy != "never":
            result = {"score": self.best, "total": self.exam.total_points,
                      "passed": self.band in ("pass", "excellent"), "excellent": self.band == "excellent"}
        return {"id": self.exam.id, "title": self.exam.title, "description": self.exam.description,
                "opens_at": isoformat(self.exam.opens_at), "closes_at": isoformat(self.exam.closes_at),
                "latest_start_at": isoformat(self.exam.latest_start_at) if self.exam.latest_start_at else None,
                "duration_minutes": self.exam.duration_minutes + self.candidate.extra_minutes,
                "question_count": self.exam.question_count, "total": self.exam.total_points,
                "status": self.status, "attempts_used": self.attempts_used, "attempts_left": self.attempts_left,
                "attempt_id": self.in_progress.id if self.in_progress else None,
                "deadline": isoformat(self.in_progress.deadline_at) if self.in_progress else None,
                "is_makeup": self.exam.makeup_of_id is not None, "result": result}


def allowed_attempts(exam: Exam, candidate: ExamCandidate) -> int:
    return exam.attempts_allowed + candidate.extra_attempts


def can_start_now(exam: Exam, moment) -> bool:
    latest = exam.latest_start_at or exam.closes_at
    return exam.opens_at <= moment < min(latest, exam.closes_at)


def exam_status(exam: Exam, candidate: ExamCandidate, attempts: list[Attempt], moment) -> str:
    """upcoming, open, in_progress, finished, missed or exempt (pure: no queries)."""
    if candidate.is_exempt:
        return "exempt"
    if any(a.status == "in_progress" for a in attempts):
        return "in_progress"
    finished = [a for a in attempts if a.is_finished]
    if moment < exam.opens_at:
        return "upcoming"
    if can_start_now(exam, moment) and len(finished) < allowed_attempts(exam, candidate):
        return "open"
    return "finished" if finished else "missed"


def my_exams(user) -> list[ExamView]:
    """Every published exam this person is a candidate of, with their status (finalises overdue attempts)."""
    rows = db.session.execute(
        select(Exam, ExamCandidate).join(ExamCandidate, ExamCandidate.exam_id == Exam.id)
        .where(ExamCandidate.user_id == user.id, ExamCandidate.removed.is_(False), Exam.state == "published")
        .order_by(Exam.opens_at.desc())).all()
    if not rows:
        return []
    attempts = db.session.scalars(select(Attempt).where(
        Attempt.user_id == user.id, Attempt.exam_id.in_([e.id for e, _c in rows])).order_by(Attempt.number)).all()
    moment = now()
    for attempt in attempts:
        if attempt.status == "in_progress" and is_overdue(attempt, attempt.exam, moment):
            finalize(attempt.id, reason="deadline")
    views = []
    for exam, candidate in rows:
        mine = [a for a in attempts if a.exam_id == exam.id]
        finished = [a for a in mine if a.is_finished]
        best = marks.counting_score([a.score for a in finished], exam.counting)
        views.append(ExamView(
            exam=exam, candidate=candidate, status=exam_status(exam, candidate, mine, moment),
            attempts_used=len(mine), attempts_left=max(allowed_attempts(exam, candidate) - len(finished), 0),
            in_progress=next((a for a in mine if a.status == "in_progress"), None), best=best,
            band=marks.grade_band(best, exam.pass_mark, exam.excellent_mark), attempts=mine))
    return views


# --- starting --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DrawInputs:
    """What drawing a paper of one published exam needs, prepared once per process."""

    pool: dict  # question id -> [id, type, category, difficulty, options, blanks]
    rules: object  # drawing.RuleDraw of a rule paper, else None
    fixed: tuple  # (question id, points) of a fixed paper, in order
    total: float


#: Per process, by (exam id, publication time): a published exam's rules, fixed items and pool
#: snapshot never change (authoring refuses it), so 5,000 starts in a minute need not each
#: load and rebuild them: two queries and a fifth of a start's CPU.
_DRAW_INPUTS: dict[tuple, DrawInputs] = {}
_DRAW_INPUTS_KEPT = 64


def draw_inputs(exam: Exam) -> DrawInputs:
    """The exam's draw inputs, from this process's cache when it has read them before."""
    from .drawing import PoolQuestion, Rule, prepare_rule_draw
    key = (exam.id, exam.published_at)
    found = _DRAW_INPUTS.get(key) if exam.is_published else None
    if found is None:
        pool = {row[0]: row for row in exam_pool(exam)}
        found = DrawInputs(
            pool=pool,
            rules=prepare_rule_draw([Rule(r.qtype, r.count, float(r.points), r.category, r.difficulty)
                                     for r in exam.rules],
                                    [PoolQuestion(q, t, c, d, n if t in ("single", "multiple") else 0)
                                     for q, t, c, d, n, _b in pool.values()])
            if exam.paper_mode == "rules" else None,
            fixed=tuple((i.question_id, float(i.points)) for i in exam.fixed_items)
            if exam.paper_mode != "rules" else (),
            total=exam.total_points)
        if exam.is_published:
            if len(_DRAW_INPUTS) >= _DRAW_INPUTS_KEPT:
                _DRAW_INPUTS.clear()
            _DRAW_INPUTS[key] = found
    return found


def _draw(exam: Exam, inputs: DrawInputs, seed: int) -> list[dict]:
    """The paper for one attempt from the pool snapshot taken at publication."""
    from .drawing import draw_fixed_paper, draw_prepared_paper
    pool = inputs.pool
    if exam.paper_mode == "rules":
        items = draw_prepared_paper(inputs.rules, seed, shuffle_questions=exam.shuffle_questions,
                                    shuffle_options=exam.shuffle_options)
    else:
        items = draw_fixed_paper([(question_id, points,
                                   pool[question_id][4] if pool[question_id][1] in ("single", "multiple") else 0)
                                  for question_id, points in inputs.fixed], seed,
                                 shuffle_questions=exam.shuffle_questions, shuffle_options=exam.shuffle_options)
    return [{"q": item.question_id, "p": item.points, "t": pool[item.question_id][1],
             "o": list(item.option_order), "n": pool[item.question_id][4], "b": pool[item.question_id][5]}
            for item in items]


def exam_pool(exam: Exam) -> list[list]:
    """[id, type, category, difficulty, options, blanks] of the questions the exam may draw."""
    return exam.pool_snapshot or []


def _exam_for_start():
    """The person's session checks, the exam, their candidacy (None if not one) and how many
    attempts they have made, in one statement: at the start of a rush thousands of these
    arrive in a minute, and the API does not load the person first. Built once, like the save's."""
    person_id = bindparam("person_id", type_=User.id.type)
    made = (select(func.count()).where(Attempt.exam_id == Exam.id, Attempt.user_id == person_id)
            .correlate(Exam).scalar_subquery())
    return (select(User.session_version, User.status, User.must_change_password, Exam, ExamCandidate, made)
            .select_from(User)
            .outerjoin(Exam, Exam.id == bindparam("exam_id", type_=Exam.id.type))
            .outerjoin(ExamCandidate, (ExamCandidate.exam_id == Exam.id) & (ExamCandidate.user_id == person_id)
                       & ExamCandidate.removed.is_(False))
            .where(User.id == person_id))


_EXAM_FOR_START = _exam_for_start()


def start_attempt(person, exam_id: int) -> tuple[Attempt, bool]:
    """The attempt in progress, or a new one; (attempt, created). Refused with a reason otherwise.

    `person` needs `id` and `session_version`: a signed-in User, or the API's unverified
    SessionPerson, checked here in the first statement (version, status, password change).
    """
    # Autocommit on a fresh PostgreSQL connection, as for a save: a first start is a read, one
    # insert and a read, and the insert's unique index settles two starts at once without a
    # transaction around them. A caller already in a transaction keeps it.
    options = {} if db.session().in_transaction() else _SAVE_OPTIONS.get(db.session.get_bind().dialect.name, {})
    db.session.connection(execution_options=options)
    found = db.session.execute(_EXAM_FOR_START, {"exam_id": exam_id, "person_id": person.id}).first()
    if found is None or found.session_version != person.session_version or found.status != "active":
        raise Refused("unauthenticated", _l("Sign in first."), 401)
    if found.must_change_password:
        raise Refused("password_change", _l("Change your password first."), 403)
    _version, _status, _change, exam, candidate, attempts_so_far = found
    if exam is None or not exam.is_published:
        raise Refused("not_found", _l("There is no such exam."), 404)
    if candidate is None:
        raise Refused("not_candidate", _l("You are not a candidate of this exam."), 403)
    if candidate.is_exempt:
        raise Refused("exempt", _l("You are exempt from this exam (%(reason)s).", reason=candidate.exempt_reason), 403)
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
    seed = random.SystemRandom().randrange(1, 2**62)
    deadline = min(moment + timedelta(minutes=exam.duration_minutes + candidate.extra_minutes), exam.closes_at)
    inputs = draw_inputs(exam)
    values = {"exam_id": exam.id, "user_id": person.id, "number": len(attempts) + 1, "seed": seed,
              "paper": _draw(exam, inputs, seed), "started_at": moment, "deadline_at": deadline,
              "total": inputs.total, "status": "in_progress", "tab_switches": 0}
    try:
        # One Core insert rather than the ORM's unit of work: a fifth of a start's CPU.
        attempt_id = db.session.execute(_INSERT_ATTEMPT, values).scalar_one()
        if not options:  # under autocommit the insert is committed, and the payload's read stays so too
            commit_keeping_loaded(db.session)  # the payload reads the exam next
    except IntegrityError:
        # Another tab or device started at the same moment: theirs is the attempt.
        db.session.rollback()
        other = db.session.scalar(select(Attempt).where(Attempt.exam_id == exam_id, Attempt.user_id == person.id,
                                                        Attempt.status == "in_progress"))
        if other is None:
            raise
        return other, False
    # The attempt as inserted, for the caller's payload; not in the session (nothing to track).
    attempt = Attempt(id=attempt_id, **values)
    set_committed_value(attempt, "exam", exam)
    return attempt, True


_INSERT_ATTEMPT = Attempt.__table__.insert().returning(Attempt.__table__.c.id)


def _local(moment) -> str:
    from flask_babel import format_datetime
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


# --- reading an attempt ----------------------------------------------------------------------

def own_attempt(user, attempt_id: int, *, lock: str | None = None, with_exam: bool = False) -> Attempt:
    """The person's own attempt; 404 for anyone else's (no hint that it exists).

    `with_exam`: its exam in the same statement (locks, if any, stay on the attempt alone)."""
    query = select(Attempt).where(Attempt.id == attempt_id)
    if with_exam:
        query = query.options(joinedload(Attempt.exam, innerjoin=True))
    if lock == "share":
        query = query.with_for_update(read=True, of=Attempt)
    elif lock == "update":
        query = query.with_for_update(of=Attempt)
    attempt = db.session.scalar(query)
    if attempt is None or attempt.user_id != user.id:
        raise Refused("not_found", _l("There is no such attempt."), 404)
    return attempt


def attempt_payload(attempt: Attempt, *, with_answers: bool = True) -> dict:
    """What the exam page needs: the paper in this attempt's order without any key, and saved answers
    (`with_answers=False` for an attempt created in this request, which has none yet)."""
    exam = attempt.exam
    payload = {"attempt_id": attempt.id, "exam_id": exam.id, "title": exam.title, "number": attempt.number,
               "status": attempt.status, "started_at": isoformat(attempt.started_at),
               "deadline": isoformat(attempt.deadline_at), "server_now": isoformat(now()),
               "grace_seconds": exam.grace_seconds, "tab_switch_limit": exam.tab_switch_limit,
               "tab_switches": attempt.tab_switches, "total": float(attempt.total)}
    if attempt.is_finished:
        payload["result"] = result_payload(attempt)
        return payload
    ids = [item["q"] for item in attempt.paper]
    # Only the columns the page shows: a start loads the whole paper, and 40 full Question objects
    # (keys, explanations, legal basis) cost more than the rest of the request.
    questions = {row.id: row for row in db.session.execute(_PAPER_QUESTIONS, {"ids": ids})}
    payload["questions"] = [_question_json(position, item, questions[item["q"]])
                            for position, item in enumerate(attempt.paper, start=1)]
    payload["answers"] = {}
    if with_answers:
        payload["answers"] = {str(row.question_id): {"answer": row.response, "seq": row.seq}
                              for row in db.session.execute(select(Answer.question_id, Answer.response, Answer.seq)
                                                            .where(Answer.attempt_id == attempt.id))}
    return payload


_PAPER_QUESTIONS = select(Question.id, Question.stem, Question.options).where(
    Question.id.in_(bindparam("ids", expanding=True)))


def _question_json(position: int, item: dict, question) -> dict:
    options = []
    if item["t"] in ("single", "multiple"):
        options = [{"key": chr(ord("A") + index), "text": question.options[index]} for index in item["o"]]
    return {"id": question.id, "position": position, "type": item["t"], "stem": question.stem,
            "options": options, "points": item["p"], "blanks": item["b"]}


def result_payload(attempt: Attempt) -> dict:
    """The outcome of a finished attempt, as the review policy allows the candidate to see it."""
    exam = attempt.exam
    shown = exam.review_policy != "never"
    band = marks.grade_band(attempt.score, exam.pass_mark, exam.excellent_mark)
    return {"status": attempt.status, "score": attempt.score if shown else None,
            "total": float(attempt.total), "passed": band in ("pass", "excellent") if shown else None,
            "excellent": band == "excellent" if shown else None, "receipt": attempt.receipt,
            "submitted_at": isoformat(attempt.submitted_at), "finish_reason": attempt.finish_reason}


def review_open(attempt: Attempt, moment=None) -> bool:
    """Full review (answers, keys, explanations) only under the "full" policy after the window closes."""
    return (attempt.is_finished and attempt.exam.review_policy == "full"
            and (moment or now()) >= attempt.exam.closes_at)


# --- saving ----------------------------------------------------------------------------------

#: The attempt as a save needs it, with its exam's grace period and its owner's session checks.
#: Written against the tables, not the mapped classes: a Core statement skips the ORM's
#: per-execution bookkeeping. Built once: a save is the hottest request of an exam.
_attempts, _exams, _people = Attempt.__table__, Exam.__table__, User.__table__
_SAVE_TARGET = (select(_attempts.c.user_id, _attempts.c.status, _attempts.c.deadline_at, _attempts.c.paper,
                       _attempts.c.exam_id, _attempts.c.started_at, _exams.c.grace_seconds, _people.c.session_version,
                       _people.c.status.label("person_status"),
                       _people.c.must_change_password)
                .join(_exams, _exams.c.id == _attempts.c.exam_id).join(_people, _people.c.id == _attempts.c.user_id)
                .where(_attempts.c.id == bindparam("attempt_id")))
_STATUS = select(_attempts.c.status).where(_attempts.c.id == bindparam("attempt_id"))

#: On PostgreSQL each statement of a save commits on its own: no BEGIN and COMMIT round trips,
#: half of a save's round trips to the database. The upsert's guard keeps it atomic.
_SAVE_OPTIONS = {"postgresql": {"isolation_level": "AUTOCOMMIT"}}

_UPSERTS: dict[tuple[str, bool], object] = {}


def _upsert_statement(dialect: str, checked: bool = False):
    """The guarded upsert of one answer, built once per dialect and reused.

    INSERT … SELECT from the attempt only while it is in progress, share-locking it (so a
    concurrent submit, which locks it for update, waits for the save and grades it, or the
    save waits for the submit and then finds the attempt finished), ON CONFLICT … WHERE
    seq < excluded.seq (an older save arriving late never overwrites a newer one).

    `checked`: the one-statement save (SaveHints), whose guard also checks everything the
    full save reads first: the owner and the session, the deadline with the exam's grace
    period, and that the attempt is the one whose paper the hints were learnt from.
    """
    if (dialect, checked) not in _UPSERTS:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = Answer.__table__
        guard = (select(_attempts.c.id, bindparam("question_id", type_=table.c.question_id.type),
                        bindparam("response", type_=table.c.response.type), bindparam("seq", type_=table.c.seq.type),
                        bindparam("saved_at", type_=table.c.saved_at.type))
                 # "Not submitted" rather than status = 'in_progress' (the same thing, by the check
                 # constraint finished_has_time): PostgreSQL takes that condition as licence to
                 # scan the partial index of every attempt in progress instead of the primary key.
                 .where(_attempts.c.id == bindparam("attempt_id"), _attempts.c.submitted_at.is_(None))
                 .with_for_update(read=True, of=_attempts))
        if checked:
            guard = (guard.join(_exams, _exams.c.id == _attempts.c.exam_id)
                     .join(_people, _people.c.id == _attempts.c.user_id)
                     .where(_attempts.c.user_id == bindparam("person_id"), _attempts.c.exam_id == bindparam("exam_id"),
                            _attempts.c.started_at == bindparam("started_at", type_=_attempts.c.started_at.type),
                            _attempts.c.deadline_at >= bindparam("cutoff", type_=_attempts.c.deadline_at.type),
                            _exams.c.grace_seconds == bindparam("grace_seconds"),
                            _people.c.session_version == bindparam("session_version"),
                            _people.c.status == "active", _people.c.must_change_password.is_(False)))
        statement = insert(table).from_select(["attempt_id", "question_id", "response", "seq", "saved_at"], guard)
        excluded = statement.excluded
        _UPSERTS[dialect, checked] = statement.on_conflict_do_update(
            index_elements=[table.c.attempt_id, table.c.question_id],
            set_={"response": excluded.response, "seq": excluded.seq, "saved_at": excluded.saved_at},
            where=table.c.seq < excluded.seq).returning(table.c.seq)
    return _UPSERTS[dialect, checked]


class _ExamHints:
    """One exam as this process has seen it through its attempts' papers."""

    def __init__(self, exam_id: int, grace_seconds: int):
        self.exam_id, self.grace_seconds = exam_id, grace_seconds
        self.bits: dict[int, int] = {}  # question id -> its bit in the attempts' paper masks
        self.shapes: list[tuple | None] = []  # by bit: (type, options, blanks); None if papers differ


class SaveHints:
    """What this process has learnt from full saves, so later saves can be one statement.

    Per attempt: its exam and start time, and which questions its paper holds (a bit mask over
    the exam's questions); per exam: its grace period and each question's shape (type, number
    of options, blanks) as its papers give it. That is enough to check an answer's form and
    write it with one upsert whose guard checks the rest in the database (owner, session,
    deadline, grace, and by the start time that the attempt is the one the paper was learnt
    from: a paper never changes once drawn). Whatever the hints do not know, or know two ways,
    goes to the full save, which decides. Bounded: a long-running process forgets everything
    when it has seen LIMIT attempts (about 350 bytes each).
    """

    LIMIT = 20_000

    def __init__(self):
        self.attempts: dict[int, tuple[_ExamHints, object, int]] = {}
        self.exams: dict[int, _ExamHints] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        with self._lock:
            self.attempts.clear()
            self.exams.clear()

    def learn(self, attempt_id: int, exam_id: int, grace_seconds: int, started_at, paper: list[dict]) -> None:
        if len(self.attempts) >= self.LIMIT or len(self.exams) >= 100:
            self.forget()
        with self._lock:  # two threads learning one exam must not hand out the same bit
            exam = self.exams.get(exam_id)
            if exam is None or exam.grace_seconds != grace_seconds:
                exam = self.exams[exam_id] = _ExamHints(exam_id, grace_seconds)
            mask = 0
            for item in paper:
                shape = (item["t"], item["n"], item["b"])
                bit = exam.bits.get(item["q"])
                if bit is None:
                    exam.shapes.append(shape)  # before the bit is published: readers take no lock
                    bit = exam.bits[item["q"]] = len(exam.shapes) - 1
                elif exam.shapes[bit] != shape:
                    exam.shapes[bit] = None  # the question changed between two draws
                mask |= 1 << bit
            self.attempts[attempt_id] = (exam, started_at, mask)

    def lookup(self, attempt_id: int, question_id: int):
        """(exam id, grace seconds, started at, shape) when known one way, else None."""
        known = self.attempts.get(attempt_id)
        if known is None:
            return None
        exam, started_at, mask = known
        bit = exam.bits.get(question_id)
        shape = exam.shapes[bit] if bit is not None and mask >> bit & 1 else None
        return (exam.exam_id, exam.grace_seconds, started_at, shape) if shape else None


_HINTS = SaveHints()


def forget_save_hints() -> None:
    _HINTS.forget()


def forget_draw_inputs() -> None:
    """Drop this process's prepared draws (tests reuse exam ids and publication times)."""
    _DRAW_INPUTS.clear()


def _save_in_one_statement(connection, dialect: str, hint, person, attempt_id: int, question_id: int, response,
                           seq, moment) -> int | None:
    """The stored seq, or None when the full save must decide (nothing was stored).

    `hint`: what SaveHints.lookup knows of the attempt and question (not None)."""
    exam_id, grace_seconds, started_at, (kind, options, blanks) = hint
    keys = [chr(ord("A") + i) for i in range(options)] if kind in ("single", "multiple") else []
    try:
        normalised = grading.validate_response(kind, response, keys, blanks)
    except grading.InvalidResponse:
        return None  # the full save refuses it with the paper's own reason
    return connection.execute(_upsert_statement(dialect, checked=True), {
        "attempt_id": attempt_id, "question_id": question_id, "response": normalised, "seq": seq,
        "saved_at": moment, "person_id": person.id, "session_version": person.session_version,
        "exam_id": exam_id, "started_at": started_at, "grace_seconds": grace_seconds,
        "cutoff": moment - timedelta(seconds=grace_seconds)}).scalar()


def save_answer(person, attempt_id: int, question_id: int, response, seq) -> dict:
    """Store one answer atomically unless a newer one is stored; refused once the attempt is over.

    `person` (id, session_version) is the session's person, checked here against the attempt's
    owner in the same statement that reads the attempt: the API does not load the person first.
    """
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**62:
        raise Refused("invalid", _l("seq must be a non-negative whole number."), 422)
    moment = now()
    dialect = db.engine.dialect.name
    hint = _HINTS.lookup(attempt_id, question_id)
    outside_session = hint is not None and dialect in _SAVE_OPTIONS and not db.session.registry.has()
    if outside_session:
        # The one-statement save on a pooled connection of its own, without the ORM session:
        # the session's bookkeeping around one autocommitted statement was an eighth of a save.
        with db.engine.connect() as connection:
            stored = _save_in_one_statement(connection.execution_options(**_SAVE_OPTIONS[dialect]), dialect, hint,
                                            person, attempt_id, question_id, response, seq, moment)
        if stored is not None:
            return {"saved": True, "seq": seq, "saved_at": isoformat(moment)}
    # Autocommit only on a fresh connection: a caller already in a transaction (the demo loader,
    # a script) keeps it, and the guard makes the save just as safe inside it.
    options = {} if db.session().in_transaction() else _SAVE_OPTIONS.get(dialect, {})
    connection = db.session.connection(execution_options=options)
    if hint is not None and not outside_session:  # what the statement above did not store, the full save decides
        stored = _save_in_one_statement(connection, dialect, hint, person, attempt_id, question_id, response, seq,
                                        moment)
        if stored is not None:
            db.session.commit()
            return {"saved": True, "seq": seq, "saved_at": isoformat(moment)}
    target = connection.execute(_SAVE_TARGET, {"attempt_id": attempt_id}).first()
    if target is None or target.user_id != person.id:
        raise Refused("not_found", _l("There is no such attempt."), 404)
    if target.session_version != person.session_version or target.person_status != "active":
        # Signed out everywhere, or the account was disabled: as for any signed-out request.
        raise Refused("unauthenticated", _l("Sign in first."), 401)
    if target.must_change_password:
        raise Refused("password_change", _l("Change your password first."), 403)
    if target.status != "in_progress":
        raise Refused("finished", _l("This attempt is already finished."))
    if past_grace(target.deadline_at, target.grace_seconds, moment):
        db.session.rollback()
        finalize(attempt_id, reason="deadline")
        raise Refused("finished", _l("The time is up; the attempt has been submitted."))
    item = next((i for i in target.paper if i["q"] == question_id), None)
    if item is None:
        raise Refused("not_found", _l("This question is not on your paper."), 404)
    keys = [chr(ord("A") + i) for i in range(item["n"])] if item["t"] in ("single", "multiple") else []
    try:
        normalised = grading.validate_response(item["t"], response, keys, item["b"])
    except grading.InvalidResponse as invalid:
        raise Refused("invalid", str(invalid), 422) from None
    _HINTS.learn(attempt_id, target.exam_id, target.grace_seconds, target.started_at, target.paper)
    stored = connection.execute(_upsert_statement(dialect), {
        "attempt_id": attempt_id, "question_id": question_id, "response": normalised, "seq": seq,
        "saved_at": moment}).first()
    if stored is None and connection.execute(_STATUS, {"attempt_id": attempt_id}).scalar() != "in_progress":
        # Submitted or finalised since the first read: the guard stored nothing.
        db.session.rollback()
        raise Refused("finished", _l("This attempt is already finished."))
    db.session.commit()
    # No row back otherwise: an equal or newer answer was already stored.
    return {"saved": stored is not None, "seq": seq, "saved_at": isoformat(moment)}


# --- finishing -------------------------------------------------------------------------------

def _grade(attempt: Attempt) -> tuple[float, dict[int, object]]:
    """Score every answer of the attempt against the current keys; returns (total, responses)."""
    ids = [item["q"] for item in attempt.paper]
    keys = dict(db.session.execute(select(Question.id, Question.answer).where(Question.id.in_(ids))).all())
    # Rows, not Answer objects: a submit minute grades thousands of papers, and the scores are
    # written back with one statement below, so nothing needs tracking by the session.
    responses = dict(db.session.execute(select(Answer.question_id, Answer.response)
                                        .where(Answer.attempt_id == attempt.id)).all())
    total, scored = grading.score_paper(attempt.paper, keys, responses, partial_types=attempt.exam.partial_types)
    updates = [{"a": attempt.id, "q": qid, "s": score, "ok": correct} for qid, score, correct in scored]
    if updates:
        table = Answer.__table__
        if db.session.get_bind().dialect.name == "postgresql":
            # One statement over three arrays rather than one execution per answer: in the
            # submit minute the database's own CPU per submit drops by almost half.
            db.session.execute(_SCORES_FROM_ARRAYS, {
                "a": attempt.id, "qs": [u["q"] for u in updates], "ss": [u["s"] for u in updates],
                "oks": [u["ok"] for u in updates]})
        else:  # SQLite runs in process: an executemany has no round trips to save
            db.session.execute(table.update().where(table.c.attempt_id == bindparam("a"),
                                                    table.c.question_id == bindparam("q"))
                               .values(score=bindparam("s"), is_correct=bindparam("ok")), updates)
    return total, responses


_SCORES_FROM_ARRAYS = text(
    "UPDATE answer SET score = v.s, is_correct = v.ok"
    " FROM unnest(CAST(:qs AS integer[]), CAST(:ss AS numeric[]), CAST(:oks AS boolean[])) AS v(q, s, ok)"
    " WHERE answer.attempt_id = :a AND answer.question_id = v.q")


def _close(attempt: Attempt, status: str, at, reason: str | None) -> None:
    score, responses = _grade(attempt)
    attempt.status, attempt.submitted_at, attempt.finish_reason = status, at, reason
    attempt.score = score
    attempt.receipt = grading.receipt_code(attempt.id, responses, isoformat(at))


def submit_attempt(user, attempt_id: int) -> Attempt:
    """Grade and close the attempt; submitting twice returns the same result."""
    attempt = own_attempt(user, attempt_id, lock="update", with_exam=True)
    if attempt.is_finished:
        return attempt
    moment = now()
    if is_overdue(attempt, attempt.exam, moment):
        _close(attempt, "auto_submitted", attempt.deadline_at, "deadline")
    else:
        _close(attempt, "submitted", moment, None)
    # The result is read from the attempt and its exam at once: keep them loaded.
    commit_keeping_loaded(db.session)
    return attempt


def finalize(attempt_id: int, *, reason: str) -> bool:
    """Close an attempt the candidate did not submit (deadline or tab limit); False if already closed."""
    attempt = db.session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
    if attempt is None or attempt.is_finished:
        db.session.rollback()
        return False
    if reason == "deadline" and not is_overdue(attempt, attempt.exam):
        db.session.rollback()
        return False
    _close(attempt, "auto_submitted", attempt.deadline_at if reason == "deadline" else now(), reason)
    db.session.commit()
    return True


def finalize_overdue(exam_id: int | None = None) -> int:
    """Close every attempt past its deadline and grace (for one exam or all); returns how many."""
    moment = now()
    query = (select(Attempt.id, Attempt.deadline_at, Exam.grace_seconds).join(Exam)
             .where(Attempt.status == "in_progress", Attempt.deadline_at < moment))
    if exam_id is not None:
        query = query.where(Attempt.exam_id == exam_id)
    closed = 0
    for attempt_id, deadline, grace_seconds in db.session.execute(query).all():
        if moment > deadline + timedelta(seconds=grace_seconds):
            closed += finalize(attempt_id, reason="deadline")
    return closed


def record_event(user, attempt_id: int, kind: str) -> dict:
    """Record a tab switch ("hidden"/"visible"); past the exam's limit the attempt is submitted."""
    if kind not in ("hidden", "visible"):
        raise Refused("invalid", _l("type must be \"hidden\" or \"visible\"."), 422)
    attempt = own_attempt(user, attempt_id, lock="update")
    if attempt.is_finished:
        raise Refused("finished", _l("This attempt is already finished."))
    db.session.add(AttemptEvent(attempt_id=attempt.id, kind=kind))
    submitted = False
    if kind == "hidden":
        attempt.tab_switches += 1
        limit = attempt.exam.tab_switch_limit
        if limit is not None and attempt.tab_switches > limit:
            _close(attempt, "auto_submitted", now(), "tab_limit")
            submitted = True
    db.session.commit()
    return {"tab_switches": attempt.tab_switches, "limit": attempt.exam.tab_switch_limit, "submitted": submitted}


def attempts_in_progress(exam_id: int) -> int:
    return db.session.scalar(select(func.count(Attempt.id)).where(Attempt.exam_id == exam_id,
                                                                  Attempt.status == "in_progress"))


def has_attempt_in_progress(user) -> bool:
    """Someone in the middle of an exam is never signed out for being idle: True only while one of
    their open attempts is within its deadline plus grace (an overdue attempt nobody has finalised
    yet waives nothing: it can no longer take an answer)."""
    moment = now()
    # The same rule as every other deadline check (past_grace), in Python: a person has at most
    # a few open attempts, and interval arithmetic differs between SQLite and PostgreSQL.
    rows = db.session.execute(select(Attempt.deadline_at, Exam.grace_seconds).join(Exam)
                              .where(Attempt.user_id == user.id, Attempt.status == "in_progress")).all()
    return any(not past_grace(deadline, grace_seconds, moment) for deadline, grace_seconds in rows)


def _answer_keep_signed_in(_sender, *, person, **_extra) -> bool:
    return has_attempt_in_progress(person)


signals.keep_signed_in.connect(_answer_keep_signed_in, weak=False)
