"""Every hook by which a lower layer asks a higher one, declared in one place.

Imports run one way: platform <- accounts <- questionbank <- exams <- training <- reports <- web
(the import-linter contract in pyproject.toml enforces it). When a lower domain needs an answer
only a higher one has, it sends one of these signals, and the higher domain connects a receiver
in its own module at import. create_app imports every blueprint's package, so every receiver is
connected before the first request; nothing registers hooks by hand.

Conventions: the sender is always ``None`` and the arguments are keywords; a receiver has the
signature ``(sender, *, <the keywords>, **extra)`` and returns its answer; the sender combines the
answers with `answers` (with no receiver there are none, and each signal says what that means).
"""
from __future__ import annotations

from typing import Any

from blinker import NamedSignal, Namespace

_signals = Namespace()

#: Sent by the question bank (questionbank.usage.locks_of) with ``question_ids=[...]`` before it
#: changes or retires a question. Answered by exams (exams.key_correction) with
#: ``{question id: [questionbank.usage.ExamLock, ...]}`` naming the published exams that hold the
#: question. No answer: nothing locks it.
question_locks: NamedSignal = _signals.signal("question-locks")

#: Sent by the question bank (questionbank.usage.usage_of) with ``question_ids=[...]`` to show how
#: often questions were used. Answered by exams (exams.usage_stats) with
#: ``{question id: questionbank.usage.Usage}``; answers are added up. No answer: zero use.
question_usage: NamedSignal = _signals.signal("question-usage")

#: Sent by exams (exams.prerequisites.missing_prerequisites) with ``exam=`` and ``person=`` before
#: a candidate may start the exam. Answered by training (training.courses.services: study credits
#: and required courses) with a list of human-readable things the person still lacks. No answer,
#: or only empty lists: nothing is missing and they may start.
exam_prerequisites: NamedSignal = _signals.signal("exam-prerequisites")

#: Sent by exams (exams.prerequisites.course_choices) with no arguments when building the exam
#: form. Answered by training (training.courses.services) with ``[(course id, title), ...]`` of
#: the courses an exam may require. No answer: no course can be required.
exam_course_choices: NamedSignal = _signals.signal("exam-course-choices")

#: Sent by accounts (accounts.views.end_idle_sessions) with ``person=`` (the signed-in person) when
#: their session has passed a timeout. Answered by exams (exams.taking) with True while the person
#: is busy with something no timeout may end (an attempt within its deadline plus grace). Any True
#: keeps them signed in; no answer, or only False, signs them out.
keep_signed_in: NamedSignal = _signals.signal("keep-signed-in")


#: Sent by laws (laws.services) with ``law_id=`` and ``old_version_id=`` / ``new_version_id=`` when a
#: new version of a law becomes the current one, and with ``new_version_id=None`` when the law is
#: repealed (已废止). Answered by the question bank, which marks every question citing the law
#: 待复核 (to review); the answer is the number of questions marked. No answer: nothing is marked.
law_changed: NamedSignal = _signals.signal("law-changed")


def answers(signal: NamedSignal, **kwargs: Any) -> list[Any]:
    """Every receiver's answer to `signal` sent with these keywords, in the order they connected."""
    return [answer for _receiver, answer in signal.send(None, **kwargs)]
