"""Managing people and departments, and who may do it."""
import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.accounts.models import Department, User
from trainingapp.platform.extensions import db

ADMIN_PAGES = ["/departments", "/departments/new"]
MANAGER_PAGES = ["/people", "/people/new", "/roster/import", "/roster/export", "/roster/template"]


@pytest.mark.parametrize("role", ["cadre", "trainer"])
def test_cadres_and_trainers_get_403_on_management_pages(as_role, role):
    client = as_role(role)
    for url in ADMIN_PAGES + MANAGER_PAGES:
        assert client.get(url).status_code == 403, url


def test_liaison_gets_403_on_admin_pages_but_manages_people(as_role):
    client = as_role("liaison")
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    for url in MANAGER_PAGES:
        assert client.get(url).status_code == 200, url


def test_403_page_is_friendly(as_role):
    page = as_role("cadre").get("/departments").get_data(as_text=True)
    assert "Not allowed" in page or "无权" in page or "不允许" in page


@pytest.fixture
def town(make):
    root = make.department("共和镇")
    return {"root": root, "law": make.department("司法所", root), "fire": make.department("应急办", root)}


def test_liaison_sees_and_edits_only_their_subtree(app, make, town):
    sub = make.department("消防队", town["fire"])
    liaison = make.user(role="liaison", department=town["fire"])
    mine = make.user(department=sub, name="本部门人")
    other = make.user(department=town["law"], name="别部门人")
    client = app.test_client()
    login(client, liaison)
    page = client.get("/people").get_data(as_text=True)
    assert "本部门人" in page and "别部门人" not in page
    assert client.get(f"/people/{mine.id}").status_code == 200
    assert client.get(f"/people/{other.id}").status_code == 403
    assert client.get(f"/people?department={town['law'].id}").status_code == 403
    response = client.post(f"/people/{other.id}", data={
        "login": other.login, "name": "改名", "department_id": town["fire"].id,
        "category": "staff", "post": "", "role": "cadre", "status": "active"})
    assert response.status_code == 403
    # moving their own person into another department is refused too
    response = client.post(f"/people/{mine.id}", data={
        "login": mine.login, "name": mine.name, "department_id": town["law"].id,
        "category": "staff", "post": "", "role": "cadre", "status": "active"})
    assert response.status_code in (200, 403)
    with app.app_context():
        assert db.session.get(User, mine.id).department_id == sub.id
        assert db.session.get(User, other.id).name == "别部门人"


def test_liaison_cannot_make_anyone_an_admin(app, make, town):
    liaison = make.user(role="liaison", department=town["fire"])
    person = make.user(department=town["fire"])
    client = app.test_client()
    login(client, liaison)
    client.post(f"/people/{person.id}", data={
        "login": person.login, "name": person.name, "department_id": town["fire"].id,
        "category": "staff", "post": "", "role": "admin", "status": "active"})
    with app.app_context():
        assert db.session.get(User, person.id).role == "cadre"


def test_admin_adds_a_person_and_sees_the_initial_password_once(app, as_role, town):
    client = as_role("admin")
    response = client.post("/people/new", data={
        "login": "13900000001", "name": "新同事", "department_id": town["law"].id,
        "category": "staff", "post": "科员", "role": "cadre", "status": "active"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    password = page.split('id="initial-password">')[1].split("<")[0].strip()
    fresh = app.test_client()
    assert login(fresh, "13900000001", password).headers["Location"].endswith("/account/password")


def test_duplicate_login_is_refused(as_role, make, town):
    make.user(login="13900000002")
    client = as_role("admin")
    response = client.post("/people/new", data={
        "login": "13900000002", "name": "重复", "department_id": town["law"].id,
        "category": "staff", "post": "", "role": "cadre", "status": "active"})
    assert response.status_code == 200
    assert "13900000002" in response.get_data(as_text=True)


def test_reset_password_forces_a_change_and_ends_sessions(app, as_role, make, town):
    person = make.user(department=town["law"])
    session = app.test_client()
    login(session, person)
    admin = as_role("admin")
    page = admin.post(f"/people/{person.id}/reset-password").get_data(as_text=True)
    password = page.split('id="initial-password">')[1].split("<")[0].strip()
    assert session.get("/").status_code == 302
    assert login(app.test_client(), person, password).headers["Location"].endswith("/account/password")


def test_admin_cannot_demote_themselves(app, make, town):
    admin = make.user(role="admin", department=town["law"])
    client = app.test_client()
    login(client, admin)
    client.post(f"/people/{admin.id}", data={
        "login": admin.login, "name": admin.name, "department_id": town["law"].id,
        "category": "staff", "post": "", "role": "cadre", "status": "active"})
    with app.app_context():
        assert db.session.get(User, admin.id).role == "admin"


def test_people_list_filters_by_subtree_category_and_search(as_role, make, town):
    make.user(department=town["law"], category="staff", name="甲在编")
    make.user(department=town["fire"], category="auxiliary", name="乙辅助")
    client = as_role("admin", department=town["root"])
    page = client.get(f"/people?department={town['root'].id}&category=auxiliary").get_data(as_text=True)
    assert "乙辅助" in page and "甲在编" not in page
    page = client.get("/people?q=甲").get_data(as_text=True)
    assert "甲在编" in page and "乙辅助" not in page


# --- departments --------------------------------------------------------------------------

def _departments(app):
    with app.app_context():
        return {d.name: (d.id, d.parent_id) for d in db.session.scalars(select(Department))}


def test_admin_creates_renames_and_moves_departments(app, as_role, town):
    client = as_role("admin", department=town["root"])
    assert client.post("/departments/new", data={"name": "消防队", "parent_id": town["fire"].id}).status_code == 302
    fire_team = _departments(app)["消防队"][0]
    response = client.post(f"/departments/{fire_team}", data={"name": "专职消防队", "parent_id": town["law"].id,
                                                              "code": "XF01"})
    assert response.status_code == 302
    assert _departments(app)["专职消防队"] == (fire_team, town["law"].id)


def test_sibling_names_must_be_unique_but_cousins_may_share(app, as_role, town):
    client = as_role("admin", department=town["root"])
    page = client.post("/departments/new", data={"name": "司法所", "parent_id": town["root"].id},
                       follow_redirects=True).get_data(as_text=True)
    assert "司法所" in page
    assert len([n for n in _departments(app) if n == "司法所"]) == 1
    assert client.post("/departments/new", data={"name": "司法所", "parent_id": town["fire"].id}).status_code == 302


def test_a_department_cannot_move_into_its_own_subtree(app, as_role, make, town):
    child = make.department("消防队", town["fire"])
    client = as_role("admin", department=town["root"])
    for target in (town["fire"].id, child.id):
        client.post(f"/departments/{town['fire'].id}", data={"name": "应急办", "parent_id": target})
    assert _departments(app)["应急办"][1] == town["root"].id


def test_delete_refused_while_people_or_children_remain(app, as_role, make, town):
    make.department("消防队", town["fire"])
    make.user(department=town["law"])
    client = as_role("admin", department=town["root"])
    client.post(f"/departments/{town['fire'].id}/delete")
    client.post(f"/departments/{town['law'].id}/delete")
    names = _departments(app)
    assert "应急办" in names and "司法所" in names
    empty = make.department("空部门", town["root"])
    client.post(f"/departments/{empty.id}/delete")
    assert "空部门" not in _departments(app)


def test_unknown_ids_give_404(as_role):
    client = as_role("admin")
    assert client.get("/departments/99999").status_code == 404
    assert client.get("/people/99999").status_code == 404
    assert client.get("/no-such-page").status_code == 404
