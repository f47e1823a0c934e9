"""In a real Chromium: a cadre opens the article a question cites from the review of a finished
exam (desktop and a 390 px phone); the trainer's citation pages fit a phone."""
from datetime import date

import pytest

from tests.cited_laws import PENALTY_2017, PENALTY_2021, add_version, announce, cite, make_law
from tests.conftest import _page, login

pytestmark = pytest.mark.browser


@pytest.fixture
def phone390(browser, live_server):
    context, wrapped = _page(browser, live_server, viewport={"width": 390, "height": 844},
                             device_scale_factor=1, is_mobile=True, has_touch=True)
    yield wrapped
    context.close()


def finished_attempt(app, make):
    """A cadre who sat an exam of one question citing 《行政处罚法》第六十四条 and got it wrong."""
    make_law(app)
    question_id = cite(app, make, "《行政处罚法》第六十四条", qtype="truefalse", answer=True,
                       stem="当事人要求听证的，应当在行政机关告知后三日内提出。")
    trainer, cadre = make.user(role="trainer"), make.user(name="考生丁")
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 1, 100)], review_policy="after_submit",
                     protect_questions=False, title="行政处罚法学习测试")
    client = app.test_client()
    login(client, cadre)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    client.put(f"/api/attempts/{body['attempt_id']}/answers/{question_id}", json={"answer": False, "seq": 1})
    assert client.post(f"/api/attempts/{body['attempt_id']}/submit").status_code == 200
    return cadre, body["attempt_id"]


def test_a_cadre_opens_the_cited_article_from_the_review(app, make, page, phone390):
    cadre, attempt_id = finished_attempt(app, make)
    for view, name in ((page, "desktop"), (phone390, "390")):
        view.login(cadre.login)
        view.open(f"/my/attempts/{attempt_id}/result")
        item = view.locator("#review .review-item").first
        cited = item.locator("[data-cited]")
        assert not cited.is_visible()  # folded until asked for
        item.locator("details summary").click()
        assert cited.is_visible()
        assert "《行政处罚法》第六十四条" in cited.text_content()
        assert PENALTY_2017[64] in cited.text_content()
        width = view.evaluate("document.documentElement.scrollWidth")
        assert width <= (1282 if name == "desktop" else 392), width
        view.shot(f"cadre-review-cited-article-{name}")
        link = cited.locator("a[data-article-link]")
        if link.count():  # the law library's article page (laws.article) is part of the app
            link.first.click()
            view.wait_for_load_state()
            assert PENALTY_2017[64] in view.text_content("body")


def test_the_trainer_pages_fit_a_phone(app, make, page, phone390):
    law_id, (v2017,) = make_law(app)
    cite(app, make, "《行政处罚法》第六十四条", stem="听证申请期限是告知后几日？")
    cite(app, make, "《行政许可法》第十二条", stem="哪些事项可以设定行政许可？")
    v2021 = add_version(app, law_id, date(2021, 7, 15), PENALTY_2021)
    announce(app, law_id, v2017, v2021)
    trainer = make.user(role="trainer")
    for view, name in ((page, "desktop"), (phone390, "390")):
        view.login(trainer.login)
        for path, shot, marker in (("/questions/reviews", "trainer-questions-to-review", "[data-review-question]"),
                                   ("/questions/citations", "trainer-citations-not-found", "[data-unresolved]"),
                                   ("/reports/coverage", "trainer-question-coverage", "h1")):
            view.open(path)
            assert view.locator(marker).count() >= 1
            width = view.evaluate("document.documentElement.scrollWidth")
            assert width <= (1282 if name == "desktop" else 392), (path, width)
            view.shot(f"{shot}-{name}")
            if path == "/questions/reviews":  # the diff is marked up, not shown as tags
                assert view.locator(".diff-new ins").count() >= 1 and "<ins>" not in view.text_content("body")
