"""A paper in sections in a real Chromium at 390 px (issue #24): the headings above their questions,
the navigator grouped by section, answering through the sections one question at a time and
submitting; the trainer's section editor at phone and desktop width."""
from __future__ import annotations

import pytest

from tests.conftest import BrowserPage
from tests.test_exams_browser import answer, attempt_row, paper, saved_answers, wait_saved
from trainingapp.exams.sections import DEFAULT_TITLES

pytestmark = pytest.mark.browser

PHONE_390 = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
             "has_touch": True}


@pytest.fixture
def phone390(browser, live_server):
    context = browser.new_context(**PHONE_390)
    context.set_default_timeout(10_000)
    yield BrowserPage(context.new_page(), live_server.url)
    context.close()


def fits(page, width=390):
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width + 2, (page.url, scrolled)


def test_take_a_sectioned_exam_on_a_390_px_phone(app, make, phone390):
    make.bank({"single": 4, "multiple": 3, "truefalse": 4, "fill": 2})
    trainer, cadre = make.user(role="trainer"), make.user(role="cadre", name="考生丁")
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 2, 10), ("single", 3, 10), ("fill", 1, 20),
                                              ("multiple", 1, 20)], title="2026年度学法考试（分大题）")
    phone = phone390
    phone.login(cadre.login)
    phone.open(f"/my/exams/{exam.id}")
    phone.click("#start")
    phone.wait_for_url("**/my/attempts/*")
    phone.wait_for_selector("#exam.is-ready")
    attempt_id = int(phone.url.rsplit("/", 1)[1])
    questions = paper(phone)
    types = [qtype for _qid, qtype in questions]
    assert types == sorted(types, key=list(DEFAULT_TITLES).index)  # the page shows the paper in its sections
    headings = ["一、单项选择题（共3题，每题10分）", "二、多项选择题（共1题，每题20分）",
                "三、判断题（共2题，每题10分）", "四、填空题（共1题，每题20分）"]
    assert phone.locator(".exam-section-heading").all_text_contents() == headings

    # The navigator: numbers grouped under their headings, numbering running on.
    phone.click("#exam-nav-box summary")
    assert phone.locator(".exam-nav-heading").all_text_contents() == headings
    groups = phone.eval_on_selector_all(
        ".exam-nav-list", "lists => lists.map(l => [...l.querySelectorAll('.exam-nav-no')].map(n => n.textContent))")
    assert groups == [["1", "2", "3"], ["4"], ["5", "6"], ["7"]]
    fits(phone)
    phone.shot("sections-navigator-390")
    phone.click("#exam-nav-box summary")

    # One question at a time: the current question's section heading is shown above it, only it.
    assert phone.get_attribute("#exam", "data-layout") == "one"
    expected = {}
    for index, (qid, qtype) in enumerate(questions):
        visible = phone.locator(".exam-section-heading:visible").all_text_contents()
        assert visible == [headings[[0, 0, 0, 1, 2, 2, 3][index]]], (index, visible)
        assert phone.locator(".exam-q:visible").count() == 1 and phone.is_visible(f"#q-{qid}")
        expected[qid] = answer(phone, app, qid, qtype)
        if index == 4:
            fits(phone)
            phone.shot("sections-exam-390")
        if index < len(questions) - 1:
            phone.click("#exam-next")
    wait_saved(phone, len(questions) - 1)

    # A number in the navigator jumps across sections.
    phone.click("#exam-nav-box summary")
    phone.click(f'.exam-nav-btn[data-qid="{questions[1][0]}"]')
    assert phone.locator(".exam-section-heading:visible").all_text_contents() == [headings[0]]
    assert phone.locator(".exam-nav-btn.is-answered").count() == len(questions)

    phone.click("#exam-submit")
    phone.wait_for_selector("#exam-confirm-modal.show")
    phone.click("#exam-confirm")
    phone.wait_for_url(f"**/my/attempts/{attempt_id}/result")
    assert attempt_row(app, attempt_id)["status"] == "submitted"
    assert saved_answers(app, attempt_id) == expected


def test_all_questions_layout_shows_every_heading_once(app, make, page):
    make.bank({"single": 3, "truefalse": 3})
    trainer, cadre = make.user(role="trainer"), make.user(role="cadre")
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 2, 25), ("single", 2, 25)])
    page.login(cadre.login)
    page.open(f"/my/exams/{exam.id}")
    page.click("#start")
    page.wait_for_selector("#exam.is-ready")
    assert page.get_attribute("#exam", "data-layout") == "all"
    assert page.locator(".exam-section-heading:visible").all_text_contents() == [
        "一、单项选择题（共2题，每题25分）", "二、判断题（共2题，每题25分）"]
    assert page.locator(".exam-q:visible").count() == 4
    page.shot("sections-exam-desktop")


def test_the_section_editor_at_phone_and_desktop_width(app, make, page, phone390):
    make.bank({"single": 3, "multiple": 2, "truefalse": 3, "fill": 2})
    trainer = make.user(role="trainer")
    exam = make.exam(trainer, [make.user()], rules=[("single", 3, 4), ("truefalse", 3, 2), ("fill", 2, 3)],
                     publish=False)
    for browser_page, name in ((page, "desktop"), (phone390, "390")):
        browser_page.login(trainer.login)
        browser_page.open(f"/exams/{exam.id}/paper#sections")
        browser_page.shot(f"sections-editor-{name}")
        if name == "390":
            fits(browser_page)
    # Rows in the default order: single, multiple, true/false, fill.
    for row, place in ((1, "3"), (2, "4"), (3, "1"), (4, "2")):
        page.select_option(f"#section-place-{row}", place)
    page.fill("#section-title-3", "判断题（宪法）")
    page.click("form:has(#section-editor) button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#section-preview li").all_text_contents() == [
        "一、判断题（宪法）（共3题，每题2分）", "二、填空题（共2题，每题3分）", "三、单项选择题（共3题，每题4分）"]
    page.shot("sections-editor-saved-desktop")
