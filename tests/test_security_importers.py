"""Hostile files to every importer: a result or row-level errors, never a crash or a partial import."""
import io
import zipfile

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from trainingapp.accounts.models import User
from trainingapp.accounts.roster import ROSTER_COLUMNS, plan_roster
from trainingapp.accounts.tree import DepartmentTree
from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import TableError, read_table, to_xlsx
from trainingapp.questionbank.parsing import parse_upload

CELL = st.one_of(st.text(max_size=30), st.sampled_from(["=1+1", "@SUM(A1)", "\x00", "‮", "1.38E+10", "在编",
                                                         "司法所", "共和镇/司法所", "学员", "管理员", "13800000000"]))
TREE = DepartmentTree.from_rows([(1, "共和镇", None), (2, "司法所", 1), (3, "应急办", 1)])


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(CELL, min_size=4, max_size=8), max_size=12),
       headers=st.permutations(["姓名", "账号", "部门", "人员类别", "职务", "角色", "初始密码", "状态"]))
def test_roster_planning_never_crashes(rows, headers):
    frame = pd.DataFrame([r + [""] * (8 - len(r)) for r in rows], columns=list(headers), dtype=object)
    frame.index = range(2, len(frame) + 2)
    try:
        plan = plan_roster(frame.fillna(""), TREE, {}, scope=None)
    except TableError:
        return
    planned = len(plan.creates) + len(plan.updates) + len(plan.unchanged)
    rows_with_errors = {e.row for e in plan.errors}
    assert planned + len(rows_with_errors) == len(frame)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=2000), name=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a.json", "a.txt", "a.gift"]))
def test_random_bytes_only_ever_raise_table_error(data, name):
    try:
        read_table(data, name) if name.endswith(("csv", "xlsx", "xls")) else None
        parse_upload(data, name, max_rows=1000)
    except TableError:
        pass


def test_a_zip_bomb_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (400 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024  # small on disk, 400 MB inside
    try:
        read_table(data, "bomb.xlsx")
    except TableError as error:
        assert "unpacks to 400 MB" in str(error.message)
    else:
        raise AssertionError("a zip bomb was read")


def test_absurd_column_counts_are_refused():
    frame = pd.DataFrame([[1] * 500], columns=[f"c{i}" for i in range(500)])
    try:
        read_table(to_xlsx({"s": frame}), "wide.xlsx")
    except TableError as error:
        assert "columns" in str(error.message)
    else:
        raise AssertionError("500 columns were read")


def test_hostile_roster_uploads_change_nothing(app, as_role, make):
    admin = as_role("admin")
    before = None
    with app.app_context():
        before = db.session.scalar(select(func.count(User.id)))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(rows=st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=6))
    def upload(rows):
        content = pd.DataFrame(rows, columns=["姓名", "账号", "部门", "人员类别"]).to_csv(index=False)
        data = content.encode("utf-8", "surrogatepass")
        response = admin.post("/roster/import", data={"file": (io.BytesIO(data), "r.csv")},
                              content_type="multipart/form-data")
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            preview = admin.get(response.headers["Location"])
            assert preview.status_code in (200, 302)
    upload()
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == before
    assert set(ROSTER_COLUMNS) >= {"name", "login"}
