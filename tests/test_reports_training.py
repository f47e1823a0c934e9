"""Training session and outreach counts (trainingapp.training.figures). Pure."""
import pytest

from trainingapp.training.figures import (
    AttendanceRecord,
    EventRecord,
    EventTotals,
    Progress,
    SessionRecord,
    Totals,
    below_threshold,
    department_totals,
    event_department_totals,
    event_totals,
    hours_per_person,
    responsibility_progress,
    session_totals,
)

# 1 town ── 2 office ── 4 unit, 5 unit
#        └─ 3 office ── 6 unit (no sessions)
TREE = {None: [1], 1: [2, 3], 2: [4, 5], 3: [6]}

SESSIONS = [
    SessionRecord(1, "lecture", "offline", 3, 4, 2.0, 3),
    SessionRecord(2, "lecture", "online", 3, 5, 1.5, 2),
    SessionRecord(3, "mock_trial", "offline", 7, 2, 3.0, 0),  # open session: nobody expected
    SessionRecord(4, "lecture", "offline", 7, 3, 1.0, 1),
]
ATTENDANCE = [
    AttendanceRecord(1, 1, "present"),
    AttendanceRecord(1, 1, "present"),  # duplicated record: still one attendance
    AttendanceRecord(1, 2, "late"),
    AttendanceRecord(1, 3, "leave"),
    AttendanceRecord(1, 9, "walk_in"),
    AttendanceRecord(2, 1, "present"),
    AttendanceRecord(2, 4, "absent"),
    AttendanceRecord(3, 5, "walk_in"),
    AttendanceRecord(3, 1, "walk_in"),
    AttendanceRecord(4, 6, "present"),
    AttendanceRecord(99, 1, "present"),  # a session not passed in (another year): ignored
]
# Per session, attended / expected-and-came: 1: {1, 2, 9} / {1, 2}; 2: {1} / {1};
# 3: {5, 1} / {}; 4: {6} / {6}.


@pytest.mark.parametrize(
    "by, table",
    [
        ("kind", {
            "lecture": Totals(3, 5, 4, 6, 4, 4 / 6, 4.5),
            "mock_trial": Totals(1, 2, 2, 0, 0, None, 3.0),
        }),
        ("mode", {
            "offline": Totals(3, 6, 5, 4, 3, 0.75, 6.0),
            "online": Totals(1, 1, 1, 2, 1, 0.5, 1.5),
        }),
        ("month", {
            3: Totals(2, 4, 3, 5, 3, 0.6, 3.5),
            7: Totals(2, 3, 3, 1, 1, 1.0, 4.0),
        }),
        ("department", {
            2: Totals(1, 2, 2, 0, 0, None, 3.0),
            3: Totals(1, 1, 1, 1, 1, 1.0, 1.0),
            4: Totals(1, 3, 3, 3, 2, 2 / 3, 2.0),
            5: Totals(1, 1, 1, 2, 1, 0.5, 1.5),
        }),
    ],
)
def test_session_totals(by, table):
    assert session_totals(SESSIONS, ATTENDANCE, by=by) == table


def test_department_totals_roll_up_counts_people_once():
    result = department_totals(SESSIONS, ATTENDANCE, TREE)
    assert result == {
        # User 1 attended in units 4 and 5 and office 2: one person at office 2 and the town.
        1: Totals(4, 7, 5, 6, 4, 4 / 6, 7.5),
        2: Totals(3, 6, 4, 5, 3, 0.6, 6.5),
        4: Totals(1, 3, 3, 3, 2, 2 / 3, 2.0),
        5: Totals(1, 1, 1, 2, 1, 0.5, 1.5),
        3: Totals(1, 1, 1, 1, 1, 1.0, 1.0),
        6: Totals(0, 0, 0, 0, 0, None, 0.0),
    }
    assert list(result) == [1, 2, 4, 5, 3, 6]
    assert session_totals(SESSIONS, ATTENDANCE, by="department", tree_children=TREE) == result


def test_department_totals_department_outside_tree():
    sessions = [*SESSIONS, SessionRecord(5, "lecture", "offline", 9, 42, 2.0, 1)]
    result = department_totals(sessions, [*ATTENDANCE, AttendanceRecord(5, 7, "present")], TREE)
    assert list(result)[-1] == 42 and result[42] == Totals(1, 1, 1, 1, 1, 1.0, 2.0)
    assert result[1].sessions == 4


def test_session_totals_rejects_unknown_grouping():
    with pytest.raises(ValueError, match="grouping"):
        session_totals(SESSIONS, ATTENDANCE, by="trainer")
    with pytest.raises(ValueError, match="department"):
        session_totals(SESSIONS, ATTENDANCE, by="kind", tree_children=TREE)


def test_twelve_sessions_1500_attendances_fewer_people():
    """One session a month, 125 attendances each (120 expected attendees who came, 5
    walk-ins) from a pool of 150 people, plus 10 expected people on leave or absent."""
    sessions = [SessionRecord(m, "lecture", "offline", m, 1, 2.0, 130) for m in range(1, 13)]
    attendance = []
    for m in range(1, 13):
        came = [(m * 25 + k) % 150 for k in range(125)]
        attendance += [AttendanceRecord(m, u, "present" if k % 2 else "late") for k, u in enumerate(came[:120])]
        attendance += [AttendanceRecord(m, u, "walk_in") for u in came[120:]]
        attendance += [AttendanceRecord(m, 1000 + m * 10 + k, "leave" if k % 2 else "absent") for k in range(10)]
    total = session_totals(sessions, attendance, by="kind")["lecture"]
    assert total == Totals(
        sessions=12, attendances=1500, people=150, expected=1560, expected_attended=1440,
        attendance_rate=12 / 13, hours=24.0,
    )
    assert {t.attendances for t in session_totals(sessions, attendance, by="month").values()} == {125}
    hours = hours_per_person(sessions, attendance)
    assert len(hours) == 150 and sum(hours.values()) == 3000.0  # 1,500 attendances × 2 hours


def test_hours_per_person():
    # User 1: sessions 1, 2 and 3 (2 + 1.5 + 3); the duplicate and the other year's session
    # add nothing. Users 3 and 4 (leave, absent) attended nothing.
    assert hours_per_person(SESSIONS, ATTENDANCE) == {1: 6.5, 2: 2.0, 5: 3.0, 6: 1.0, 9: 2.0}


def test_hours_per_person_sums_without_float_noise():
    sessions = [SessionRecord(i, "lecture", "online", 1, 1, 0.1, 0) for i in range(1, 4)]
    attendance = [AttendanceRecord(i, 7, "present") for i in range(1, 4)]
    assert hours_per_person(sessions, attendance) == {7: 0.3}


def test_below_threshold_includes_people_with_no_hours():
    hours = hours_per_person(SESSIONS, ATTENDANCE)
    people = [1, 2, 3, 4, 5, 6, 9, 6]  # 6 listed twice
    assert below_threshold(hours, people, 3.0) == [(3, 0.0), (4, 0.0), (6, 1.0), (2, 2.0), (9, 2.0)]
    assert below_threshold(hours, people, 0) == []
    assert below_threshold({}, [], 40) == []


OUTREACH = [
    EventRecord(i, ("lecture", "stall", "media", "visit")[i % 4], i % 12 + 1, (4, 5, 6)[i % 3], 90 if i % 2 else 110)
    for i in range(500)
]


def test_500_outreach_events_reach_50000_people():
    by_kind = event_totals(OUTREACH, by="kind")
    # Even-numbered events (lecture, media) reach 110 people, odd ones (stall, visit) 90.
    assert by_kind == {
        "lecture": EventTotals(125, 13_750),
        "media": EventTotals(125, 13_750),
        "stall": EventTotals(125, 11_250),
        "visit": EventTotals(125, 11_250),
    }
    by_month = event_totals(OUTREACH, by="month")
    assert list(by_month) == list(range(1, 13))
    assert (by_month[1].events, by_month[8].events, by_month[9].events, by_month[12].events) == (42, 42, 41, 41)
    assert sum(t.events for t in by_month.values()) == 500
    assert sum(t.audience for t in by_month.values()) == 50_000
    rolled = event_department_totals(OUTREACH, TREE)
    assert rolled[1] == EventTotals(500, 50_000)
    assert rolled[2] == EventTotals(334, 33_400)  # units 4 (167 events, 16,710) and 5 (167 events, 16,690)
    assert (rolled[6], rolled[3]) == (EventTotals(166, 16_600), EventTotals(166, 16_600))


def test_event_totals_by_department_and_errors():
    events = [EventRecord(1, "stall", 1, 4, 30), EventRecord(2, "stall", 2, 4, 20), EventRecord(3, "media", 2, 5, 0)]
    assert event_totals(events, by="department") == {4: EventTotals(2, 50), 5: EventTotals(1, 0)}
    events_, audience = event_totals(events, by="kind")["stall"]  # tuple-compatible
    assert (events_, audience) == (2, 50)
    assert event_totals([], by="kind") == {}
    with pytest.raises(ValueError, match="grouping"):
        event_totals(events, by="mode")


def test_responsibility_progress():
    planned = {4: 10, 5: 4, 6: 0}
    events = [EventRecord(i, "stall", 1, 4, 10) for i in range(5)]
    events += [EventRecord(10 + i, "stall", 1, 5, 10) for i in range(6)]
    events += [EventRecord(99, "stall", 1, 7, 10)]  # a department with no plan
    assert responsibility_progress(planned, events) == {
        4: Progress(10, 5, 0.5),
        5: Progress(4, 6, 1.5),  # over-fulfilled: not capped
        6: Progress(0, 0, None),
        7: Progress(0, 1, None),
    }
    planned_, done, rate = responsibility_progress({4: 2}, [])[4]
    assert (planned_, done, rate) == (2, 0, 0.0)
