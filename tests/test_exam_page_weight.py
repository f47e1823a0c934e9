"""The exam page as a person feels it (issue #9), in a real Chromium against the app served by a
real server (the live_server fixture: the app's own compression is in the way, as in production).

- One round trip plus static files: a cold visit of a running attempt makes one document
  request; the paper and the saved answers come embedded in it, and nothing is fetched from
  the API before the questions are on the page. Everything comes from the platform itself.
- Under 150 KB on the wire until the questions show, for a 100-question paper of the sample
  bank's real questions, with a cold cache, the browser offering gzip only (as Chrome does over
  plain HTTP on an intranet; brotli, over HTTPS, is smaller still).
- A second visit revalidates the static files with their ETags (304, no body).
- A slow phone (360 px, CPU slowed 6× through the DevTools protocol) takes a whole exam: every
  answer acknowledged on the page and stored, a changed answer stored as changed, a flag, the
  navigator and the pager, the submission and the result.

No time is asserted: speed is measured by `python -m bench.exam_page` (docs/exam-page.md); the
tests assert what happens, under throttling too.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.test_exams_browser import give, key_of
from trainingapp.exams import starting
from trainingapp.exams.models import Answer, Attempt
from trainingapp.platform.extensions import db

pytestmark = pytest.mark.browser

BUDGET = 150_000  # bytes on the wire before the questions show
GZIP_ONLY = {"Accept-Encoding": "gzip, deflate"}
PAPER_OF_100 = [("single", 50, 1), ("multiple", 20, 1), ("truefalse", 20, 1), ("fill", 10, 1)]
SLOW_PHONE_CPU = 6  # Lighthouse slows the CPU 4× for a mid-range phone; an old one is slower


class Network:
    """Every request of a page from the DevTools protocol: url, type, method, status, encoding and
    the bytes it took on the wire (Network.loadingFinished encodedDataLength: headers and body as sent).

    status is what the server answered (a revalidated file: 304), where the page sees the cached 200.
    """

    def __init__(self, cdp):
        self.requests: dict[str, dict] = {}
        self.wire_status: dict[str, int] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.responseReceivedExtraInfo", self._raw)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.send("Network.enable")

    def _sent(self, event):
        if not event["request"]["url"].startswith("data:"):  # drawn from the page itself
            self.requests[event["requestId"]] = {"url": event["request"]["url"], "method": event["request"]["method"],
                                                 "type": event.get("type", ""), "status": None, "encoding": "",
                                                 "bytes": None}

    def _received(self, event):
        if event["requestId"] in self.requests:
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            self.requests[event["requestId"]].update(status=event["response"]["status"],
                                                     encoding=headers.get("content-encoding", ""))

    def _raw(self, event):
        self.wire_status[event["requestId"]] = event["statusCode"]  # may come before or after the above

    def _finished(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["bytes"] = event["encodedDataLength"]

    def _failed(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["bytes"] = 0

    def take(self, page, timeout=15.0) -> list[dict]:
        """The requests made so far, once each has finished; the recorder starts afresh."""
        until = time.monotonic() + timeout
        while any(r["bytes"] is None for r in self.requests.values()) and time.monotonic() < until:
            page.wait_for_timeout(50)
        taken = [{**request, "status": self.wire_status.get(key, request["status"])}
                 for key, request in self.requests.items()]
        self.requests, self.wire_status = {}, {}
        return taken


def listing(requests, base):
    return "\n".join(f"  {r['bytes'] or 0:>8,} B  {r['status']} {r['type']:<10} {r['encoding'] or '-':<5} "
                     f"{r['url'].removeprefix(base)}" for r in requests)


def signed_in_state(browser, base, login):
    """The cookies of a signed-in person, from a context of its own (so the next one's cache is cold)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_load_state()
    state = context.storage_state()
    context.close()
    return state


def start_attempt(app, person, exam_id):
    with app.app_context():
        attempt, _created = starting.start_attempt(db.session.merge(person), exam_id)
        attempt_id = attempt.id
        db.session.remove()
    return attempt_id


@pytest.fixture
def sample_bank(app, make):
    """The 348 real questions of question_bank/, imported as the demo does."""
    from trainingapp.web.demo import load_questionbank_demo
    admin = make.user(role="admin")
    with app.app_context():
        assert load_questionbank_demo(admin.login) > 300
        db.session.commit()
        db.session.remove()


def test_the_exam_page_loads_in_one_round_trip_under_150_kb(app, make, browser, live_server, sample_bank):
    trainer, cadre = make.user(role="trainer"), make.user(role="cadre", name="考生丙")
    exam = make.exam(trainer, [cadre], rules=PAPER_OF_100, duration=120)
    attempt_id = start_attempt(app, cadre, exam.id)
    base, url = live_server.url, f"{live_server.url}/my/attempts/{attempt_id}"

    context = browser.new_context(storage_state=signed_in_state(browser, base, cadre.login),
                                  extra_http_headers=GZIP_ONLY, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        network = Network(context.new_cdp_session(page))
        page.goto(url)
        page.wait_for_selector("#exam.is-ready")
        assert page.locator(".exam-q").count() == 100
        assert page.locator(".exam-q").first.is_visible()
        cold = network.take(page)
        shown = listing(cold, base)

        documents = [r for r in cold if r["type"] == "Document"]
        assert [(r["url"], r["status"]) for r in documents] == [(url, 200)], shown  # no redirect, no second page
        assert not [r for r in cold if r["type"] in ("Fetch", "XHR")], shown  # the paper came with the page
        assert not [r for r in cold if "/api/" in r["url"]], shown
        assert all(r["url"].startswith(base + "/") for r in cold), shown  # no CDN: intranets have none
        assert {r["type"] for r in cold} <= {"Document", "Stylesheet", "Script", "Image", "Font", "Other"}, shown
        text = [r for r in cold if r["type"] in ("Document", "Stylesheet", "Script")]
        assert all(r["encoding"] == "gzip" for r in text), shown
        total = sum(r["bytes"] for r in cold)
        assert total < BUDGET, f"{total:,} B before the questions show, budget {BUDGET:,}:\n{shown}"
        print(f"cold visit of a 100-question exam page, gzip: {total:,} B\n{shown}")  # seen with -s

        # Coming back (a reload, another day): the static files are revalidated, not sent again.
        page.goto(url)
        page.wait_for_selector("#exam.is-ready")
        warm = network.take(page)
        static = [r for r in warm if r["type"] in ("Stylesheet", "Script")]
        assert static and all(r["status"] == 304 for r in static), listing(warm, base)
    finally:
        context.close()


# --- a slow phone -----------------------------------------------------------------------------------

def stored(app, attempt_id):
    with app.app_context():
        rows = {a.question_id: a.response for a in db.session.scalars(
            select(Answer).where(Answer.attempt_id == attempt_id))}
        attempt = db.session.get(Attempt, attempt_id)
        status, score = attempt.status, attempt.score
        db.session.remove()
    return rows, status, score


def test_a_slow_phone_takes_a_whole_exam(app, make, phone):
    make.bank({"single": 4, "multiple": 2, "truefalse": 2, "fill": 2})
    trainer, cadre = make.user(role="trainer"), make.user(role="cadre", name="考生丁")
    exam = make.exam(trainer, [cadre], duration=60,
                     rules=[("single", 4, 10), ("multiple", 2, 10), ("truefalse", 2, 10), ("fill", 2, 10)])
    phone.page.context.set_default_timeout(30_000)  # six times slower, and CI may be busy too
    cdp = phone.page.context.new_cdp_session(phone.page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOW_PHONE_CPU})

    phone.login(cadre.login)
    phone.open(f"/my/exams/{exam.id}")
    phone.click("#start")
    phone.wait_for_url("**/my/attempts/*")
    phone.wait_for_selector("#exam.is-ready")
    attempt_id = int(phone.url.rstrip("/").rsplit("/", 1)[1])
    assert phone.get_attribute("#exam", "data-layout") == "one"
    paper = [(int(qid), qtype) for qid, qtype in phone.eval_on_selector_all(
        ".exam-q", "boxes => boxes.map(b => [b.dataset.qid, b.dataset.type])")]
    assert len(paper) == 10

    # Every question in turn, with Next; the third one flagged for review.
    expected = {}
    for index, (qid, qtype) in enumerate(paper):
        assert phone.is_visible(f"#q-{qid}") and phone.locator(".exam-q:visible").count() == 1
        expected[qid] = give(phone, qid, qtype, key_of(app, qid))
        if index == 2:
            phone.click(f"#q-{qid} .exam-flag")
            assert phone.get_attribute(f"#q-{qid} .exam-flag", "aria-pressed") == "true"
        if index < len(paper) - 1:
            phone.click("#exam-next")

    # Back with Previous, then to a single-choice question through the navigator: change its answer.
    phone.click("#exam-prev")
    assert phone.is_visible(f"#q-{paper[-2][0]}")
    changed, _type = next((qid, qtype) for qid, qtype in paper if qtype == "single")
    phone.click("#exam-nav-box summary")
    phone.click(f'.exam-nav-btn[data-qid="{changed}"]')
    assert phone.is_visible(f"#q-{changed}") and phone.locator(".exam-q:visible").count() == 1
    expected[changed] = give(phone, changed, "single", key_of(app, changed), wrong=True)

    # Every answer acknowledged by the server, on the page and in the database.
    phone.wait_for_function("n => document.querySelectorAll('.exam-save[data-state=saved]').length === n",
                            arg=len(paper))
    phone.wait_for_function("() => document.querySelector('#exam-saved').dataset.state === 'saved'")
    assert phone.locator(".exam-nav-btn.is-answered").count() == len(paper)
    assert phone.locator(".exam-nav-btn.is-flagged").count() == 1
    rows, status, _score = stored(app, attempt_id)
    assert rows == expected and status == "in_progress"

    phone.click("#exam-submit")
    phone.wait_for_selector("#exam-confirm-modal.show")
    assert "alert-success" in phone.get_attribute("#exam-confirm-unanswered", "class")  # all answered
    assert phone.is_visible("#exam-confirm-flagged")  # the flagged one is named before submitting
    assert "3" in phone.text_content("#exam-confirm-flagged")
    phone.click("#exam-confirm")
    phone.wait_for_url(f"**/my/attempts/{attempt_id}/result")
    rows, status, score = stored(app, attempt_id)
    assert status == "submitted" and rows == expected
    assert score == 90  # ten questions of 10 points, one changed to a wrong answer
    assert "90" in phone.text_content("#result-score")
