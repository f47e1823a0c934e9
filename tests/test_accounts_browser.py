"""The foundation in a real Chromium: sign-in, forced password change, language, roster import."""
import pandas as pd
import pytest
from sqlalchemy import func, select

from trainingapp.accounts.models import User
from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import to_xlsx

pytestmark = pytest.mark.browser


def test_sign_in_and_forced_password_change(page, make):
    person = make.user(login="13800000123", name="首次登录", must_change=True)
    page.login(person.login)
    assert page.url.endswith("/account/password")
    page.fill("#current", "correct-horse-42")
    page.fill("#new", "my-own-secret-9")
    page.fill("#confirm", "my-own-secret-9")
    page.click("#submit")
    page.wait_for_load_state()
    assert page.url.rstrip("/") == page.base_url
    assert "首次登录" in page.text_content("main")
    page.shot("home-after-password-change")


def test_switch_language_and_back(page, make):
    person = make.user(name="切换语言")
    page.login(person.login)
    page.click("button[formaction$='/language/en']")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Welcome" in page.text_content("main")
    page.reload()
    assert "Welcome" in page.text_content("main")
    page.click("button[formaction$='/language/zh']")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_roster_import_preview_then_confirm(app, page, make, tmp_path):
    root = make.department("共和镇")
    make.department("司法所", root)
    admin = make.user(login="admin1", role="admin", department=root)
    sheet = tmp_path / "roster.xlsx"
    sheet.write_bytes(to_xlsx({"花名册": pd.DataFrame(
        [["张三", "13800000001", "司法所", "在编"], ["李四", "13800000002", "共和镇/司法所", "编外"]],
        columns=["姓名", "账号", "部门", "人员类别"])}))
    page.login(admin.login)
    page.open("/roster/import")
    page.set_input_files("#file", str(sheet))
    page.click("#submit")
    page.wait_for_load_state()
    assert page.text_content("[data-count=create]").strip() == "2"
    page.shot("roster-preview")
    page.click("form[action$='/confirm'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#download-passwords").is_visible()
    with page.expect_download() as download:
        page.click("#download-passwords")
    saved = tmp_path / "passwords.xlsx"
    download.value.save_as(saved)
    assert set(pd.read_excel(saved, dtype=str)["账号"]) == {"13800000001", "13800000002"}
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 3


def test_pages_fit_a_phone(phone, make):
    admin = make.user(role="admin", name="手机管理员")
    phone.login(admin.login)
    for path in ("/", "/people", "/departments", "/roster/import"):
        phone.open(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 362, (path, width)
    phone.open("/people")
    phone.shot("people-phone")
