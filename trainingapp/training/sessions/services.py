"""Use cases of training sessions and attendance: one public function per action, one commit each."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
from flask import current_app
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ...accounts import audit
from ...accounts.audience import Audience, display_order
from ...accounts.models import User
from ...accounts.permissions import department_tree, managed_department_ids
from ...platform.clock import now
from ...platform.errors import DomainError
from ...platform.extensions import db
from ..figures import AttendanceRecord, SessionRecord, Totals, session_totals
from . import checkin
from .models import ATTENDANCE_STATUSES, Attendance, CheckinFailure, TrainingSession
from .signin_sheet import Person, SigninPlan, plan_signin

# --- who may do what --------------------------------------------------------------------------

def can_manage(user, session: TrainingSession) -> bool:
    """Admins manage every session; trainers the sessions they created or give."""
    if user.role == "admin":
        return True
    return user.role == "trainer" and user.id in (session.created_by_id, session.trainer_id)


def can_view(user, session: TrainingSession) -> bool:
    """Admins and trainers see every session; liaisons those organised in their subtree."""
    if user.role in ("admin", "trainer"):
        return True
    if user.role == "liaison":
        return session.department_id in managed_department_ids(user)
    return False


def visible_sessions_query(user):
    """Sessions the person may see, newest first."""
    query = select(TrainingSession).order_by(TrainingSession.starts_at.desc())
    if user.role == "liaison":
        query = query.where(TrainingSession.department_id.in_(managed_department_ids(user)))
    elif user.role not in ("admin", "trainer"):
        query = query.where(False)
    return query


# --- sessions ---------------------------------------------------------------------------------

FIELDS = ("title", "kind", "department_id", "trainer_id", "trainer_name", "starts_at", "ends_at", "place", "mode",
          "hours", "rotate_codes", "course_id")


def save_session(actor, session: TrainingSession | None, fields: dict) -> TrainingSession:
    """Create (session None) or update a session; it ends after it starts and has a trainer."""
    if fields["ends_at"] <= fields["starts_at"]:
        raise DomainError(_l("The session must end after it starts; correct the end time."))
    if not fields.get("trainer_id") and not (fields.get("trainer_name") or "").strip():
        raise DomainError(_l("Choose a trainer from the list or type the name of an outside lecturer."))
    if session is None:
        session = TrainingSession(created_by_id=actor.id, audience=[], expected_added=[])
        db.session.add(session)
    for key in FIELDS:
        if key in fields:
            setattr(session, key, fields[key])
    session.trainer_name = "" if session.trainer_id else (session.trainer_name or "").strip()
    db.session.commit()
    return session


def delete_session(actor, session: TrainingSession) -> None:
    """Delete a session and its attendance records."""
    audit.record("session.delete", actor=actor, subject=session.title, session_id=session.id,
                 records=len(session.attendance))
    db.session.delete(session)
    db.session.commit()


def expected_audience(session: TrainingSession) -> Audience:
    """Who is expected: department subtrees × staff categories, plus individual people."""
    return Audience.from_json(session.audience, session.expected_added)


def set_expected(session: TrainingSession, audience: Audience) -> None:
    if audience.removed:
        raise ValueError("a session keeps no people removed from its audience")
    session.audience, session.expected_added = audience.groups_json(), audience.added_json()
    db.session.commit()


def expected_people(session: TrainingSession) -> list[User]:
    """The active people the session expects, in the tree's order of departments then by name."""
    return expected_audience(session).people()


def expected_ids(session: TrainingSession) -> set[int]:
    return set(db.session.scalars(expected_audience(session).ids()))


def expected_count(session: TrainingSession) -> int:
    return expected_audience(session).count()


def is_expected(person, session: TrainingSession) -> bool:
    return expected_audience(session).includes(person)


def records_by_user(session: TrainingSession) -> dict[int, Attendance]:
    return {record.user_id: record for record in db.session.scalars(
        select(Attendance).where(Attendance.session_id == session.id))}


# --- figures (人次 and 人数) -----------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    expected: int
    totals: Totals
    by_status: dict[str, int]


def _session_record(session: TrainingSession, expected: int, *, key: str | None = None) -> SessionRecord:
    local = to_local(session.starts_at)
    return SessionRecord(session.id, key or session.kind, session.mode, local.month, session.department_id,
                         float(session.hours or 0), expected)


def _attendance_records(session_ids) -> list[AttendanceRecord]:
    if not session_ids:
        return []
    return [AttendanceRecord(sid, uid, status) for sid, uid, status in db.session.execute(
        select(Attendance.session_id, Attendance.user_id, Attendance.status)
        .where(Attendance.session_id.in_(session_ids))).all()]


def figures(sessions: list[TrainingSession], expected: dict[int, int]) -> tuple[dict[int, Totals], Totals]:
    """人次/人数 per session and over all of them (people distinct across the sessions)."""
    attendance = _attendance_records([s.id for s in sessions])
    per_session = {}
    for session in sessions:
        record = _session_record(session, expected.get(session.id, 0))
        per_session[session.id] = session_totals([record], attendance, by="kind")[session.kind]
    # One group holding every session: training_figures counts its people once however many
    # sessions they attended.
    everything = [_session_record(s, expected.get(s.id, 0), key="*") for s in sessions]
    total = session_totals(everything, attendance, by="kind").get("*") or Totals(0, 0, 0, 0, 0, None, 0.0)
    return per_session, total


def session_figures(session: TrainingSession, expected: int) -> Figures:
    per_session, _total = figures([session], {session.id: expected})
    counts = dict.fromkeys(ATTENDANCE_STATUSES, 0)
    for record in session.attendance:
        counts[record.status] += 1
    return Figures(expected, per_session[session.id], counts)


# --- marking attendance -----------------------------------------------------------------------

def _put(session: TrainingSession, person_id: int, current: Attendance | None, *, status: str, reason: str,
         source: str, actor_id: int | None, checked_in_at=None) -> Attendance:
    if current is None:
        current = Attendance(session_id=session.id, user_id=person_id, checked_in_at=checked_in_at)
        db.session.add(current)
    elif checked_in_at is not None:
        current.checked_in_at = checked_in_at
    current.status, current.leave_reason = status, reason if status == "leave" else ""
    current.source, current.recorded_by_id, current.recorded_at = source, actor_id, now()
    return current


def mark_attendance(actor, session: TrainingSession, marks: dict[int, tuple[str, str]]) -> int:
    """Store the statuses chosen on the roster page ({user id: (status or "", reason)}) at once.

    "" removes a record. Expected people are present, late, on leave or absent; anyone else
    who came is a walk-in. Leave needs a reason. Any problem stores nothing. Returns the
    number of records changed.
    """
    expected = expected_ids(session)
    current = records_by_user(session)
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(list(marks)))).all())
    problems = []
    for person_id, (status, reason) in marks.items():
        name = names.get(person_id)
        if name is None:
            problems.append(_l("Person #%(id)s does not exist.", id=person_id))
        elif status and status not in ATTENDANCE_STATUSES:
            problems.append(_l("%(name)s: choose a status from the list.", name=name))
        elif status == "leave" and not reason.strip():
            problems.append(_l("%(name)s is on leave: type the reason in the box next to the status.", name=name))
        elif status == "walk_in" and person_id in expected:
            problems.append(_l("%(name)s is expected: choose present or late instead of walk-in.", name=name))
        elif status in ("present", "late", "leave", "absent") and person_id not in expected:
            problems.append(_l("%(name)s is not expected at this session: choose walk-in, or add the person to "
                               "the expected attendees first.", name=name))
        elif len(reason) > 200:
            problems.append(_l("%(name)s: a reason has at most 200 characters.", name=name))
    if problems:
        raise DomainError(" ".join(str(p) for p in problems))
    changed = 0
    for person_id, (status, reason) in marks.items():
        record = current.get(person_id)
        reason = reason.strip() if status == "leave" else ""
        if not status:
            if record is not None:
                db.session.delete(record)
                changed += 1
            continue
        if record is not None and (record.status, record.leave_reason) == (status, reason):
            continue
        _put(session, person_id, record, status=status, reason=reason, source="manual", actor_id=actor.id)
        changed += 1
    db.session.commit()
    return changed


def mark_all_present(actor, session: TrainingSession) -> int:
    """Every expected person without a record becomes present; records already made stay."""
    current = records_by_user(session)
    added = 0
    for person in expected_people(session):
        if person.id not in current:
            _put(session, person.id, None, status="present", reason="", source="manual", actor_id=actor.id)
            added += 1
    db.session.commit()
    return added


def add_walk_in(actor, session: TrainingSession, login: str) -> tuple[User, str]:
    """Record someone by login: present when expected, otherwise a walk-in; returns (person, status)."""
    login = (login or "").strip().lower()
    person = db.session.scalar(select(User).where(User.login == login)) if login else None
    if person is None:
        raise DomainError(_l("Nobody has the login \"%(login)s\"; check it on the People page.", login=login))
    if not person.is_active:
        raise DomainError(_l("%(name)s is no longer in post.", name=person.name))
    record = records_by_user(session).get(person.id)
    if record is not None and record.status in ("present", "late", "walk_in"):
        raise DomainError(_l("%(name)s is already recorded as %(status)s.", name=person.name,
                             status=record.status_label))
    status = "present" if is_expected(person, session) else "walk_in"
    _put(session, person.id, record, status=status, reason="", source="manual", actor_id=actor.id)
    db.session.commit()
    return person, status


# --- self check-in ------------------------------------------------------------------------------

def window(session: TrainingSession) -> checkin.Window:
    return checkin.checkin_window(session.starts_at, session.ends_at)


def current_code(session: TrainingSession, moment: datetime | None = None) -> str:
    """The code the projector shows now."""
    return checkin.code_at(session.checkin_secret, moment or now(), rotate_seconds=session.rotate_seconds)


def _wrong_codes_before_lock() -> int:
    return max(1, int(current_app.config["CHECKIN_WRONG_CODES_BEFORE_LOCK"]))


def locked_session_ids(user, session_ids: Iterable[int]) -> set[int]:
    """Of these sessions, those whose self check-in is locked for this person."""
    ids = list(session_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(CheckinFailure.session_id).where(
        CheckinFailure.user_id == user.id, CheckinFailure.session_id.in_(ids), CheckinFailure.locked_at.is_not(None))))


def _count_wrong_code(user, sessions: list[TrainingSession], moment: datetime, *,
                      lock_now: bool = False) -> list[TrainingSession]:
    """Add a wrong code to the person's count at each session, one upsert each (parallel tries are
    all counted); lock the ones that reach the limit (every one with `lock_now`). Returns the
    sessions locked by this code."""
    limit = 1 if lock_now else _wrong_codes_before_lock()
    table = CheckinFailure.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    counted = table.c.wrong_codes + 1
    newly_locked = []
    for session in sessions:
        statement = insert.values(session_id=session.id, user_id=user.id, wrong_codes=1, last_wrong_at=moment,
                                  locked_at=moment if limit <= 1 else None).on_conflict_do_update(
            index_elements=[table.c.session_id, table.c.user_id],
            set_={"wrong_codes": counted, "last_wrong_at": moment,
                  "locked_at": case((table.c.locked_at.is_(None) & (counted >= limit), moment),
                                    else_=table.c.locked_at)},
        ).returning(table.c.wrong_codes, table.c.locked_at)
        wrong_codes, locked_at = db.session.execute(statement).one()
        if locked_at == moment and wrong_codes >= limit:
            newly_locked.append(session)
            audit.record("checkin.lockout", actor=user, subject=f"session:{session.id}", wrong_codes=wrong_codes)
    return newly_locked


def self_check_in(user, session: TrainingSession, code, *, free_tries: bool = True) -> checkin.Decision:
    """One check-in attempt with a typed or scanned code; harmless to repeat.

    A record the staff made in advance (on leave, absent) is replaced when the person turns up.
    A wrong code is counted for this person and session (in the database: signing out and in
    changes nothing); at CHECKIN_WRONG_CODES_BEFORE_LOCK their self check-in to the session is
    locked, and refused whatever the code, until a trainer unlocks it or marks them by hand.
    Without `free_tries` (the address typed too many wrong codes) one wrong code locks at once;
    a right code is always taken, so a hall behind one address checks in while someone guesses.
    """
    moment = now()
    record = records_by_user(session).get(user.id)
    already = record.status if record is not None and record.status in ("present", "late", "walk_in") else None
    locked = already is None and bool(locked_session_ids(user, [session.id]))
    code_ok = not locked and checkin.verify_code(session.checkin_secret, code, moment,
                                                 rotate_seconds=session.rotate_seconds, window=window(session))
    decision = checkin.checkin_decision(moment, window(session), code_ok, already,
                                        is_expected(user, session), starts_at=session.starts_at, locked=locked)
    if decision.outcome == "wrong_code":
        if _count_wrong_code(user, [session], moment, lock_now=not free_tries):
            decision = checkin.Decision("locked", None, "checkin.locked")
        db.session.commit()
        return decision
    if decision.outcome != "ok":
        return decision
    _put(session, user.id, record, status=decision.status, reason="", source="self", actor_id=user.id,
         checked_in_at=moment)
    try:
        db.session.commit()
    except IntegrityError:
        # The same person on two devices at once: the other request stored it first.
        db.session.rollback()
        stored = records_by_user(session).get(user.id)
        return checkin.Decision("already", stored.status if stored else decision.status, "checkin.already")
    return decision


def count_unmatched_code(user, moment: datetime | None = None, *, free_tries: bool = True) -> list[TrainingSession]:
    """A code typed on the check-in page that matched no session counts as a wrong code at every
    session whose check-in is open now (it was a guess at all of them); without `free_tries` it
    locks them at once. Returns the sessions it locked, after committing."""
    moment = moment or now()
    open_now = [s for s in _candidate_sessions(moment) if checkin.in_window(moment, window(s))]
    unlocked = [s for s in open_now if s.id not in locked_session_ids(user, [s.id for s in open_now])]
    locked = _count_wrong_code(user, unlocked, moment, lock_now=not free_tries)
    db.session.commit()
    return locked


def checkin_locks(session: TrainingSession) -> list[CheckinFailure]:
    """The people whose self check-in to this session is locked, first locked first."""
    return list(db.session.scalars(select(CheckinFailure).where(
        CheckinFailure.session_id == session.id, CheckinFailure.locked_at.is_not(None))
        .order_by(CheckinFailure.locked_at)))


def unlock_checkin(actor, session: TrainingSession, person_id: int) -> User:
    """Let the person check in by themselves again (their wrong codes are forgotten)."""
    lock = db.session.scalar(select(CheckinFailure).where(CheckinFailure.session_id == session.id,
                                                          CheckinFailure.user_id == person_id))
    if lock is None:
        raise DomainError(_l("This person's check-in is not locked."))
    person = lock.user
    db.session.delete(lock)
    audit.record("checkin.unlock", actor=actor, subject=person.login, session=session.id)
    db.session.commit()
    return person


def _local_day_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The local calendar day around `moment`, as naive UTC (start, end)."""
    local_day = to_local(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return to_utc(local_day), to_utc(local_day + timedelta(days=1))


def _candidate_sessions(moment: datetime) -> list[TrainingSession]:
    """Today's sessions and any whose window is open."""
    start, end = _local_day_bounds(moment)
    return list(db.session.scalars(select(TrainingSession).where(
        TrainingSession.starts_at >= min(start, moment - timedelta(minutes=30)),
        TrainingSession.starts_at <= max(end, moment + timedelta(minutes=30)))))


def session_for_code(code, moment: datetime | None = None, *, user=None) -> TrainingSession | None:
    """The session a typed code belongs to: among today's sessions (and any whose window is
    open), the one whose code it is, open windows first; None when the code matches none.
    Sessions whose self check-in is locked for `user` are never tried, so a locked person
    learns nothing about their codes."""
    moment = moment or now()
    candidates = _candidate_sessions(moment)
    if user is not None:
        locked = locked_session_ids(user, [s.id for s in candidates])
        candidates = [s for s in candidates if s.id not in locked]
    # Without a window here: a right code outside the window gets "too early" or "closed" from
    # self_check_in rather than a misleading "wrong code".
    matches = [s for s in candidates
               if checkin.verify_code(s.checkin_secret, code, moment, rotate_seconds=s.rotate_seconds, window=None)]
    matches.sort(key=lambda s: (not checkin.in_window(moment, window(s)), s.starts_at))
    return matches[0] if matches else None


def sessions_of_day(moment: datetime | None = None) -> list[TrainingSession]:
    """Every session starting on the local calendar day of `moment`, by start time, in one statement."""
    start, end = _local_day_bounds(moment or now())
    return list(db.session.scalars(select(TrainingSession).where(
        TrainingSession.starts_at >= start, TrainingSession.starts_at < end).order_by(TrainingSession.starts_at)))


def todays_sessions(user, moment: datetime | None = None) -> list[TrainingSession]:
    """Today's sessions (local calendar day) the person is expected at, by start time."""
    return [s for s in sessions_of_day(moment) if is_expected(user, s)]


def todays_sessions_managed_by(user, moment: datetime | None = None) -> list[TrainingSession]:
    """Today's sessions (local calendar day) this trainer or admin manages (`can_manage`), by start time."""
    return [s for s in sessions_of_day(moment) if can_manage(user, s)]


# --- sign-in sheets ---------------------------------------------------------------------------

def _roster_people(session: TrainingSession) -> tuple[list[Person], set[int]]:
    expected = expected_ids(session)
    people = [Person(uid, login, name, dept, status == "active") for uid, login, name, dept, status in
              db.session.execute(select(User.id, User.login, User.name, User.department_id, User.status)).all()]
    return people, expected


def preview_signin(session: TrainingSession, frame: pd.DataFrame) -> SigninPlan:
    """What importing the sheet would do (raises TableError for a whole-file problem)."""
    people, expected = _roster_people(session)
    existing = {r.user_id: (r.status, r.leave_reason) for r in records_by_user(session).values()}
    return plan_signin(frame, starts_at=to_local(session.starts_at), expected=expected, people=people,
                       existing=existing)


def import_signin(actor, session: TrainingSession, frame: pd.DataFrame, *, filename: str) -> SigninPlan:
    """Apply a clean sign-in sheet in one transaction; a sheet with any problem changes nothing."""
    plan = preview_signin(session, frame)
    if not plan.ok:
        return plan
    current = records_by_user(session)
    for entry in [*plan.creates, *(row for row, _old in plan.updates)]:
        arrived = to_utc(entry.arrived_at) if entry.arrived_at else None
        _put(session, entry.user_id, current.get(entry.user_id), status=entry.status, reason=entry.reason,
             source="import", actor_id=actor.id, checked_in_at=arrived)
    audit.record("attendance.import", actor=actor, subject=filename, session_id=session.id,
                 created=len(plan.creates), updated=len(plan.updates), unchanged=len(plan.unchanged))
    db.session.commit()
    return plan


# --- exports ----------------------------------------------------------------------------------

def attendance_frame(session: TrainingSession) -> pd.DataFrame:
    """Everyone expected or recorded, with their status; columns the sign-in import reads back."""
    from .signin_sheet import STATUS_LABELS_ZH
    tree = department_tree()
    records = records_by_user(session)
    people = {p.id: p for p in expected_people(session)}
    for record in records.values():
        people.setdefault(record.user_id, record.user)
    rows = []
    for person in sorted(people.values(), key=display_order(tree)):
        record = records.get(person.id)
        rows.append({
            "姓名": person.name, "账号": person.login, "部门": tree.path(person.department_id),
            "状态": STATUS_LABELS_ZH[record.status] if record else STATUS_LABELS_ZH["skip"],
            "签到时间": to_local(record.checked_in_at).strftime("%Y-%m-%d %H:%M") if record and record.checked_in_at
            else "",
            "备注": record.leave_reason if record else "",
            "来源": str(record.source_label) if record else "",
        })
    return pd.DataFrame(rows, columns=["姓名", "账号", "部门", "状态", "签到时间", "备注", "来源"])


# --- time zones -------------------------------------------------------------------------------

def _zone() -> ZoneInfo:
    # flask-babel hands out a pytz zone; replace(tzinfo=pytz zone) would use its first historical
    # offset (LMT, +08:06 for Shanghai), so convert through zoneinfo.
    return ZoneInfo(str(get_timezone()))


def to_utc(local: datetime | None) -> datetime | None:
    """A time in the platform's time zone as naive UTC for storage."""
    if local is None:
        return None
    return local.replace(tzinfo=_zone()).astimezone(timezone.utc).replace(tzinfo=None)


def to_local(utc: datetime | None) -> datetime | None:
    """A stored naive UTC time in the platform's time zone (naive)."""
    if utc is None:
        return None
    return utc.replace(tzinfo=timezone.utc).astimezone(_zone()).replace(tzinfo=None)
