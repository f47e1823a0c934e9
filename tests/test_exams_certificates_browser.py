"""The certificate in a real Chromium on a 390 px phone: from the result page, download the
certificate; its QR code's page opens without sign-in (issue #24, part 4)."""
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import _page
from tests.test_exams_certificates import sit, town
from trainingapp.exams.models import Certificate
from trainingapp.platform.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def phone390(browser, live_server):
    context, wrapped = _page(browser, live_server, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                             is_mobile=True, has_touch=True, accept_downloads=True)
    yield wrapped
    context.close()


def test_a_cadre_downloads_the_certificate_from_the_result_page_on_a_phone(app, make, phone390, browser, live_server):
    _root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(name="张喆堃", department=office)
    exam = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)], title="2026年度学法考试")
    _client, attempt_id = sit(app, exam, cadre, {q1.id: "A", q2.id: True})   # 70: 合格

    page = phone390
    page.login(cadre.login)
    page.open(f"/my/attempts/{attempt_id}/result")
    button = page.locator("#download-certificate")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # on screen, no sideways scrolling
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.shot("certificates-result-390")
    with page.expect_download() as caught:
        button.click()
    download = caught.value
    data = open(download.path(), "rb").read()
    assert data.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "合格证书" in text and "张喆堃" in text and "合格" in text and "70" in text

    with app.app_context():
        code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == cadre.id))
    # The QR code's page, in a fresh context: nobody signed in.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        visitor = context.new_page()
        visitor.goto(f"{live_server.url}/verify/{code}")
        assert visitor.locator("#verify-name").inner_text() == "张喆堃"
        assert "有效" in visitor.locator("#verify-status").inner_text()
        assert visitor.evaluate("() => document.documentElement.scrollWidth") <= 390
        from tests.conftest import SCREENSHOTS
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        visitor.screenshot(path=str(SCREENSHOTS / "certificates-verify-390.png"), full_page=True)
    finally:
        context.close()


def test_the_pages_at_desktop_width(app, make, page):
    """Looked at once at 1280 px: the result page's documents box, the verification page, the setting."""
    _root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(department=office)
    exam = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)], title="2026年度学法考试")
    client, attempt_id = sit(app, exam, cadre, {q1.id: "A", q2.id: True, q3.id: False})
    assert client.post(f"/my/exams/{exam.id}/certificate").status_code == 200
    with app.app_context():
        code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == cadre.id))
    page.open(f"/verify/{code}")
    assert page.locator("#verify-band").inner_text() == "优秀"
    page.shot("certificates-verify-desktop")
    page.login(cadre.login)
    page.open(f"/my/attempts/{attempt_id}/result")
    assert page.locator("#download-certificate").is_visible() and page.locator("#download-proof").is_visible()
    page.shot("certificates-result-desktop")
    admin = make.user(role="admin")
    page.context.clear_cookies()
    page.login(admin.login)
    page.open("/exams/certificate-settings")
    assert page.locator("#issuing-unit").input_value() == "共和镇"
    page.shot("certificates-settings-desktop")
