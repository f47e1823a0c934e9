"""Fixtures: one app and schema per test session (built by the real migrations), a clean
database for every test, a client, factories and a sign-in helper.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set. Under pytest-xdist every
worker gets its own database.
"""
from __future__ import annotations

import os
import tempfile
import time
from datetime import timedelta
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from trainingapp import create_app
from trainingapp.platform import clock
from trainingapp.platform.config import TestConfig
from trainingapp.platform.extensions import db

PASSWORD = "correct-horse-42"
_serial = count(1)


def _database_url(tmp_root: Path, suffix: str = "") -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main") + suffix
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / f'test-{worker}.sqlite3'}"
    from trainingapp.platform.database import normalise_url
    url = make_url(normalise_url(url))
    if worker == "main" and not suffix:
        return url.render_as_string(hide_password=False)
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app():
    tmp_root = Path(tempfile.mkdtemp(prefix="trainingapp-tests-"))
    application = create_app({
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_root),
        **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()
           if k != "SQLALCHEMY_DATABASE_URI"},
    })
    application.instance_path = str(tmp_root / "instance")
    Path(application.instance_path).mkdir(parents=True, exist_ok=True)
    with application.app_context():
        # The models build the test schema; test_platform checks the migrations build the same.
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _wipe():
    """Empty every table, children first, so each test starts from nothing.

    A request a browser test left in flight on the live server (a study heartbeat) can still hold
    rows when the next test starts; PostgreSQL may then pick the wipe as a deadlock's victim, and
    the wipe simply runs again once that request is done."""
    from sqlalchemy.exc import OperationalError
    for attempt in range(3):
        db.session.rollback()
        try:
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            return
        except OperationalError:
            db.session.rollback()
            if attempt == 2:
                raise
            time.sleep(0.5)


@pytest.fixture(autouse=True)
def _clean_state(request):
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        _wipe()
    clock.reset()
    from trainingapp.exams import paper_texts, saving, starting
    from trainingapp.platform.extensions import limiter
    limiter.reset()
    # Ids start again in each test's wiped database: what one test's saves taught this process
    # would make another's statement counts depend on the order tests run in.
    saving.forget_save_hints()
    starting.forget_draw_inputs()
    paper_texts.forget()
    from trainingapp.web import first_start
    first_start.forget(application)  # another test's demo accounts must not put the warning on this one's pages
    yield
    clock.reset()
    with application.app_context():
        db.session.remove()


@pytest.fixture
def ctx(app):
    """An application context for tests that call services or query directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Factory:
    """Small builders for departments and people; each commits so the app sees it."""

    def __init__(self, app):
        self.app = app

    def department(self, name=None, parent=None, code=None):
        from trainingapp.accounts.models import Department
        with self.app.app_context():
            department = Department(name=name or f"部门{next(_serial)}",
                                    parent_id=getattr(parent, "id", parent), code=code)
            db.session.add(department)
            db.session.commit()
            db.session.refresh(department)
            db.session.expunge(department)
            return department

    def user(self, login=None, *, role="cadre", department=None, category="staff", name=None,
             password=PASSWORD, must_change=False, status="active", post=""):
        from trainingapp.accounts.models import User
        department = department or self.department()
        with self.app.app_context():
            person = User(login=login or f"u{next(_serial):05d}", name=name or f"人员{next(_serial)}",
                          department_id=getattr(department, "id", department), category=category,
                          role=role, status=status, post=post)
            person.set_password(password, must_change=must_change)
            db.session.add(person)
            db.session.commit()
            db.session.refresh(person)
            db.session.expunge(person)
            return person


    def question(self, qtype="single", *, category="行政处罚法", difficulty="medium", stem=None, options=None,
                 answer=None, points=None, active=True, explanation="解析"):
        """One question in the bank; answers default to the first option / true / one blank."""
        from trainingapp.questionbank.models import Question
        from trainingapp.questionbank.parsing import QuestionData
        defaults = {"single": (["甲", "乙", "丙", "丁"], "A"), "multiple": (["甲", "乙", "丙", "丁"], ["A", "B"]),
                    "truefalse": ([], True), "fill": ([], [["十五日", "15日"]])}
        default_options, default_answer = defaults[qtype]
        data = QuestionData(qtype=qtype, stem=stem or f"{qtype}题{next(_serial)}" + ("____" if qtype == "fill" else ""),
                            options=default_options if options is None else options,
                            answer=default_answer if answer is None else answer, points=points,
                            difficulty=difficulty, category=category, explanation=explanation,
                            basis="《某法》第一条", is_active=active)
        with self.app.app_context():
            question = Question()
            question.apply(data)
            db.session.add(question)
            db.session.commit()
            db.session.refresh(question)
            db.session.expunge(question)
            return question

    def bank(self, counts=None, category="行政处罚法"):
        """Several questions per type: counts like {"single": 5, "truefalse": 3}."""
        counts = counts or {"single": 6, "multiple": 3, "truefalse": 3, "fill": 2}
        return [self.question(qtype, category=category) for qtype, n in counts.items() for _ in range(n)]

    def exam(self, creator, candidates, *, rules=None, fixed=None, opens_in=timedelta(minutes=-5),
             lasts=timedelta(days=1), duration=30, publish=True, **settings):
        """An exam over the bank with these people as candidates (published unless told not to).

        rules: [(qtype, count, points)], default 3 single × 10 + ... built from what exists.
        """
        from trainingapp.accounts.audience import Audience
        from trainingapp.accounts.models import User
        from trainingapp.exams import authoring
        from trainingapp.exams.models import Exam
        from trainingapp.platform import clock
        with self.app.app_context():
            actor = db.session.get(User, creator.id)
            opens = clock.now() + opens_in
            fields = dict(title=settings.pop("title", f"考试{next(_serial)}"), description="", year=opens.year,
                          opens_at=opens, closes_at=opens + lasts, latest_start_at=None,
                          duration_minutes=duration, attempts_allowed=settings.pop("attempts_allowed", 3),
                          counting="best", pass_mark=0, excellent_mark=0, multiple_scoring="all_or_nothing",
                          shuffle_questions=True, shuffle_options=True, review_policy="score",
                          tab_switch_limit=None, required_credits=None, makeup_of_id=None)
            fields.update(settings)
            exam = authoring.save_exam(actor, None, fields)
            if fixed is not None:
                authoring.set_fixed_items(exam, [(getattr(q, "id", q), p) for q, p in fixed])
            else:
                rules = rules or [("single", 3, 10), ("truefalse", 2, 20), ("fill", 1, 30)]
                authoring.set_rules(exam, [{"qtype": t, "category": None, "difficulty": None, "count": c,
                                            "points": p} for t, c, p in rules])
            from trainingapp.exams.marks import default_marks
            exam.pass_mark, exam.excellent_mark = default_marks(exam.total_points)
            db.session.commit()
            ids = [getattr(c, "id", c) for c in candidates]
            authoring.set_audience(exam, Audience(added=frozenset(ids)))
            if publish:
                authoring.publish(actor, exam)
            exam_id = exam.id
            db.session.remove()
        with self.app.app_context():
            exam = db.session.get(Exam, exam_id)
            _loaded = (exam.rules, exam.fixed_items)  # load before detaching  # noqa: F841
            db.session.expunge_all()
            return exam


@pytest.fixture
def make(app):
    return Factory(app)


def login(client, user_or_login, password=PASSWORD, follow=False):
    """Sign in through the real login form."""
    name = getattr(user_or_login, "login", user_or_login)
    return client.post("/login", data={"login": name, "password": password}, follow_redirects=follow)


@pytest.fixture
def as_role(app, make):
    """A client signed in as a new person of the given role: as_role("admin")."""
    def build(role, **kwargs):
        person = make.user(role=role, **kwargs)
        test_client = app.test_client()
        response = login(test_client, person)
        assert response.status_code == 302, response.data[:500]
        test_client.user = person
        return test_client
    return build


# --- the real browser -------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def live_server(app):
    """The app served on a free local port in a background thread, for the browser."""
    import threading

    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; skipped when absent unless REQUIRE_BROWSER=1."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium to run the browser tests")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(tempfile.gettempdir()) / "trainingapp-screens"))


class BrowserPage:
    """A page plus the live server's address and a screenshot helper."""

    def __init__(self, page, base_url):
        self.page, self.base_url = page, base_url

    def __getattr__(self, name):
        return getattr(self.page, name)

    def open(self, path):
        return self.page.goto(self.base_url + path)

    def login(self, login_name, password=PASSWORD):
        self.open("/login")
        self.page.fill("#login", login_name)
        self.page.fill("#password", password)
        self.page.click("#submit")
        self.page.wait_for_load_state()

    def shot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _page(browser, live_server, **context_args):
    context = browser.new_context(**context_args)
    context.set_default_timeout(10_000)
    page = BrowserPage(context.new_page(), live_server.url)
    return context, page


@pytest.fixture
def page(browser, live_server):
    context, wrapped = _page(browser, live_server, viewport={"width": 1280, "height": 900})
    yield wrapped
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A 360 px wide phone."""
    context, wrapped = _page(browser, live_server, viewport={"width": 360, "height": 740},
                             device_scale_factor=2, is_mobile=True, has_touch=True)
    yield wrapped
    context.close()
