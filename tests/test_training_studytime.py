"""Server-measured study credit, course progress, yearly credits, prerequisites
(trainingapp.training.courses.studytime)."""
from datetime import datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainingapp.training.courses.studytime import (
    REMEMBERED_VIEWINGS,
    CourseProgress,
    Missing,
    PersonClock,
    Progress,
    course_progress,
    credit_exclusive,
    credit_heartbeat,
    credits_for_year,
    prerequisites_missing,
    remember_viewing,
)

T0 = datetime(2025, 3, 10, 1, 0, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(beats, *, material_seconds=3600, max_gap=90, start=None):
    """Feed beats (seconds after T0) through credit_heartbeat; the final Progress."""
    progress = start or Progress()
    for second in beats:
        progress = credit_heartbeat(progress, at(second), material_seconds=material_seconds, max_gap=max_gap)
    return progress


# --------------------------------------------------------------------------- credit_heartbeat

CREDIT_CASES = [
    # name, beat times (s after T0), material_seconds, expected credited seconds
    ("first beat only starts the clock", [0], 600, 0),
    ("normal viewing, every 30 s for 5 min", [30 * i for i in range(11)], 600, 300),
    ("browser timers jitter a little", [0, 30.4, 60.9, 91.1, 120.2], 600, 120),
    ("a beat 1 s later credits 1 s", [0, 1], 600, 1),
    ("100 beats within 1 s earn at most 1 s", [i / 100 for i in range(101)], 600, 1),
    ("100 beats within 10 s earn at most 10 s", [i / 10 for i in range(101)], 600, 10),
    ("100 beats in the same instant earn nothing", [5] * 100, 600, 0),
    ("a gap of exactly max_gap still counts", [0, 90], 600, 90),
    ("a gap over max_gap credits nothing", [0, 91], 600, 0),
    ("a long gap credits nothing, then the clock restarts", [0, 30, 3600, 3630], 600, 60),
    ("the clock moving back credits nothing", [100, 40], 600, 0),
    ("after the clock moved back, the same stretch is not paid twice", [0, 60, 10, 40, 70, 100], 600, 100),
    ("capped at material_seconds", [30 * i for i in range(20)], 120, 120),
    ("a zero-length material", [0], 0, 0),
]


@pytest.mark.parametrize(
    "beats, material_seconds, expected",
    [case[1:] for case in CREDIT_CASES],
    ids=[case[0] for case in CREDIT_CASES],
)
def test_credit_heartbeat(beats, material_seconds, expected):
    assert run(beats, material_seconds=material_seconds).credited_seconds == expected


def test_first_beat_starts_the_clock():
    progress = credit_heartbeat(Progress(), T0, material_seconds=600)
    assert progress == Progress(credited_seconds=0, last_beat_at=T0, completed_at=None)


def test_fraction_of_a_second_is_carried_not_lost():
    # 30.6 s credits 30 and keeps 0.6 s before the anchor; the next 29.4 s pays it.
    progress = run([0, 30.6])
    assert (progress.credited_seconds, progress.last_beat_at) == (30, at(30))
    assert run([0, 30.6, 60]).credited_seconds == 60


def test_long_gap_restarts_the_clock_at_the_late_beat():
    progress = run([0, 30, 500])
    assert (progress.credited_seconds, progress.last_beat_at) == (30, at(500))


def test_clock_moving_back_keeps_the_progress_unchanged():
    before = run([0, 60])
    assert credit_heartbeat(before, at(10), material_seconds=3600) == before


def test_completed_at_is_set_once_when_the_cap_is_reached():
    progress = run([0, 30, 60, 90], material_seconds=75)
    assert progress.credited_seconds == 75
    assert progress.completed_at == at(90)
    later = run([120, 150, 200, 10_000], material_seconds=75, start=progress)
    assert later.credited_seconds == 75
    assert later.completed_at == at(90)


def test_completed_exactly_at_the_cap():
    progress = run([0, 30, 60], material_seconds=60)
    assert (progress.credited_seconds, progress.completed_at) == (60, at(60))


def test_not_completed_below_the_cap():
    assert run([0, 30], material_seconds=60).completed_at is None


def test_zero_length_material_completes_on_the_first_beat():
    assert run([0], material_seconds=0).completed_at == T0


def test_material_shortened_after_credit_keeps_the_credit_and_completes():
    start = Progress(credited_seconds=500, last_beat_at=T0)
    progress = credit_heartbeat(start, at(30), material_seconds=300)
    assert progress.credited_seconds == 500
    assert progress.completed_at == at(30)


@pytest.mark.parametrize("kwargs", [{"material_seconds": -1}, {"material_seconds": 60, "max_gap": 0}])
def test_credit_heartbeat_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        credit_heartbeat(Progress(), T0, **kwargs)


def test_progress_is_frozen():
    with pytest.raises(AttributeError):
        Progress().credited_seconds = 5


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.one_of(
            st.integers(min_value=0, max_value=2_000_000),  # a fast client, sub-second to 2 s
            st.integers(min_value=25_000_000, max_value=35_000_000),  # the page's ~30 s beat
            st.integers(min_value=-120_000_000, max_value=400_000_000),  # gaps and clock jumps back
        ),
        min_size=1,
        max_size=80,
    ),
    material_seconds=st.integers(min_value=0, max_value=900),
    max_gap=st.integers(min_value=1, max_value=300),
)
def test_credit_never_exceeds_wall_clock_span_or_material(steps, material_seconds, max_gap):
    # Microsecond steps between beats: any order, repeats, clock jumps back and forth.
    moments = list(accumulate((timedelta(microseconds=step) for step in steps), initial=T0))[1:]
    progress = Progress()
    previous_credit = 0
    for moment in moments:
        progress = credit_heartbeat(progress, moment, material_seconds=material_seconds, max_gap=max_gap)
        assert progress.credited_seconds >= previous_credit  # credit is never taken back
        previous_credit = progress.credited_seconds
    span = (max(moments) - min(moments)).total_seconds()
    assert progress.credited_seconds <= span
    assert progress.credited_seconds <= material_seconds
    assert (progress.completed_at is not None) == (progress.credited_seconds >= material_seconds)


# --------------------------------------------------------------------------- course_progress

MATERIALS = [(1, 600), (2, 300), (3, 100)]
DONE = datetime(2025, 3, 1)


@pytest.mark.parametrize(
    "progress, expected",
    [
        ({}, CourseProgress(1000, 0, 0, 0, 3, False)),
        ({1: Progress(300, T0)}, CourseProgress(1000, 300, 30, 0, 3, False)),
        ({1: Progress(600, T0, DONE), 2: Progress(150, T0)}, CourseProgress(1000, 750, 75, 1, 3, False)),
        # 999/1000 credited rounds down to 99 %, never up to 100 % before completion.
        ({1: Progress(600, T0, DONE), 2: Progress(300, T0, DONE), 3: Progress(99, T0)},
         CourseProgress(1000, 999, 99, 2, 3, False)),
        ({1: Progress(600, T0, DONE), 2: Progress(300, T0, DONE), 3: Progress(100, T0, DONE)},
         CourseProgress(1000, 1000, 100, 3, 3, True)),
        # Credit beyond a material's length (it was shortened) counts only up to its length.
        ({1: Progress(900, T0)}, CourseProgress(1000, 600, 60, 1, 3, False)),
        # A material lengthened after completion stays completed.
        ({1: Progress(600, T0, DONE), 2: Progress(200, T0, DONE), 3: Progress(100, T0, DONE)},
         CourseProgress(1000, 1000, 100, 3, 3, True)),
        # Progress on materials no longer in the course is ignored.
        ({99: Progress(5000, T0, DONE)}, CourseProgress(1000, 0, 0, 0, 3, False)),
    ],
)
def test_course_progress(progress, expected):
    assert course_progress(MATERIALS, progress) == expected


def test_course_without_materials_is_not_completed():
    assert course_progress([], {}) == CourseProgress(0, 0, 0, 0, 0, False)


def test_course_of_zero_length_materials():
    materials = [(1, 0), (2, 0)]
    assert course_progress(materials, {}).percent == 0
    assert course_progress(materials, {1: Progress(0, T0, T0), 2: Progress(0, T0, T0)}).completed


# --------------------------------------------------------------------------- credits_for_year

COMPLETIONS = [
    (1, 2.0, datetime(2024, 6, 1, 3, 0)),
    (2, 0.1, datetime(2025, 2, 1, 3, 0)),
    (3, 0.2, datetime(2025, 11, 30, 3, 0)),
    (4, 1.5, None),  # not completed
    (5, 3.0, datetime(2025, 12, 31, 20, 0)),  # 2026-01-01 04:00 in Beijing
    (2, 0.1, datetime(2025, 5, 1, 3, 0)),  # the same course twice counts once
]


@pytest.mark.parametrize(
    "year, tz, expected",
    [
        (2024, None, 2.0),
        (2025, None, 3.3),
        (2025, ZoneInfo("Asia/Shanghai"), 0.3),
        (2026, ZoneInfo("Asia/Shanghai"), 3.0),
        (2023, None, 0.0),
    ],
)
def test_credits_for_year(year, tz, expected):
    assert credits_for_year(COMPLETIONS, year, tz=tz) == expected


def test_credits_for_year_sums_exactly():
    # 0.1 + 0.2 must display as 0.3, not 0.30000000000000004.
    assert credits_for_year([(1, 0.1, DONE), (2, 0.2, DONE)], 2025) == 0.3


# --------------------------------------------------------------------------- prerequisites_missing


@pytest.mark.parametrize(
    "required_credits, earned, required_courses, completed, expected",
    [
        (None, 0, [], set(), []),
        (10, 10, [], set(), []),
        (10, 12.5, [1], {1}, []),
        (10, 7.5, [], set(), [Missing("credits", 2.5)]),
        (0.3, 0.1, [], set(), [Missing("credits", 0.2)]),
        (None, 0, [1, 2, 3], {2}, [Missing("course", 1), Missing("course", 3)]),
        (5, 0, [4, 4], set(), [Missing("credits", 5.0), Missing("course", 4)]),
    ],
)
def test_prerequisites_missing(required_credits, earned, required_courses, completed, expected):
    assert prerequisites_missing(required_credits, earned, required_courses, completed) == expected


# --------------------------------------------------------------------------- one material at a time

def test_a_beat_of_another_material_while_one_is_counting_earns_nothing():
    progress_a, person, outcome = credit_exclusive(Progress(), PersonClock(), 1, T0, material_seconds=600)
    assert outcome == "counting" and person == PersonClock(1, T0)
    progress_b, person, outcome = credit_exclusive(Progress(), person, 2, at(10), material_seconds=600)
    assert outcome == "elsewhere" and person == PersonClock(1, T0) and progress_b.credited_seconds == 0
    progress_a, person, outcome = credit_exclusive(progress_a, person, 1, at(30), material_seconds=600)
    assert (outcome, progress_a.credited_seconds, person) == ("counting", 30, PersonClock(1, at(30)))


def test_leaving_frees_the_clock_and_the_next_material_is_paid_only_after_it():
    progress_a, person, _ = credit_exclusive(Progress(), PersonClock(), 1, T0, material_seconds=600)
    progress_b, person, _ = credit_exclusive(Progress(), person, 2, at(5), material_seconds=600)  # waiting
    progress_a, person, _ = credit_exclusive(progress_a, person, 1, at(20), material_seconds=600, leaving=True)
    assert person == PersonClock(None, at(20)) and progress_a.credited_seconds == 20
    # Material 2's page was open since 5 s, but 5-20 s was paid to material 1 already.
    progress_b, person, outcome = credit_exclusive(progress_b, person, 2, at(35), material_seconds=600)
    assert (outcome, progress_b.credited_seconds, person) == ("counting", 15, PersonClock(2, at(35)))


def test_a_completed_material_neither_earns_nor_takes_the_clock():
    done = Progress(credited_seconds=60, last_beat_at=T0, completed_at=T0)
    held = PersonClock(1, at(10))
    progress, person, outcome = credit_exclusive(done, held, 2, at(20), material_seconds=60)
    assert (outcome, progress.credited_seconds, person) == ("done", 60, held)


@settings(max_examples=300, deadline=None)
@given(
    beats=st.lists(
        st.tuples(st.integers(min_value=0, max_value=10),  # which material (up to 11 pages)
                  st.integers(min_value=-5_000_000, max_value=60_000_000),  # microseconds since the last beat
                  st.booleans(), st.booleans()),  # start, leaving
        min_size=1, max_size=120,
    ),
)
def test_credit_over_all_materials_never_exceeds_the_wall_clock(beats):
    """Beats of up to 11 materials in any order, with starts, leavings and clock jumps back:
    the person's total credit never exceeds the time from the first beat to the latest moment."""
    moment = T0
    first = latest = None
    person = PersonClock()
    progress: dict[int, Progress] = {}
    for material, step, start, leaving in beats:
        moment += timedelta(microseconds=step)
        first = first or moment
        latest = max(latest or moment, moment)
        progress[material], person, _ = credit_exclusive(progress.get(material, Progress()), person, material,
                                                         moment, material_seconds=3600, start=start, leaving=leaving)
        total = sum(p.credited_seconds for p in progress.values())
        assert total <= (latest - first).total_seconds()


# --------------------------------------------------------------------------- numbered beats of one page view

def test_a_beat_overtaken_by_its_pages_later_beat_is_stale():
    viewings, stale = remember_viewing((), ("a", 1))
    assert (viewings, stale) == ((("a", 1),), False)
    viewings, stale = remember_viewing(viewings, ("b", 1))
    assert (viewings, stale) == ((("b", 1), ("a", 1)), False)
    viewings, stale = remember_viewing(viewings, ("a", 3))
    assert (viewings, stale) == ((("a", 3), ("b", 1)), False)  # numbers may skip (a beat lost)
    for late in (("a", 2), ("a", 3)):  # older than, or a replay of, the newest decided
        assert remember_viewing(viewings, late) == (viewings, True)


def test_the_clock_remembers_only_the_latest_viewings():
    viewings = ()
    for index in range(REMEMBERED_VIEWINGS + 5):
        viewings, _ = remember_viewing(viewings, (f"v{index}", 1))
    assert len(viewings) == REMEMBERED_VIEWINGS and viewings[0] == (f"v{REMEMBERED_VIEWINGS + 4}", 1)
    # A forgotten viewing's beat is decided as an unnumbered beat would be.
    assert remember_viewing(viewings, ("v0", 1))[1] is False


def test_a_beat_arriving_after_its_pages_leaving_beat_cannot_take_the_clock_back():
    """The flaky second-tab test: page A's regular beat 2 was on its way when A was hidden and
    arrived after A's leaving beat 3; it re-took the clock from page B for up to 90 s."""
    a, b = Progress(), Progress()
    a, person, _ = credit_exclusive(a, PersonClock(), 1, T0, material_seconds=600, start=True, viewing=("A", 1))
    b, person, outcome = credit_exclusive(b, person, 2, at(5), material_seconds=600, start=True,
                                          viewing=("B", 1))
    assert outcome == "elsewhere"
    a, person, _ = credit_exclusive(a, person, 1, at(20), material_seconds=600, leaving=True, viewing=("A", 3))
    assert person.material_id is None and a.credited_seconds == 20
    held = person
    late, person, outcome = credit_exclusive(a, person, 1, at(21), material_seconds=600, viewing=("A", 2))
    assert (outcome, late, person) == ("stale", a, held)  # nothing changes: no clock, no time
    b, person, outcome = credit_exclusive(b, person, 2, at(35), material_seconds=600, viewing=("B", 2))
    assert (outcome, b.credited_seconds, person.material_id) == ("counting", 15, 2)
    # Page A shown again: a new beat of the same page view counts from the clock's moment on.
    a, person, outcome = credit_exclusive(a, person, 1, at(40), material_seconds=600, start=True,
                                          viewing=("A", 4))
    assert outcome == "elsewhere" and a.credited_seconds == 20


def test_a_stale_beat_of_the_page_holding_the_clock_does_not_hold_it_longer():
    a, person, _ = credit_exclusive(Progress(), PersonClock(), 1, T0, material_seconds=600, viewing=("A", 1))
    a, person, _ = credit_exclusive(a, person, 1, at(30), material_seconds=600, viewing=("A", 3))
    a, person, _ = credit_exclusive(a, person, 1, at(60), material_seconds=600, viewing=("A", 2))
    assert person.counted_until == at(30)  # page B may count 90 s after beat 3, not after beat 2
    b, person, outcome = credit_exclusive(Progress(), person, 2, at(121), material_seconds=600, viewing=("B", 1))
    assert outcome == "counting" and person.material_id == 2


def test_unnumbered_beats_are_decided_as_before():
    a, person, _ = credit_exclusive(Progress(), PersonClock(), 1, T0, material_seconds=600)
    a, person, outcome = credit_exclusive(a, person, 1, at(30), material_seconds=600)
    assert (outcome, a.credited_seconds, person) == ("counting", 30, PersonClock(1, at(30)))


BEATS = st.lists(
    st.tuples(st.integers(min_value=0, max_value=3),  # which material
              st.integers(min_value=-5_000_000, max_value=60_000_000),  # microseconds since the last beat
              st.booleans(), st.booleans(),  # start, leaving
              st.one_of(st.none(), st.tuples(st.sampled_from("ABC"), st.integers(min_value=1, max_value=6)))),
    min_size=1, max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(beats=BEATS)
def test_numbering_beats_can_only_hold_time_back(beats):
    """The attacker's view: whatever viewing ids and numbers a script sends (replays, jumps,
    forgeries), the outcome is exactly that of sending only the beats that were not stale,
    unnumbered, which any client could do before; so numbers never earn a second more."""
    numbered, plain = {}, {}
    person, person_plain = PersonClock(), PersonClock()
    moment = T0
    for material, step, start, leaving, viewing in beats:
        moment += timedelta(microseconds=step)
        numbered[material], person, outcome = credit_exclusive(
            numbered.get(material, Progress()), person, material, moment, material_seconds=600,
            start=start, leaving=leaving, viewing=viewing)
        if outcome == "stale":
            continue
        plain[material], person_plain, _ = credit_exclusive(
            plain.get(material, Progress()), person_plain, material, moment, material_seconds=600,
            start=start, leaving=leaving)
        assert (person.material_id, person.counted_until) == (person_plain.material_id, person_plain.counted_until)
    assert {m: p for m, p in numbered.items() if p != Progress()} == {m: p for m, p in plain.items() if p != Progress()}
