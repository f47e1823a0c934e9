"""Roster files (HR's Excel sheets of staff) to a plan of people to create and update.

Pure: it reads a table and a snapshot of the database and returns a plan with every
problem by row and column. The service applies a clean plan in one transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from flask_babel import lazy_gettext as _l

from ..platform.tabular import RowError, header_key, read_columns
from .emails import normalise_email
from .passwords import password_problems
from .tree import DepartmentTree

ROSTER_COLUMNS = {
    "name": ["姓名", "name", "名字"],
    "login": ["账号", "手机号", "login", "phone", "登录名", "工号", "手机号码", "account"],
    "department": ["部门", "department", "单位", "所在部门", "所在单位"],
    "category": ["人员类别", "category", "类别"],
    "post": ["职务", "post", "职级", "职务职级", "title"],
    "email": ["邮箱", "email", "电子邮箱", "e-mail", "电子邮件", "邮件地址"],
    "role": ["角色", "role"],
    "password": ["初始密码", "password", "密码"],
    "status": ["状态", "status"],
}
REQUIRED = ["name", "login", "department", "category"]

#: The words people write for each code, compared by header_key (case and spaces ignored).
CATEGORY_WORDS = {
    "staff": ["在编", "在编干部", "在编人员", "staff", "on the establishment", "公务员", "事业编"],
    "contract": ["编外", "编外人员", "contract", "off the establishment", "合同制"],
    "auxiliary": ["执法辅助人员", "辅助人员", "协管员", "auxiliary", "auxiliary enforcement staff"],
    "village": ["村(社区)干部", "村干部", "社区干部", "村（社区）干部", "village", "village (community) cadre"],
    "legal_literate": ["法律明白人", "legal_literate", "legally literate person"],
    "other": ["其他", "other"],
}
ROLE_WORDS = {
    "cadre": ["学员", "cadre", "干部"],
    "trainer": ["培训讲师", "讲师", "trainer"],
    "liaison": ["法治联络员", "联络员", "liaison"],
    "admin": ["管理员", "admin", "administrator"],
}
STATUS_WORDS = {
    "active": ["在岗", "在职", "正常", "active", "in post"],
    "transferred": ["调离", "transferred"],
    "retired": ["退休", "retired"],
    "disabled": ["停用", "禁用", "disabled"],
}
#: Chinese labels used in files we write, so export -> edit -> import round-trips.
CATEGORY_LABELS_ZH = {code: words[0] for code, words in CATEGORY_WORDS.items()}
ROLE_LABELS_ZH = {code: words[0] for code, words in ROLE_WORDS.items()}
STATUS_LABELS_ZH = {code: words[0] for code, words in STATUS_WORDS.items()}

_LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9_.@-]{1,63}$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def _lookup(words: dict[str, list[str]]) -> dict[str, str]:
    return {header_key(w): code for code, ws in words.items() for w in [code, *ws]}


_CATEGORY = _lookup(CATEGORY_WORDS)
_ROLE = _lookup(ROLE_WORDS)
_STATUS = _lookup(STATUS_WORDS)


@lru_cache(maxsize=512)
def parse_category(text: str) -> str | None:
    return _CATEGORY.get(header_key(text))


@lru_cache(maxsize=512)
def parse_role(text: str) -> str | None:
    return _ROLE.get(header_key(text))


@lru_cache(maxsize=512)
def parse_status(text: str) -> str | None:
    return _STATUS.get(header_key(text))


def normalise_login(text: str) -> tuple[str, str | None]:
    """The login as stored (lower case, phone numbers without spaces or dashes), and a problem."""
    value = text.strip().lower()
    if re.fullmatch(r"[\d\s-]+", value):
        value = re.sub(r"[\s-]", "", value)
    if not value:
        return value, str(_l("the login is empty"))
    if re.fullmatch(r"\d+(\.\d+)?e\+?\d+", value):
        return value, str(_l("Excel turned this number into scientific notation (%(v)s); format the "
                              "column as text and type the number again", v=text))
    if value.isdigit() and value.startswith("1") and len(value) in (10, 12):
        return value, str(_l("looks like a mobile number with %(n)s digits; mobile numbers have 11",
                              n=len(value)))
    if value.isdigit() and len(value) == 11 and not _MOBILE_RE.match(value):
        return value, str(_l("looks like a mistyped mobile number (it should start with 13-19)"))
    if not _LOGIN_RE.match(value):
        return value, str(_l("a login is 2-64 letters, digits or . _ @ - (a mobile or staff number); "
                              "got \"%(v)s\"", v=text))
    return value, None


@dataclass(frozen=True)
class ExistingPerson:
    id: int
    login: str
    name: str
    department_id: int
    category: str
    post: str
    role: str
    status: str
    email: str | None = None


@dataclass
class RosterRow:
    row: int
    login: str
    name: str
    department_id: int
    category: str
    post: str
    role: str
    status: str
    password: str | None  # None: generate one (new people only)
    email: str | None = None  # None: none given (an existing person keeps theirs)


@dataclass
class RosterPlan:
    creates: list[RosterRow] = field(default_factory=list)
    updates: list[tuple[RosterRow, dict]] = field(default_factory=list)  # row, {field: (old, new)}
    unchanged: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    passwords_ignored: int = 0
    #: The spreadsheet row the column headers were read from.
    header_row: int = 1
    #: What the person should know though nothing is wrong: departments matched ignoring
    #: full-/half-width forms, pictures that are not imported.
    notes: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _choice(value, parse, words, column, errors, rownum):
    code = parse(value)
    if code is None:
        accepted = "、".join(ws[0] for ws in words.values())
        errors.append(RowError(rownum, column, str(_l("unknown value \"%(v)s\"; expected one of: %(a)s",
                                                      v=value, a=accepted))))
    return code


def plan_roster(frame: pd.DataFrame, tree: DepartmentTree, existing: dict[str, ExistingPerson], *,
                scope: set[int] | None = None, may_assign_roles: bool = True,
                actor_login: str | None = None) -> RosterPlan:
    """Check every row of a roster table and say what importing it would do.

    `frame` comes from tabular.read_table; `existing` maps logins to people already stored;
    `scope` limits the departments the importer may touch (a liaison's subtree; None = all);
    without `may_assign_roles` only cadres can be created or changed.
    """
    columns = read_columns(frame, ROSTER_COLUMNS, REQUIRED)
    table, headers = columns.frame, columns.headers
    plan = RosterPlan(extra_columns=columns.extras, header_row=columns.header_row)
    col = {key: headers.get(key, ROSTER_COLUMNS[key][0]) for key in ROSTER_COLUMNS}
    table = table.reindex(columns=list(ROSTER_COLUMNS), fill_value="")
    seen: dict[str, int] = {}
    # a file names the same departments over and over
    resolved: dict[str, tuple[int | None, str | None, bool]] = {}
    loose: dict[str, list[int]] = {}  # department text matched ignoring widths -> its rows
    keys = list(table.columns)
    # zip over plain column lists: iterrows builds a Series per row, 50,000 times
    for rownum, *values in zip(table.index, *(table[key].tolist() for key in keys)):
        get = dict(zip(keys, values)).__getitem__
        if rownum in columns.cell_errors:  # a formula without a value: the cells read are not the file's
            plan.errors.extend(columns.cell_errors[rownum])
            continue
        errors: list[RowError] = []

        login, problem = normalise_login(get("login"))
        if problem:
            errors.append(RowError(rownum, col["login"], problem))
        elif login in seen:
            errors.append(RowError(rownum, col["login"], str(_l(
                "login %(login)s appears twice in the file (also row %(other)s)",
                login=login, other=seen[login]))))
        else:
            seen[login] = rownum
        person = existing.get(login)

        name = get("name")
        if not name:
            errors.append(RowError(rownum, col["name"], str(_l("the name is empty"))))
        elif len(name) > 64:
            errors.append(RowError(rownum, col["name"], str(_l("a name has at most 64 characters"))))

        department_id = None
        if not get("department"):
            errors.append(RowError(rownum, col["department"], str(_l("the department is empty"))))
        else:
            if get("department") not in resolved:
                resolved[get("department")] = tree.resolve_loosely(get("department"))
            department_id, reason, loosely = resolved[get("department")]
            if loosely:
                loose.setdefault(get("department"), []).append(rownum)
            if reason == "unknown":
                errors.append(RowError(rownum, col["department"], str(_l(
                    "unknown department \"%(d)s\"; create it first or write its full path "
                    "such as 共和镇/司法所", d=get("department")))))
            elif reason == "ambiguous":
                errors.append(RowError(rownum, col["department"], str(_l(
                    "several departments are called \"%(d)s\"; write the full path such as "
                    "共和镇/司法所", d=get("department")))))
            elif scope is not None and department_id not in scope:
                errors.append(RowError(rownum, col["department"], str(_l(
                    "\"%(d)s\" is outside the departments you manage", d=get("department")))))

        category = None
        if not get("category"):
            errors.append(RowError(rownum, col["category"], str(_l("the staff category is empty"))))
        else:
            category = _choice(get("category"), parse_category, CATEGORY_WORDS, col["category"],
                               errors, rownum)

        role = None
        if get("role"):
            role = _choice(get("role"), parse_role, ROLE_WORDS, col["role"], errors, rownum)
            if role and role != "cadre" and not may_assign_roles:
                errors.append(RowError(rownum, col["role"], str(_l(
                    "only an administrator can give the role \"%(r)s\"", r=get("role")))))
        status = None
        if get("status"):
            status = _choice(get("status"), parse_status, STATUS_WORDS, col["status"], errors, rownum)

        post = get("post")
        if len(post) > 100:
            errors.append(RowError(rownum, col["post"], str(_l("a post has at most 100 characters"))))

        email, problem = normalise_email(get("email"))
        if problem:
            errors.append(RowError(rownum, col["email"], problem))

        password = get("password") or None
        if person is not None:
            if password:
                plan.passwords_ignored += 1
                password = None
            if scope is not None and (person.department_id not in scope or person.role not in ("cadre", "liaison")):
                errors.append(RowError(rownum, col["login"], str(_l(
                    "%(login)s belongs to a person you do not manage", login=login))))
            if actor_login and login == actor_login and ((role and role != person.role) or
                                                         (status and status != person.status)):
                errors.append(RowError(rownum, col["login"], str(_l(
                    "you cannot change your own role or status by import"))))
        elif password:
            for problem in password_problems(password, login, name):
                errors.append(RowError(rownum, col["password"], str(_l(
                    "the initial password %(problem)s", problem=problem))))

        if errors:
            plan.errors.extend(errors)
            continue
        entry = RosterRow(rownum, login, name, department_id, category, post,
                          role or (person.role if person else "cadre"),
                          status or (person.status if person else "active"), password, email)
        if person is None:
            plan.creates.append(entry)
            continue
        changes = {}
        for attr in ("name", "department_id", "category", "role", "status"):
            if getattr(person, attr) != getattr(entry, attr):
                changes[attr] = (getattr(person, attr), getattr(entry, attr))
        if post and post != person.post:
            changes["post"] = (person.post, post)
        else:
            entry.post = person.post
        if email and email != person.email:
            changes["email"] = (person.email, email)
        else:
            entry.email = person.email
        (plan.updates.append((entry, changes)) if changes else plan.unchanged.append(entry))
    for text, rows in loose.items():
        department_id = resolved[text][0]
        plan.notes.append(RowError(rows[0], col["department"], str(_l(
            "\"%(written)s\" was taken as the department \"%(department)s\", ignoring full-width/half-width "
            "forms and spaces (%(n)s row(s): %(rows)s)", written=text, department=tree.path(department_id),
            n=len(rows), rows=_rows_text(rows)))))
    plan.notes.extend(columns.picture_notes())
    return plan


def _rows_text(rows: list[int], shown: int = 10) -> str:
    text = ", ".join(str(row) for row in rows[:shown])
    return text + (" …" if len(rows) > shown else "")


def roster_frame(people, tree: DepartmentTree) -> pd.DataFrame:
    """People as a roster sheet in the import's own columns (export -> edit -> import)."""
    return pd.DataFrame(
        [{"姓名": p.name, "账号": p.login, "部门": tree.path(p.department_id),
          "人员类别": CATEGORY_LABELS_ZH[p.category], "职务": p.post or "",
          "邮箱": p.email or "", "角色": ROLE_LABELS_ZH[p.role], "状态": STATUS_LABELS_ZH[p.status]} for p in people],
        columns=["姓名", "账号", "部门", "人员类别", "职务", "邮箱", "角色", "状态"],
    )


