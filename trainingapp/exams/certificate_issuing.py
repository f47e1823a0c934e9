"""Issuing, revoking and verifying certificates and proofs of result (the database side).

A document is issued on the cadre's first download and handed out again unchanged while it
still tells the truth. Every path that changes a finished attempt's score or adds a finished
attempt calls `refresh` in its own transaction: closing an attempt (`finalising`), a key
correction (`key_correction`), an exam's regrade (`authoring`) and marking's final mark
(`refresh_attempts`). A valid document whose result (score, full mark, band, date) no longer
matches the counting result is revoked, its replacement issued when the new result still earns
one, and both are written to the audit log.

While a finished attempt of the person (exam or make-up) awaits marks (待阅卷), the counting
result is unknown, as the reports count it: nothing is offered or issued, and documents issued
before are left as they are until marking completes and refreshes them.

Codes are stored as issued, not hashed. They are 128 random bits (`certificates.new_code`),
so a lookup by code reveals nothing to a guesser, and the verification page shows no more
than the document itself states; hashing would only protect against a reader of the database,
who can read those facts directly anyway. And the cadre must be able to download the same
document again, with the same QR code, which needs the code itself.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts import audit
from ..accounts.models import Department, User
from ..platform.clock import now
from ..platform.errors import DomainError
from ..platform.extensions import db
from . import certificates
from .certificates import Sitting, Standing
from .models import Attempt, Certificate, CertificateSetting, Exam, ExamCandidate

ISSUER_KEY = "issuing_unit"
ISSUER_MAX = 100
_CHUNK = 500


class NotEarned(DomainError):
    """The person has no result that earns this document (or no such exam)."""


# --- the issuing unit -------------------------------------------------------------------------

def default_issuing_unit() -> str:
    """The top department's name (the first root of the tree, as first created), or "" without departments."""
    return db.session.scalar(select(Department.name).where(Department.parent_id.is_(None))
                             .order_by(Department.position, Department.id).limit(1)) or ""


def issuing_unit() -> str:
    """The unit named as issuer on documents: the admin's setting, else the top department's name."""
    found = db.session.get(CertificateSetting, ISSUER_KEY)
    return found.value if found is not None else default_issuing_unit()


def set_issuing_unit(actor, name: str) -> str:
    """Store the issuing unit (1 to 100 characters, surrounding spaces dropped) and audit it.
    Documents already issued keep the unit they state."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_l("Write the issuing unit's name, e.g. 共和镇人民政府."))
    if len(name) > ISSUER_MAX:
        raise DomainError(_l("The issuing unit's name is at most %(n)s characters; this one has %(got)s.",
                             n=ISSUER_MAX, got=len(name)))
    found = db.session.get(CertificateSetting, ISSUER_KEY)
    old = found.value if found is not None else None
    if found is None:
        db.session.add(CertificateSetting(key=ISSUER_KEY, value=name))
    else:
        found.value = name
    audit.record("certificate.settings", actor=actor, subject=ISSUER_KEY, old=old, new=name)
    db.session.commit()
    return name


# --- a person's counting result ---------------------------------------------------------------

def main_exam_id(exam: Exam) -> int:
    """The exam a document is issued under: a make-up's main exam, else the exam itself."""
    return exam.makeup_of_id or exam.id


def _family(main_id: int) -> tuple[Exam | None, Exam | None]:
    """The published main exam and its published make-up (the first, as the reports take it)."""
    found = db.session.scalars(select(Exam).where(
        ((Exam.id == main_id) | (Exam.makeup_of_id == main_id)) & (Exam.state == "published"))
        .order_by(Exam.id)).all()
    main = next((e for e in found if e.id == main_id), None)
    makeup = next((e for e in found if e.id != main_id), None)
    return main, makeup


class _Result:
    """A person's counting result in one exam family, with what a document needs to state it."""

    def __init__(self, person: User, main: Exam, standing: Standing, attempt: Attempt, department: str):
        self.person, self.main, self.standing, self.attempt, self.department = (
            person, main, standing, attempt, department)

    def earns(self, kind: str) -> bool:
        return certificates.certificate_allowed(self.attempt) and certificates.earns(kind, self.standing.band)

    def facts(self, kind: str, issuer: str) -> dict:
        return certificates.facts(kind, name=self.person.name, department=self.department, exam=self.main.title,
                                  result=self.standing, total=float(self.attempt.total), issuer=issuer,
                                  time_zone=current_app.config["BABEL_DEFAULT_TIMEZONE"])


def current_result(user_id: int, main_id: int, *, lock: bool = False) -> _Result | None:
    """The person's counting result in the main exam and its make-up; None when they are on
    neither candidate list (or were taken off it), are exempt (免考) from the main exam (the
    reports count them nowhere, whatever they sat), or have no finished attempt, or while a
    finished attempt awaits marks (see `awaiting_marks`).

    `lock` (to issue a document): their attempts are read FOR SHARE, so a submit or a key
    correction in flight (which lock them for update) finishes first and its scores are the
    ones stated, and one that comes later waits for the document and then revokes it if need be."""
    main, makeup = _family(main_id)
    if main is None:
        return None
    family = [main.id] + ([makeup.id] if makeup else [])
    candidates = {c.exam_id: c for c in db.session.scalars(select(ExamCandidate).where(
        ExamCandidate.user_id == user_id, ExamCandidate.exam_id.in_(family), ExamCandidate.removed.is_(False)))}
    candidate = candidates.get(main.id) or (candidates.get(makeup.id) if makeup else None)
    if candidate is None or (main.id in candidates and candidates[main.id].exempt_reason is not None):
        return None
    query = select(Attempt).where(Attempt.user_id == user_id, Attempt.exam_id.in_(family))
    if lock:
        query = query.with_for_update(read=True).execution_options(populate_existing=True)
    found = [a for a in db.session.scalars(query) if a.is_finished]
    if any(a.awaiting_marks or a.score is None for a in found):
        return None  # 待阅卷: the counting result is not known yet
    attempts = {a.id: a for a in found}

    def sittings(exam_id):
        return [Sitting(a.id, float(a.score), a.submitted_at) for a in attempts.values() if a.exam_id == exam_id]

    standing = certificates.standing(sittings(main.id), main.counting,
                                     sittings(makeup.id) if makeup else [], makeup.counting if makeup else "best",
                                     float(main.pass_mark), float(main.excellent_mark))
    if standing is None:
        return None
    department = db.session.get(Department, candidate.department_id)
    return _Result(db.session.get(User, user_id), main, standing, attempts[standing.attempt_id],
                   department.name if department else "")


def awaiting_marks(user_id: int, main_id: int) -> bool:
    """Whether a finished attempt of the person in the main exam or its make-up awaits marks."""
    return db.session.scalar(select(Attempt.id).join(Exam, Exam.id == Attempt.exam_id).where(
        Attempt.user_id == user_id, Attempt.awaiting_marks.is_(True), Attempt.status != "in_progress",
        (Exam.id == main_id) | (Exam.makeup_of_id == main_id)).limit(1)) is not None


# --- issuing ----------------------------------------------------------------------------------

def offered(user, exam: Exam) -> dict:
    """Which documents the person may download for this exam (or the main exam it makes up for),
    and under "counting" the result they state: the result page shows one attempt, which may not
    be the one that counts (a make-up passed, a better earlier attempt). "awaiting_marks": none
    is offered because a result awaits marks (the page says so)."""
    main_id = main_exam_id(exam)
    if awaiting_marks(user.id, main_id):
        return {**dict.fromkeys(certificates.KINDS, False), "counting": None, "awaiting_marks": True}
    result = current_result(user.id, main_id)
    documents: dict = {kind: result is not None and result.earns(kind) for kind in certificates.KINDS}
    documents["awaiting_marks"] = False
    documents["counting"] = None if result is None else {
        "score": result.standing.score, "total": float(result.attempt.total), "band": result.standing.band,
        "makeup": result.attempt.exam_id != result.main.id}
    return documents


def _valid(user_id: int, main_id: int, kind: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(
        Certificate.user_id == user_id, Certificate.exam_id == main_id, Certificate.kind == kind,
        Certificate.revoked_at.is_(None)))


def _issue(result: _Result, kind: str, stated: dict) -> Certificate:
    document = Certificate(code=certificates.new_code(), kind=kind, user_id=result.person.id,
                           exam_id=result.main.id, attempt_id=result.attempt.id, facts=stated, issued_at=now())
    db.session.add(document)
    db.session.flush()
    return document


def _revoke(document: Certificate, result: _Result | None, actor, reason: str) -> Certificate | None:
    """Revoke `document` and, when `result` still earns its kind, issue the replacement (returned);
    audited with the old and new result. The caller commits."""
    document.revoked_at = now()
    db.session.flush()  # the valid-document index must see it revoked before the replacement
    replacement = None
    if result is not None and result.earns(document.kind):
        replacement = _issue(result, document.kind, result.facts(document.kind, issuing_unit()))
        document.replaced_by_id = replacement.id
    old = document.facts
    audit.record("certificate.revoke", actor=actor, subject=f"{old.get('name', '')} · {old.get('exam', '')}",
                 certificate_id=document.id, kind=document.kind, user_id=document.user_id, exam_id=document.exam_id,
                 reason=reason, old={"score": old.get("score"), "band": old.get("band"), "date": old.get("date")},
                 new=({"score": replacement.facts["score"], "band": replacement.facts["band"],
                       "date": replacement.facts["date"]} if replacement else None),
                 replaced_by=replacement.id if replacement else None)
    return replacement


def document_for(user, exam_id: int, kind: str) -> Certificate:
    """The person's valid document of `kind` for this exam, issued now if they have none, and
    reissued (the old one revoked) if their result changed since. NotEarned when their result
    does not earn it, or the exam is not one of theirs."""
    exam = db.session.get(Exam, exam_id)
    result = current_result(user.id, main_exam_id(exam), lock=True) if exam is not None else None
    if result is None and exam is not None and awaiting_marks(user.id, main_exam_id(exam)):
        raise NotEarned(_l("Your result awaits marks (待阅卷): certificates and proofs of result are issued once "
                           "your answers to the subjective questions are marked."))
    if result is None or kind not in certificates.KINDS:
        raise NotEarned(_l("There is no finished exam result of yours for this exam."))
    if not result.earns(kind):
        raise NotEarned(_l("A certificate is issued only for a passing result; the proof of result states "
                           "any result.") if kind == "certificate" else
                        _l("No proof of result can be issued for this exam."))
    stated = result.facts(kind, issuing_unit())
    existing = _valid(user.id, result.main.id, kind)
    if existing is not None and certificates.same_result(existing.facts, stated):
        return existing
    try:
        if existing is not None:
            document = _revoke(existing, result, user, "result_changed")
        else:
            document = _issue(result, kind, stated)
        db.session.commit()
    except IntegrityError:
        # Two downloads raced; the other one's document is the valid one.
        db.session.rollback()
        document = _valid(user.id, result.main.id, kind)
        if document is None:
            raise
    return document


def refresh(pairs: set[tuple[int, int]], *, actor=None, reason: str) -> int:
    """After scores changed: revoke each valid document of these (person id, main exam id) pairs
    whose result no longer holds, issuing its replacement where earned; returns how many were
    revoked. Part of the caller's transaction (the caller commits)."""
    if not pairs:
        return 0
    user_ids = sorted({user_id for user_id, _exam in pairs})
    exam_ids = sorted({exam_id for _user, exam_id in pairs})
    documents = []
    for start in range(0, len(user_ids), _CHUNK):
        documents.extend(db.session.scalars(select(Certificate).where(
            Certificate.user_id.in_(user_ids[start:start + _CHUNK]), Certificate.exam_id.in_(exam_ids),
            Certificate.revoked_at.is_(None)).order_by(Certificate.id)))
    revoked = 0
    issuer = None
    for document in documents:
        if (document.user_id, document.exam_id) not in pairs:
            continue
        if awaiting_marks(document.user_id, document.exam_id):
            continue  # unknown until marked: marking refreshes it then
        result = current_result(document.user_id, document.exam_id)
        if result is not None and result.earns(document.kind):
            issuer = issuer if issuer is not None else issuing_unit()
            if certificates.same_result(document.facts, result.facts(document.kind, issuer)):
                continue
        _revoke(document, result, actor, reason)
        revoked += 1
    return revoked


def refresh_after_close(attempt: Attempt) -> int:
    """A newly finished attempt may change the counting result (a "last" policy, a make-up):
    revoke what it makes untrue. One indexed query when the person holds no document."""
    main_id = main_exam_id(attempt.exam)
    held = db.session.scalar(select(Certificate.id).where(
        Certificate.user_id == attempt.user_id, Certificate.exam_id == main_id,
        Certificate.revoked_at.is_(None)).limit(1))
    if held is None:
        return 0
    return refresh({(attempt.user_id, main_id)}, actor=attempt.user_id, reason="new_attempt")


def refresh_attempts(attempts, *, actor, reason: str) -> int:
    """`refresh` for the people and exams of these regraded attempts."""
    return refresh({(a.user_id, main_exam_id(a.exam)) for a in attempts}, actor=actor, reason=reason)


# --- verifying --------------------------------------------------------------------------------

def verification(code: str) -> Certificate | None:
    """The document with this code, valid or revoked; None for anything else (never a hint why)."""
    if not certificates.looks_like_code(code):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))
