"""Training session and outreach (普法) counts.

Plain data in, plain data out: no Flask, no database.

Definitions:

- 场次 (sessions): the number of sessions.
- 人次 (attendances): attendance records whose status is present, late or walk_in (a
  walk-in attended), counting a person at most once per session.
- 人数 (people): the distinct people among those attendances.
- expected: the sum of the sessions' expected attendee counts.
- attendance rate (到课率): present or late records (expected attendees who came) divided
  by expected; walk-ins do not raise it; None when nothing was expected.
- hours: the sum of the sessions' own hours (学时 delivered), not hours × attendances;
  the hours credited to each person come from `hours_per_person`.
- Attendance records for sessions not passed in are ignored, so the caller filters by
  passing only the sessions it wants (e.g. one year's).
- Department figures roll up when a tree is given: a parent's figures include all its
  descendants', and a person attending in two child departments is one person there.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from ..accounts.tree import TreeChildren, roll_up, walk_tree

ATTENDED = frozenset({"present", "late", "walk_in"})
EXPECTED_AND_CAME = frozenset({"present", "late"})
ATTENDANCE_STATUSES = ("present", "late", "leave", "absent", "walk_in")
SESSION_KEYS = ("kind", "mode", "month", "department")
EVENT_KEYS = ("kind", "department", "month")


@dataclass(frozen=True)
class SessionRecord:
    id: int
    kind: str
    mode: str
    month: int  # 1-12
    department_id: int  # the organising department
    hours: float  # credited hours for attending
    expected: int  # expected attendees count


@dataclass(frozen=True)
class AttendanceRecord:
    session_id: int
    user_id: int
    status: str  # one of ATTENDANCE_STATUSES


@dataclass(frozen=True)
class EventRecord:
    id: int
    kind: str
    month: int
    department_id: int
    audience: int


@dataclass(frozen=True)
class Totals:
    sessions: int  # 场次
    attendances: int  # 人次
    people: int  # 人数 (distinct)
    expected: int
    expected_attended: int  # present/late records: the attendance rate's numerator
    attendance_rate: float | None
    hours: float  # session hours delivered


class EventTotals(NamedTuple):
    events: int
    audience: int


class Progress(NamedTuple):
    planned: int
    done: int
    rate: float | None  # done / planned; may exceed 1 when over-fulfilled; None when nothing planned


class _Group:
    """Mutable accumulator for one key; people is a set so distinct counts survive merges."""

    __slots__ = ("sessions", "expected", "hours", "attended", "expected_attended", "people")

    def __init__(self) -> None:
        self.sessions = 0
        self.expected = 0
        self.hours = 0.0
        self.attended = 0
        self.expected_attended = 0
        self.people: set[int] = set()

    def absorb(self, other: _Group) -> None:
        self.sessions += other.sessions
        self.expected += other.expected
        self.hours += other.hours
        self.attended += other.attended
        self.expected_attended += other.expected_attended
        self.people |= other.people

    def totals(self) -> Totals:
        return Totals(
            sessions=self.sessions,
            attendances=self.attended,
            people=len(self.people),
            expected=self.expected,
            expected_attended=self.expected_attended,
            attendance_rate=None if self.expected == 0 else self.expected_attended / self.expected,
            hours=round(self.hours, 2),  # hides float noise such as 4.499999999
        )


def _attendance_by_session(
    sessions: Mapping[int, SessionRecord], attendance: Iterable[AttendanceRecord]
) -> dict[int, tuple[set[int], set[int]]]:
    """session id -> (people who attended, expected people who came); sets, so a
    duplicated record counts once."""
    result: dict[int, tuple[set[int], set[int]]] = {sid: (set(), set()) for sid in sessions}
    for record in attendance:
        if record.session_id not in result or record.status not in ATTENDED:
            continue
        attended, came = result[record.session_id]
        attended.add(record.user_id)
        if record.status in EXPECTED_AND_CAME:
            came.add(record.user_id)
    return result


def _groups(
    sessions: Iterable[SessionRecord], attendance: Iterable[AttendanceRecord], key: Callable[[SessionRecord], Hashable]
) -> dict[Hashable, _Group]:
    by_id = {session.id: session for session in sessions}
    return _grouped(by_id, _attendance_by_session(by_id, attendance), key)


def _grouped(by_id: Mapping[int, SessionRecord], present: Mapping[int, tuple[set[int], set[int]]],
             key: Callable[[SessionRecord], Hashable]) -> dict[Hashable, _Group]:
    groups: dict[Hashable, _Group] = defaultdict(_Group)
    for session in by_id.values():
        group = groups[key(session)]
        attended, came = present[session.id]
        group.sessions += 1
        group.expected += session.expected
        group.hours += session.hours
        group.attended += len(attended)
        group.expected_attended += len(came)
        group.people |= attended
    return groups


def _session_key(by: str) -> Callable[[SessionRecord], Hashable]:
    if by not in SESSION_KEYS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {SESSION_KEYS}")
    return (lambda s: s.department_id) if by == "department" else (lambda s: getattr(s, by))


def session_totals(
    sessions: Iterable[SessionRecord],
    attendance: Iterable[AttendanceRecord],
    *,
    by: str,
    tree_children: TreeChildren | None = None,
) -> dict[Hashable, Totals]:
    """Totals per kind, mode, month or department (keys sorted); by department with a
    tree, every tree department with roll-up (see `department_totals`)."""
    if tree_children is not None:
        if by != "department":
            raise ValueError("tree_children only applies when grouping by department")
        return department_totals(sessions, attendance, tree_children)
    groups = _groups(sessions, attendance, _session_key(by))
    return {key: groups[key].totals() for key in sorted(groups)}


def department_totals(
    sessions: Iterable[SessionRecord], attendance: Iterable[AttendanceRecord], tree_children: TreeChildren
) -> dict[int, Totals]:
    """Totals for every department in the tree, own sessions plus all descendants', in
    display order; people are distinct across the whole subtree. Departments missing
    from the tree come last, unrolled."""
    by_id = {session.id: session for session in sessions}
    return _department_totals(by_id, _attendance_by_session(by_id, attendance), tree_children)


def _department_totals(by_id: Mapping[int, SessionRecord], present: Mapping[int, tuple[set[int], set[int]]],
                       tree_children: TreeChildren) -> dict[int, Totals]:
    own = _grouped(by_id, present, lambda s: s.department_id)
    order = walk_tree(tree_children)
    pending: dict[int, _Group] = {}
    totals: dict[int, Totals] = {}
    # Children before parents (reversed pre-order). The larger group absorbs the smaller
    # (small-to-large), so the people sets are merged in O(n log n) overall rather than
    # copied once per tree level.
    for node, parent in reversed(order):
        group = own.pop(node, None) or _Group()
        child_sum = pending.pop(node, None)
        if child_sum is not None:
            group = _merge(group, child_sum)
        totals[node] = group.totals()
        if parent is not None:
            pending[parent] = _merge(pending[parent], group) if parent in pending else group
    result = {node: totals[node] for node, _ in order}
    result.update((dept, group.totals()) for dept, group in sorted(own.items()))
    return result


def _merge(a: _Group, b: _Group) -> _Group:
    big, small = (a, b) if len(a.people) >= len(b.people) else (b, a)
    big.absorb(small)
    return big


def hours_per_person(
    sessions: Iterable[SessionRecord], attendance: Iterable[AttendanceRecord]
) -> dict[int, float]:
    """Credited hours per person who attended anything (present, late or walk-in): the
    sum of each attended session's hours, once per session, rounded to 2 decimals."""
    by_id = {session.id: session for session in sessions}
    return _hours(by_id, _attendance_by_session(by_id, attendance))


def _hours(by_id: Mapping[int, SessionRecord], present: Mapping[int, tuple[set[int], set[int]]]) -> dict[int, float]:
    hours: dict[int, float] = defaultdict(float)
    for session_id, (attended, _) in present.items():
        for user_id in attended:
            hours[user_id] += by_id[session_id].hours
    return {user_id: round(total, 2) for user_id, total in sorted(hours.items())}


@dataclass(frozen=True)
class AllTotals:
    """Everything a training report shows, from one pass over the attendance records."""

    total: Totals
    by_kind: dict[Hashable, Totals]
    by_mode: dict[Hashable, Totals]
    by_month: dict[Hashable, Totals]
    by_department: dict[int, Totals]
    hours: dict[int, float]


def all_totals(sessions: Iterable[SessionRecord], attendance: Iterable[AttendanceRecord],
               tree_children: TreeChildren) -> AllTotals:
    """The grand total, totals by kind, mode and month, by department with roll-up, and each
    person's credited hours: the same as `session_totals`, `department_totals` and
    `hours_per_person`, with who attended each session worked out once."""
    by_id = {session.id: session for session in sessions}
    present = _attendance_by_session(by_id, attendance)

    def totals(key) -> dict[Hashable, Totals]:
        groups = _grouped(by_id, present, key)
        return {value: groups[value].totals() for value in sorted(groups)}
    total = totals(lambda s: "*").get("*") or Totals(0, 0, 0, 0, 0, None, 0.0)
    return AllTotals(total=total, by_kind=totals(_session_key("kind")), by_mode=totals(_session_key("mode")),
                     by_month=totals(_session_key("month")),
                     by_department=_department_totals(by_id, present, tree_children), hours=_hours(by_id, present))


def below_threshold(
    hours_per_person: Mapping[int, float], people: Iterable[int], threshold: float
) -> list[tuple[int, float]]:
    """(person, hours) for each of `people` with fewer than `threshold` hours, including
    people with none (0.0); fewest hours first, then by id; each person once."""
    short = {
        user_id: hours
        for user_id in people
        if round(hours := hours_per_person.get(user_id, 0.0), 2) < round(threshold, 2)
    }
    return sorted(short.items(), key=lambda item: (item[1], item[0]))


def event_totals(events: Iterable[EventRecord], *, by: str) -> dict[Hashable, EventTotals]:
    """(events, audience) per kind, department (own only) or month, keys sorted."""
    if by not in EVENT_KEYS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {EVENT_KEYS}")
    attribute = "department_id" if by == "department" else by
    counts: dict[Hashable, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for event in events:
        key = getattr(event, attribute)
        done, audience = counts[key]
        counts[key] = (done + 1, audience + event.audience)
    return {key: EventTotals(*counts[key]) for key in sorted(counts)}


def _add_events(a: EventTotals, b: EventTotals) -> EventTotals:
    return EventTotals(a.events + b.events, a.audience + b.audience)


def event_department_totals(events: Iterable[EventRecord], tree_children: TreeChildren) -> dict[int, EventTotals]:
    """(events, audience) for every department in the tree, own plus all descendants',
    in display order."""
    own = event_totals(events, by="department")
    return roll_up(own, tree_children, EventTotals(0, 0), _add_events)


def responsibility_progress(planned: Mapping[int, int], events: Iterable[EventRecord]) -> dict[int, Progress]:
    """Per department with a plan or an event (keys sorted): planned count, events done
    and done / planned (None when nothing was planned)."""
    done = event_totals(events, by="department")
    departments = sorted(set(planned) | set(done))
    result = {}
    for dept in departments:
        target = planned.get(dept, 0)
        count = done[dept].events if dept in done else 0
        result[dept] = Progress(target, count, None if target == 0 else count / target)
    return result
