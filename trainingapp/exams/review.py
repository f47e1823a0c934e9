"""The review of a finished attempt: each question of its paper with the answer given and, where
the review policy and question secrecy allow, its verdict, key, explanation and legal basis.

One source for the result page and the API, so neither can show more than the other. Whether
the review is open is `timing.review_open` (the one decider); which of its questions are held
back is `secrecy.protected_question_ids`. A held-back question carries its stem and options
only: not the answer given, nor its verdict or points (with the score they would give the
key away), nor the key, explanation or legal basis.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..platform.clock import now
from ..platform.extensions import db
from ..questionbank import subjective
from ..questionbank.citing import CitedArticle, cited_articles
from ..questionbank.models import Question
from ..questionbank.subjective import SUBJECTIVE_TYPES
from .models import Answer, Attempt
from .review_notice import review_notice
from .secrecy import protected_question_ids
from .timing import review_open


@dataclass(frozen=True)
class ReviewRow:
    """One question of the paper as the review shows it."""

    position: int
    #: The paper's entry: {"q": id, "p": points, "t": type, "o": option order, "b": blanks}.
    item: dict
    question: Question
    answer: Answer | None
    #: Held back by question secrecy: only the stem and the options may be shown.
    protected: bool
    #: The articles the question cites, with their text (none for a held-back question: the
    #: text would point at the key).
    cited: tuple[CitedArticle, ...] = ()

    @property
    def is_subjective(self) -> bool:
        return subjective.is_subjective(self.item["t"])

    @property
    def sub_questions(self) -> list[str]:
        """A case analysis's sub-questions in order (its stem is the case material); else empty.
        Shown like a choice's options, even when the question is held back."""
        if self.item["t"] != "case":
            return []
        return [str(text) for text in self.question.options or []]

    @property
    def texts(self) -> list[str]:
        """The candidate's text per (sub-)question of a subjective question ("" where none)."""
        response = self.answer.response if self.answer is not None else None
        count = max(self.item["b"], 1)
        if isinstance(response, str):
            return [response] + [""] * (count - 1)
        given = [text if isinstance(text, str) else "" for text in response or []]
        return (given + [""] * count)[:count]

    @property
    def reference_parts(self) -> list[subjective.Part]:
        """A subjective question's reference answers and scoring points in the paper's points
        (the key: for a row that is not held back only)."""
        if self.protected or not self.is_subjective:
            return []
        return subjective.scaled_parts(subjective.parts_of(self.item["t"], self.question.options,
                                                           self.question.answer), float(self.item["p"]))

    @property
    def awaiting_mark(self) -> bool:
        """A subjective answer nobody has marked yet (待阅卷)."""
        return (self.is_subjective and self.answer is not None and self.answer.response is not None
                and self.answer.score is None)


def review_rows(attempt: Attempt, moment: datetime | None = None) -> list[ReviewRow] | None:
    """Every question of the attempt's paper in its order, or None while the review is not open."""
    if not review_open(attempt, moment):
        return None
    ids = [item["q"] for item in attempt.paper]
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))}
    answers = {a.question_id: a for a in db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}
    held_back = protected_question_ids()
    cited = cited_articles(qid for qid in ids if qid not in held_back)
    return [ReviewRow(position=n, item=item, question=questions[item["q"]], answer=answers.get(item["q"]),
                      protected=item["q"] in held_back, cited=tuple(cited.get(item["q"], ())))
            for n, item in enumerate(attempt.paper, start=1)]


def all_held_back(rows: list[ReviewRow] | None) -> bool:
    """The review is open but secrecy holds back every question of it."""
    return bool(rows) and all(row.protected for row in rows)


def notice_for(attempt: Attempt, rows: list[ReviewRow] | None, moment: datetime | None = None):
    """The review sentence for a finished attempt's result (see `review_notice`)."""
    exam = attempt.exam
    return review_notice(exam.review_policy, protect=exam.protect_questions, closes_at=exam.closes_at,
                         moment=moment or now(), held_back=all_held_back(rows))


def review_json(rows: list[ReviewRow]) -> list[dict]:
    """The review for the API: options in the attempt's order named by their own letters, as on
    the exam page; answers and keys in the notation of saves (docs/api.md)."""
    return [_row_json(row) for row in rows]


def _row_json(row: ReviewRow) -> dict:
    question, item = row.question, row.item
    options = []
    if item["t"] in ("single", "multiple"):
        order = item["o"] or range(len(question.options))
        options = [{"key": chr(ord("A") + index), "text": question.options[index]} for index in order]
    body = {"id": question.id, "position": row.position, "type": item["t"], "stem": question.stem,
            "options": options, "points": item["p"], "blanks": item["b"], "held_back": row.protected}
    if row.is_subjective:
        body["parts"] = row.sub_questions
        if not row.protected:
            return _subjective_json(row, body)
    if row.protected:
        return body
    answer = row.answer
    # A subjective answer nobody has marked yet has no score (待阅卷), not 0.
    waiting = (item["t"] in SUBJECTIVE_TYPES and answer is not None and answer.response is not None
               and answer.score is None)
    body.update({"answer": answer.response if answer is not None else None, "awaiting_marks": waiting,
                 "score": None if waiting else
                 float(answer.score) if answer is not None and answer.score is not None else 0.0,
                 "correct": answer is not None and answer.is_correct is True,
                 "key": question.answer, "explanation": question.explanation or "", "basis": question.basis or "",
                 "cited": [{"label": a.label, "text": a.text, "article_id": a.article_id, "newer": a.newer}
                           for a in row.cited]})
    return body


def _subjective_json(row: ReviewRow, body: dict) -> dict:
    """A subjective question's review (not held back): the text given, no verdict, the marks or
    None while they are awaited (待阅卷), and as key the reference answers in the paper's points."""
    question, answer = row.question, row.answer
    body.update({"answer": answer.response if answer is not None else None,
                 "score": None if row.awaiting_mark else float(answer.score) if answer is not None
                 and answer.score is not None else 0.0,
                 "awaiting_marks": row.awaiting_mark, "correct": None,
                 "key": [{"stem": part.stem, "reference": part.reference, "marks": part.marks,
                          "rubric": [{"point": r.point, "marks": r.marks} for r in part.rubric]}
                         for part in row.reference_parts],
                 "explanation": question.explanation or "", "basis": question.basis or ""})
    return body


def review_payload(attempt: Attempt) -> dict:
    """A finished attempt's review for the API: the sentence saying what can be reviewed and when,
    and the questions (None while the review is not open)."""
    moment = now()
    rows = review_rows(attempt, moment)
    return {"notice": str(notice_for(attempt, rows, moment)),
            "questions": review_json(rows) if rows is not None else None}
