"""Practice rounds and the wrong-answer book: one public function per action, one commit each.

简答 and 案例分析 (questionbank.subjective) are marked by a person, never graded here: practice
shows them for self-check (write, then see the reference answer and scoring points; no
verdict), and they never enter the wrong-answer book.

A round lives in the person's (signed) session as plain data: the drawn question ids, the
position and the verdicts so far. Keys leave the server only in the feedback to an answer
the server has already graded.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...exams import grading
from ...exams.models import REVIEWED_POLICIES, Answer, Attempt, Exam
from ...exams.secrecy import protected_question_ids
from ...exams.timing import grace, review_open
from ...platform.clock import now
from ...platform.extensions import db
from ...questionbank.models import Question
from ...questionbank.subjective import SUBJECTIVE_TYPES
from .models import ROUND_SIZES, WrongAnswer, draw_round, exam_mistake_is_new, response_from_form

#: The result of a 简答/案例分析 in a round: looked at, not graded.
SELF_CHECKED = "self"
#: Most characters of each blank kept in the session to show "your answer" back.
_SHOWN_CHARS = 200


class PracticeRefused(Exception):
    """A refusal with a message for people."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Verdict:
    #: None for a self-checked 简答/案例分析.
    correct: bool | None
    response: object


# --- what can be practised ----------------------------------------------------------------

#: Questions with a key to check an answer against (not 简答/案例分析, which a person marks):
#: only these can be answered wrongly, so only these enter the wrong-answer book.
_gradable = Question.qtype.not_in(SUBJECTIVE_TYPES)


def practice_categories() -> tuple[list[tuple[str, int]], int]:
    """(law category, practicable question count) alphabetical, and how many active questions
    are held back for exams (题目保密); categories with nothing left and questions without a
    category are left out."""
    held_back = protected_question_ids()
    counts: dict[str, int] = {}
    withheld = 0
    for question_id, category in db.session.execute(select(Question.id, Question.category)
                                                    .where(Question.is_active.is_(True))):
        if question_id in held_back:
            withheld += 1
        elif category:
            counts[category] = counts.get(category, 0) + 1
    return sorted(counts.items()), withheld


def exam_running(user) -> bool:
    """True while the person has an exam attempt that can still take answers (practice shows keys)."""
    moment = now()
    for attempt in db.session.scalars(select(Attempt).where(Attempt.user_id == user.id,
                                                            Attempt.status == "in_progress")):
        if moment <= attempt.deadline_at + grace(attempt.exam):
            return True
    return False


def open_mistakes(user_id: int, category: str = "") -> list[WrongAnswer]:
    """The person's open wrong answers, most recent first (optionally of one law category)."""
    query = (select(WrongAnswer).join(Question, Question.id == WrongAnswer.question_id)
             .where(WrongAnswer.user_id == user_id, WrongAnswer.resolved_at.is_(None))
             .order_by(WrongAnswer.last_wrong_at.desc(), WrongAnswer.id.desc()))
    if category:
        query = query.where(Question.category == category)
    return db.session.scalars(query).all()


def resolved_count(user_id: int) -> int:
    return db.session.scalar(select(func.count(WrongAnswer.id)).where(WrongAnswer.user_id == user_id,
                                                                      WrongAnswer.resolved_at.is_not(None)))


# --- a round --------------------------------------------------------------------------------

def start_round(user, *, source: str, category: str, count: int) -> dict:
    """A new round's state: `count` random active questions of the category (all categories
    for ""), or of the person's open wrong answers for source "book"."""
    if exam_running(user):
        raise PracticeRefused(_l("You have an exam in progress. Finish it first; practice shows the correct "
                                 "answers."))
    if count not in ROUND_SIZES:
        raise PracticeRefused(_l("Choose 5, 10 or 20 questions."))
    held_back = protected_question_ids()
    if source == "book":
        ids = [w.question_id for w in open_mistakes(user.id, category)
               if w.question.is_active and w.question.qtype not in SUBJECTIVE_TYPES]
        if not ids:
            raise PracticeRefused(_l("Your wrong-answer book has no open questions here. Practise a law "
                                     "category first: questions you get wrong are kept in the book."))
        ids = [question_id for question_id in ids if question_id not in held_back]
        if not ids:
            raise PracticeRefused(_l("The open questions of your wrong-answer book here are all used by an exam "
                                     "that is running or about to start; practise them once it has closed."))
    else:
        source = "category"
        query = select(Question.id).where(Question.is_active.is_(True))
        if category:
            query = query.where(Question.category == category)
        ids = list(db.session.scalars(query))
        if not ids:
            raise PracticeRefused(_l("There are no questions to practise in this category yet; choose another "
                                     "category or ask a trainer to add questions."))
        ids = [question_id for question_id in ids if question_id not in held_back]
        if not ids:
            raise PracticeRefused(_l("The questions of this category are all used by an exam that is running or "
                                     "about to start; choose another category, or practise them once it has "
                                     "closed."))
    return {"source": source, "category": category, "ids": draw_round(ids, count), "pos": 0,
            "results": {}, "last": None}


def current_question(state: dict | None) -> Question | None:
    """The question at the round's position (None when the round is over, or when the question
    is gone or has since come into the pool of an exam: neither may be shown)."""
    if not state or state["pos"] >= len(state["ids"]):
        return None
    question_id = state["ids"][state["pos"]]
    if question_id in protected_question_ids():
        return None
    return db.session.get(Question, question_id)


def blank_count(question: Question) -> int:
    return len(question.answer) if question.qtype == "fill" and isinstance(question.answer, list) else 0


def answer_question(user, state: dict, question_id: int, form) -> tuple[dict, Verdict]:
    """Grade the answer to the round's current question, keep a wrong one in the book (or
    resolve a book question answered correctly); returns the new state and the verdict."""
    if question_id in protected_question_ids():
        raise PracticeRefused(_l("That question is now used by an exam that is running or about to start, so it "
                                 "left your round; it can be practised once the exam has closed."))
    question = current_question(state)
    if question is None or question.id != question_id:
        raise PracticeRefused(_l("That question is not the current one of your round; continue below."))
    if str(question_id) in state["results"]:
        return state, Verdict(state["results"][str(question_id)], (state.get("last") or {}).get("given"))
    if exam_running(user):
        raise PracticeRefused(_l("You have an exam in progress. Finish it first; practice shows the correct "
                                 "answers."))
    if question.qtype in SUBJECTIVE_TYPES:
        # Self-check: the reference answer is shown next to what was written; nothing is graded or kept.
        state = {**state, "results": {**state["results"], str(question.id): SELF_CHECKED},
                 "last": {"q": question.id, "given": None}}
        return state, Verdict(None, None)
    raw = response_from_form(question.qtype, form, blank_count(question))
    try:
        response = grading.validate_response(question.qtype, raw, question.option_keys, blank_count(question))
    except grading.InvalidResponse:
        raise PracticeRefused(_l("That answer could not be read; choose one of the options and try again.")) from None
    if response is None:
        raise PracticeRefused(_l("Fill in the blanks before checking the answer.") if question.qtype == "fill"
                              else _l("Choose an answer before checking it."))
    correct = grading.is_correct(question.qtype, question.answer, response)
    moment = now()
    if not correct:
        _note_mistake(user.id, question.id, "practice", moment)
    elif state["source"] == "book":
        _resolve(user.id, question.id, moment)
    _commit_with_retry()
    shown = [text[:_SHOWN_CHARS] for text in response] if question.qtype == "fill" else response
    state = {**state, "results": {**state["results"], str(question.id): correct},
             "last": {"q": question.id, "given": shown}}
    return state, Verdict(correct, shown)


def next_question(state: dict) -> dict:
    """Move past an answered question (the current one must have a verdict)."""
    question = current_question(state)
    if question is not None and str(question.id) in state["results"]:
        return {**state, "pos": state["pos"] + 1, "last": None}
    return state


def _commit_with_retry() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # The same mistake recorded twice at once (a double click): the first one stands.
        db.session.rollback()


def _note_mistake(user_id: int, question_id: int, source: str, at) -> None:
    entry = db.session.scalar(select(WrongAnswer).where(WrongAnswer.user_id == user_id,
                                                        WrongAnswer.question_id == question_id))
    if entry is None:
        db.session.add(WrongAnswer(user_id=user_id, question_id=question_id, source=source, wrong_count=1,
                                   last_wrong_at=at))
        return
    entry.wrong_count += 1
    entry.source, entry.resolved_at = source, None
    entry.last_wrong_at = max(entry.last_wrong_at, at)


def _resolve(user_id: int, question_id: int, at) -> None:
    entry = db.session.scalar(select(WrongAnswer).where(WrongAnswer.user_id == user_id,
                                                        WrongAnswer.question_id == question_id))
    if entry is not None and entry.resolved_at is None:
        entry.resolved_at = at


# --- exams --------------------------------------------------------------------------------

def collect_exam_mistakes(user) -> int:
    """Add the wrong answers of this person's finished exams whose review is open (once each:
    collecting again adds nothing); returns how many went into the book.

    A question an exam still protects waits: "wrong in an exam" next to the answer the
    review shows would give its key away (a true/false one outright). It comes in once the
    exam using it has closed."""
    moment = now()
    attempts = db.session.scalars(
        select(Attempt).join(Exam, Exam.id == Attempt.exam_id)
        .where(Attempt.user_id == user.id, Attempt.status != "in_progress",
               Exam.review_policy.in_(REVIEWED_POLICIES))
        .order_by(Attempt.submitted_at)).all()
    attempts = [a for a in attempts if review_open(a, moment)]
    if not attempts:
        return 0
    wrong = db.session.execute(select(Answer.attempt_id, Answer.question_id)
                               .join(Question, Question.id == Answer.question_id).where(
        Answer.attempt_id.in_([a.id for a in attempts]), Answer.is_correct.is_(False), _gradable)).all()
    held_back = protected_question_ids()
    by_attempt: dict[int, list[int]] = {}
    for attempt_id, question_id in wrong:
        if question_id not in held_back:
            by_attempt.setdefault(attempt_id, []).append(question_id)
    book = {w.question_id: w for w in db.session.scalars(select(WrongAnswer).where(WrongAnswer.user_id == user.id))}
    added = 0
    for attempt in attempts:
        for question_id in sorted(by_attempt.get(attempt.id, [])):
            entry = book.get(question_id)
            if entry is None:
                entry = WrongAnswer(user_id=user.id, question_id=question_id, source="exam", wrong_count=1,
                                    last_wrong_at=attempt.submitted_at)
                db.session.add(entry)
                book[question_id] = entry
                added += 1
            elif exam_mistake_is_new(entry.last_wrong_at, entry.resolved_at, attempt.submitted_at):
                entry.wrong_count += 1
                entry.source, entry.last_wrong_at, entry.resolved_at = "exam", attempt.submitted_at, None
                added += 1
    if added:
        _commit_with_retry()
    return added


def mistake_weights(user_id: int) -> dict[int, int]:
    """Question id -> how many times the person got it wrong (practice and reviewed exams), open or done."""
    return dict(db.session.execute(select(WrongAnswer.question_id, WrongAnswer.wrong_count)
                                   .where(WrongAnswer.user_id == user_id)).all())
