"""E-mail addresses: the roster's optional 邮箱 column, the person form."""
import pandas as pd
import pytest
from sqlalchemy import select

from trainingapp.accounts.emails import normalise_email
from trainingapp.accounts.models import User
from trainingapp.accounts.roster import ExistingPerson, plan_roster
from trainingapp.accounts.tree import DepartmentTree
from trainingapp.platform.extensions import db

TREE = DepartmentTree.from_rows([(1, "共和镇", None), (2, "司法所", 1)])


def _frame(rows, columns=("姓名", "账号", "部门", "人员类别", "邮箱")):
    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    frame.index = range(2, len(frame) + 2)
    return frame


@pytest.mark.parametrize("text,stored", [("zhang@Example.ORG", "zhang@example.org"),
                                         ("  li.si+x@gov.cn ", "li.si+x@gov.cn"), ("", None), (None, None)])
def test_addresses_accepted(text, stored):
    assert normalise_email(text) == (stored, None)


@pytest.mark.parametrize("text", ["zhang", "zhang@", "@example.org", "a b@example.org", "a@b",
                                  "a@example.org>, c@d.org", "x@" + "a" * 250 + ".org"])
def test_addresses_refused(text):
    assert normalise_email(text)[1] is not None


def test_roster_email_column_creates_updates_and_refuses_by_row():
    existing = {"13800000001": ExistingPerson(1, "13800000001", "张三", 2, "staff", "", "cadre", "active",
                                              "old@example.org")}
    plan = plan_roster(_frame([["张三", "13800000001", "司法所", "在编", "new@example.org"],
                               ["李四", "13800000002", "司法所", "在编", "lisi@example.org"],
                               ["王五", "13800000003", "司法所", "在编", ""],
                               ["赵六", "13800000004", "司法所", "在编", "not-an-address"]]), TREE, existing)
    assert [(e.row, e.column) for e in plan.errors] == [(5, "邮箱")]
    assert plan.updates[0][1] == {"email": ("old@example.org", "new@example.org")}
    assert [(row.login, row.email) for row in plan.creates] == [("13800000002", "lisi@example.org"),
                                                                 ("13800000003", None)]


def test_roster_without_the_column_keeps_addresses():
    existing = {"13800000001": ExistingPerson(1, "13800000001", "张三", 2, "staff", "", "cadre", "active",
                                              "kept@example.org")}
    frame = _frame([["张三", "13800000001", "司法所", "在编"]], columns=("姓名", "账号", "部门", "人员类别"))
    plan = plan_roster(frame, TREE, existing)
    assert plan.ok and plan.unchanged[0].email == "kept@example.org"


def test_roster_import_stores_addresses_and_the_export_carries_them(app, make, as_role):
    import io
    import re

    from trainingapp.platform.tabular import read_table, to_xlsx
    town = make.department("共和镇")
    make.department("司法所", parent=town)
    admin = as_role("admin")
    content = to_xlsx({"花名册": _frame([["李四", "13800000002", "共和镇/司法所", "在编", "lisi@example.org"]])})
    response = admin.post("/roster/import", data={"file": (io.BytesIO(content), "roster.xlsx")},
                          content_type="multipart/form-data")
    preview = admin.get(response.headers["Location"]).get_data(as_text=True)
    admin.post(re.search(r'action="(/roster/import/[^"]+/confirm)"', preview).group(1))
    with app.app_context():
        assert db.session.scalar(select(User.email).where(User.login == "13800000002")) == "lisi@example.org"
    exported = read_table(admin.get("/roster/export").data, "roster.xlsx")
    assert "lisi@example.org" in exported.to_string()


def test_person_form_saves_and_checks_the_address(app, make, as_role):
    admin = as_role("admin")
    person = make.user()
    fields = {"login": person.login, "name": person.name, "department_id": person.department_id,
              "category": "staff", "post": "", "role": "cadre", "status": "active"}
    admin.post(f"/people/{person.id}", data={**fields, "email": "Wang@Example.org"})
    with app.app_context():
        assert db.session.get(User, person.id).email == "Wang@example.org"
    admin.post(f"/people/{person.id}", data={**fields, "email": "wang at example"})
    with app.app_context():
        assert db.session.get(User, person.id).email == "Wang@example.org"
    admin.post(f"/people/{person.id}", data={**fields, "email": ""})
    with app.app_context():
        assert db.session.get(User, person.id).email is None
