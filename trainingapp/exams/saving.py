"""Saving one answer (the autosave): the hottest request of an exam.

Every acknowledged save is one atomic upsert that a later (higher `seq`) save may overwrite and
an older one never does (`_upsert_statement`: INSERT ... SELECT from the attempt while it is not
submitted, share-locking it, ON CONFLICT ... WHERE seq < excluded.seq). A save and a submit of
the same attempt are serialised by that lock, so a submit grades exactly the answers
acknowledged before it. The view does not load the person (`accounts.session_rules`): the
statement that reads the attempt checks the session too.

The routes of a save, fastest first; each hands what it cannot decide to the last one:

1. One statement on a pooled connection of its own, without the ORM session (PostgreSQL, when
   the request has not opened a session yet; the session's bookkeeping around one autocommitted
   statement was an eighth of a save). It needs this process's `SaveHints` for the attempt and
   the question: the answer's form is checked in Python against the question's shape, and the
   checked upsert's guard checks in the database all the full save would read first (the owner
   and the session by `session_rules.session_criteria`, the deadline with the exam's grace, and
   by the start time that the attempt is the one the hints were learnt from). Autocommitted:
   no BEGIN and COMMIT round trips, half of a save's round trips. Nothing stored (an equal or
   newer seq, a finished attempt, a bad session, an answer of the wrong form): route 3 decides.
2. The same one statement on the ORM session's connection: SQLite (in process, nothing to gain
   from a connection of its own), or a caller whose session is already in use (the demo loader,
   a script), inside its transaction if one is open. Nothing stored: route 3 decides.
3. The full save: one read of the attempt with its exam's grace and its owner's session fields
   (`_SAVE_TARGET`), each refusal with its reason (no such attempt, signed out, password change
   due, finished, time up (the attempt is then finalised), not on the paper, invalid answer),
   the hints learnt for later saves, then the plain guarded upsert. Autocommitted on PostgreSQL
   unless the caller is in a transaction (`autocommit_options`, also used by the start).
"""
from __future__ import annotations

import threading
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts import session_rules
from ..accounts.models import User
from ..platform.clock import isoformat, now
from ..platform.extensions import db
from . import grading
from .finalising import finalize
from .models import Answer, Attempt, Exam
from .taking import Refused
from .timing import past_grace

#: The attempt as a save needs it, with its exam's grace period and its owner's session checks.
#: Written against the tables, not the mapped classes: a Core statement skips the ORM's
#: per-execution bookkeeping. Built once: a save is the hottest request of an exam.
_attempts, _exams, _people = Attempt.__table__, Exam.__table__, User.__table__
_SAVE_TARGET = (select(_attempts.c.user_id, _attempts.c.status, _attempts.c.deadline_at, _attempts.c.paper,
                       _attempts.c.exam_id, _attempts.c.started_at, _exams.c.grace_seconds,
                       *session_rules.stored_session(_people))
                .join(_exams, _exams.c.id == _attempts.c.exam_id).join(_people, _people.c.id == _attempts.c.user_id)
                .where(_attempts.c.id == bindparam("attempt_id")))
_STATUS = select(_attempts.c.status).where(_attempts.c.id == bindparam("attempt_id"))

#: On PostgreSQL each statement of a save commits on its own: no BEGIN and COMMIT round trips,
#: half of a save's round trips to the database. The upsert's guard keeps it atomic.
AUTOCOMMIT = {"postgresql": {"isolation_level": "AUTOCOMMIT"}}


def autocommit_options(dialect: str) -> dict:
    """The connection options of a save or a start: autocommit only on a fresh connection. A
    caller already in a transaction (the demo loader, a script) keeps it, and the guard makes
    the save just as safe inside it."""
    return {} if db.session().in_transaction() else AUTOCOMMIT.get(dialect, {})


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
                            session_rules.session_criteria(_people)))
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


def _option_keys(kind: str, options: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(options)] if kind in ("single", "multiple") else []


def _acknowledged(saved: bool, seq: int, moment) -> dict:
    return {"saved": saved, "seq": seq, "saved_at": isoformat(moment)}


def _save_in_one_statement(connection, dialect: str, hint, person, attempt_id: int, question_id: int, response,
                           seq, moment) -> int | None:
    """Routes 1 and 2: the stored seq, or None when the full save must decide (nothing was stored).

    `hint`: what SaveHints.lookup knows of the attempt and question (not None)."""
    exam_id, grace_seconds, started_at, (kind, options, blanks) = hint
    try:
        normalised = grading.validate_response(kind, response, _option_keys(kind, options), blanks)
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
    The routes are described at the top of this module.
    """
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**62:
        raise Refused("invalid", _l("seq must be a non-negative whole number."), 422)
    moment = now()
    dialect = db.engine.dialect.name
    hint = _HINTS.lookup(attempt_id, question_id)
    if hint is not None and dialect in AUTOCOMMIT and not db.session.registry.has():  # route 1
        with db.engine.connect() as connection:
            stored = _save_in_one_statement(connection.execution_options(**AUTOCOMMIT[dialect]), dialect, hint,
                                            person, attempt_id, question_id, response, seq, moment)
        if stored is not None:
            return _acknowledged(True, seq, moment)
        hint = None  # route 3 decides
    connection = db.session.connection(execution_options=autocommit_options(dialect))
    if hint is not None:  # route 2
        stored = _save_in_one_statement(connection, dialect, hint, person, attempt_id, question_id, response, seq,
                                        moment)
        if stored is not None:
            db.session.commit()
            return _acknowledged(True, seq, moment)
    return _full_save(connection, dialect, person, attempt_id, question_id, response, seq, moment)


def _full_save(connection, dialect: str, person, attempt_id: int, question_id: int, response, seq, moment) -> dict:
    """Route 3: read the attempt, refuse with the reason, learn the hints, upsert."""
    target = connection.execute(_SAVE_TARGET, {"attempt_id": attempt_id}).first()
    item = _paper_item(target, person, attempt_id, question_id, moment)
    try:
        normalised = grading.validate_response(item["t"], response, _option_keys(item["t"], item["n"]), item["b"])
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
    return _acknowledged(stored is not None, seq, moment)


def _paper_item(target, person, attempt_id: int, question_id: int, moment) -> dict:
    """The question's item on the paper of the attempt read by `_SAVE_TARGET`, once the person,
    the session and the time allow a save; refused otherwise."""
    if target is None or target.user_id != person.id:
        raise Refused("not_found", _l("There is no such attempt."), 404)
    refusal = session_rules.row_refusal(target, person.session_version)
    if refusal is not None:
        # Signed out everywhere, the account disabled or a password change due: as for any request.
        raise Refused.session(refusal)
    if target.status != "in_progress":
        raise Refused("finished", _l("This attempt is already finished."))
    if past_grace(target.deadline_at, target.grace_seconds, moment):
        db.session.rollback()
        finalize(attempt_id, reason="deadline")
        raise Refused("finished", _l("The time is up; the attempt has been submitted."))
    item = next((i for i in target.paper if i["q"] == question_id), None)
    if item is None:
        raise Refused("not_found", _l("This question is not on your paper."), 404)
    return item
