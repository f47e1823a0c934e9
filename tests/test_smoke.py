from tests.conftest import login


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "登录" in page


def test_cadre_signs_in_and_sees_home(client, make):
    person = make.user(role="cadre", name="王小明")
    response = login(client, person, follow=True)
    assert response.status_code == 200
    assert "王小明" in response.get_data(as_text=True)
