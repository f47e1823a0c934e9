"""Composing, publishing and running exams (trainers and admins)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from ..accounts import audit
from ..accounts.audience import Audience
from ..accounts.models import User
from ..laws.models import Law
from ..notifications import messages
from ..notifications import services as notifications
from ..platform.clock import now
from ..platform.errors import DomainError
from ..platform.extensions import db
from ..questionbank.amendments import pending_question_ids, refuse_pending
from ..questionbank.models import Question, QuestionCitation
from . import certificate_issuing, marks
from .drawing import PoolQuestion, Rule, check_rules, matches
from .finalising import finalize_overdue
from .models import Attempt, CandidateChange, Exam, ExamCandidate, ExamFixedItem, ExamRule
from .scoring import score_attempt
from .sections import DEFAULT_TITLES, TITLE_MAX, SectionSpec, specs_to_json


def can_manage(user, exam: Exam) -> bool:
    """Admins manage every exam; trainers the exams they created."""
    return user.role == "admin" or (user.role == "trainer" and exam.created_by_id == user.id)


# --- drafting --------------------------------------------------------------------------------

EDITABLE_AFTER_PUBLISH = {"title", "description", "closes_at", "review_policy", "protect_questions",
                          "allow_personal_mock"}


def save_exam(actor, exam: Exam | None, fields: dict) -> Exam:
    """Create or update an exam's settings; a published exam only changes title, text,
    closing time (later only), review policy and question secrecy."""
    creating = exam is None
    if creating:
        exam = Exam(created_by_id=actor.id, state="draft")
        db.session.add(exam)
    if exam.is_published:
        changed = {k for k, v in fields.items() if getattr(exam, k) != v}
        locked = changed - EDITABLE_AFTER_PUBLISH
        if locked:
            raise DomainError(_l("A published exam's paper, marks and timing cannot change."))
        if "closes_at" in changed and fields["closes_at"] < exam.closes_at:
            raise DomainError(_l("A published exam's window can only be extended."))
    for key, value in fields.items():
        setattr(exam, key, value)
    problems = settings_problems(exam)
    if problems:
        db.session.rollback()
        raise DomainError("; ".join(str(p) for p in problems))
    db.session.commit()
    return exam


def settings_problems(exam: Exam) -> list:
    """What is wrong with the exam's settings as they stand."""
    problems = []
    if exam.closes_at <= exam.opens_at:
        problems.append(_l("The exam must close after it opens."))
    if exam.latest_start_at and not exam.opens_at <= exam.latest_start_at <= exam.closes_at:
        problems.append(_l("The latest start must lie inside the window."))
    if exam.duration_minutes <= 0:
        problems.append(_l("The duration must be at least one minute."))
    if exam.pass_mark is not None and exam.excellent_mark is not None and exam.pass_mark > exam.excellent_mark:
        problems.append(_l("The pass mark cannot be above the excellent mark."))
    if exam.is_mock and exam.makeup_of_id:
        problems.append(_l("A mock exam counts nowhere, so it cannot be a make-up."))
    if exam.makeup_of_id and exam.makeup_of_id != exam.id:
        main = db.session.get(Exam, exam.makeup_of_id)
        if main is not None and main.is_mock:
            problems.append(_l("A mock exam has no make-up."))
    return problems


def set_rules(exam: Exam, rules: list[dict]) -> None:
    """Replace the draw rules of a draft: [{qtype, category, difficulty, count, points}, ...]."""
    _require_draft(exam)
    old_total = exam.total_points
    exam.rules.clear()
    for position, rule in enumerate(rules):
        exam.rules.append(ExamRule(position=position, **rule))
    exam.paper_mode = "rules"
    _rescale_default_marks(exam, old_total)
    db.session.commit()


def set_fixed_items(exam: Exam, items: list[tuple[int, float]]) -> None:
    """Replace a draft's fixed paper: (question id, points) in order."""
    _require_draft(exam)
    if len({qid for qid, _p in items}) != len(items):
        raise DomainError(_l("A question appears twice on the paper."))
    added = {qid for qid, _p in items} - {item.question_id for item in exam.fixed_items}
    refuse_pending(added)
    old_total = exam.total_points
    exam.fixed_items.clear()
    for position, (question_id, points) in enumerate(items):
        exam.fixed_items.append(ExamFixedItem(position=position, question_id=question_id, points=points))
    exam.paper_mode = "fixed"
    _rescale_default_marks(exam, old_total)
    db.session.commit()


def set_sections(exam: Exam, specs: list[SectionSpec]) -> None:
    """The order of a draft's sections and their titles (None: the default title), one per type."""
    from ..questionbank.forms import QTYPE_LABELS
    _require_draft(exam)
    seen = set()
    for spec in specs:
        label = QTYPE_LABELS.get(spec.qtype, spec.qtype)
        if spec.qtype not in QTYPE_LABELS and spec.qtype not in DEFAULT_TITLES:
            raise DomainError(_l("There is no question type %(type)s.", type=spec.qtype))
        if spec.qtype in seen:
            raise DomainError(_l("Sections: %(type)s is listed twice.", type=label))
        if spec.title is not None and len(spec.title) > TITLE_MAX:
            raise DomainError(_l("Sections: the title for %(type)s has %(n)s characters; at most %(max)s fit.",
                                 type=label, n=len(spec.title), max=TITLE_MAX))
        seen.add(spec.qtype)
    exam.sections = specs_to_json(specs)
    db.session.commit()


def _rescale_default_marks(exam: Exam, old_total: float) -> None:
    """Marks nobody customised (60 % / 90 % of the old total) follow the new total."""
    if (exam.pass_mark, exam.excellent_mark) == marks.default_marks(old_total) or exam.pass_mark is None:
        exam.pass_mark, exam.excellent_mark = marks.default_marks(exam.total_points)


def _require_draft(exam: Exam) -> None:
    if exam.is_published:
        raise DomainError(_l("A published exam's paper cannot change. Fix a wrong key in the question and regrade."))


def candidate_audience(exam: Exam) -> Audience:
    """Who the exam is for as chosen before publication."""
    return Audience.from_json(exam.audience, exam.audience_added, exam.audience_removed)


def set_audience(exam: Exam, audience: Audience) -> None:
    """Who the exam is for, before publication: department subtrees × categories, plus and minus people."""
    _require_draft(exam)
    exam.audience, exam.audience_added, exam.audience_removed = (audience.groups_json(), audience.added_json(),
                                                                 audience.removed_json())
    db.session.commit()


def audience_people(exam: Exam) -> list[User]:
    """The people publication would fix as candidates, by department id then name.

    A make-up with no departments chosen starts from the main exam's candidates who did not
    pass (as that list was fixed, in post or not), less the people removed.
    """
    audience = candidate_audience(exam)
    chosen = {person.id: person for person in audience.people()}
    if exam.makeup_of_id and not audience.groups:
        chosen.update((person.id, person) for person in makeup_default_people(exam.makeup_of)
                      if person.id not in audience.removed)
    return sorted(chosen.values(), key=lambda p: (p.department_id, p.name))


def makeup_default_people(main: Exam) -> list[User]:
    """The main exam's candidates who did not pass it (and were not exempt): a make-up's default list.
    A result awaiting marks (待阅卷) is not a fail: those people are added by hand if need be."""
    rows = db.session.execute(select(ExamCandidate, User).join(User, User.id == ExamCandidate.user_id)
                              .where(ExamCandidate.exam_id == main.id, ExamCandidate.removed.is_(False),
                                     ExamCandidate.exempt_reason.is_(None))).all()
    scores: dict[int, list[float | None]] = {}
    for user_id, score in db.session.execute(select(Attempt.user_id, Attempt.score).where(
            Attempt.exam_id == main.id, Attempt.status != "in_progress").order_by(Attempt.number)):
        scores.setdefault(user_id, []).append(score)
    result = []
    for _candidate, person in rows:
        best, pending = marks.attempts_result(scores.get(person.id, []), main.counting)
        if not pending and marks.grade_band(best, main.pass_mark, main.excellent_mark) in ("fail", "absent"):
            result.append(person)
    return result


# --- publishing ------------------------------------------------------------------------------

def _pool(exam: Exam) -> list[list]:
    """[id, type, category, difficulty, options, blanks, cited law ids] of the questions the
    exam may draw: a rule paper's active questions not awaiting review (待复核), a fixed paper's own."""
    query = select(Question.id, Question.qtype, Question.category, Question.difficulty, Question.options,
                   Question.answer).where(Question.is_active.is_(True))
    if exam.paper_mode == "fixed":
        query = select(Question.id, Question.qtype, Question.category, Question.difficulty, Question.options,
                       Question.answer).where(Question.id.in_([i.question_id for i in exam.fixed_items]))
    elif all(r.category for r in exam.rules):
        query = query.where(Question.category.in_({r.category for r in exam.rules}))
    rows = db.session.execute(query).all()
    if exam.paper_mode != "fixed":
        pending = pending_question_ids()
        rows = [row for row in rows if row[0] not in pending]
    laws: dict[int, set[int]] = {}
    if exam.paper_mode != "fixed" and any(r.law_id for r in exam.rules):
        for question_id, law_id in db.session.execute(select(QuestionCitation.question_id, QuestionCitation.law_id)
                                                      .where(QuestionCitation.law_id.is_not(None))):
            laws.setdefault(question_id, set()).add(law_id)
    return [[qid, qtype, category, difficulty, len(options or []), answer_count(qtype, answer),
             sorted(laws.get(qid, ()))]
            for qid, qtype, category, difficulty, options, answer in rows]


def pool_question(row: list) -> PoolQuestion:
    """A pool snapshot row as the drawing reads it (rows stored before citations have no laws)."""
    return PoolQuestion(row[0], row[1], row[2], row[3], row[4] if row[1] in ("single", "multiple") else 0,
                        frozenset(row[6]) if len(row) > 6 else frozenset())


def rule_of(rule: ExamRule) -> Rule:
    """An exam's stored rule as the drawing reads it."""
    return Rule(rule.qtype, rule.count, float(rule.points), rule.category, rule.difficulty, rule.law_id)


def answer_count(qtype: str, key) -> int:
    """How many texts an answer to the question holds (a paper item's ``b``): a fill-in's blanks,
    a case analysis's parts (one per sub-question), 1 for a short answer, 0 for a choice."""
    if qtype == "short":
        return 1
    if qtype in ("fill", "case"):
        return len(key) if isinstance(key, list) else 0
    return 0


def publish_problems(exam: Exam) -> tuple[list, list[list], list[User]]:
    """Everything that stops publication, the pool snapshot and the candidates it would fix."""
    problems = list(settings_problems(exam))
    pool = _pool(exam)
    if exam.paper_mode == "rules":
        if not exam.rules:
            problems.append(_l("The paper has no rules yet."))
        rules = [rule_of(r) for r in exam.rules]
        questions = [pool_question(row) for row in pool]
        for shortfall in check_rules(rules, questions):
            problems.append(_l("%(rule)s needs %(needed)s questions but the bank can guarantee only %(available)s.",
                               rule=_describe(shortfall.rule_index, rules[shortfall.rule_index]),
                               needed=shortfall.needed, available=shortfall.available))
        pool = [row for row, question in zip(pool, questions) if any(matches(r, question) for r in rules)]
    else:
        if not exam.fixed_items:
            problems.append(_l("The paper has no questions yet."))
        active = {row[0] for row in pool}
        inactive = [i.question_id for i in exam.fixed_items if i.question_id not in active]
        if inactive:
            problems.append(_l("Questions %(ids)s are missing or retired.", ids=", ".join(f"#{i}" for i in inactive)))
        pending = sorted(pending_question_ids(active))
        if pending:
            problems.append(_l("Questions %(ids)s are awaiting review (待复核) after a change of the law they cite.",
                               ids=", ".join(f"#{i}" for i in pending)))
    if exam.total_points and not 0 < exam.pass_mark <= exam.excellent_mark <= exam.total_points:
        problems.append(_l("The marks must satisfy 0 < pass mark ≤ excellent mark ≤ total (%(total)s).",
                           total=exam.total_points))
    people = audience_people(exam)
    if not people:
        problems.append(_l("Nobody is a candidate yet: choose departments and staff categories."))
    if exam.makeup_of_id and not exam.makeup_of.is_published:
        problems.append(_l("Publish the main exam first."))
    return problems, pool, people


def _describe(index: int, rule: Rule) -> str:
    """A rule as people read it: 'rule 2 (10 × true/false, 行政处罚法, any difficulty)'."""
    from ..questionbank.forms import DIFFICULTY_LABELS, QTYPE_LABELS
    text = str(_l("rule %(n)s (%(count)s × %(type)s, %(category)s, %(difficulty)s)", n=index + 1, count=rule.count,
                  type=QTYPE_LABELS.get(rule.qtype, rule.qtype), category=rule.category or _l("any law"),
                  difficulty=DIFFICULTY_LABELS.get(rule.difficulty) if rule.difficulty else _l("any difficulty")))
    if rule.law_id is not None:
        law = db.session.get(Law, rule.law_id)
        text += str(_l(" citing 《%(law)s》", law=(law.short_title or law.title) if law else f"#{rule.law_id}"))
    return text


def publish(actor, exam: Exam) -> int:
    """Fix the pool and the candidate list (with each person's department now) and open the exam."""
    if exam.is_published:
        raise DomainError(_l("The exam is already published."))
    problems, pool, people = publish_problems(exam)
    if problems:
        raise DomainError("; ".join(str(p) for p in problems))
    moment = now()
    exam.pool_snapshot = pool
    exam.state, exam.published_at = "published", moment
    db.session.execute(insert(ExamCandidate), [
        {"exam_id": exam.id, "user_id": p.id, "department_id": p.department_id, "category": p.category,
         "removed": False, "extra_minutes": 0, "extra_attempts": 0, "added_at": moment} for p in people])
    audit.record("exam.publish", actor=actor, subject=exam.title, exam_id=exam.id, candidates=len(people))
    announce_publication(exam, [p.id for p in people])
    db.session.commit()
    return len(people)


def announce_publication(exam: Exam, user_ids) -> int:
    """Tell these candidates the exam (or make-up) is theirs: bell, e-mail, their departments'
    group robots; once per person and exam. Part of the caller's transaction."""
    makeup = exam.makeup_of_id is not None
    return notifications.notify(
        user_ids, "makeup" if makeup else "exam_published",
        messages.exam_published(exam.title, exam.closes_at, makeup=makeup),
        key=f"published:{exam.id}", link=notifications.path_for("exams.exam_rules", exam_id=exam.id))


# --- after publication ----------------------------------------------------------------------

def _change(actor, exam: Exam, person_id: int, action: str, reason: str, value: int | None = None) -> None:
    if not reason.strip():
        raise DomainError(_l("Give a reason: it is kept with the change."))
    db.session.add(CandidateChange(exam_id=exam.id, user_id=person_id, action=action, reason=reason.strip()[:200],
                                   value=value, changed_by_id=actor.id))
    audit.record(f"exam.{action}", actor=actor, subject=exam.title, exam_id=exam.id, user_id=person_id,
                 reason=reason.strip()[:200], value=value)


def candidate(exam: Exam, person_id: int) -> ExamCandidate | None:
    return db.session.scalar(select(ExamCandidate).where(ExamCandidate.exam_id == exam.id,
                                                         ExamCandidate.user_id == person_id))


def add_candidate(actor, exam: Exam, person: User, reason: str) -> None:
    """Put someone on a published exam's list (or back on it)."""
    _change(actor, exam, person.id, "add", reason)
    found = candidate(exam, person.id)
    if found is None:
        db.session.add(ExamCandidate(exam_id=exam.id, user_id=person.id, department_id=person.department_id,
                                     category=person.category))
    else:
        found.removed = False
    announce_publication(exam, [person.id])
    db.session.commit()


def remove_candidate(actor, exam: Exam, person_id: int, reason: str) -> None:
    found = candidate(exam, person_id) or _missing()
    _change(actor, exam, person_id, "remove", reason)
    found.removed = True
    db.session.flush()
    # Taken off the list, the result counts nowhere: neither does a document stating it.
    certificate_issuing.refresh({(person_id, certificate_issuing.main_exam_id(exam))}, actor=actor, reason="removed")
    db.session.commit()


def set_exempt(actor, exam: Exam, person_id: int, reason: str | None, note: str = "") -> None:
    """免考 with its reason, or back to a normal candidate (reason None)."""
    found = candidate(exam, person_id) or _missing()
    if reason is not None and not reason.strip():
        raise DomainError(_l("Give the reason for the exemption."))
    _change(actor, exam, person_id, "exempt" if reason else "unexempt", reason or note or "—")
    found.exempt_reason = reason.strip()[:200] if reason else None
    if reason:  # their result no longer counts: what a certificate or proof stated is no longer so
        db.session.flush()
        certificate_issuing.refresh({(person_id, certificate_issuing.main_exam_id(exam))}, actor=actor,
                                    reason="exempted")
    db.session.commit()


def give_extra_time(actor, exam: Exam, person_id: int, minutes: int, reason: str) -> None:
    """More minutes for one person: their attempt in progress (if any) and later ones."""
    if not 0 < minutes <= 600:
        raise DomainError(_l("Extra time is 1 to 600 minutes."))
    found = candidate(exam, person_id) or _missing()
    _change(actor, exam, person_id, "extra_time", reason, minutes)
    found.extra_minutes += minutes
    running = db.session.scalar(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == person_id,
                                                      Attempt.status == "in_progress").with_for_update())
    if running is not None:
        running.deadline_at = running.deadline_at + timedelta(minutes=minutes)
    db.session.commit()


def give_extra_attempt(actor, exam: Exam, person_id: int, reason: str) -> None:
    found = candidate(exam, person_id) or _missing()
    _change(actor, exam, person_id, "extra_attempt", reason, 1)
    found.extra_attempts += 1
    db.session.commit()


def _missing():
    raise DomainError(_l("This person is not on the candidate list."))


def regrade(actor, exam: Exam) -> int:
    """Recompute every finished attempt against the current answer keys; returns how many."""
    attempts = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                        Attempt.status != "in_progress")).all()
    changed = []
    for attempt in attempts:
        score, _responses = score_attempt(attempt)
        if score != attempt.score:
            changed.append(attempt)
        attempt.score = score
    certificate_issuing.refresh_attempts(changed, actor=actor, reason="regrade")
    audit.record("exam.regrade", actor=actor, subject=exam.title, exam_id=exam.id, attempts=len(attempts),
                 changed=len(changed))
    db.session.commit()
    return len(attempts)


# --- results for trainers -------------------------------------------------------------------

@dataclass
class CandidateRow:
    candidate: ExamCandidate
    person: User
    status: str          # exempt, not_started, in_progress, submitted, auto_submitted, missed, removed
    attempts: list[Attempt]
    best: float | None   # None while a finished attempt awaits marks
    band: str            # excellent, pass, fail, absent, pending (待阅卷)
    time_used: timedelta | None
    tab_switches: int


def results(exam: Exam) -> list[CandidateRow]:
    """Every candidate with status, attempts, counting score, time used and tab switches."""
    finalize_overdue(exam.id)
    rows = db.session.execute(select(ExamCandidate, User).join(User, User.id == ExamCandidate.user_id)
                              .where(ExamCandidate.exam_id == exam.id)
                              .order_by(ExamCandidate.department_id, User.name)).all()
    by_person: dict[int, list[Attempt]] = {}
    for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.number)):
        by_person.setdefault(attempt.user_id, []).append(attempt)
    moment = now()
    table = []
    for found, person in rows:
        attempts = by_person.get(person.id, [])
        finished = [a for a in attempts if a.is_finished]
        best, pending = marks.attempts_result([a.score for a in finished], exam.counting)
        if found.removed:
            status = "removed"
        elif found.is_exempt:
            status = "exempt"
        elif any(a.status == "in_progress" for a in attempts):
            status = "in_progress"
        elif finished:
            status = finished[-1].status
        else:
            status = "missed" if moment >= exam.closes_at else "not_started"
        used = sum(((a.submitted_at or moment) - a.started_at for a in attempts), timedelta()) if attempts else None
        table.append(CandidateRow(found, person, status, attempts, best,
                                  marks.PENDING if pending else
                                  marks.grade_band(best, exam.pass_mark, exam.excellent_mark), used,
                                  sum(a.tab_switches for a in attempts)))
    return table
