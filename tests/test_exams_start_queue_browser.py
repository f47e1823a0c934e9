"""The rules page's start button when the server's places for starts are taken: the page shows
"排队中，第N位，约M秒", waits, then starts by itself, and exactly one attempt exists."""
import json

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from trainingapp.exams.models import Attempt
from trainingapp.platform.extensions import db

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_the_start_button_waits_in_the_queue_then_starts_once(app, make, browser, live_server, viewport):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre])
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login")
        page.fill("#login", cadre.login)
        page.fill("#password", PASSWORD)
        page.click("#submit")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/my/exams/{exam.id}")
        seen = {"queued": 0, "passed": 0}
        queue = {"queued": True, "position": 3, "retry_after": 1, "error": "排队中，第3位，约1秒。", "code": "queued"}

        def throttle(route):
            # The first two starts find the places taken, as at the opening minute; the third gets through.
            if route.request.method == "POST" and seen["queued"] < 2:
                seen["queued"] += 1
                route.fulfill(status=503, headers={"Retry-After": "1"}, content_type="application/json",
                              body=json.dumps(queue))
            else:
                seen["passed"] += 1
                route.continue_()

        page.route(f"**/my/exams/{exam.id}/start", throttle)
        page.click("#start")
        page.wait_for_function("() => document.getElementById('start-queue').textContent"
                               ".includes('排队中，第3位，约1秒')")
        assert page.is_visible("#start-queue") and page.is_disabled("#start")
        assert page.url.endswith(f"/my/exams/{exam.id}")
        page.screenshot(path=f"/tmp/sync28-queue-{viewport['width']}.png", full_page=True)
        page.wait_for_url("**/my/attempts/*")
        page.wait_for_selector("#exam.is-ready")
        assert seen == {"queued": 2, "passed": 1}
        with app.app_context():
            attempts = db.session.scalars(select(Attempt.id)).all()
            assert db.session.scalar(select(func.count(Attempt.id))) == 1
        assert page.url.endswith(f"/my/attempts/{attempts[0]}")
    finally:
        context.close()


def test_without_javascript_the_form_shows_the_queue_on_a_page_that_returns_by_itself(app, make, browser, live_server):
    from trainingapp.exams.admission import StartGate
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre])
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    gate = StartGate(limit=1, wait=0)
    app.extensions["start_gate"] = gate
    try:
        page.goto(f"{live_server.url}/login")
        page.fill("#login", cadre.login)
        page.fill("#password", PASSWORD)
        page.click("#submit")
        page.goto(f"{live_server.url}/my/exams/{exam.id}")
        with gate.admitted():  # another candidate's start holds the only place
            page.click("#start")
            page.wait_for_selector("#start-queue-page")
        assert "排队中，第2位" in page.text_content("#start-queue-page")
        page.screenshot(path="/tmp/sync28-queue-nojs-390.png", full_page=True)
        # The page goes back to the rules page by itself (meta refresh), where the button starts.
        page.wait_for_url(f"**/my/exams/{exam.id}")
        page.click("#start")
        page.wait_for_url("**/my/attempts/*")
        with app.app_context():
            assert db.session.scalar(select(func.count(Attempt.id))) == 1
    finally:
        app.extensions.pop("start_gate", None)
        context.close()
