"""The one import flow (platform/imports.py) and the one domain error with its handler (platform/errors.py)."""
import io

import pandas as pd
import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.conftest import login
from trainingapp.accounts.models import User
from trainingapp.platform.errors import DomainError, _came_from, returning_to
from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import TableError, to_xlsx
from trainingapp.platform.uploads import UploadError

HEADER = ["姓名", "账号", "部门", "人员类别", "职务", "角色", "初始密码", "状态"]
GOOD = [["张三", "13800000001", "司法所", "在编", "科员", "学员", "", "在岗"]]
BROKEN = GOOD + [["李四", "13800000002", "司法所", "不存在的类别", "", "", "", ""]]


@pytest.fixture
def town(make):
    root = make.department("共和镇")
    return {"root": root, "司法所": make.department("司法所", root)}


@pytest.fixture
def admin_client(app, make, town):
    def build(login_name):
        person = make.user(login=login_name, role="admin", department=town["root"])
        client = app.test_client()
        login(client, person)
        client.post("/language/en", data={"next": "/"})
        flashes(client)  # start with none
        return client
    return build


def flashes(client):
    """The messages waiting for the next page, taken off it."""
    with client.session_transaction() as session:
        return [(category, str(message)) for category, message in session.pop("_flashes", [])]


def people(app):
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def stage_roster(client, rows):
    content = to_xlsx({"花名册": pd.DataFrame(rows, columns=HEADER)})
    response = client.post("/roster/import", data={"file": (io.BytesIO(content), "roster.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    return response.headers["Location"]


def test_an_upload_opens_only_for_the_person_who_staged_it(app, admin_client):
    owner, other = admin_client("owner"), admin_client("other")
    preview = stage_roster(owner, GOOD)
    before = people(app)
    for method, url in (("GET", preview), ("POST", preview + "/confirm")):
        response = other.open(url, method=method)
        assert response.status_code == 302 and response.headers["Location"] == "/roster/import"
        assert flashes(other) == [("warning", "That upload has expired or is not yours; upload the file again.")]
    assert people(app) == before
    assert owner.get(preview).status_code == 200
    assert owner.post(preview + "/confirm").status_code == 200
    assert people(app) == before + 1
    # Confirmed, the upload is gone: a second confirm imports nothing twice.
    assert owner.post(preview + "/confirm").headers["Location"] == "/roster/import"


def test_a_file_with_any_problem_imports_nothing_and_goes_back_to_its_preview(app, admin_client):
    client = admin_client("owner")
    preview = stage_roster(client, BROKEN)
    before = people(app)
    response = client.post(preview + "/confirm")
    assert response.status_code == 302 and response.headers["Location"] == preview
    assert flashes(client) == [("danger", "The file has problems; nothing was imported.")]
    assert people(app) == before
    assert client.get(preview).status_code == 200  # still staged: the preview names the row


def test_an_unreadable_file_goes_back_to_the_upload_page_saying_why(admin_client):
    client = admin_client("owner")
    response = client.post("/roster/import", data={"file": (io.BytesIO(b"PK\x03\x04 not a workbook"), "r.xlsx")},
                           content_type="multipart/form-data")
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 302 and preview.headers["Location"] == "/roster/import"
    [(category, message)] = flashes(client)
    assert category == "danger" and message


def test_a_refusal_is_flashed_and_sends_back_or_answers_json(app, make, admin_client, town):
    make.user(department=town["司法所"])
    client = admin_client("owner")
    url = f"/departments/{town['司法所'].id}/delete"
    response = client.post(url)
    assert response.status_code == 302 and response.headers["Location"] == "/departments"
    assert flashes(client) == [("danger", "司法所 still has 1 people; move them first.")]
    response = client.post(url, headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.get_json() == {"error": "司法所 still has 1 people; move them first."}


def test_the_innermost_page_named_for_a_refusal_wins():
    with pytest.raises(DomainError) as refused:
        with returning_to("/outer"), returning_to("/inner"):
            raise DomainError("no")
    assert refused.value.back == "/inner" and refused.value.category == "danger"
    assert issubclass(TableError, DomainError) and issubclass(UploadError, DomainError)


def test_without_a_named_page_a_refusal_goes_back_where_it_came_from_on_this_site(app):
    for referrer, expected in (("http://localhost/people?q=x", "/people?q=x"),
                               ("http://elsewhere.example/people", None),
                               ("http://localhost//elsewhere.example/", None),
                               (None, None)):
        headers = {"Referer": referrer} if referrer else {}
        with app.test_request_context("/departments/1/delete", method="POST", headers=headers):
            assert _came_from() == (expected or url_for("home")), referrer
    with app.test_request_context("/people?q=x", headers={"Referer": "http://localhost/people?q=x"}):
        assert _came_from() == url_for("home")  # not back to the page that refused itself
