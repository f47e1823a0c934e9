"""A trainer marks subjective answers with the keyboard only, in a real browser (issue #25 part 3)."""
import pytest
from sqlalchemy import select

from tests.test_exams_marking import marks_of, setting_up, url
from trainingapp.exams.models import Attempt
from trainingapp.platform.extensions import db

pytestmark = pytest.mark.browser


def test_a_trainer_marks_two_answers_using_only_the_keyboard(app, make, page, browser, live_server):
    trainer, exam, (_single, short, _case), _people, attempts = setting_up(app, make, cadres=2)
    page.login(trainer.login)
    page.open(url(exam, short))
    page.wait_for_selector("#marking-form")
    assert "答卷 #1" in page.inner_text("#script-number")
    assert page.evaluate("document.activeElement.id") == "p0_1"  # the first field has the focus
    # Digits into the focused field, Tab to the next, Enter saves and opens the next answer.
    page.keyboard.type("12")
    page.keyboard.press("Tab")
    page.keyboard.type("4.5")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    assert "19.5" in page.inner_text("#mark-total")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#script-number")
    assert "答卷 #2" in page.inner_text("#script-number")
    assert "已阅 1/2" in page.inner_text("#marking-progress")
    page.shot("marking-answer-desktop")
    for value in ("6", "6", "0"):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Nothing left: back on the overview, both answers marked.
    page.wait_for_selector("#marking-queues")
    with app.app_context():
        ids = db.session.scalars(select(Attempt.id).where(Attempt.exam_id == exam.id).order_by(Attempt.id)).all()
    assert [marks_of(app, attempt_id, short.id)["first"][0] for attempt_id in ids] == [19.5, 12.0]
    # Alt+P goes back to the previous answer from answer #2, showing the mark given.
    page.open(url(exam, short, number=2))
    with page.expect_navigation():
        page.keyboard.press("Alt+p")
    assert "答卷 #1" in page.inner_text("#script-number")
    assert page.input_value("#p0_2") == "4.5"


def test_the_marking_page_fits_a_phone(app, make, browser, live_server):
    from tests.conftest import _page
    trainer, exam, (_single, _short, case), _people, _attempts = setting_up(app, make, cadres=1)
    context, phone = _page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True,
                           has_touch=True)
    try:
        phone.login(trainer.login)
        phone.open(url(exam, case, number=1))
        phone.wait_for_selector("#marking-form")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.shot("marking-answer-phone")
        phone.open(f"/exams/{exam.id}/marking")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
