"""Each home page on a 390 px phone, in a real Chromium on the demo data: the to-do list comes first and
nothing scrolls sideways (the lists behind its figures, as cards on a phone: test_layout_browser.py)."""
import pytest

from tests.conftest import _page
from trainingapp.platform.extensions import db

pytestmark = pytest.mark.browser

OVERFLOW = "document.documentElement.scrollWidth"


@pytest.fixture
def demo(app):
    from trainingapp.exams.models import Exam
    from trainingapp.web.demo import load_demo
    with app.app_context():
        assert load_demo()
        ids = list(db.session.scalars(db.select(Exam.id).order_by(Exam.id)))
        db.session.remove()
    return {"finished": ids[0]}


@pytest.fixture
def phone390(browser, live_server):
    context, wrapped = _page(browser, live_server, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                             is_mobile=True, has_touch=True)
    yield wrapped
    context.close()


@pytest.mark.parametrize("role, first", [("cadre", "#todo"), ("trainer", "#todo-running"),
                                          ("liaison", "#todo-roster"), ("admin", "#todo-roster")])
def test_each_home_page_fits_a_390_px_phone_with_its_to_do_list_first(demo, phone390, role, first):
    phone390.login(role, "demo-pass-2026")
    phone390.open("/")
    assert phone390.evaluate(OVERFLOW) <= 392, role
    section = phone390.locator(first)
    assert section.is_visible()
    # The to-do list sits above the navigation cards.
    cards = phone390.locator("text=Everything you can do").or_(phone390.locator("text=全部功能"))
    assert section.bounding_box()["y"] < cards.first.bounding_box()["y"]
    phone390.shot(f"home-phone-{role}")


def test_home_pages_on_a_desktop_keep_tables(demo, page):
    page.login("admin", "demo-pass-2026")
    page.open("/")
    assert page.locator("#todo-roster").is_visible()
    if page.locator("#open-exams").count():
        assert page.locator("#open-exams tbody tr").first.evaluate("tr => getComputedStyle(tr).display") == "table-row"
    page.shot("home-desktop-admin")
