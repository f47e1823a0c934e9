"""A case analysis written in a real Chromium: the type shows its fields, sub-questions are
added and removed, and the list shows the reference answers; at desktop and at phone width."""
import pytest
from sqlalchemy import select

from tests.conftest import _page
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question

pytestmark = pytest.mark.browser


@pytest.fixture
def phone390(browser, live_server):
    context, wrapped = _page(browser, live_server, viewport={"width": 390, "height": 844},
                             device_scale_factor=2, is_mobile=True, has_touch=True)
    yield wrapped
    context.close()


def _write_a_case(app, page, make, name):
    trainer = make.user(role="trainer")
    page.login(trainer.login)
    page.open("/questions/new")
    assert page.is_visible("#option_A") and not page.is_visible("#part_1_reference")
    page.select_option("#qtype", "short")
    assert page.is_visible("#part_1_reference") and not page.is_visible("#part_1_stem")
    assert not page.is_visible("#option_A") and not page.is_visible("#answer")
    page.select_option("#qtype", "case")
    assert page.is_visible("#part_1_stem") and not page.is_visible("#part_2_stem")
    page.fill("#stem", "某县市场监管局查明甲公司销售过期食品，拟罚款十五万元，未告知听证权利即作出处罚决定。")
    parts = [("处罚程序是否合法？", "6", "不合法。"), ("临时小题", "1", "删"),
             ("甲公司如何救济？", "4", "复议或者诉讼。")]
    for number, (text, marks, reference) in enumerate(parts, start=1):
        if number > 1:
            page.click("[data-add-part]")
        page.fill(f"#part_{number}_stem", text)
        page.fill(f"#part_{number}_marks", marks)
        page.fill(f"#part_{number}_reference", reference)
    page.fill("#part_1_rubric", "答出不合法（2分）\n答出未告知听证（4分）")
    page.locator("[data-part='2'] [data-remove-part]").click()
    assert page.input_value("#part_2_stem") == "甲公司如何救济？" and not page.is_visible("#part_3_stem")
    page.shot(f"{name}-edit")
    page.click("#submit")
    page.wait_for_load_state()
    with app.app_context():
        question = db.session.scalars(select(Question)).one()
        assert question.options == ["处罚程序是否合法？", "甲公司如何救济？"] and question.points == 10
    page.open("/questions?qtype=case")
    assert "答出未告知听证" in page.text_content("main")
    page.shot(f"{name}-list")


def test_write_a_case_analysis_at_desktop_width(app, page, make):
    _write_a_case(app, page, make, "subjective-desktop")


def test_write_a_case_analysis_on_a_phone(app, phone390, make):
    _write_a_case(app, phone390, make, "subjective-phone")
    width = phone390.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
