"""A Word bank uploaded and a bank pasted as text, in a real Chromium on a 390 px phone and a desktop."""
import pytest
from sqlalchemy import func, select

from tests.conftest import _page
from tests.word_docs import auto_numbered_bank
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question

pytestmark = pytest.mark.browser

PASTED = """一、单项选择题（每题2分）
1. 行政处罚的实施机关是（ ）。
A. 人民法院  B. 具有行政处罚权的行政机关  C. 人民检察院  D. 村民委员会
答案：B
解析：见《行政处罚法》第十七条。
二、判断题
1. 宪法是国家的根本法。（√）
2. 法律可以溯及既往。（×）
3. 第三题没有答案。"""


@pytest.fixture
def phone390(browser, live_server):
    context, wrapped = _page(browser, live_server, viewport={"width": 390, "height": 844},
                             device_scale_factor=2, is_mobile=True, has_touch=True)
    yield wrapped
    context.close()


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Question.id)))


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_upload_a_docx_on_a_phone(app, phone390, make, tmp_path):
    trainer = make.user(role="trainer")
    path = tmp_path / "题库.docx"
    path.write_bytes(auto_numbered_bank(6))
    phone390.login(trainer.login)
    phone390.open("/questions/import")
    assert _fits(phone390)
    phone390.shot("word-upload-390")
    phone390.set_input_files("#file", str(path))
    phone390.click("#submit")
    phone390.wait_for_load_state()
    assert phone390.text_content("[data-count=new]").strip() == "6"
    first = phone390.text_content("[data-question='1']")
    assert "第2–8段" in first and "县级以上人民政府" in first
    assert _fits(phone390)
    phone390.shot("word-preview-390")
    phone390.click("button[name=mode][value=all]")
    phone390.wait_for_load_state()
    assert "6" in phone390.text_content("#import-result")
    assert _count(app) == 6


def test_paste_text_with_a_problem_then_import_the_valid_ones(app, page, phone390, make):
    trainer = make.user(role="trainer")
    for view, name in ((page, "desktop"), (phone390, "390")):
        view.login(trainer.login)
        view.open("/questions/import")
        view.fill("#text", PASTED)
        view.click("#submit")
        view.wait_for_load_state()
        assert view.text_content("[data-count=new]").strip() == "3"
        assert view.text_content("[data-count=rejected]").strip() == "1"
        problems = view.text_content("[data-problems]")
        assert "第4题（第9段）" in problems
        assert _fits(view)
        view.shot(f"word-paste-preview-{name}")
    phone390.click("button[name=mode][value=valid_only]")
    phone390.wait_for_load_state()
    assert phone390.locator("#download-rejected").count() == 1
    assert _count(app) == 3
