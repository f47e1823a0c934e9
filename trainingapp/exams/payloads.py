"""What the exam page is sent: the paper without any key, saved answers, and the result (and the
review, `review.py`) as the review policy allows the candidate to see it."""
from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import select

from ..platform.clock import isoformat, now
from ..platform.extensions import db
from ..questionbank.subjective import MAX_ANSWER_CHARS, is_subjective
from . import marks, paper_texts, review
from .models import Answer, Attempt


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
        payload["review"] = review.review_payload(attempt)
        return payload
    # Only the texts the page shows (never keys, explanations, legal basis), from this process's
    # copy once it has read them for this publication (paper_texts.py).
    texts = paper_texts.question_texts(exam, [item["q"] for item in attempt.paper])
    payload["questions"] = [_question_json(position, item, *texts[item["q"]])
                            for position, item in enumerate(attempt.paper, start=1)]
    _add_sections(payload, attempt)
    payload["answers"] = {}
    if with_answers:
        payload["answers"] = {str(row.question_id): {"answer": row.response, "seq": row.seq}
                              for row in db.session.execute(select(Answer.question_id, Answer.response, Answer.seq)
                                                            .where(Answer.attempt_id == attempt.id))}
    return payload


def _question_json(position: int, item: dict, stem: str, stored_options: list | None) -> dict:
    options = []
    if item["t"] in ("single", "multiple"):
        options = [{"key": chr(ord("A") + index), "text": stored_options[index]} for index in item["o"]]
    body = {"id": item["q"], "position": position, "type": item["t"], "stem": stem,
            "options": options, "points": item["p"], "blanks": item["b"]}
    if is_subjective(item["t"]):
        # The texts to write, never the reference answers (the key, in Question.answer): for a
        # case analysis the sub-questions in order (the stem is the case material).
        body["parts"] = [str(text) for text in stored_options or []][:item["b"]] if item["t"] == "case" else []
        body["max_chars"] = MAX_ANSWER_CHARS
    return body


def result_payload(attempt: Attempt) -> dict:
    """The outcome of a finished attempt, as the review policy allows the candidate to see it.
    While its subjective answers await marks (待阅卷) there is no score and no band: `score`,
    `passed` and `excellent` are None, `awaiting_marks` is true and `objective_score` holds
    the machine-scored part (as the review policy allows)."""
    exam = attempt.exam
    shown = exam.review_policy != "never"
    waiting = bool(attempt.awaiting_marks)
    band = None if waiting else marks.grade_band(attempt.score, exam.pass_mark, exam.excellent_mark)
    known = shown and not waiting
    return {"status": attempt.status, "score": attempt.score if known else None,
            "total": float(attempt.total), "passed": band in ("pass", "excellent") if known else None,
            "excellent": band == "excellent" if known else None, "awaiting_marks": waiting,
            "objective_score": attempt.objective_score if shown and waiting else None, "receipt": attempt.receipt,
            "submitted_at": isoformat(attempt.submitted_at), "finish_reason": attempt.finish_reason}


def _add_sections(payload: dict, attempt: Attempt) -> None:
    """The paper's sections in order, and each question's section heading, from the stored paper
    (never reordered: an attempt drawn before sections gets one mixed section)."""
    found = paper_texts.paper_headings(attempt.paper, attempt.exam.sections, str(get_locale() or "zh"))
    payload["sections"] = [{"heading": text, "type": section.qtype, "count": section.count,
                            "points": section.total, "points_each": section.points_each,
                            "questions": list(section.positions)} for text, section in found]
    for text, section in found:
        for position in section.positions:
            payload["questions"][position - 1]["section"] = text
