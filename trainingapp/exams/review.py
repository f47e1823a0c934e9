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
from ..questionbank.citing import CitedArticle, cited_articles
from ..questionbank.models import Question
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
    if row.protected:
        return body
    answer = row.answer
    body.update({"answer": answer.response if answer is not None else None,
                 "score": float(answer.score) if answer is not None and answer.score is not None else 0.0,
                 "correct": answer is not None and answer.is_correct is True,
                 "key": question.answer, "explanation": question.explanation or "", "basis": question.basis or "",
                 "cited": [{"label": a.label, "text": a.text, "article_id": a.article_id, "newer": a.newer}
                           for a in row.cited]})
    return body


def review_payload(attempt: Attempt) -> dict:
    """A finished attempt's review for the API: the sentence saying what can be reviewed and when,
    and the questions (None while the review is not open)."""
    moment = now()
    rows = review_rows(attempt, moment)
    return {"notice": str(notice_for(attempt, rows, moment)),
            "questions": review_json(rows) if rows is not None else None}
