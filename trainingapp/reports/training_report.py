"""Training and outreach figures for a year or a date range, as plain data."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..accounts.tree import DepartmentTree
from ..platform.clock import to_local, to_utc
from ..platform.extensions import db
from ..training.figures import (
    AttendanceRecord,
    EventRecord,
    SessionRecord,
    Totals,
    all_totals,
    below_threshold,
    event_department_totals,
    event_totals,
    responsibility_progress,
)
from ..training.outreach.models import OutreachEvent, ResponsibilityItem
from ..training.sessions.models import Attendance, TrainingSession
from . import queries

ATTENDED = ("present", "late", "walk_in")


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the platform's time zone, as naive UTC."""
    return to_utc(datetime.combine(start, time())), to_utc(datetime.combine(end + timedelta(days=1), time()))


@dataclass(frozen=True)
class TrainingReport:
    """The figures of a period, read by `build` in one go and not changed afterwards."""

    start: date
    end: date
    sessions: list[TrainingSession]
    total: Totals
    by_kind: dict[str, Totals]
    by_mode: dict[str, Totals]
    by_month: dict[int, Totals]
    by_department: dict[int, Totals]
    events_total: tuple[int, int]
    events_by_kind: dict[str, tuple[int, int]]
    events_by_department: dict[int, tuple[int, int]]
    responsibilities: dict[int, tuple[int, int, float | None]]
    hours: dict[int, float]
    below: list[tuple[int, float]] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    department_rows: list[tuple[int, int]] = field(default_factory=list)
    #: session id -> (attendances (人次), people (人数)) among those present, late or walked in.
    session_counts: dict[int, tuple[int, int]] = field(default_factory=dict)


def _session_records(sessions, scope) -> tuple[list[SessionRecord], list[AttendanceRecord]]:
    ids = [s.id for s in sessions]
    attendance = []
    for start in range(0, len(ids), 2000):
        attendance += [AttendanceRecord(sid, uid, status) for sid, uid, status in db.session.execute(
            select(Attendance.session_id, Attendance.user_id, Attendance.status)
            .where(Attendance.session_id.in_(ids[start:start + 2000])))]
    expected = {}
    for record in attendance:
        if record.status != "walk_in":
            expected[record.session_id] = expected.get(record.session_id, 0) + 1
    records = [SessionRecord(s.id, s.kind, s.mode,
                             to_local(s.starts_at).month,
                             s.department_id, float(s.hours or 0), expected.get(s.id, 0)) for s in sessions]
    return records, attendance


def build(start: date, end: date, *, scope: set[int] | None = None, root_id: int | None = None,
          threshold: float = 0, tree: DepartmentTree | None = None) -> TrainingReport:
    """Sessions (场次), 人次 and 人数 by kind, mode, month and department; outreach events and
    惠及人次; responsibility progress; credited hours per person (below `threshold` listed).

    Expected attendees are the people a session listed (attendance records other than
    walk-ins), so the attendance rate counts present and late among them. `tree` is read
    here unless the caller has it already.
    """
    low, high = utc_bounds(start, end)
    query = select(TrainingSession).where(TrainingSession.starts_at >= low, TrainingSession.starts_at < high)
    events_query = select(OutreachEvent).where(OutreachEvent.held_on >= start, OutreachEvent.held_on <= end)
    if scope is not None:
        query = query.where(TrainingSession.department_id.in_(scope))
        events_query = events_query.where(OutreachEvent.department_id.in_(scope))
    sessions = db.session.scalars(query.order_by(TrainingSession.starts_at)).all()
    records, attendance = _session_records(sessions, scope)
    events = [EventRecord(e.id, e.kind, e.held_on.month, e.department_id, e.audience)
              for e in db.session.scalars(events_query)]
    if tree is None:
        tree = queries.department_tree()
    shown = tree.below(root_id)
    figures = all_totals(records, attendance, shown.children)
    planned: dict[int, int] = {}
    for item in db.session.scalars(select(ResponsibilityItem).where(ResponsibilityItem.year == start.year)):
        if scope is None or item.department_id in scope:
            planned[item.department_id] = planned.get(item.department_id, 0) + item.planned_events
    hours = figures.hours
    people_query = select(User.id).where(User.status == "active")
    if scope is not None:
        people_query = people_query.where(User.department_id.in_(scope))
    rows = [(dept_id, depth) for dept_id, depth in shown.walk() if scope is None or dept_id in scope]
    return TrainingReport(
        start=start, end=end, sessions=sessions, total=figures.total,
        by_kind=figures.by_kind, by_mode=figures.by_mode, by_month=figures.by_month,
        by_department=figures.by_department,
        events_total=(len(events), sum(e.audience for e in events)),
        events_by_kind=event_totals(events, by="kind"),
        events_by_department=event_department_totals(events, shown.children),
        responsibilities=responsibility_progress(planned, events), hours=hours,
        below=below_threshold(hours, db.session.scalars(people_query), threshold) if threshold else [],
        names=tree.names, department_rows=rows, session_counts=_session_counts(attendance))


def _session_counts(attendance: list[AttendanceRecord]) -> dict[int, tuple[int, int]]:
    attended: dict[int, list[int]] = {}
    for record in attendance:
        if record.status in ATTENDED:
            attended.setdefault(record.session_id, []).append(record.user_id)
    return {session_id: (len(people), len(set(people))) for session_id, people in attended.items()}
