"""Signals that let one domain ask another without importing it (imports run one way:
accounts <- questionbank <- exams). Every cross-domain hook is declared here."""
from blinker import Namespace

_signals = Namespace()

#: Sent by the question bank with ``question_ids=[...]`` before it changes or retires a
#: question; each receiver returns ``{question id: [questionbank.usage.ExamLock, ...]}``
#: naming the published exams that hold the question (the exams domain answers).
question_locks = _signals.signal("question-locks")
