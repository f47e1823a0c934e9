"""Typed paper sign-in sheets (签到表) to a plan of attendance records.

Pure: it reads a table, the session's start, the people who may appear and the records
already stored, and returns a plan with every problem by row and column. The service
applies a clean plan in one transaction; a file with any problem changes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pandas as pd
from flask_babel import lazy_gettext as _l

from ...platform.tabular import RowError, TableError, header_key, map_columns

SIGNIN_COLUMNS = {
    "name": ["姓名", "name", "名字"],
    "login": ["账号", "login", "手机号", "account", "phone", "工号", "登录名"],
    "status": ["状态", "status", "签到情况", "出勤情况"],
    "time": ["签到时间", "time", "到达时间", "arrival"],
    "reason": ["备注", "reason", "请假原因", "原因", "note"],
    "department": ["部门", "department", "单位"],  # read past: the person's login or name decides
}
#: The words people write for each status. Blank means 出勤; "未记录" (what our export
#: writes for people without a record) leaves the person alone.
STATUS_WORDS = {
    "present": ["出勤", "签到", "已签到", "到", "已到", "present", "√", "✓"],
    "late": ["迟到", "late"],
    "leave": ["请假", "leave", "on leave"],
    "absent": ["缺勤", "未到", "缺席", "absent", "×"],
    "walk_in": ["现场加入", "步入", "walk-in", "walk_in"],
    "skip": ["未记录", "not recorded"],
}
#: Chinese labels for files we write, so export -> edit -> import round-trips.
STATUS_LABELS_ZH = {code: words[0] for code, words in STATUS_WORDS.items()}
CAME = ("present", "late", "walk_in")

_STATUS = {header_key(w): code for code, ws in STATUS_WORDS.items() for w in [code, *ws]}
_TIME_RE = re.compile(r"^(\d{1,2})[:：点时](\d{1,2})(?:[:：分](\d{1,2}))?秒?$")
_DATETIME_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*[T ]?\s*(.*)$")


def parse_status(text: str) -> str | None:
    return _STATUS.get(header_key(text))


@dataclass(frozen=True)
class Person:
    """Someone who may appear on the sheet: the expected people and the whole active roster."""

    id: int
    login: str
    name: str
    department_id: int
    is_active: bool = True


@dataclass
class SigninRow:
    row: int
    user_id: int
    name: str
    login: str
    status: str
    reason: str
    #: The arrival time written on the sheet, naive local time (the service converts to UTC).
    arrived_at: datetime | None
    expected: bool


@dataclass
class SigninPlan:
    creates: list[SigninRow] = field(default_factory=list)
    updates: list[tuple[SigninRow, str]] = field(default_factory=list)  # row, the status stored now
    unchanged: list[SigninRow] = field(default_factory=list)
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> list[SigninRow]:
        return [*self.creates, *(row for row, _old in self.updates), *self.unchanged]


def parse_arrival(text: str, day: date) -> datetime | None:
    """A time typed on the sheet ("9:05", "09:05:30", "9点05", "2026-03-08 09:05") on `day`.

    Raises ValueError for text that is not a time.
    """
    value = text.strip().replace("：", ":")
    full = _DATETIME_RE.match(value)
    if full:
        day = date(int(full.group(1)), int(full.group(2)), int(full.group(3)))
        value = full.group(4).strip() or "00:00"
    match = _TIME_RE.match(value)
    if not match:
        raise ValueError(value)
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    return datetime.combine(day, time(hour, minute, second))


def plan_signin(frame: pd.DataFrame, *, starts_at: datetime, expected: set[int], people: list[Person],
                existing: dict[int, tuple[str, str]]) -> SigninPlan:
    """Check every row of a sign-in sheet and say what importing it would do.

    `frame` comes from tabular.read_table; `starts_at` is the session's start in local time
    (times on the sheet are local, and arriving after the start with no status is 迟到);
    `expected` holds the ids of the people expected; `people` the expected people and the
    roster (a name is looked up among the expected first, then the roster, and must name
    one person); `existing` maps user ids to the (status, reason) stored now.
    A person not expected who came becomes a walk-in; leave needs a reason in 备注.
    """
    table, headers, extras = map_columns(frame, SIGNIN_COLUMNS)
    if "name" not in headers and "login" not in headers:
        raise TableError(_l("The sheet needs a column \"姓名\" or \"账号\" (or both) naming who signed. "
                            "The first row must hold the column headers."))
    plan = SigninPlan(extra_columns=extras)
    col = {key: headers.get(key, SIGNIN_COLUMNS[key][0]) for key in SIGNIN_COLUMNS}
    table = table.reindex(columns=list(SIGNIN_COLUMNS), fill_value="")
    by_login = {p.login: p for p in people}
    expected_by_name: dict[str, list[Person]] = {}
    roster_by_name: dict[str, list[Person]] = {}
    for person in people:
        if not person.is_active:
            continue
        roster_by_name.setdefault(_name_key(person.name), []).append(person)
        if person.id in expected:
            expected_by_name.setdefault(_name_key(person.name), []).append(person)
    seen: dict[int, int] = {}

    for rownum, cells in table.iterrows():
        errors: list[RowError] = []
        name, login = cells["name"], cells["login"].strip().lower()
        person = _find_person(rownum, name, login, col, by_login, expected_by_name, roster_by_name, errors)
        if person is not None:
            if person.id in seen:
                errors.append(RowError(rownum, col["login"] if login else col["name"], str(_l(
                    "%(name)s appears twice in the file (also row %(other)s); keep one row",
                    name=person.name, other=seen[person.id]))))
            else:
                seen[person.id] = rownum

        arrived_at = None
        if cells["time"]:
            try:
                arrived_at = parse_arrival(cells["time"], starts_at.date())
            except ValueError:
                errors.append(RowError(rownum, col["time"], str(_l(
                    "\"%(v)s\" is not a time; write it as 9:05 or leave the cell empty", v=cells["time"]))))

        status = "present"
        if cells["status"]:
            status = parse_status(cells["status"])
            if status is None:
                errors.append(RowError(rownum, col["status"], str(_l(
                    "unknown status \"%(v)s\"; write 出勤 (or 签到), 迟到, 请假 or 缺勤", v=cells["status"]))))
        elif arrived_at is not None and arrived_at > starts_at:
            status = "late"  # no status written, but the time says they came after the start

        reason = cells["reason"].strip()
        if status == "leave" and not reason:
            errors.append(RowError(rownum, col["reason"], str(_l(
                "请假 needs a reason; write it in the %(column)s column", column=col["reason"]))))
        if len(reason) > 200:
            errors.append(RowError(rownum, col["reason"], str(_l("a reason has at most 200 characters"))))

        is_expected = person is not None and person.id in expected
        if person is not None and status is not None and not is_expected:
            if status in CAME:
                status = "walk_in"
            elif status in ("leave", "absent"):
                errors.append(RowError(rownum, col["status"], str(_l(
                    "%(name)s is not expected at this session, so cannot be on leave or absent; "
                    "delete the row or add the person to the expected attendees first", name=person.name))))
        elif status == "walk_in" and is_expected:
            status = "present"  # expected people who came are present, never walk-ins

        if errors:
            plan.errors.extend(errors)
            continue
        if status == "skip":
            plan.skipped += 1
            continue
        entry = SigninRow(rownum, person.id, person.name, person.login, status,
                          reason, arrived_at, is_expected)
        old = existing.get(person.id)
        if old is None:
            plan.creates.append(entry)
        elif old != (status, reason) and not (old[0] == status and not reason):
            plan.updates.append((entry, old[0]))
        else:
            plan.unchanged.append(entry)
    return plan


def _name_key(name: str) -> str:
    # People type 张 三 or 张三 on paper; spaces inside a Chinese name never matter.
    return "".join(name.split())


def _find_person(rownum, name, login, col, by_login, expected_by_name, roster_by_name, errors):
    """The one person a row names (by login when given, else by name), or None with an error."""
    if login:
        person = by_login.get(login)
        if person is None:
            errors.append(RowError(rownum, col["login"], str(_l(
                "nobody has the login %(login)s; check it on the People page", login=login))))
            return None
        if not person.is_active:
            errors.append(RowError(rownum, col["login"], str(_l(
                "%(name)s (%(login)s) is no longer in post", name=person.name, login=login))))
            return None
        if name and _name_key(name) != _name_key(person.name):
            errors.append(RowError(rownum, col["name"], str(_l(
                "the login %(login)s belongs to %(other)s, not %(name)s; correct the name or the login",
                login=login, other=person.name, name=name))))
            return None
        return person
    if not name:
        errors.append(RowError(rownum, col["name"], str(_l("the name is empty; write the name or the login"))))
        return None
    key = _name_key(name)
    for candidates in (expected_by_name.get(key, []), roster_by_name.get(key, [])):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            errors.append(RowError(rownum, col["name"], str(_l(
                "%(n)s people are called %(name)s; add a %(column)s column with their login to say which",
                n=len(candidates), name=name, column=SIGNIN_COLUMNS["login"][0]))))
            return None
    errors.append(RowError(rownum, col["name"], str(_l(
        "nobody called %(name)s is on the roster; check the spelling or write the login", name=name))))
    return None


def signin_template_frame(people: list[tuple[str, str, str]]) -> pd.DataFrame:
    """A sheet to type a paper sign-in sheet into, one row per expected (name, login, department)."""
    return pd.DataFrame([{"姓名": name, "账号": login, "部门": department, "状态": "", "签到时间": "", "备注": ""}
                         for name, login, department in people],
                        columns=["姓名", "账号", "部门", "状态", "签到时间", "备注"])
