"""The exam page as a cadre's browser gets it: `python -m bench.exam_page [--questions N] [--no-compression]`.

Builds a throw-away platform as `python run.py` does on first start (temporary instance
folder, migrations, the demo data set), serves it on a free local port in a background
thread and opens a running attempt in Debian's Chromium with a cold cache, under three
conditions:

- desktop: 1280×800, no throttling;
- slow phone: 360×740, CPU slowed 4× and Lighthouse's "slow 4G" network (150 ms round trip,
  1.6 Mbit/s down, 750 kbit/s up), as Lighthouse emulates a mid-range phone;
- old phone: 360×740, CPU slowed 6×, network unthrottled.

For each it prints the requests made before the questions are on the page and the bytes
they took on the wire (Chrome DevTools Protocol, Network.loadingFinished encodedDataLength:
body as sent plus headers), the time from navigation to the questions drawn, the long tasks
(main thread busy ≥ 50 ms) until then, and the slowest response to a tap while answering ten
questions (Event Timing, as Interaction to Next Paint counts it). Each condition is run
--runs times with a new cadre (so each page is a first visit) and the median is printed.

The exam is the demo's open exam (40 questions) or, with --questions N, a new exam of N
questions drawn from the demo bank. --no-compression builds the app with COMPRESS=0, for the
figures without compression. Results go in docs/exam-page.md.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6 * 1024 * 1024 / 8,
           "uploadThroughput": 750 * 1024 / 8}
CONDITIONS = [("desktop", DESKTOP, 1, None), ("slow phone: CPU 4×, slow 4G", PHONE, 4, SLOW_4G),
              ("old phone: CPU 6×", PHONE, 6, None)]

#: Runs in the page before its own scripts: when the questions are drawn, the long tasks, the taps.
PROBE = """(() => {
  const probe = window.__probe = {ready: null, longtasks: [], events: []};
  try {
    new PerformanceObserver(list => list.getEntries().forEach(e => probe.longtasks.push(
      {start: e.startTime, duration: e.duration}))).observe({type: 'longtask', buffered: true});
    new PerformanceObserver(list => list.getEntries().forEach(e => probe.events.push(
      {name: e.name, duration: e.duration}))).observe({type: 'event', durationThreshold: 16, buffered: true});
  } catch (e) { /* no such entry type */ }
  new MutationObserver((changes, observer) => {
    if (document.querySelector('#exam.is-ready .exam-q')) {
      probe.ready = performance.now();
      requestAnimationFrame(() => setTimeout(() => { probe.painted = performance.now(); }));
      observer.disconnect();
    }
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
})();"""


def log(message: str) -> None:
    print(message, flush=True)


class Platform:
    """The app on a fresh SQLite database with the demo data, served in a thread."""

    def __init__(self, workdir: Path, compress: bool):
        os.environ["INSTANCE_PATH"] = str(workdir / "instance")
        from trainingapp import create_app
        from trainingapp.platform.database import sqlite_uri
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_uri(str(workdir / "instance")),
                               "COMPRESS_REGISTER": compress})

    def build(self, questions: int | None) -> int:
        """Migrations, the demo data set; returns the id of the exam to open."""
        from flask_migrate import upgrade
        from sqlalchemy import select

        from trainingapp.exams.models import Exam
        from trainingapp.platform.extensions import db
        from trainingapp.web.demo import load_demo
        with self.app.app_context():
            upgrade()
            if not load_demo():
                raise SystemExit("the new database was not empty")
            if not questions:
                return db.session.scalar(select(Exam.id).where(Exam.title == "2026年度在编干部学法考试"))
            return self._exam_of(questions)

    def _exam_of(self, questions: int) -> int:
        from sqlalchemy import select

        from trainingapp.accounts.audience import Audience
        from trainingapp.accounts.models import Department, User
        from trainingapp.exams import authoring
        from trainingapp.exams.marks import default_marks
        from trainingapp.platform import clock
        from trainingapp.platform.extensions import db
        trainer = db.session.scalar(select(User).where(User.login == "trainer"))
        root = db.session.scalar(select(Department).where(Department.parent_id.is_(None)))
        opens = clock.now() - timedelta(hours=1)
        exam = authoring.save_exam(trainer, None, dict(
            title=f"{questions}题学法考试", description="", year=opens.year, opens_at=opens,
            closes_at=opens + timedelta(days=1), latest_start_at=None, duration_minutes=120, attempts_allowed=3,
            counting="best", pass_mark=60, excellent_mark=90, multiple_scoring="all_or_nothing",
            shuffle_questions=True, shuffle_options=True, review_policy="score", tab_switch_limit=None,
            required_credits=None, makeup_of_id=None))
        single, multiple = questions // 2, questions // 4
        authoring.set_rules(exam, [
            {"qtype": "single", "category": None, "difficulty": None, "count": single, "points": 1},
            {"qtype": "multiple", "category": None, "difficulty": None, "count": multiple, "points": 1},
            {"qtype": "truefalse", "category": None, "difficulty": None, "count": questions - single - multiple,
             "points": 1}])
        exam.pass_mark, exam.excellent_mark = default_marks(exam.total_points)
        authoring.set_audience(exam, Audience.of([root.id], [
            "staff", "contract", "auxiliary", "village", "legal_literate", "other"]))
        authoring.publish(trainer, exam)
        return exam.id

    def start(self, login: str, exam_id: int) -> int:
        """Start the cadre's attempt on the server (as the rules page's Start button does)."""
        from sqlalchemy import select

        from trainingapp.accounts.models import User
        from trainingapp.exams import starting
        from trainingapp.platform.extensions import db
        with self.app.app_context():
            attempt, _created = starting.start_attempt(db.session.scalar(select(User).where(User.login == login)),
                                                     exam_id)
            return attempt.id

    def serve(self) -> str:
        import logging

        from werkzeug.serving import make_server
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"


class Network:
    """Every request of a page, from the DevTools protocol: url, type, method, status, bytes on the wire."""

    def __init__(self, cdp):
        self.requests: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.send("Network.enable")

    def _sent(self, event):
        if event["request"]["url"].startswith("data:"):
            return  # drawn from the page itself, nothing on the network
        self.requests[event["requestId"]] = {"url": event["request"]["url"], "method": event["request"]["method"],
                                             "type": event.get("type", ""), "bytes": None, "status": None,
                                             "encoding": ""}

    def _received(self, event):
        found = self.requests.get(event["requestId"])
        if found is not None:
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            found.update(status=event["response"]["status"], encoding=headers.get("content-encoding", ""))

    def _finished(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["bytes"] = event["encodedDataLength"]

    def _failed(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["bytes"] = 0

    def snapshot(self, page, timeout=30.0) -> list[dict]:
        """The requests made so far, once each of them has finished (or failed)."""
        until = time.monotonic() + timeout
        wanted = list(self.requests)
        while any(self.requests[r]["bytes"] is None for r in wanted) and time.monotonic() < until:
            page.wait_for_timeout(50)
        return [dict(self.requests[r]) for r in wanted]


def signed_in_state(browser, base: str, login: str) -> dict:
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


def measure(browser, base: str, state: dict, attempt_id: int, options: dict, cpu: int, network,
            accept_encoding: str | None) -> dict:
    """One cold visit of the attempt page, then ten answers."""
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding else None
    context = browser.new_context(storage_state=state, extra_http_headers=headers, **options)
    context.set_default_timeout(60_000)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    requests = Network(cdp)
    if cpu > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    if network:
        cdp.send("Network.emulateNetworkConditions", network)
    page.add_init_script(PROBE)
    page.goto(f"{base}/my/attempts/{attempt_id}", wait_until="commit")
    page.wait_for_function("() => window.__probe && window.__probe.painted")
    before = requests.snapshot(page)
    probe = page.evaluate("() => window.__probe")
    ready = probe["ready"]
    long_before = [t for t in probe["longtasks"] if t["start"] < ready]
    # Ten answers, as a person gives them: tap an option (then Next, on a phone).
    page.evaluate("() => { window.__probe.events = []; }")
    for index in range(10):
        page.locator(".exam-q").nth(index).locator(".exam-option").first.click()
        if page.is_visible("#exam-next") and page.is_enabled("#exam-next"):
            page.click("#exam-next")
    page.wait_for_function("() => document.querySelectorAll('.exam-save[data-state=saved]').length >= 10")
    taps = page.evaluate("() => window.__probe.events")
    context.close()
    return {
        "requests": len(before), "documents": sum(1 for r in before if r["type"] == "Document"),
        "api_gets": sum(1 for r in before if r["method"] == "GET" and "/api/" in r["url"]),
        "bytes": sum(r["bytes"] or 0 for r in before), "ready_ms": ready, "painted_ms": probe["painted"],
        "long_tasks": len(long_before), "long_ms": sum(t["duration"] for t in long_before),
        "longest_ms": max((t["duration"] for t in long_before), default=0),
        "slowest_tap_ms": max((e["duration"] for e in taps), default=0),
        "detail": [(r["url"].removeprefix(base), r["type"], r["status"], r["encoding"], r["bytes"]) for r in before],
    }


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=0,
                        help="an exam of this many questions from the demo bank (default: the demo's, 40)")
    parser.add_argument("--runs", type=int, default=3, help="visits per condition, median printed (default 3)")
    parser.add_argument("--no-compression", action="store_true", help="build the app with COMPRESS=0")
    parser.add_argument("--accept-encoding", default=None,
                        help="what the browser offers, e.g. 'gzip, deflate' as Chrome does over plain HTTP "
                             "(default: Chrome's own, which adds br and zstd on HTTPS and localhost)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        log(f"no Chromium at {CHROMIUM}: apt-get install chromium")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="trainingapp-exam-page-"))
    try:
        platform = Platform(workdir, compress=not args.no_compression)
        exam_id = platform.build(args.questions)
        base = platform.serve()
        cadres = iter(f"cadre{n:02d}" for n in range(1, 37))
        from playwright.sync_api import sync_playwright
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            log(f"exam page, {args.questions or 40} questions, compression "
                f"{'off' if args.no_compression else 'on'}, Accept-Encoding "
                f"{args.accept_encoding or 'as Chrome sends it'}, median of {args.runs} cold visits")
            for name, options, cpu, network in CONDITIONS:
                runs = []
                for _run in range(args.runs):
                    login = next(cadres)
                    attempt_id = platform.start(login, exam_id)
                    runs.append(measure(browser, base, signed_in_state(browser, base, login), attempt_id,
                                        options, cpu, network, args.accept_encoding))
                first = runs[0]
                log(f"\n{name}")
                log(f"  requests before the questions: {first['requests']} ({first['documents']} document, "
                    f"{first['api_gets']} API GET)")
                for url, kind, status, encoding, size in first["detail"]:
                    log(f"    {size:>8,} B  {status} {kind:<10} {encoding or '-':<5} {url}")
                log(f"  bytes transferred before the questions: {median(runs, 'bytes'):,.0f} B "
                    f"({median(runs, 'bytes') / 1024:.1f} KiB)")
                log(f"  questions on the page after: {median(runs, 'ready_ms'):,.0f} ms "
                    f"(painted {median(runs, 'painted_ms'):,.0f} ms)")
                log(f"  long tasks until then: {median(runs, 'long_tasks'):.0f}, {median(runs, 'long_ms'):,.0f} ms "
                    f"in all, longest {median(runs, 'longest_ms'):,.0f} ms")
                log(f"  slowest of the taps answering ten questions: {median(runs, 'slowest_tap_ms'):,.0f} ms")
            browser.close()
        platform.server.shutdown()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
