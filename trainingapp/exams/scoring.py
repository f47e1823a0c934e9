"""Scoring a stored attempt: its saved answers against the current keys, written back per answer.

Used when an attempt closes (finalising), when a key is corrected or an exam regraded
(key_correction, authoring), and when marking gives a subjective answer its final mark. The
rules of a right answer are in the pure `grading` module.

Subjective answers (简答, 案例分析) are not scored here: their final marks are in
`Answer.score`, written by marking. Until every answered one has its mark the attempt
`awaiting_marks` and its score is None (待阅卷: neither a pass nor a fail).
"""
from __future__ import annotations

from sqlalchemy import bindparam, select, text

from ..platform.extensions import db
from ..questionbank.models import Question
from . import grading
from .models import Answer, Attempt


def score_attempt(attempt: Attempt) -> tuple[float | None, dict[int, object]]:
    """Score every objective answer of the attempt against the current keys and add the
    final marks of its subjective answers; sets the attempt's `objective_score` and
    `awaiting_marks` and returns (score, responses), the score None while marks are awaited.
    The caller stores the score in `attempt.score`."""
    ids = [item["q"] for item in attempt.paper]
    keys = dict(db.session.execute(select(Question.id, Question.answer).where(Question.id.in_(ids))).all())
    # Rows, not Answer objects: a submit minute grades thousands of papers, and the scores are
    # written back with one statement below, so nothing needs tracking by the session.
    rows = db.session.execute(select(Answer.question_id, Answer.response, Answer.score)
                              .where(Answer.attempt_id == attempt.id)).all()
    responses = {qid: response for qid, response, _score in rows}
    total, scored = grading.score_paper(attempt.paper, keys, responses, partial_types=attempt.exam.partial_types)
    subjective = grading.awaiting_marks(attempt.paper, responses)
    marked = {qid: score for qid, _response, score in rows if score is not None}
    waiting = [qid for qid in subjective if qid not in marked]
    final = None if waiting else round(total + sum(float(marked[qid]) for qid in subjective), 2)
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
    # Set after the statements above: their autoflush must not write a half-closed attempt.
    attempt.objective_score, attempt.awaiting_marks = total, bool(waiting)
    return final, responses


_SCORES_FROM_ARRAYS = text(
    "UPDATE answer SET score = v.s, is_correct = v.ok"
    " FROM unnest(CAST(:qs AS integer[]), CAST(:ss AS numeric[]), CAST(:oks AS boolean[])) AS v(q, s, ok)"
    " WHERE answer.attempt_id = :a AND answer.question_id = v.q")
