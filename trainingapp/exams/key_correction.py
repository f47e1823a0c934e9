"""Which published exams lock a question, and correcting a locked question's key (更正答案并重新评分).

The lock rule. A published exam locks a question when
- the exam is not yet closed (running or upcoming) and the question is in its pool snapshot:
  a rule exam may still draw it, a fixed exam lists it; or
- the exam is closed and the question is on its fixed paper, or on the drawn paper of one of
  its attempts (a closed rule exam's questions that nobody drew are free again).
Drafts lock nothing: nobody has sat them and their paper can still change.

A locked question's stem, options, key, points and type stay as the candidates saw and were
graded against them. Its key changes only through `correct_key`, allowed to an admin or to a
trainer who owns every exam that locks the question: it changes the key, regrades every
finished attempt carrying the question in the same transaction, and audits who, why, the old
and new key and every attempt whose score changed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts import audit
from ..platform import signals
from ..platform.clock import now
from ..platform.extensions import db
from ..questionbank.formats import answer_notation
from ..questionbank.models import Question
from ..questionbank.parsing import check_fields, dedup_key
from ..questionbank.usage import ExamLock, locks_of
from . import certificate_issuing, grading, marks
from .models import Answer, Attempt, Exam
from .scoring import score_attempt
from .timing import OPEN, UPCOMING, exam_phase

_CHUNK = 500  # ids per IN (...) query


class CorrectionRefused(Exception):
    """The correction cannot be made as asked; the message says why."""


class NotAllowed(Exception):
    """The person does not manage every exam the question is locked by; `exams` names them."""

    def __init__(self, exams: list[ExamLock]):
        super().__init__("not allowed")
        self.exams = exams


# --- the lock ---------------------------------------------------------------------------------

def question_locks(question_ids: list[int]) -> dict[int, list[ExamLock]]:
    """Per question id that is locked, the published exams that lock it (the rule above)."""
    wanted = set(question_ids)
    if not wanted:
        return {}
    moment = now()
    found: dict[int, list[ExamLock]] = {}
    closed_rule_exams: dict[int, tuple[str, int | None, set[int]]] = {}
    for exam_id, title, owner_id, opens_at, closes_at, mode, snapshot in db.session.execute(
            select(Exam.id, Exam.title, Exam.created_by_id, Exam.opens_at, Exam.closes_at, Exam.paper_mode,
                   Exam.pool_snapshot)
            .where(Exam.state == "published")):
        held = {row[0] for row in snapshot or []} & wanted
        if not held:
            continue
        is_open = exam_phase(closes_at, moment, opens_at=opens_at) in (UPCOMING, OPEN)
        if is_open or mode == "fixed":
            for qid in held:
                found.setdefault(qid, []).append(
                    ExamLock(exam_id, title, owner_id, is_open, "fixed" if mode == "fixed" else "pool"))
        else:
            closed_rule_exams[exam_id] = (title, owner_id, held)
    for exam_id, (title, owner_id, held) in closed_rule_exams.items():
        for qid in _drawn(exam_id, held):
            found.setdefault(qid, []).append(ExamLock(exam_id, title, owner_id, False, "drawn"))
    return found


def _drawn(exam_id: int, question_ids: set[int]) -> set[int]:
    """Those of `question_ids` on the paper of at least one attempt of the exam."""
    drawn: set[int] = set()
    for (paper,) in db.session.execute(select(Attempt.paper).where(Attempt.exam_id == exam_id)):
        drawn.update(item["q"] for item in paper if item["q"] in question_ids)
        if drawn == question_ids:
            break
    return drawn


def _answer_lock_question(_sender, *, question_ids: list[int], **_extra) -> dict[int, list[ExamLock]]:
    return question_locks(question_ids)


signals.question_locks.connect(_answer_lock_question, weak=False)


def may_correct(user, locks: list[ExamLock]) -> list[ExamLock]:
    """The locking exams `user` does not manage (empty: they may correct the key)."""
    if user.role == "admin":
        return []
    return [lock for lock in locks if not (user.role == "trainer" and lock.owner_id == user.id)]


# --- preview ----------------------------------------------------------------------------------

@dataclass
class AttemptChange:
    attempt_id: int
    user_id: int
    person: str
    number: int
    old_score: float | None
    new_score: float
    old_band: str
    new_band: str


@dataclass
class ExamEffect:
    exam_id: int
    title: str
    #: Finished attempts carrying the question (all are regraded).
    finished: int = 0
    #: Attempts in progress carrying it: graded with the new key when they are submitted.
    in_progress: int = 0
    changes: list[AttemptChange] = field(default_factory=list)


@dataclass
class CorrectionPreview:
    question_id: int
    old_key: object
    new_key: object
    old_notation: str
    new_notation: str
    exams: list[ExamEffect]

    @property
    def changes(self) -> list[AttemptChange]:
        return [change for effect in self.exams for change in effect.changes]


def parse_new_key(question: Question, notation: str):
    """The new key in the stored shape, checked against the question as the editor checks it;
    CorrectionRefused with the problems otherwise (or when it is the key already there)."""
    fields = {"type": question.qtype, "stem": question.stem, "options": list(question.options or []),
              "answer": (notation or "").strip(), "explanation": question.explanation,
              "points": float(question.points), "difficulty": question.difficulty,
              "category": question.category, "knowledge_point": question.knowledge_point,
              "basis": question.basis, "status": question.is_active}
    if not fields["answer"]:
        raise CorrectionRefused(_l("Write the new key."))
    data, errors = check_fields(fields, None, lambda key: str(_l("Answer")) if key == "answer" else key)
    if errors:
        raise CorrectionRefused("; ".join(str(error) for error in errors))
    if data.answer == question.answer:
        raise CorrectionRefused(_l("The new key is the key the question already has."))
    return data


def _tally(locks, attempts, names, rescore) -> list[ExamEffect]:
    """Per locking exam: its attempts in progress, its finished ones, and each finished one whose
    score `rescore(attempt) -> (exam, old, new)` changes (the preview computes, the correction writes)."""
    effects = {lock.exam_id: ExamEffect(lock.exam_id, lock.title) for lock in locks}
    for attempt in attempts:
        effect = effects[attempt.exam_id]
        if not attempt.is_finished:
            effect.in_progress += 1
            continue
        effect.finished += 1
        exam, old, new = rescore(attempt)
        if new != old:
            effect.changes.append(_change(attempt, exam, names, old, new))
    return list(effects.values())


def preview_correction(user, question: Question, notation: str) -> CorrectionPreview:
    """What correcting the key would do, changing nothing: per locking exam the finished
    attempts carrying the question, and each whose score would change (old -> new, bands)."""
    locks = _checked_locks(user, question)
    data = parse_new_key(question, notation)
    attempts = _attempts_carrying(question.id, [lock.exam_id for lock in locks])
    finished = [a for a in attempts if a.is_finished]
    keys = _keys_of({item["q"] for a in finished for item in a.paper})
    keys[question.id] = data.answer
    responses = _responses_of([a.id for a in finished])
    exams = {e.id: e for e in db.session.scalars(select(Exam).where(Exam.id.in_({lock.exam_id for lock in locks})))}
    names = _names({a.user_id for a in finished})

    def rescore(attempt):
        exam = exams[attempt.exam_id]
        new, _scored = grading.score_paper(attempt.paper, keys, responses.get(attempt.id, {}),
                                           partial_types=exam.partial_types)
        if attempt.awaiting_marks:
            return exam, attempt.score, None  # 待阅卷: no score before or after, as the correction does
        # The paper's objective part changes; subjective marks already given stay as they are.
        marked = (attempt.score - attempt.objective_score
                  if attempt.score is not None and attempt.objective_score is not None else 0.0)
        return exam, attempt.score, round(new + marked, 2)

    return CorrectionPreview(question.id, question.answer, data.answer, answer_notation(question.to_data()),
                             answer_notation(data), _tally(locks, attempts, names, rescore))


def _change(attempt: Attempt, exam: Exam, names: dict, old, new) -> AttemptChange:
    return AttemptChange(attempt.id, attempt.user_id, names.get(attempt.user_id, ""), attempt.number, old, new,
                         marks.grade_band(old, exam.pass_mark, exam.excellent_mark),
                         marks.grade_band(new, exam.pass_mark, exam.excellent_mark))


def _checked_locks(user, question: Question) -> list[ExamLock]:
    locks = locks_of([question.id])[question.id]
    if not locks:
        raise CorrectionRefused(_l("No published exam uses this question: edit its key in the question editor."))
    refused = may_correct(user, locks)
    if refused:
        raise NotAllowed(refused)
    return locks


def _attempts_carrying(question_id: int, exam_ids: list[int], *, lock: bool = False) -> list[Attempt]:
    """The attempts of these exams whose drawn paper holds the question, by id. With `lock`
    their rows are locked (FOR NO KEY UPDATE: a submit, which locks FOR UPDATE, finishes first
    or waits for the new key; answer saves, whose foreign key only needs KEY SHARE, go on)."""
    ids = [attempt_id for attempt_id, paper in db.session.execute(
        select(Attempt.id, Attempt.paper).where(Attempt.exam_id.in_(exam_ids)))
        if any(item["q"] == question_id for item in paper)]
    found: list[Attempt] = []
    for start in range(0, len(ids), _CHUNK):
        query = select(Attempt).where(Attempt.id.in_(ids[start:start + _CHUNK])).order_by(Attempt.id)
        if lock:
            # A row locked after a wait may have been submitted meanwhile: read it as it is now.
            query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
        found.extend(db.session.scalars(query))
    return found


def _keys_of(question_ids: set[int]) -> dict[int, object]:
    keys: dict[int, object] = {}
    ids = sorted(question_ids)
    for start in range(0, len(ids), _CHUNK):
        keys.update(db.session.execute(select(Question.id, Question.answer)
                                       .where(Question.id.in_(ids[start:start + _CHUNK]))).all())
    return keys


def _responses_of(attempt_ids: list[int]) -> dict[int, dict[int, object]]:
    responses: dict[int, dict[int, object]] = {}
    for start in range(0, len(attempt_ids), _CHUNK):
        for attempt_id, question_id, response in db.session.execute(
                select(Answer.attempt_id, Answer.question_id, Answer.response)
                .where(Answer.attempt_id.in_(attempt_ids[start:start + _CHUNK]))):
            responses.setdefault(attempt_id, {})[question_id] = response
    return responses


def _names(user_ids: set[int]) -> dict[int, str]:
    from ..accounts.models import User
    ids = sorted(user_ids)
    names: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        names.update(db.session.execute(select(User.id, User.name).where(User.id.in_(ids[start:start + _CHUNK]))).all())
    return names


# --- the correction ---------------------------------------------------------------------------

def correct_key(actor, question_id: int, notation: str, reason: str) -> CorrectionPreview:
    """Change a locked question's key and regrade, in one transaction, every finished attempt
    carrying it; the audit entry names the actor, the question, old and new key, the reason
    and each attempt whose score changed. Returns what was done (as a preview would show it).
    Refuses (CorrectionRefused, NotAllowed) without changing anything."""
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionRefused(_l("Give the reason for the correction: it is kept with it."))
    # Lock order, against deadlocks with saves and submits: the question (NO KEY UPDATE, so the
    # key share an answer insert takes on it still passes), the exams, the attempts, and only
    # then the key's change (an update of the unique dedup key locks the row fully).
    question = db.session.scalar(select(Question).where(Question.id == question_id)
                                 .with_for_update(key_share=True))
    if question is None:
        raise CorrectionRefused(_l("There is no question #%(id)s.", id=question_id))
    locks = _checked_locks(actor, question)
    data = parse_new_key(question, notation)
    new_dedup = dedup_key(data)
    clash = db.session.scalar(select(Question.id).where(Question.dedup_key == new_dedup, Question.id != question.id))
    if clash is not None:
        raise CorrectionRefused(_l("With this key the question would be identical to question #%(id)s.", id=clash))
    # The exams' rows locked FOR UPDATE: a new attempt's insert (its foreign key takes KEY SHARE
    # on the exam) waits for this commit, so no attempt starts and submits unseen under the old key.
    db.session.execute(select(Exam.id).where(Exam.id.in_([lock.exam_id for lock in locks]))
                       .order_by(Exam.id).with_for_update())
    attempts = _attempts_carrying(question.id, [lock.exam_id for lock in locks], lock=True)
    old_key, old_notation = question.answer, answer_notation(question.to_data())
    question.answer, question.dedup_key = data.answer, new_dedup
    db.session.flush()
    names = _names({a.user_id for a in attempts})

    def regrade(attempt):
        old = attempt.score
        new, _responses = score_attempt(attempt)
        attempt.score = new
        return attempt.exam, old, new

    result = CorrectionPreview(question.id, old_key, data.answer, old_notation, answer_notation(data),
                               _tally(locks, attempts, names, regrade))
    changed = {change.attempt_id for change in result.changes}
    certificate_issuing.refresh_attempts([a for a in attempts if a.id in changed], actor=actor,
                                         reason="key_correction")
    audit.record("question.key_correction", actor=actor, subject=f"#{question.id} {question.stem}"[:200],
                 question_id=question.id, old_key=old_key, new_key=data.answer, reason=reason[:500],
                 exams=[lock.exam_id for lock in locks],
                 regraded=sum(effect.finished for effect in result.exams),
                 attempts=[{"id": c.attempt_id, "old_score": c.old_score, "new_score": c.new_score}
                           for c in result.changes])
    db.session.commit()
    return result
