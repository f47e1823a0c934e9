"""Marking subjective answers (阅卷): queues, claims, marks, remarks (the database side).

Who marks: admins, the trainers who manage the exam (`authoring.can_manage`) and the trainers
its manager added as markers (`ExamMarker`). A second mark must come from another person than
the first, an arbitration from a third. A mark is changed by the person who gave it, or by a
manager who gave no other mark of that answer (who then becomes that round's marker).

Anonymity: markers see "答卷 #n", n the attempt's rank among the exam's attempts in the order
they were started, stable for the life of the exam; the candidate's name only when the
manager turned anonymous marking off. Blindness: a round's page shows that round's mark
only; an arbitrator alone sees the first and second marks.

Concurrency: opening an answer claims it for `LEASE` (`MarkClaim`, one atomic upsert that
takes a free or expired claim and never another marker's live one), so two markers of the
same round are handed different answers; a save without the claim is refused when another
marker holds it, and the unique (answer, round) mark makes the first save win regardless.

After every mark the answer's final mark (rule in `marking.py`) is written to `Answer.score`,
the attempt rescored (`score_attempt`) and certificates refreshed; every mark is audited.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ..accounts import audit
from ..accounts.models import User
from ..platform.clock import now
from ..platform.errors import DomainError
from ..platform.extensions import db
from ..questionbank.models import Question
from ..questionbank.subjective import SUBJECTIVE_TYPES, Part, parts_of, scaled_parts
from . import authoring, certificate_issuing, finalising, marking
from .marking import ARBITRATION, FIRST, ROUNDS, SECOND
from .models import Answer, Attempt, Exam, ExamMarker, Mark, MarkClaim
from .scoring import score_attempt

#: How long an opened answer stays reserved for its marker.
LEASE = timedelta(minutes=5)
TOLERANCE_MAX = 100.0
COMMENT_MAX = 2000
REASON_MAX = 200


# --- who marks ------------------------------------------------------------------------------

def can_mark(user, exam: Exam) -> bool:
    """Admins, the exam's managers, and trainers added as its markers."""
    if user.role not in ("admin", "trainer"):
        return False
    if authoring.can_manage(user, exam):
        return True
    return db.session.get(ExamMarker, (exam.id, user.id)) is not None


def markers(exam: Exam) -> list[User]:
    """The trainers added as markers of the exam, by name."""
    return list(db.session.scalars(select(User).join(ExamMarker, ExamMarker.user_id == User.id)
                                   .where(ExamMarker.exam_id == exam.id).order_by(User.name)))


def add_marker(actor, exam: Exam, login: str) -> User:
    """Add an active trainer (by login name) as a marker of the exam; audited."""
    person = db.session.scalar(select(User).where(User.login == (login or "").strip()))
    if person is None or person.role != "trainer" or person.status != "active":
        raise DomainError(_l("Only an active trainer can be added as a marker; check the login name."))
    if db.session.get(ExamMarker, (exam.id, person.id)) is None and not authoring.can_manage(person, exam):
        db.session.add(ExamMarker(exam_id=exam.id, user_id=person.id, added_by_id=actor.id))
        audit.record("marking.marker_add", actor=actor, subject=exam.title, exam_id=exam.id, user_id=person.id)
        db.session.commit()
    return person


def remove_marker(actor, exam: Exam, user_id: int) -> None:
    """Take a trainer off the exam's markers (the marks they gave stay); audited."""
    found = db.session.get(ExamMarker, (exam.id, user_id))
    if found is not None:
        db.session.delete(found)
        audit.record("marking.marker_remove", actor=actor, subject=exam.title, exam_id=exam.id, user_id=user_id)
        db.session.commit()


def save_settings(actor, exam: Exam, *, double: bool, tolerance, anonymous: bool) -> None:
    """Double marking and its tolerance (fixed once the first mark is given) and anonymity."""
    try:
        tolerance = float(str(tolerance).strip())
    except ValueError:
        raise DomainError(_l("The tolerance is a number of points, e.g. 2.")) from None
    if not 0 <= tolerance <= TOLERANCE_MAX:
        raise DomainError(_l("The tolerance is between 0 and %(n)s points.", n=int(TOLERANCE_MAX)))
    given = _marks_given(exam)
    if given and (double != exam.double_marking or abs(tolerance - float(exam.marking_tolerance)) > 0.005):
        raise DomainError(_l("Double marking and its tolerance are fixed once the first mark is given."))
    old = {"double": exam.double_marking, "tolerance": float(exam.marking_tolerance),
           "anonymous": exam.anonymous_marking}
    exam.double_marking, exam.marking_tolerance, exam.anonymous_marking = double, tolerance, anonymous
    audit.record("marking.settings", actor=actor, subject=exam.title, exam_id=exam.id, old=old,
                 new={"double": double, "tolerance": tolerance, "anonymous": anonymous})
    db.session.commit()


def _marks_given(exam: Exam) -> int:
    return db.session.scalar(select(func.count(Mark.id)).join(Attempt, Attempt.id == Mark.attempt_id)
                             .where(Attempt.exam_id == exam.id)) or 0


# --- reading the answers of a question ------------------------------------------------------

@dataclass
class Script:
    """One candidate's answer to one subjective question, as the marking pages see it."""

    number: int
    attempt: Attempt
    answer: Answer
    points: float
    marks: dict[str, Mark] = field(default_factory=dict)

    def totals(self) -> dict[str, float]:
        return {r: float(m.total) for r, m in self.marks.items()}

    def final(self, exam: Exam) -> marking.Final:
        return marking.final_mark(self.totals(), double=exam.double_marking,
                                  tolerance=float(exam.marking_tolerance), full=self.points)


def numbers(exam_id: int) -> dict[int, int]:
    """Attempt id → its stable anonymous number (rank by id among the exam's attempts)."""
    ids = db.session.scalars(select(Attempt.id).where(Attempt.exam_id == exam_id).order_by(Attempt.id)).all()
    return {attempt_id: rank for rank, attempt_id in enumerate(ids, start=1)}


def scripts(exam: Exam, question_id: int | None = None) -> list[Script]:
    """The answered subjective items of the exam's finished attempts, by question then number."""
    ranks = numbers(exam.id)
    query = (select(Attempt, Answer).join(Answer, Answer.attempt_id == Attempt.id)
             .where(Attempt.exam_id == exam.id, Attempt.status != "in_progress", Answer.response.is_not(None)))
    if question_id is not None:
        query = query.where(Answer.question_id == question_id)
    found = []
    for attempt, answer in db.session.execute(query):
        item = next((i for i in attempt.paper if i["q"] == answer.question_id), None)
        if item is None or item["t"] not in SUBJECTIVE_TYPES:
            continue
        found.append(Script(ranks[attempt.id], attempt, answer, float(item["p"])))
    if found:
        by_key = {(s.attempt.id, s.answer.question_id): s for s in found}
        mark_query = select(Mark).join(Attempt, Attempt.id == Mark.attempt_id).where(Attempt.exam_id == exam.id)
        if question_id is not None:
            mark_query = mark_query.where(Mark.question_id == question_id)
        for mark in db.session.scalars(mark_query):
            script = by_key.get((mark.attempt_id, mark.question_id))
            if script is not None:
                script.marks[mark.round] = mark
    return sorted(found, key=lambda s: (s.answer.question_id, s.number))


@dataclass(frozen=True)
class RoundProgress:
    round: str
    done: int
    needed: int


@dataclass(frozen=True)
class QuestionQueue:
    """A subjective question of the exam in the overview."""

    question: Question
    answers: int
    final: int
    rounds: tuple[RoundProgress, ...]
    waiting_arbitration: int
    first_number: int


def rounds_of(exam: Exam) -> tuple[str, ...]:
    return ROUNDS if exam.double_marking else (FIRST,)


def overview(exam: Exam) -> list[QuestionQueue]:
    """Per subjective question with answers: how many, how many final, 已阅 n/N per round."""
    by_question: dict[int, list[Script]] = {}
    for script in scripts(exam):
        by_question.setdefault(script.answer.question_id, []).append(script)
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(list(by_question))))}
    queues = []
    for question_id, found in by_question.items():
        finals = [s.final(exam) for s in found]
        progress = []
        for round_ in rounds_of(exam):
            done = sum(1 for s in found if round_ in s.marks)
            if round_ == ARBITRATION:
                needed = sum(1 for s, f in zip(found, finals)
                             if ARBITRATION in s.marks or f.state == marking.WAITING_ARBITRATION)
            else:
                needed = len(found)
            progress.append(RoundProgress(round_, done, needed))
        queues.append(QuestionQueue(questions[question_id], len(found), sum(1 for f in finals if f.mark is not None),
                                    tuple(progress),
                                    sum(1 for f in finals if f.state == marking.WAITING_ARBITRATION),
                                    min(s.number for s in found)))
    return sorted(queues, key=lambda q: q.question.id)


def _refusal_to_mark(script: Script, round_: str, user, exam: Exam) -> str | None:
    """Why this person may not give (or change) this round's mark of this answer; None: they may."""
    if round_ not in rounds_of(exam):
        return str(_l("This exam is marked once: there is no second mark or arbitration."))
    others = {r: m.marker_id for r, m in script.marks.items() if r != round_}
    if user.id in others.values():
        return str(_l("You gave another mark of this answer: each round is marked by a different person."))
    own = script.marks.get(round_)
    if own is not None and own.marker_id != user.id:
        if not authoring.can_manage(user, exam):
            return str(_l("Another marker has already marked this answer in this round."))
        if round_ in (FIRST, SECOND) and script.final(exam).state in (marking.WAITING_FIRST, marking.WAITING_SECOND):
            # Blind double marking: whoever manages the exam may be the one still to give the
            # other mark, so a mark given is theirs to see only once both are in.
            return str(_l("Blind marking: this answer still waits for its other mark, so this mark is seen and "
                          "changed by its marker only until both marks are in."))
    if round_ == SECOND and FIRST not in script.marks:
        return str(_l("The second mark follows the first."))
    if round_ == ARBITRATION and own is None and script.final(exam).state != marking.WAITING_ARBITRATION:
        return str(_l("This answer does not need arbitration: its two marks agree within the tolerance."))
    return None


def _waiting_for(script: Script, round_: str, exam: Exam) -> bool:
    if round_ in script.marks:
        return False
    # The states are named after the round they wait for (marking.WAITING_*).
    return script.final(exam).state == round_


# --- claims -------------------------------------------------------------------------------

def _claim(script: Script, round_: str, user) -> bool:
    """Take (or renew) the lease on this answer's round; False when another marker holds it."""
    moment = now()
    table = MarkClaim.__table__
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)
    statement = insert.values(attempt_id=script.attempt.id, question_id=script.answer.question_id, round=round_,
                              marker_id=user.id, expires_at=moment + LEASE).on_conflict_do_update(
        index_elements=[table.c.attempt_id, table.c.question_id, table.c.round],
        set_={"marker_id": user.id, "expires_at": moment + LEASE},
        where=(table.c.expires_at < moment) | (table.c.marker_id == user.id),
    ).returning(table.c.marker_id)
    return db.session.execute(statement).scalar() == user.id


def _held_by_other(script: Script, round_: str, user) -> bool:
    claim = db.session.get(MarkClaim, (script.attempt.id, script.answer.question_id, round_))
    return claim is not None and claim.marker_id != user.id and claim.expires_at > now()


def _release(script: Script, round_: str, user) -> None:
    db.session.execute(delete(MarkClaim).where(
        MarkClaim.attempt_id == script.attempt.id, MarkClaim.question_id == script.answer.question_id,
        MarkClaim.round == round_, MarkClaim.marker_id == user.id))


def next_to_mark(exam: Exam, question_id: int, round_: str, user, *, after: int = 0) -> int | None:
    """Claim the first answer after number `after` (then from the start) that waits for this
    round, that this person may mark and no other marker holds; its number, or None."""
    found = [s for s in scripts(exam, question_id)
             if _waiting_for(s, round_, exam) and _refusal_to_mark(s, round_, user, exam) is None]
    ordered = [s for s in found if s.number > after] + [s for s in found if s.number <= after]
    for script in ordered:
        if _claim(script, round_, user):
            db.session.commit()
            return script.number
    db.session.commit()
    return None


def release(exam: Exam, question_id: int, round_: str, number: int, user) -> None:
    """Give back the lease on an answer (skipping it)."""
    script = _script(exam, question_id, number)
    _release(script, round_, user)
    db.session.commit()


# --- one answer -----------------------------------------------------------------------------

@dataclass
class AnswerPage:
    """What the marking page of one answer shows."""

    script: Script
    question: Question
    parts: list[Part]
    texts: list[str]
    round: str
    own: Mark | None
    shown_marks: dict[str, Mark]
    refusal: str | None
    held_by_other: bool
    candidate: str | None
    previous: int | None
    next: int | None
    done: int
    needed: int
    final: marking.Final
    needs_reason: bool


def _script(exam: Exam, question_id: int, number: int) -> Script:
    found = next((s for s in scripts(exam, question_id) if s.number == number), None)
    if found is None:
        raise LookupError(number)
    return found


def answer_page(exam: Exam, question_id: int, round_: str, number: int, user) -> AnswerPage:
    """The page of answer #number in this round (LookupError when there is none); claims it
    when this person may mark it and it is free."""
    if round_ not in ROUNDS:
        raise LookupError(round_)
    everyone = scripts(exam, question_id)
    script = next((s for s in everyone if s.number == number), None)
    if script is None:
        raise LookupError(number)
    question = db.session.get(Question, question_id)
    parts = scaled_parts(parts_of(question.qtype, question.options, question.answer), script.points)
    response = script.answer.response
    texts = [response] if isinstance(response, str) else [str(t or "") for t in (response or [])]
    refusal = _refusal_to_mark(script, round_, user, exam)
    held = False
    if refusal is None:
        held = not _claim(script, round_, user)
        db.session.commit()
    own = script.marks.get(round_)
    if own is not None and own.marker_id != user.id and refusal is not None:
        own = None  # another marker's mark of this round is theirs to see
    # Blind: the first and second marks are shown to the arbitrator only, and only once the
    # answer is theirs to arbitrate (never to a second marker opening the arbitration page).
    shown = ({r: m for r, m in script.marks.items() if r in (FIRST, SECOND)}
             if round_ == ARBITRATION and refusal is None else {})
    numbers_in_round = [s.number for s in everyone if round_ == FIRST or round_ in s.marks
                        or _waiting_for(s, round_, exam)]
    previous = max((n for n in numbers_in_round if n < number), default=None)
    following = min((n for n in numbers_in_round if n > number), default=None)
    needed = len(numbers_in_round)
    done = sum(1 for s in everyone if round_ in s.marks)
    candidate = None if exam.anonymous_marking else f"{script.attempt.user.name}"
    return AnswerPage(script, question, parts, texts, round_, own, shown, refusal, held, candidate, previous,
                      following, done, needed, script.final(exam), script.attempt.score is not None)


def read_marks(parts: list[Part], form) -> list[dict]:
    """The marks typed in the form: per part `p<i>` or, with scoring points, `p<i>_<j>`;
    DomainError naming the first out of bounds."""
    given = []
    for index, part in enumerate(parts):
        if part.rubric:
            points = []
            for number, point in enumerate(part.rubric, start=1):
                points.append(_parse(form.get(f"p{index}_{number}"), point.marks, index, number))
            given.append({"points": points, "total": round(sum(points), 2)})
        else:
            given.append({"total": _parse(form.get(f"p{index}"), part.marks, index, None)})
    return given


def _parse(text, maximum: float, part: int, point: int | None) -> float:
    try:
        return marking.parse_mark(text, maximum, part=part, point=point)
    except marking.MarkRefused as refused:
        where = (_l("Sub-question %(part)s, scoring point %(point)s", part=part + 1, point=point) if point
                 else _l("Sub-question %(part)s", part=part + 1))
        raise DomainError(_l("%(where)s: give a mark from 0 to %(max)s in steps of 0.5 (not “%(text)s”).",
                             where=where, max=f"{maximum:g}", text=refused.text[:20])) from None


def give_mark(exam: Exam, question_id: int, round_: str, number: int, user, form, *,
              comment: str = "", reason: str = "") -> Mark:
    """Give or change this person's mark of answer #number in this round: bounds checked, the
    final mark worked out and written to the answer, the attempt rescored, certificates
    refreshed, audited; one commit. DomainError when refused."""
    if round_ not in ROUNDS:
        raise LookupError(round_)
    found = _script(exam, question_id, number)
    # One mark at a time per attempt: two markers finishing its last two answers at once must
    # not each rescore it without the other's mark (and leave it waiting). SQLite's writes are
    # serial already (BEGIN IMMEDIATE); PostgreSQL waits here, then reads what was committed.
    db.session.execute(select(Attempt.id).where(Attempt.id == found.attempt.id).with_for_update())
    db.session.expire_all()
    script = _script(exam, question_id, number)
    if not script.attempt.is_finished:
        raise DomainError(_l("Only finished attempts are marked."))
    refusal = _refusal_to_mark(script, round_, user, exam)
    if refusal is not None:
        raise DomainError(refusal)
    if _held_by_other(script, round_, user):
        raise DomainError(_l("Another marker has this answer open; take the next one."))
    question = db.session.get(Question, question_id)
    parts = scaled_parts(parts_of(question.qtype, question.options, question.answer), script.points)
    given = read_marks(parts, form)
    total = min(marking.marks_total(given), script.points)
    comment = (comment or "").strip()[:COMMENT_MAX]
    reason = " ".join((reason or "").split())[:REASON_MAX]
    existing = script.marks.get(round_)
    published = script.attempt.score is not None
    if existing is not None and published and not reason:
        raise DomainError(_l("This result is already published: say why the mark changes."))
    moment = now()
    subject = f"{exam.title} · #{number}"
    if existing is None:
        mark = Mark(attempt_id=script.attempt.id, question_id=question_id, round=round_, marker_id=user.id,
                    parts=given, total=total, comment=comment, created_at=moment, updated_at=moment)
        db.session.add(mark)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise DomainError(_l("Another marker has already marked this answer in this round.")) from None
        audit.record("marking.mark", actor=user, subject=subject, exam_id=exam.id, attempt_id=script.attempt.id,
                     question_id=question_id, round=round_, total=total, parts=given)
    else:
        mark = existing
        old = {"total": float(mark.total), "parts": mark.parts, "marker_id": mark.marker_id}
        mark.parts, mark.total, mark.comment, mark.updated_at, mark.marker_id = given, total, comment, moment, user.id
        audit.record("marking.remark", actor=user, subject=subject, exam_id=exam.id, attempt_id=script.attempt.id,
                     question_id=question_id, round=round_, old=old,
                     new={"total": total, "parts": given}, reason=reason or None)
    script.marks[round_] = mark
    _release(script, round_, user)
    _apply_final(exam, script, user)
    db.session.commit()
    return mark


def _apply_final(exam: Exam, script: Script, user) -> None:
    """Write the answer's final mark (or None) and rescore its attempt; refresh certificates
    when the counted result changed."""
    final = script.final(exam)
    answer, attempt = script.answer, script.attempt
    answer.score = final.mark
    answer.is_correct = None if final.mark is None else final.mark >= script.points - 0.005
    old = attempt.score
    score, _responses = score_attempt(attempt)
    attempt.score = score
    if score != old:
        audit.record("marking.result", actor=user, subject=f"{exam.title} · #{script.number}", exam_id=exam.id,
                     attempt_id=attempt.id, old=old, new=score)
        certificate_issuing.refresh_attempts([attempt], actor=user, reason="marking")
        if old is None:  # the last mark made a waiting result final: tell the candidate (once)
            finalising.announce_result(attempt)


# --- item analysis of subjective questions ----------------------------------------------------

def subjective_rows(exam: Exam) -> list[tuple[int, float, float | None, float | None, float | None]]:
    """Every answered subjective item of the exam's finished attempts, as plain data for the
    item analysis (reports/items.py): (question id, points, final mark, first mark, second mark)."""
    return [(s.answer.question_id, s.points, None if s.answer.score is None else float(s.answer.score),
             float(s.marks[FIRST].total) if FIRST in s.marks else None,
             float(s.marks[SECOND].total) if SECOND in s.marks else None) for s in scripts(exam)]
