"""Roster import (preview -> confirm, all or nothing), export round trip and the CLI."""
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from tests.conftest import login
from trainingapp.accounts.models import User
from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import to_xlsx

HEADER = ["姓名", "账号", "部门", "人员类别", "职务", "角色", "初始密码", "状态"]


@pytest.fixture
def town(make):
    root = make.department("共和镇")
    departments = {"root": root}
    for name in ("司法所", "应急办", "党政办"):
        departments[name] = make.department(name, root)
    return departments


@pytest.fixture
def admin(app, make, town):
    person = make.user(login="boss", role="admin", department=town["党政办"])
    client = app.test_client()
    login(client, person)
    return client


def xlsx(rows, header=HEADER):
    return to_xlsx({"花名册": pd.DataFrame(rows, columns=header)})


def upload(client, content, filename="roster.xlsx"):
    """Upload and return (preview response, confirm url or None)."""
    response = client.post("/roster/import", data={"file": (io.BytesIO(content), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    preview = client.get(response.headers["Location"])
    match = re.search(r'action="(/roster/import/[^"]+/confirm)"', preview.get_data(as_text=True))
    return preview, (match.group(1) if match else None)


def people_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


GOOD = [
    ["张三", "13800000001", "司法所", "在编", "科员", "学员", "", "在岗"],
    ["李四", "13800000002", "共和镇/应急办", "执法辅助人员", "协管员", "", "Init-pass-2026", ""],
    ["王五", "gh0003", "党政办", "编外", "", "培训讲师", "", ""],
]


def test_preview_then_confirm_creates_everyone(app, admin):
    preview, confirm = upload(admin, xlsx(GOOD))
    page = preview.get_data(as_text=True)
    assert 'data-count="create">3<' in page and 'data-count="errors">0<' in page
    assert people_count(app) == 1  # nothing yet
    done = admin.post(confirm)
    assert done.status_code == 200
    assert people_count(app) == 4
    with app.app_context():
        li = db.session.scalar(select(User).where(User.login == "13800000002"))
        assert li.category == "auxiliary" and li.must_change_password and li.role == "cadre"
        assert db.session.scalar(select(User.role).where(User.login == "gh0003")) == "trainer"
    assert login(app.test_client(), "13800000002", "Init-pass-2026").status_code == 302


def test_generated_passwords_download_once_and_work(app, admin):
    _preview, confirm = upload(admin, xlsx(GOOD))
    page = admin.post(confirm).get_data(as_text=True)
    link = re.search(r'href="(/downloads/[^"]+)"', page).group(1)
    sheet = pd.read_excel(io.BytesIO(admin.get(link).data), dtype=str)
    assert list(sheet.columns) == ["姓名", "账号", "初始密码"]
    assert set(sheet["账号"]) == {"13800000001", "gh0003"}
    assert admin.get(link).status_code == 404  # only once
    password = sheet.set_index("账号").loc["gh0003", "初始密码"]
    assert login(app.test_client(), "gh0003", password).status_code == 302


def test_existing_logins_are_updated_never_duplicated(app, admin, make, town):
    make.user(login="13800000001", name="张三", department=town["应急办"], category="contract")
    untouched = make.user(login="13800000099", name="不在文件里")
    preview, confirm = upload(admin, xlsx(GOOD))
    page = preview.get_data(as_text=True)
    assert 'data-count="create">2<' in page and 'data-count="update">1<' in page
    admin.post(confirm)
    with app.app_context():
        zhang = db.session.scalars(select(User).where(User.login == "13800000001")).all()
        assert len(zhang) == 1
        assert zhang[0].department_id == town["司法所"].id and zhang[0].category == "staff"
        assert db.session.get(User, untouched.id).status == "active"


def test_a_re_import_renames_people_as_the_preview_and_readme_say(app, admin, make, town):
    make.user(login="13800000001", name="干部0301", department=town["司法所"])
    preview, confirm = upload(admin, xlsx(GOOD))
    assert "干部0301 → 张三" in preview.get_data(as_text=True)
    admin.post(confirm)
    with app.app_context():
        assert db.session.scalars(select(User.name).where(User.login == "13800000001")).one() == "张三"
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    assert "Existing logins are updated (name, department" in readme


def test_a_file_with_errors_changes_nothing_and_names_each_problem(app, admin):
    rows = GOOD + [
        ["", "13800000004", "司法所", "在编", "", "", "", ""],                 # row 5: empty name
        ["赵六", "13800000001", "司法所", "在编", "", "", "", ""],             # row 6: duplicate login
        ["钱七", "13800000007", "不存在的部门", "在编", "", "", "", ""],       # row 7: unknown department
        ["孙八", "13800000008", "司法所", "临时工", "", "", "", ""],           # row 8: unknown category
        ["周九", "1.38E+10", "司法所", "在编", "", "", "", ""],                # row 9: scientific notation
        ["吴十", "13800000010", "司法所", "在编", "", "局长", "", ""],         # row 10: unknown role
        ["郑一", "13800000011", "司法所", "在编", "", "", "123", ""],          # row 11: weak password
    ]
    preview, confirm = upload(admin, xlsx(rows))
    page = preview.get_data(as_text=True)
    assert confirm is None
    for row, column in [(5, "姓名"), (6, "账号"), (7, "部门"), (8, "人员类别"), (9, "账号"), (10, "角色"),
                        (11, "初始密码")]:
        assert re.search(rf"<td>{row}</td><td>{column}</td>", page), (row, column)
    assert people_count(app) == 1


def test_confirm_rechecks_and_refuses_a_file_that_became_invalid(app, admin, make, town):
    temporary = make.department("临时部门", town["root"])
    preview, confirm = upload(admin, xlsx(GOOD + [["赵六", "13800000006", "临时部门", "在编", "", "", "", ""]]))
    assert confirm is not None
    admin.post(f"/departments/{temporary.id}/delete")  # removed between preview and confirm
    response = admin.post(confirm, follow_redirects=True)
    assert "<td>5</td><td>部门</td>" in response.get_data(as_text=True)
    assert people_count(app) == 1


def test_missing_required_column_is_named(admin):
    content = xlsx([["张三", "13800000001", "司法所"]], header=["姓名", "账号", "部门"])
    response = admin.post("/roster/import", data={"file": (io.BytesIO(content), "r.xlsx")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "人员类别" in response.get_data(as_text=True)


def test_gb18030_csv_from_chinese_excel_is_read(app, admin):
    text = "姓名,手机号,部门,人员类别\n张三,13800000001,司法所,在编\n"
    preview, confirm = upload(admin, text.encode("gb18030"), "roster.csv")
    assert 'data-count="create">1<' in preview.get_data(as_text=True)
    admin.post(confirm)
    assert people_count(app) == 2


def test_utf8_bom_csv_with_english_headers(app, admin):
    text = "name,login,department,category\n张三,13800000001,司法所,staff\n"
    preview, _confirm = upload(admin, text.encode("utf-8-sig"), "roster.csv")
    assert 'data-count="create">1<' in preview.get_data(as_text=True)


def test_wrong_encoding_and_fake_workbooks_are_explained(admin):
    for content, name, fragment in [
        ("姓名,账号\n".encode("utf-16"), "r.csv", "UTF-8"),
        (b"this is not a zip at all", "r.xlsx", ".xlsx"),
    ]:
        response = admin.post("/roster/import", data={"file": (io.BytesIO(content), name)},
                              content_type="multipart/form-data", follow_redirects=True)
        assert fragment in response.get_data(as_text=True)


def test_five_thousand_rows_with_errors_are_all_reported_and_nothing_lands(app, admin):
    rows = [[f"人员{i}", f"139{i:08d}", "司法所" if i % 500 else "无此部门", "在编", "", "", "", ""]
            for i in range(5000)]
    preview, confirm = upload(admin, xlsx(rows))
    page = preview.get_data(as_text=True)
    assert confirm is None
    assert 'data-count="errors">10<' in page
    assert "<td>2</td><td>部门</td>" in page and "<td>4502</td><td>部门</td>" in page
    assert people_count(app) == 1


def test_liaison_import_is_limited_to_their_subtree(app, make, town):
    liaison = make.user(role="liaison", department=town["应急办"])
    client = app.test_client()
    login(client, liaison)
    rows = [["甲", "13800000021", "应急办", "在编", "", "", "", ""],
            ["乙", "13800000022", "司法所", "在编", "", "", "", ""],
            ["丙", "13800000023", "应急办", "在编", "", "管理员", "", ""]]
    preview, confirm = upload(client, xlsx(rows))
    page = preview.get_data(as_text=True)
    assert confirm is None
    assert "<td>3</td><td>部门</td>" in page and "<td>4</td><td>角色</td>" in page


def test_export_then_import_round_trips_unchanged(app, admin, make, town):
    make.user(login="13800000031", name="导出甲", department=town["司法所"], category="village", post="委员")
    make.user(login="13800000032", name="导出乙", department=town["应急办"], category="legal_literate",
              status="retired")
    exported = admin.get(f"/roster/export?department={town['root'].id}")
    assert exported.status_code == 200
    sheet = pd.read_excel(io.BytesIO(exported.data), dtype=str)
    assert set(sheet["账号"]) >= {"13800000031", "13800000032", "boss"}
    preview, _confirm = upload(admin, exported.data, "export.xlsx")
    page = preview.get_data(as_text=True)
    assert 'data-count="create">0<' in page and 'data-count="update">0<' in page
    assert 'data-count="errors">0<' in page


def test_export_neutralises_formulas(app, admin, make, town):
    make.user(login="13800000041", name="=HYPERLINK(\"x\")", department=town["司法所"])
    sheet = pd.read_excel(io.BytesIO(admin.get("/roster/export").data), dtype=str)
    assert "'=HYPERLINK(\"x\")" in set(sheet["姓名"])


def test_template_downloads_and_imports_cleanly(app, admin, make, town):
    make.department("综合行政执法办", town["root"])  # the template's example rows name it
    template = admin.get("/roster/template")
    assert template.status_code == 200
    preview, confirm = upload(admin, template.data, "template.xlsx")
    assert confirm is not None
    assert 'data-count="errors">0<' in preview.get_data(as_text=True)


# --- the command line ------------------------------------------------------------------------

def test_cli_dry_run_reports_rows_and_exit_status(app, runner, make, town, tmp_path):
    make.user(login="boss", role="admin", department=town["党政办"])
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(GOOD + [["", "x y", "无此部门", "在编", "", "", "", ""]]))
    result = runner.invoke(args=["users", "import", str(bad), "--dry-run"])
    assert result.exit_code == 1
    assert "5" in result.output and "姓名" in result.output and "部门" in result.output
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(GOOD))
    result = runner.invoke(args=["users", "import", str(good), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "create: 3" in result.output
    assert people_count(app) == 1
    result = runner.invoke(args=["users", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert people_count(app) == 4
    assert (tmp_path / "good-initial-passwords.xlsx").exists()


def test_cli_create_admin(app, runner):
    # The password must not contain the login ("Chief-pass-2026" for chief would be refused).
    assert runner.invoke(args=["users", "create-admin", "chief", "--password", "Chief-pass-2026"]).exit_code != 0
    result = runner.invoke(args=["users", "create-admin", "chief", "--password", "Head-office-2026"])
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), "chief", "Head-office-2026").headers["Location"].endswith("/account/password")
    assert runner.invoke(args=["users", "create-admin", "chief"]).exit_code != 0
    assert runner.invoke(args=["users", "create-admin", "other", "--password", "123"]).exit_code != 0
