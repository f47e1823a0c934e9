"""`timing.exam_phase`: the one answer to "is this exam still open", for each of its askers.

Pure: no app, no database. The askers' own rules as they were written before they shared this
function are kept here as references, and compared over a grid of moments around every edge.
"""
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from trainingapp.exams.secrecy import ExamWindow, is_running
from trainingapp.exams.timing import CLOSING, OPEN, OVER, UPCOMING, exam_phase, review_open
from trainingapp.training.learning.views import exam_window

OPENS = datetime(2026, 6, 1, 8, 0)
CLOSES = datetime(2026, 6, 1, 18, 0)
S = timedelta(seconds=1)


@pytest.mark.parametrize("moment, expected", [
    (OPENS - S, UPCOMING),
    (OPENS, OPEN),
    (CLOSES - S, OPEN),
    (CLOSES, CLOSING),                      # closed to starts; an attempt's last second still counts
    (CLOSES + timedelta(seconds=120), CLOSING),  # within the grace
    (CLOSES + timedelta(seconds=121), OVER),
])
def test_the_phases_of_an_exam_with_a_grace_period(moment, expected):
    assert exam_phase(CLOSES, moment, opens_at=OPENS, grace_seconds=120) == expected


def test_an_attempt_with_extra_time_keeps_the_exam_closing_until_its_deadline_and_grace():
    deadline = CLOSES + timedelta(minutes=30)
    assert exam_phase(CLOSES, deadline + timedelta(seconds=60), latest_deadline=deadline, grace_seconds=60) == CLOSING
    assert exam_phase(CLOSES, deadline + timedelta(seconds=61), latest_deadline=deadline, grace_seconds=60) == OVER


def test_an_attempt_ending_before_the_close_does_not_end_the_exam_early():
    early = CLOSES - timedelta(hours=2)
    assert exam_phase(CLOSES, CLOSES - S, latest_deadline=early) == OPEN
    assert exam_phase(CLOSES, CLOSES, latest_deadline=early) == CLOSING
    assert exam_phase(CLOSES, CLOSES + S, latest_deadline=early) == OVER


def test_without_the_opening_time_an_exam_is_never_upcoming():
    assert exam_phase(CLOSES, OPENS - timedelta(days=3)) == OPEN


# --- the askers, against their rules as first written ----------------------------------------

def _old_is_running(closes_at, latest_deadline, grace_seconds, moment):
    end = max(closes_at, latest_deadline or closes_at)
    return moment <= end + timedelta(seconds=grace_seconds)


def _old_lock_is_open(closes_at, moment):
    return closes_at > moment


def _old_review_time(closes_at, moment):
    return moment >= closes_at


def _old_exam_window(opens_at, closes_at, moment):
    if moment < opens_at:
        return "upcoming"
    return "open" if moment < closes_at else "closed"


_OFFSETS = [timedelta(seconds=s) for s in (-3600, -61, -60, -59, -1, 0, 1, 59, 60, 61, 3600)]
_MOMENTS = sorted({edge + offset for edge in (OPENS, CLOSES, CLOSES + timedelta(minutes=20)) for offset in _OFFSETS})


@pytest.mark.parametrize("latest", [None, CLOSES - timedelta(hours=1), CLOSES + timedelta(minutes=20)])
@pytest.mark.parametrize("grace_seconds", [0, 60])
def test_every_asker_gets_the_same_answer_as_its_own_rule_did(latest, grace_seconds):
    exam = SimpleNamespace(opens_at=OPENS, closes_at=CLOSES, review_policy="full")
    attempt = SimpleNamespace(is_finished=True, exam=exam)
    window = ExamWindow(1, None, CLOSES, latest, grace_seconds, True, frozenset())
    for moment in _MOMENTS:
        assert is_running(window, moment) == _old_is_running(CLOSES, latest, grace_seconds, moment), moment
        assert (exam_phase(CLOSES, moment, opens_at=OPENS) in (UPCOMING, OPEN)) == _old_lock_is_open(CLOSES, moment)
        assert review_open(attempt, moment) == _old_review_time(CLOSES, moment), moment
        assert exam_window(exam, moment) == _old_exam_window(OPENS, CLOSES, moment), moment


def test_the_review_stays_shut_for_an_unfinished_attempt_or_another_policy():
    after = CLOSES + timedelta(days=1)
    exam = SimpleNamespace(opens_at=OPENS, closes_at=CLOSES, review_policy="full")
    assert not review_open(SimpleNamespace(is_finished=False, exam=exam), after)
    assert not review_open(SimpleNamespace(is_finished=True, exam=SimpleNamespace(**{**vars(exam),
                                                                                     "review_policy": "score"})), after)
