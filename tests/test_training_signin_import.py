"""Typed paper sign-in sheets: the pure parser, and upload → preview → confirm (all or nothing)."""
import io
import re
from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.accounts.audit import AuditEvent
from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import TableError, read_table, to_xlsx
from trainingapp.training.sessions.models import Attendance, TrainingSession
from trainingapp.training.sessions.signin_sheet import Person, parse_arrival, plan_signin

STARTS_LOCAL = datetime(2026, 6, 15, 9, 0)


# --- the pure parser ----------------------------------------------------------------------------

def frame(rows, header):
    return read_table(to_xlsx({"签到": pd.DataFrame(rows, columns=header)}), "sheet.xlsx")


PEOPLE = [Person(1, "zw1", "张伟", 10), Person(2, "zw2", "张伟", 11), Person(3, "ln", "李娜", 10),
          Person(4, "wf", "王芳", 12), Person(5, "old", "何退休", 10, is_active=False)]


def plan(rows, header=("姓名", "状态", "签到时间", "备注"), expected=frozenset({1, 3}), existing=None):
    return plan_signin(frame(rows, list(header)), starts_at=STARTS_LOCAL, expected=set(expected),
                       people=PEOPLE, existing=existing or {})


@pytest.mark.parametrize("text, expected", [
    ("9:05", datetime(2026, 6, 15, 9, 5)), ("09:05:30", datetime(2026, 6, 15, 9, 5, 30)),
    ("9点05", datetime(2026, 6, 15, 9, 5)), ("8：55", datetime(2026, 6, 15, 8, 55)),
    ("2026-06-15 09:10:00", datetime(2026, 6, 15, 9, 10)), ("2026/6/15 9:10", datetime(2026, 6, 15, 9, 10)),
])
def test_arrival_times_people_write(text, expected):
    assert parse_arrival(text, STARTS_LOCAL.date()) == expected


def test_parser_matches_names_expected_first_and_derives_late_and_walk_in():
    result = plan([["张伟", "", "", ""],  # two 张伟 on the roster, but only one is expected
                   ["李娜", "", "9:12", ""],  # no status, came after the start: late
                   ["王芳", "签到", "", ""]])  # not expected: a walk-in
    assert result.ok, result.errors
    assert [(r.user_id, r.status) for r in result.creates] == [(1, "present"), (3, "late"), (4, "walk_in")]
    assert result.creates[1].arrived_at == datetime(2026, 6, 15, 9, 12)


def test_parser_reports_every_problem_by_row_and_column():
    result = plan([["张伟", "出勤", "", ""],
                   ["陈某某", "出勤", "", ""],
                   ["李娜", "到场", "", ""],
                   ["李娜", "请假", "", ""],
                   ["张伟", "迟到", "九点", ""]], expected={1, 2, 3})
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert not result.ok and not result.creates
    assert "账号" in messages[(2, "姓名")]  # two expected people are called 张伟: ask for the login
    assert "陈某某" in messages[(3, "姓名")]
    assert "到场" in messages[(4, "状态")]
    assert "备注" in messages[(5, "备注")]
    assert "twice" in messages[(5, "姓名")] or "两次" in messages[(5, "姓名")]  # 李娜 again
    assert (6, "签到时间") in messages


def test_parser_by_login_checks_the_name_and_the_status():
    rows = [["zw2", "张伟", "迟到"], ["LN", "", ""], ["ln2", "李四", ""], ["old", "", ""], ["wf", "王芳", "缺勤"]]
    result = plan(rows, header=("账号", "姓名", "状态"), expected={1, 2, 3})
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert [(r.user_id, r.status) for r in result.creates] == [(2, "late"), (3, "present")]
    assert "ln2" in messages[(4, "账号")]
    assert "何退休" in messages[(5, "账号")]
    assert "not expected" in messages[(6, "状态")] or "王芳" in messages[(6, "状态")]


def test_parser_needs_a_name_or_login_column():
    with pytest.raises(TableError):
        plan([["出勤"]], header=("状态",))


def test_parser_compares_with_records_already_stored():
    result = plan([["张伟", "出勤", "", ""], ["李娜", "迟到", "", ""]],
                  existing={1: ("present", ""), 3: ("absent", "")})
    assert [r.user_id for r in result.unchanged] == [1]
    assert [(r.user_id, old) for r, old in result.updates] == [(3, "absent")]


# --- through the pages -----------------------------------------------------------------------------

@pytest.fixture
def setup(app, make):
    root = make.department("共和镇")
    office, other = make.department("司法所", root), make.department("应急办", root)
    trainer = make.user(login="trainer1", role="trainer", department=root)
    people = {"zw": make.user(login="zw", name="张伟", department=office),
              "zw_b": make.user(login="zw_b", name="张伟", department=office),
              "ln": make.user(login="ln", name="李娜", department=office),
              "wf": make.user(login="wf", name="王芳", department=other)}
    with app.app_context():
        session = TrainingSession(title="消防法培训", kind="class", department_id=office.id, trainer_id=trainer.id,
                                  starts_at=datetime(2026, 6, 15, 1, 0), ends_at=datetime(2026, 6, 15, 3, 0),
                                  mode="offline", hours=2, created_by_id=trainer.id,
                                  audience=[{"department_id": office.id, "categories": []}], expected_added=[])
        db.session.add(session)
        db.session.commit()
        session_id = session.id
        db.session.remove()
    client = app.test_client()
    login(client, trainer)
    return client, session_id, people


def upload(client, session_id, content, filename="signin.xlsx"):
    response = client.post(f"/sessions/{session_id}/attendance/import",
                           data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    preview = client.get(response.headers["Location"], follow_redirects=True)
    match = re.search(r'action="(/sessions/attendance/import/[^"]+/confirm)"', preview.get_data(as_text=True))
    return preview, (match.group(1) if match else None)


def stored(app, session_id):
    with app.app_context():
        rows = {r.user.login: (r.status, r.source, r.leave_reason, r.checked_in_at) for r in db.session.scalars(
            select(Attendance).where(Attendance.session_id == session_id))}
        db.session.remove()
    return rows


def xlsx(rows, header=("姓名", "账号", "状态", "签到时间", "备注")):
    return to_xlsx({"签到表": pd.DataFrame(rows, columns=list(header))})


def test_preview_then_confirm_records_everyone_and_is_audited(app, setup):
    client, session_id, _people = setup
    preview, confirm = upload(client, session_id, xlsx([
        ["张伟", "zw", "出勤", "8:50", ""],
        ["张伟", "zw_b", "", "9:20", ""],
        ["李娜", "", "请假", "", "县里开会"],
        ["王芳", "", "签到", "", ""],
    ]))
    page = preview.get_data(as_text=True)
    assert 'data-count="create">4<' in page and 'data-count="errors">0<' in page
    assert stored(app, session_id) == {}
    done = client.post(confirm, follow_redirects=True)
    assert done.status_code == 200
    assert stored(app, session_id) == {
        "zw": ("present", "import", "", datetime(2026, 6, 15, 0, 50)),  # 08:50 Beijing
        "zw_b": ("late", "import", "", datetime(2026, 6, 15, 1, 20)),
        "ln": ("leave", "import", "县里开会", None),
        "wf": ("walk_in", "import", "", None),
    }
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance.import"))
        assert event.details["created"] == 4 and event.details["session_id"] == session_id
        db.session.remove()
    assert client.post(confirm).status_code == 302  # the staged file is gone: nothing happens twice
    assert len(stored(app, session_id)) == 4


def test_any_problem_imports_nothing(app, setup):
    client, session_id, _people = setup
    preview, confirm = upload(client, session_id, xlsx([
        ["李娜", "", "出勤", "", ""],
        ["张伟", "", "出勤", "", ""],  # two people called 张伟: needs the login
        ["钱七", "", "出勤", "", ""],  # unknown
        ["李娜", "", "迟到", "", ""],  # twice
        ["王芳", "", "旷工", "", ""],  # unknown status
    ]))
    page = preview.get_data(as_text=True)
    assert confirm is None and 'data-count="errors">4<' in page
    for text in ("张伟", "钱七", "李娜", "旷工"):
        assert text in page
    # Forcing the confirm step anyway changes nothing.
    token = re.search(r"/sessions/attendance/import/([^/\"]+)", preview.request.path).group(1)
    response = client.post(f"/sessions/attendance/import/{token}/confirm", follow_redirects=True)
    assert "nothing was imported" in response.get_data(as_text=True) or "未导入" in response.get_data(as_text=True)
    assert stored(app, session_id) == {}


def test_gb18030_csv_and_a_missing_column(app, setup):
    client, session_id, _people = setup
    content = "姓名,状态,备注\n李娜,请假,病假\n".encode("gb18030")
    _preview, confirm = upload(client, session_id, content, "signin.csv")
    client.post(confirm)
    assert stored(app, session_id)["ln"][:3] == ("leave", "import", "病假")
    response = client.post(f"/sessions/{session_id}/attendance/import",
                           data={"file": (io.BytesIO("状态\n出勤\n".encode()), "bad.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "姓名" in response.get_data(as_text=True)


def test_export_imports_back_unchanged(app, setup):
    client, session_id, people = setup
    client.post(f"/sessions/{session_id}/attendance", data={
        "person": [people["zw"].id], f"status-{people['zw'].id}": "late"})
    exported = client.get(f"/sessions/{session_id}/attendance.xlsx").data
    sheet = pd.read_excel(io.BytesIO(exported), sheet_name="签到记录", dtype=str)
    assert set(sheet["状态"]) == {"迟到", "未记录"}
    preview, _confirm = upload(client, session_id, exported)
    page = preview.get_data(as_text=True)
    assert 'data-count="errors">0<' in page and 'data-count="unchanged">1<' in page
    assert 'data-count="create">0<' in page


def test_template_lists_the_expected_people(setup):
    client, session_id, _people = setup
    response = client.get(f"/sessions/{session_id}/attendance/template.xlsx")
    sheet = pd.read_excel(io.BytesIO(response.data), dtype=str)
    assert list(sheet.columns) == ["姓名", "账号", "部门", "状态", "签到时间", "备注"]
    assert sorted(sheet["账号"]) == ["ln", "zw", "zw_b"]


def test_someone_elses_upload_cannot_be_confirmed(app, make, setup):
    client, session_id, _people = setup
    preview, confirm = upload(client, session_id, xlsx([["李娜", "", "出勤", "", ""]]))
    other = app.test_client()
    login(other, make.user(role="admin"))
    response = other.post(confirm, follow_redirects=True)
    assert "expired" in response.get_data(as_text=True) or "失效" in response.get_data(as_text=True)
    assert stored(app, session_id) == {}
