"""Pages everyone can use, in a real Chromium.

Every main page of every role (anonymous, cadre, trainer, liaison, admin) is checked by
axe-core against WCAG 2.1 A and AA: a serious or critical violation fails, naming the page,
the rule and the offending nodes. Each page must also reflow without sideways scrolling at
360 px and at 200 % zoom (a 640 px viewport at twice the pixel density lays out as a 1280 px
screen zoomed to 200 %); wide tables scroll inside their .table-responsive box instead.

The keyboard alone: the main navigation (wide and folded into the menu button), the sign-in
and person forms and the exam page are reached by Tab, every stop showing a visible focus
ring (the pixels around the element change when it takes focus).

The town (people of every role, a bank, exams with results, a training session running now,
an outreach event, a course) is built once through the factories and the real forms; one
browser context per role walks that role's pages.
"""
from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from tests.conftest import PASSWORD, BrowserPage, login
from trainingapp.exams.models import Attempt
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question
from trainingapp.training.courses.models import Course
from trainingapp.training.sessions import services as session_services
from trainingapp.training.sessions.models import TrainingSession

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
ZOOM_200 = {"width": 640, "height": 450}  # 1280 × 900 at 200 %, with device_scale_factor=2
SLACK = 2  # px, as the phone tests allow 362 for 360

#: Violations accepted on one page, with the reason: (step label, axe rule). Keep this short and
#: justified; none is accepted now (the projector screen's refresh can be paused, projector.js).
ACCEPTED: set[tuple[str, str]] = set()


# --- the town -------------------------------------------------------------------------------------

def signed_in(app, person):
    client = app.test_client()
    assert login(client, person).status_code == 302
    return client


def ok(response):
    assert response.status_code < 400, (response.status_code, response.get_data(as_text=True)[:1500])
    return response


def take_exam(app, person, exam, right):
    """Start, answer the first `right` questions correctly and the rest wrongly, submit (the API)."""
    client = signed_in(app, person)
    body = ok(client.post(f"/api/exams/{exam.id}/attempts")).get_json()
    with app.app_context():
        keys = {q["id"]: db.session.get(Question, q["id"]).answer for q in body["questions"]}
        db.session.remove()
    for seq, question in enumerate(body["questions"], start=1):
        qtype, key = question["type"], keys[question["id"]]
        if seq <= right:
            answer = [alternatives[0] for alternatives in key] if qtype == "fill" else key
        elif qtype == "fill":
            answer = ["不知道"] * len(key)
        else:
            answer = {"single": "C" if key == "D" else "D", "multiple": ["D"], "truefalse": not key}[qtype]
        ok(client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                      json={"answer": answer, "seq": seq}))
    ok(client.post(f"/api/attempts/{body['attempt_id']}/submit"))
    return body["attempt_id"]


def build_town(app, make):
    """People of every role, a bank, exams with results, a session running now, an event, a course."""
    root = make.department("共和镇")
    dept = {name: make.department(name, root) for name in ("党政办", "司法所", "综合行政执法办", "应急办")}
    dept["消防队"] = make.department("消防队", dept["应急办"])
    people = {
        "admin": make.user("a11y_admin", role="admin", department=dept["党政办"], name="陈志明", post="党政办主任"),
        "trainer": make.user("a11y_trainer", role="trainer", department=dept["司法所"], name="黄丽华",
                             post="司法所所长"),
        "liaison": make.user("a11y_liaison", role="liaison", department=dept["综合行政执法办"], name="李建国",
                             post="法治联络员"),
        "cadre": make.user("a11y_cadre", role="cadre", department=dept["综合行政执法办"], name="张伟", post="执法队员"),
    }
    others = [make.user(role="cadre", department=dept[d], category=c, name=n, post=p) for d, c, n, p in [
        ("综合行政执法办", "auxiliary", "王海", "协管员"), ("应急办", "staff", "刘静", "安全监管员"),
        ("消防队", "contract", "赵强", "消防员"), ("司法所", "staff", "孙敏", "人民调解员"),
        ("综合行政执法办", "staff", "周军", "执法队员")]]
    make.bank()
    make.bank({"single": 3, "truefalse": 2}, category="宪法")
    trainer, cadre = people["trainer"], people["cadre"]
    candidates = [cadre, people["liaison"], *others]
    # Both exams can draw every question of the bank: with 题目保密 on, nothing would be left for
    # the practice pages this walk checks, so these two leave their questions to practice.
    done = make.exam(trainer, candidates, title="2026年度行政执法人员法律知识考试", duration=30,
                     protect_questions=False)
    for index, person in enumerate([cadre, *others[:4]]):
        take_exam(app, person, done, right=index + 2)
    live = make.exam(trainer, [cadre], title="宪法知识测试", duration=20, protect_questions=False,
                     rules=[("single", 2, 20), ("multiple", 1, 20), ("truefalse", 1, 20), ("fill", 1, 20)])
    draft = make.exam(trainer, candidates, title="安全生产法考试（草稿）", publish=False)

    staff = signed_in(app, trainer)
    with app.app_context():  # a session that started ten minutes ago: check-in is open
        starts = session_services.to_local(clock.now()).replace(second=0, microsecond=0) - timedelta(minutes=10)
    created = ok(staff.post("/sessions/new", data={
        "title": "安全生产法专题培训", "kind": "class", "department_id": dept["司法所"].id, "trainer_id": trainer.id,
        "trainer_name": "", "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
        "ends_at": f"{starts + timedelta(hours=2):%Y-%m-%dT%H:%M}", "place": "镇政府三楼会议室", "mode": "offline",
        "hours": "2"}))
    session_id = int(re.search(r"/sessions/(\d+)/", created.headers["Location"]).group(1))
    ok(staff.post(f"/sessions/{session_id}/expected", data={
        "departments": [dept["综合行政执法办"].id, dept["应急办"].id], "categories": ["staff", "auxiliary", "contract"],
        "added": ""}))
    ok(staff.post(f"/sessions/{session_id}/attendance", data={
        "person": [others[0].id, others[1].id], f"status-{others[0].id}": "leave",
        f"reason-{others[0].id}": "外出执法", f"status-{others[1].id}": "late", f"reason-{others[1].id}": ""}))
    event = ok(staff.post("/outreach/new", data={
        "title": "宪法宣传周进社区", "kind": "theme_day", "theme": "12.4", "target": "",
        "held_on": f"{clock.now():%Y-%m-%d}", "department_id": dept["司法所"].id, "place": "共和社区广场",
        "audience": "320", "description": "发放宣传册，现场解答群众咨询。"}))
    event_id = int(event.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    course = ok(staff.post("/courses/new", data={
        "title": "行政处罚法要点", "category": "行政处罚法", "description": "**要点**：处罚法定、公正公开。",
        "credits": "1.5", "departments": [str(root.id)], "categories": ["staff", "auxiliary", "contract"]}))
    course_id = int(course.headers["Location"].split("/")[-2])
    for title, minutes in (("第一讲 处罚法定", "5"), ("第二讲 处罚程序", "10")):
        ok(staff.post(f"/courses/{course_id}/materials/new", data={
            "title": title, "kind": "text", "minutes": minutes,
            "body_markdown": "## 处罚法定原则\n\n- 没有法定依据的，行政处罚无效。\n- 当事人有陈述、申辩的权利。"}))
    ok(staff.post(f"/courses/{course_id}/publish", data={"action": "publish"}))
    with app.app_context():
        material_id = db.session.get(Course, course_id).materials[0].id
        question_id = db.session.scalar(select(Question.id).where(Question.qtype == "single").limit(1))
        attempt_id = db.session.scalar(select(Attempt.id).where(Attempt.user_id == cadre.id,
                                                                Attempt.exam_id == done.id))
        db.session.remove()
    return {"people": people, "dept": dept, "done": done, "live": live, "draft": draft, "session": session_id,
            "event": event_id, "course": course_id, "material": material_id, "question": question_id,
            "attempt": attempt_id}


def checkin_code(app, session_id):
    with app.app_context():
        code = session_services.current_code(db.session.get(TrainingSession, session_id))
        db.session.remove()
    return code


# --- the checks -----------------------------------------------------------------------------------

AXE_SCRIPT = Axe().axe_script  # the axe-core the package bundles
# Axe().run() ships the whole result (passes, incomplete, inapplicable) back to Python and
# injects the script again on every call; this keeps only the violations, which halves the time.
AXE_RUN = """options => axe.run(document, options).then(results => results.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary || ''}))})))"""


def axe_violations(page, label, step_label, found):
    """Add the page's serious and critical WCAG 2.1 AA violations to found: {node key: [pages]}."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    violations = page.evaluate(AXE_RUN, {"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                         "resultTypes": ["violations"]})
    for violation in violations:
        if violation["impact"] not in BLOCKING or (step_label, violation["id"]) in ACCEPTED:
            continue
        for node in violation["nodes"]:
            key = (violation["id"], violation["impact"], violation["help"], node["target"],
                   " ".join(node["html"].split())[:240], " ".join(node["summary"].split())[:400])
            found.setdefault(key, []).append(label)


def axe_report(found):
    """One entry per offending node, with every page it was found on."""
    return [f"{rule} ({impact}: {help_text}) on {', '.join(pages)}\n    node: {target}\n    html: {html}\n"
            f"    {summary}" for (rule, impact, help_text, target, html, summary), pages in found.items()]


DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.keys(seen).filter(id => seen[id] > 1);
}"""


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth, wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.table-responsive, .visually-hidden, [hidden]')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      const name = typeof el.className === 'string' ? el.className.trim() : '';
      const classes = name ? '.' + name.split(/\\s+/).join('.') : '';
      wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes} right edge ${Math.round(box.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide: wide.slice(0, 6)};
}"""


def width_problems(page, label, viewport, name):
    found = page.evaluate(OVERFLOW)
    assert found["inner"] == viewport["width"], found  # the resize really happened
    if found["scroll"] <= viewport["width"] + SLACK:
        return []
    return [f"{label} scrolls sideways at {name}: the page is {found['scroll']} px wide in {viewport['width']} px; "
            f"too wide: {'; '.join(found['wide'])}"]


class Step:
    """One page of a walk: a path to open, or an action that ends on the page.

    ready: a selector the page's script shows when it has drawn the page; such a page is
    reloaded at each width, since its script picks the layout when it loads. status: what the
    path answers (an error page is a page too).
    """

    def __init__(self, label, path=None, action=None, ready=None, status=200):
        self.label, self.path, self.action, self.ready, self.status = label, path, action, ready, status

    def go(self, page):
        if self.path:
            response = page.open(self.path)
            assert response is not None and response.status == self.status, (self.label, self.path, response)
        else:
            self.action(page)
        self.settle(page)

    def settle(self, page):
        page.wait_for_load_state()
        if self.ready:
            page.wait_for_selector(self.ready)


def check_walk(page, steps):
    """Each page: axe and unique ids at 1280 px, then no sideways scrolling at 360 px and at 200 % zoom."""
    found, others = {}, []  # others: what axe does not check
    for step in steps:
        page.set_viewport_size(DESKTOP)
        step.go(page)
        label = f"{step.label} ({page.url.removeprefix(page.base_url)})"
        axe_violations(page, label, step.label, found)
        # axe 4.x no longer reports duplicate ids unless ARIA points at them; labels and scripts
        # still need them unique.
        others += [f"{label} repeats the id {name!r}" for name in page.evaluate(DUPLICATE_IDS)]
        for viewport, name in ((PHONE, "360 px"), (ZOOM_200, "200 % zoom")):
            page.set_viewport_size(viewport)  # the CSS reflows at once
            if step.ready:
                page.reload()
                step.settle(page)
            others += width_problems(page, label, viewport, name)
    return axe_report(found) + others


# --- the walks ------------------------------------------------------------------------------------
# A page another role already walked with the same template (outreach, the exam report, the
# annual summary) is not walked again: only the data in it would differ.

QUESTIONS_CSV = ("题型,题干,选项A,选项B,选项C,选项D,答案,解析,分值,难度,法律法规分类\n"
                 "单选,行政处罚的种类不包括____。,警告,罚款,记过,没收违法所得,C,记过属于处分。,,中,行政处罚法\n"
                 "判断,行政机关可以口头作出罚款决定。,,,,,错,应当制作决定书。,,易,行政处罚法\n").encode()
ROSTER_CSV = ("姓名,账号,部门,人员类别\n"
              "陈新,13800000001,综合行政执法办,在编\n林月,13800000002,综合行政执法办,编外\n").encode()


def click(selector):
    def act(page):
        page.click(selector)
    return act


def upload(path, content, filename):
    """Choose a file on an import page and send it: the walk goes on from the preview."""
    def act(page):
        page.open(path)
        page.set_input_files("#file", files=[{"name": filename, "mimeType": "text/csv", "buffer": content}])
        page.click("#submit")
    return act


def anonymous_walk(app, town):
    def refused(page):
        page.open("/login")
        page.fill("#login", "nobody")
        page.fill("#password", "wrong-password")
        page.click("#submit")
    return [Step("sign in", "/login"), Step("sign in refused", action=refused)]


def cadre_walk(app, town):
    live, session_id, course = town["live"], town["session"], town["course"]

    def practice_round(page):
        page.open("/practice")
        page.click("form[action$='/practice/start'] [type=submit]")
        page.wait_for_url("**/practice/round")

    def practice_verdict(page):  # answered without choosing: the page says what is missing
        page.click("form[action$='/practice/round/answer'] [type=submit]")

    def check_in(page):
        page.open(f"/checkin/{session_id}?code={checkin_code(app, session_id)}")
        page.click("#checkin-submit")

    def start_exam(page):
        page.open(f"/my/exams/{live.id}")
        page.click("#start")
        page.wait_for_url("**/my/attempts/*")

    def submit_dialog(page):
        page.click(".exam-bar .exam-submit")
        page.wait_for_selector("#exam-confirm-modal.show")

    return [
        Step("home", "/"), Step("my exams", "/my/exams"), Step("exam rules", f"/my/exams/{town['done'].id}"),
        Step("result", f"/my/attempts/{town['attempt']}/result"),
        Step("courses", "/courses"), Step("course", f"/courses/{course}"),
        Step("material", f"/courses/{course}/materials/{town['material']}"),
        Step("practice", "/practice"), Step("practice round", action=practice_round),
        Step("practice answer", action=practice_verdict), Step("wrong-answer book", "/practice/mistakes"),
        Step("my learning", "/learning"), Step("check-in", "/checkin"),
        Step("check-in confirm", f"/checkin/{session_id}"), Step("checked in", action=check_in),
        Step("my account", "/account"), Step("change password", "/account/password"),
        Step("page not found", "/no-such-page", status=404), Step("guide", "/guide/cadre"),
        # Last: while an exam runs, practice is closed.
        Step("exam", action=start_exam, ready="#exam.is-ready"), Step("exam, submit dialog", action=submit_dialog),
    ]


def trainer_walk(app, town):
    exam, session_id, course = town["done"].id, town["session"], town["course"]
    return [
        Step("home", "/"), Step("question bank", "/questions"), Step("edit question", f"/questions/{town['question']}"),
        Step("new question", "/questions/new"), Step("import questions", "/questions/import"),
        Step("import preview", action=upload("/questions/import", QUESTIONS_CSV, "题库.csv")),
        Step("import done", action=click("button[name=mode][value=all]")),
        Step("import format", "/questions/format"),
        Step("exams", "/exams"), Step("new exam", "/exams/new"), Step("exam overview", f"/exams/{exam}"),
        Step("exam settings", f"/exams/{exam}/settings"), Step("exam paper", f"/exams/{exam}/paper"),
        Step("exam candidates", f"/exams/{exam}/candidates"),
        Step("draft's audience", f"/exams/{town['draft'].id}/audience"),
        Step("attempt detail", f"/exams/{exam}/attempts/{town['attempt']}"),
        Step("sessions", "/sessions"), Step("session", f"/sessions/{session_id}"),
        Step("expected attendees", f"/sessions/{session_id}/expected"),
        Step("attendance", f"/sessions/{session_id}/attendance"),
        Step("projector", f"/sessions/{session_id}/projector"),
        Step("sign-in import", f"/sessions/{session_id}/attendance/import"),
        Step("sign-in sheet", f"/sessions/{session_id}/sheet"), Step("new session", "/sessions/new"),
        Step("outreach", "/outreach"), Step("outreach event", f"/outreach/{town['event']}"),
        Step("new outreach event", "/outreach/new"), Step("manage courses", "/courses/manage"),
        Step("edit course", f"/courses/{course}/edit"),
        Step("new material", f"/courses/{course}/materials/new"),
        Step("reports", "/reports"), Step("exam report", f"/reports/exams/{exam}"),
        Step("exam report: people", f"/reports/exams/{exam}/people"),
        Step("item analysis", f"/reports/exams/{exam}/items"), Step("guide", "/guide/trainer"),
    ]


def liaison_walk(app, town):
    cadre = town["people"]["cadre"].id
    return [
        Step("home", "/"), Step("people", "/people"), Step("new person", "/people/new"),
        Step("new person, refused", action=click("main form [type=submit]")),
        Step("edit person", f"/people/{cadre}"),
        Step("password reset", action=click("form[action$='/reset-password'] [type=submit]")),
        Step("roster import", "/roster/import"),
        Step("roster preview", action=upload("/roster/import", ROSTER_CSV, "花名册.csv")),
        Step("roster imported", action=click("form[action$='/confirm'] [type=submit]")),
        Step("person's learning", f"/learning/{cadre}"), Step("responsibility lists", "/outreach/responsibilities"),
        Step("reports", "/reports"), Step("training report", "/reports/training"),
        Step("training report: sessions", "/reports/training/sessions"),
        Step("training report: events", "/reports/training/events"), Step("annual summary", "/reports/annual"),
    ]


def admin_walk(app, town):
    return [
        Step("home", "/"), Step("people", "/people"), Step("departments", "/departments"),
        Step("edit department", f"/departments/{town['dept']['应急办'].id}"),
        Step("new department", "/departments/new"),
        Step("audit log", "/audit"), Step("report settings", "/reports/settings"),
        Step("exam print", f"/reports/exams/{town['done'].id}/print"), Step("guide", "/guide/admin"),
    ]


WALKS = {"anonymous": anonymous_walk, "cadre": cadre_walk, "trainer": trainer_walk, "liaison": liaison_walk,
         "admin": admin_walk}


def new_page(browser, live_server, **options):
    # Reduced motion: Bootstrap then scrolls a focused element into view at once, not smoothly.
    context = browser.new_context(**{"viewport": DESKTOP, "reduced_motion": "reduce", **options})
    context.set_default_timeout(10_000)
    return context, BrowserPage(context.new_page(), live_server.url)


@pytest.fixture
def cached_static(app, monkeypatch):
    """Let the browser keep Bootstrap and the app's CSS and scripts for the walk (about a hundred pages)
    instead of revalidating them on every one; the HTML itself stays uncached."""
    monkeypatch.setitem(app.config, "SEND_FILE_MAX_AGE_DEFAULT", 3600)


def test_every_page_of_every_role_meets_wcag_21_aa_and_reflows(app, make, browser, live_server, cached_static):
    town = build_town(app, make)
    problems = []
    for role, walk in WALKS.items():
        context, page = new_page(browser, live_server, device_scale_factor=2)
        try:
            if role != "anonymous":
                page.login(town["people"][role].login, PASSWORD)
            problems += [f"[{role}] {problem}" for problem in check_walk(page, walk(app, town))]
        finally:
            context.close()
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


# --- the keyboard ---------------------------------------------------------------------------------

CHANGED_PIXELS = """async ([before, after]) => {
  const pixels = async (base64) => {
    const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
    const image = await createImageBitmap(new Blob([bytes], {type: 'image/png'}));
    const canvas = new OffscreenCanvas(image.width, image.height), context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    return context.getImageData(0, 0, image.width, image.height).data;
  };
  const [a, b] = [await pixels(before), await pixels(after)];
  let changed = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (Math.max(Math.abs(a[i] - b[i]), Math.abs(a[i + 1] - b[i + 1]), Math.abs(a[i + 2] - b[i + 2])) >= 40) changed++;
  }
  return changed;
}"""


FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '',
          cls: typeof el.className === 'string' ? el.className : '',
          text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30),
          href: el.getAttribute('href') || '', x: box.x, y: box.y, width: box.width, height: box.height,
          inNav: !!el.closest('.navbar')};
}"""
MARGIN = 6  # px around the element: where a ring or a box-shadow draws


def ring_pixels(page, stop):
    """How many pixels around and on the focused element change (by 40 of 255 or more in a colour
    channel) when it loses focus."""
    viewport = page.viewport_size
    x0, y0 = max(0, stop["x"] - MARGIN), max(0, stop["y"] - MARGIN)
    x1 = min(viewport["width"], stop["x"] + stop["width"] + MARGIN)
    y1 = min(viewport["height"], stop["y"] + stop["height"] + MARGIN)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return 0
    clip = {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}
    focused = page.screenshot(clip=clip, animations="disabled", caret="hide")
    page.evaluate("() => { window.__focused = document.activeElement; document.activeElement.blur(); }")
    plain = page.screenshot(clip=clip, animations="disabled", caret="hide")
    page.evaluate("() => window.__focused.focus()")
    # Decoded and compared by the browser itself (no imaging library in the venv).
    return page.evaluate(CHANGED_PIXELS, [base64.b64encode(focused).decode(), base64.b64encode(plain).decode()])


def tab_through(page, stops, until=None):
    """Press Tab up to `stops` times (or until `until(stop)`); returns the stops, each with its ring size."""
    seen = []
    for _press in range(stops):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None:
            break
        stop["ring"] = ring_pixels(page, stop)
        seen.append(stop)
        if until and until(stop):
            break
    return seen


def describe(stop):
    return f"{stop['tag']}#{stop['id']} “{stop['text']}” {stop['href']}".strip()


def faint(stops, minimum=24):
    """Stops whose focus changes fewer than `minimum` pixels: no visible ring."""
    return [f"{describe(s)}: {s['ring']} px change" for s in stops if s["ring"] < minimum]


def test_navigation_and_forms_by_keyboard_with_a_visible_focus_ring(app, make, browser, live_server):
    root = make.department("共和镇")
    admin = make.user("a11y_admin", role="admin", department=make.department("党政办", root), name="陈志明")
    context, page = new_page(browser, live_server)
    try:
        # Sign-in form: the focus starts in the first field; Tab goes on to the password and the button.
        page.open("/login")
        first = page.evaluate(FOCUSED)
        assert first and first["id"] == "login", first
        first["ring"] = ring_pixels(page, first)
        stops = [first, *tab_through(page, 6, until=lambda s: s["id"] == "submit")]
        assert [s["id"] for s in stops] == ["login", "password", "submit"], [describe(s) for s in stops]
        assert not faint(stops), faint(stops)
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.type(admin.login)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{page.base_url}/")

        # Every entry of the main navigation is a Tab stop, with a ring on the blue bar.
        entries = page.eval_on_selector_all(".navbar :is(.nav-link, .navbar-brand)",
                                            "links => links.filter(a => a.offsetParent !== null).length")
        stops = tab_through(page, entries + 3, until=lambda s: not s["inNav"] and s["href"] != "#main")
        in_bar = [s for s in stops if s["inNav"]]
        assert len(in_bar) == entries, (entries, [describe(s) for s in stops])
        assert not faint(stops), faint(stops)
        # A drop-down of the bar opens with Enter and its entries are reached with the arrow keys.
        page.locator(".navbar .dropdown-toggle").last.focus()  # the person's own menu
        page.keyboard.press("Enter")
        page.keyboard.press("ArrowDown")
        item = page.evaluate(FOCUSED)
        assert "dropdown-item" in item["cls"], item
        assert ring_pixels(page, item) >= 24, describe(item)
        page.keyboard.press("Escape")

        # A form of the admin: every field, then the submit button, reached in order with a ring.
        page.open("/people/new")
        fields = page.eval_on_selector_all(
            "main form[novalidate] :is(input, select, textarea, button):not([type=hidden])",
            "els => els.filter(e => e.offsetParent !== null).map(e => e.id)")
        page.focus(".navbar-brand")
        stops = tab_through(page, 40, until=lambda s: s["id"] == fields[-1])
        reached = [s["id"] for s in stops if s["id"] in fields]
        assert reached == fields, (fields, reached)
        assert not faint(stops), faint(stops)

        # On a phone the bar folds into the menu button: it is a Tab stop, Enter opens it and Tab
        # then reaches the entries.
        page.set_viewport_size(PHONE)
        page.open("/")
        stops = tab_through(page, 5, until=lambda s: "navbar-toggler" in s["cls"])
        assert "navbar-toggler" in stops[-1]["cls"], stops
        assert not faint(stops), faint(stops)
        page.keyboard.press("Enter")
        page.wait_for_selector("#nav.show")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"] + SLACK
        stops = tab_through(page, 3)
        assert all(s["inNav"] for s in stops) and not faint(stops), stops
    finally:
        context.close()


def test_the_exam_page_by_keyboard_shows_where_the_focus_is(app, make, browser, live_server):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user("a11y_cadre", role="cadre", name="考生乙")
    exam = make.exam(trainer, [cadre], rules=[("single", 1, 40), ("multiple", 1, 30), ("fill", 1, 30)])
    context, page = new_page(browser, live_server)
    try:
        page.login(cadre.login)
        page.open(f"/my/exams/{exam.id}")
        page.focus("#start")
        page.keyboard.press("Enter")
        page.wait_for_selector("#exam.is-ready")
        page.focus(".navbar-brand")
        stops = tab_through(page, 60, until=lambda s: s["id"] == "exam-submit")
        kinds = {s["type"] for s in stops}
        assert {"radio", "checkbox", "text"} <= kinds and stops[-1]["id"] == "exam-submit", kinds
        assert not faint(stops), faint(stops)
        page.keyboard.press("Enter")
        page.wait_for_selector("#exam-confirm-modal.show")
        stops = tab_through(page, 4, until=lambda s: s["id"] == "exam-confirm")
        assert stops[-1]["id"] == "exam-confirm" and not faint(stops), stops
    finally:
        context.close()
