"""Review that teaches in a real Chromium on a 390 px phone: take an `after_submit` exam, submit,
and read every question with the answer given, the correct answer, the explanation and the
legal basis on the result page."""
import pytest

from tests.conftest import _page
from tests.test_exams_browser import give, key_of, paper

pytestmark = pytest.mark.browser


@pytest.fixture
def phone390(browser, live_server):
    # One image pixel per CSS pixel, as the guides' phone screenshots.
    context, wrapped = _page(browser, live_server, viewport={"width": 390, "height": 844},
                             device_scale_factor=1, is_mobile=True, has_touch=True)
    yield wrapped
    context.close()


def test_review_right_after_submitting_on_a_phone(app, make, phone390, page):
    desktop = page
    page = phone390
    for n in range(2):
        make.question("single", explanation=f"单选解析{n}")
        make.question("truefalse", explanation=f"判断解析{n}")
    trainer, cadre = make.user(role="trainer"), make.user(name="考生丙")
    exam = make.exam(trainer, [cadre], rules=[("single", 2, 25), ("truefalse", 2, 25)], review_policy="after_submit",
                     protect_questions=False, title="学法模拟自测")

    page.login(cadre.login)
    page.open("/my/exams")
    assert "交卷后即可查看答案和解析" in page.text_content(f'[data-exam-id="{exam.id}"] .review-notice')
    page.shot("cadre-my-exams-review-notice-390")
    page.open(f"/my/exams/{exam.id}")
    assert "交卷后即可查看答案和解析" in page.text_content("#review-notice")
    page.shot("cadre-exam-rules-review-notice-390")
    page.click("#start")
    page.wait_for_url("**/my/attempts/*")
    page.wait_for_selector("#exam.is-ready")
    attempt_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    questions = paper(page)
    # The first question wrong, the rest right.
    for index, (qid, qtype) in enumerate(questions):
        key = key_of(app, qid)
        give(page, qid, qtype, (not key) if qtype == "truefalse" and index == 0 else key,
             wrong=index == 0 and qtype == "single")
        if index < len(questions) - 1:
            page.click("#exam-next")
    page.wait_for_function("n => document.querySelectorAll('.exam-save[data-state=saved]').length === n",
                           arg=len(questions))
    page.click("#exam-submit")
    page.wait_for_selector("#exam-confirm-modal.show")
    page.click("#exam-confirm")
    page.wait_for_url(f"**/my/attempts/{attempt_id}/result")

    assert "75" in page.text_content("#result-score")
    assert "交卷后即可查看答案和解析" in page.text_content("#review-notice")
    items = page.locator("#review .review-item")
    assert items.count() == 4
    text = page.text_content("#review")
    assert text.count("正确答案") >= 4 and text.count("您的答案") >= 4 and text.count("依据条款") == 4
    for n in range(2):
        assert f"单选解析{n}" in text and f"判断解析{n}" in text
    assert text.count("《某法》第一条") == 4
    assert page.locator("#review .text-bg-danger").count() == 1  # the one wrong answer, marked
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, width
    page.shot("cadre-exam-review-after-submit-390")

    # The same review at desktop width.
    desktop.login(cadre.login)
    desktop.open(f"/my/attempts/{attempt_id}/result")
    assert desktop.locator("#review .review-item").count() == 4
    desktop.shot("cadre-exam-review-after-submit-desktop")
