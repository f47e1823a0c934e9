"""The question bank in a real Chromium: upload, preview, confirm, browse."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question

pytestmark = pytest.mark.browser
BANK = Path(__file__).resolve().parent.parent / "question_bank"


def test_upload_preview_confirm_and_browse(app, page, make):
    trainer = make.user(role="trainer", name="培训讲师甲")
    page.login(trainer.login)
    page.open("/questions")
    page.shot("questions-empty")
    page.click("a[href$='/questions/import']")
    page.set_input_files("#file", str(BANK / "bank_xingzheng_chufa_fa.csv"))
    page.click("#submit")
    page.wait_for_load_state()
    new = int(page.text_content("[data-count=new]"))
    assert new >= 20
    page.shot("questions-preview")
    page.click("button[name=mode][value=all]")
    page.wait_for_load_state()
    assert str(new) in page.text_content("#import-result")
    page.click("a[href*='import_id=']")
    page.wait_for_load_state()
    assert page.locator(".list-group-item").count() == min(new, 30)
    page.shot("questions-list")
    with app.app_context():
        assert db.session.scalar(select(func.count(Question.id))) == new


def test_question_pages_fit_a_phone(phone, make, runner):
    make.user(role="admin", login="admin")
    runner.invoke(args=["questions", "import", str(BANK / "bank_xianfa.csv")])
    trainer = make.user(role="trainer")
    phone.login(trainer.login)
    for path in ("/questions", "/questions/import", "/questions/new", "/questions/format"):
        phone.open(path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 362, path
    phone.open("/questions")
    phone.shot("questions-phone")
