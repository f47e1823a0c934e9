"""What a candidate is told about reviewing an exam: one sentence from the review policy, question
secrecy and the moment, the same on "My exams", the rules page, the result page and the API.

The sentence promises only what `timing.review_open` and question secrecy (`secrecy.py`) will
actually do, so it is worked out from the same facts: under "after_submit" with
`protect_questions` the keys wait for the exam (and any make-up) to close, and a review whose
every key is held back by another running exam says so instead of promising what it cannot show.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import LazyString, format_datetime
from flask_babel import lazy_gettext as _l

from .timing import OPEN, UPCOMING, exam_phase


def review_notice(policy: str, *, protect: bool, closes_at: datetime, moment: datetime,
                  held_back: bool = False) -> LazyString:
    """The sentence for an exam with this review `policy` and question secrecy switch (`protect`),
    closing at `closes_at` (UTC), as of `moment`.

    `held_back`: the review is open but secrecy holds back every key of the attempt's paper now
    (known only on the result page; before the exam it is False)."""
    when = LazyString(format_datetime, closes_at, "yyyy-MM-dd HH:mm")
    before_close = exam_phase(closes_at, moment) in (UPCOMING, OPEN)
    if policy == "never":
        return _l("Neither the score nor the answers are shown for this exam.")
    if policy == "score":
        return _l("Only the score is shown, right after submitting; the answers are not shown.")
    if policy == "full":
        if before_close:
            return _l("The score is shown right after submitting; the answers with the correct answers and "
                      "explanations once the exam has closed (%(when)s).", when=when)
        if held_back:
            return _HELD_BACK
        return _l("The exam has closed: the answers with the correct answers and explanations can be reviewed.")
    if policy == "after_submit":
        if protect and before_close:
            return _l("The score is shown right after submitting. The questions are kept secret while the exam "
                      "runs, so the answers with the correct answers and explanations follow once this exam and "
                      "any make-up of it have closed (%(when)s at the earliest).", when=when)
        if held_back:
            return _HELD_BACK
        return _l("Right after submitting: the score and every question with your answer, the correct answer, "
                  "the explanation and the legal basis.")
    return _l("Neither the score nor the answers are shown for this exam.")


_HELD_BACK = _l("The questions are still used by an exam that is running or about to start (a make-up, for "
                "example): the answers with the correct answers and explanations are shown once it has closed.")
