"""Screenshots for the user guides (docs/guide-*.md): `python -m bench.screenshots [--out DIR]`.

Builds a throw-away platform exactly as `python run.py` does on first start (a fresh
instance folder in a temporary directory, the schema from the migrations, the demo data
set), serves it on a free local port in a background thread and drives Debian's Chromium
with Playwright through every page the guides show, in Chinese, at desktop width
(1280×800) and at phone width (360×740). Rerun it whenever a page changes so the
screenshots stay current; nothing outside the temporary directory and --out is touched.

The platform's clock is pinned (running, not frozen) to Thursday 2026-11-26 09:30 in
Asia/Shanghai, so the demo's "open now" exam, today's training session and every date on
the pages come out the same on every run. `--real-time` keeps the real clock instead.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Thursday 2026-11-26 09:30 Asia/Shanghai, as the naive UTC the platform stores.
PINNED_NOW = datetime(2026, 11, 26, 1, 30)
TIMEZONE = "Asia/Shanghai"
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}
#: One image pixel per CSS pixel: the guides show phone shots at the size people see them.
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The demo accounts get this password instead of the published one, so the pages look as a real
#: installation's do: no warning about demo accounts with the published password on every shot.
PASSWORD = "guide-shots-8Kq2"  # noqa: S105 - a throw-away password in a temporary database
#: The account created with a password "set by someone else", for the first sign-in shots.
NEWCOMER = ("13800138000", "周晓梅")
NEWCOMER_PASSWORD = "Xm7pQ2rT9k"  # noqa: S105 - a throw-away account in a temporary database
NEWCOMER_NEW_PASSWORD = "gonghe-2026-zxm"  # noqa: S105


def log(message: str) -> None:
    print(message, flush=True)


# --- the platform --------------------------------------------------------------------------------

class Platform:
    """The app on a fresh SQLite database in a temporary instance folder, served in a thread."""

    def __init__(self, workdir: Path, pin_clock: bool):
        self.workdir = workdir
        self.instance = workdir / "instance"
        os.environ["INSTANCE_PATH"] = str(self.instance)
        from trainingapp import create_app
        from trainingapp.platform import clock
        from trainingapp.platform.database import sqlite_uri
        self.clock = clock
        # Always the embedded SQLite of the temporary instance, whatever DATABASE_URL says.
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_uri(str(self.instance)),
                               "BABEL_DEFAULT_TIMEZONE": TIMEZONE})
        if pin_clock:
            self._pin(PINNED_NOW)

    def _pin(self, moment: datetime) -> None:
        """Let the clock run from `moment`; the demo loader's clock.reset() returns here, not to real time."""
        clock = self.clock
        clock.reset()
        offset = moment - clock.now()
        clock.advance(offset)

        def reset_to_pinned():
            clock._frozen_at = None  # noqa: SLF001 - the platform's test clock, moved on purpose
            clock._offset = offset  # noqa: SLF001

        clock.reset = reset_to_pinned

    def build(self) -> None:
        """What `python run.py` does before serving: migrations, then the demo data set."""
        from flask_migrate import upgrade

        from trainingapp.web.demo import load_demo
        with self.app.app_context():
            upgrade()
            if not load_demo():
                raise SystemExit("the new database was not empty: the demo data set was not loaded")
            from sqlalchemy import select

            from trainingapp.accounts.models import User
            from trainingapp.platform.extensions import db
            from trainingapp.web.first_start import demo_accounts_with_published_password
            logins = demo_accounts_with_published_password()
            people = db.session.scalars(select(User).where(User.login.in_(logins))).all()
            people[0].set_password(PASSWORD, must_change=False)
            for person in people[1:]:  # one Argon2 hash for all: the database is thrown away
                person.password_hash = people[0].password_hash
            db.session.commit()

    def serve(self) -> str:
        import logging

        from werkzeug.serving import make_server
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        with self.app.app_context():
            from trainingapp.platform.extensions import db
            db.session.remove()
            db.engine.dispose()

    def context(self):
        return self.app.app_context()


# --- the data the screenshots need, prepared through the platform's own services ---------------------

def q(model, **where):
    """The one row of `model` matching `where`."""
    from sqlalchemy import select

    from trainingapp.platform.extensions import db
    query = select(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalars(query).one()


def prepare(platform: Platform) -> dict:
    """Extra records for the guides; returns the ids the pages need."""
    from sqlalchemy import select

    from trainingapp.accounts.audience import Audience
    from trainingapp.accounts.models import Department, User
    from trainingapp.exams import authoring, saving, starting
    from trainingapp.exams.models import Attempt, Exam
    from trainingapp.platform.extensions import db
    from trainingapp.questionbank.models import Question
    from trainingapp.training.courses.models import Course
    from trainingapp.training.outreach.models import OutreachEvent
    from trainingapp.training.sessions import services as session_services
    from trainingapp.training.sessions.models import TrainingSession
    ids: dict = {}
    with platform.context():
        trainer = q(User, login="trainer")
        # A newcomer whose password was set by someone else: the forced change at first sign-in.
        newcomer = User(login=NEWCOMER[0], name=NEWCOMER[1], department_id=q(Department, name="司法所").id,
                        category="staff", post="司法助理员", role="cadre")
        newcomer.set_password(NEWCOMER_PASSWORD, must_change=True)
        db.session.add(newcomer)
        db.session.commit()

        current = q(Exam, title="2026年度在编干部学法考试")
        first = q(Exam, title="2026年上半年在编干部学法考试")
        ids["current_exam"], ids["first_exam"] = current.id, first.id
        # Changes after publication, each with its reason, as a trainer would make them.
        authoring.give_extra_time(trainer, current, q(User, login="cadre01").id, 15,
                                  "视力原因，经分管领导同意延长15分钟")
        authoring.set_exempt(trainer, current, q(User, login="cadre04").id, "距退休不足两年，按规定免考")
        # The review of the closed first-half exam, for the cadre with the most to learn from it.
        review = db.session.scalars(select(Attempt).join(User, User.id == Attempt.user_id)
                                    .where(Attempt.exam_id == first.id, Attempt.status != "in_progress",
                                           User.login.like("cadre%"))
                                    .order_by(Attempt.score, Attempt.id)).first()
        ids["review_attempt"], ids["review_login"] = review.id, db.session.get(User, review.user_id).login
        today = q(TrainingSession, title="学法例会：行政复议法新规解读")
        ids["today_session"] = today.id
        # A session held last week whose paper sign-in sheet has not been typed in yet.
        tree_root = q(Department, name="共和镇")
        held = session_services.save_session(trainer, None, {
            "title": "村（社区）法律顾问与人民调解业务培训", "kind": "legal_literate", "mode": "offline",
            "department_id": q(Department, name="司法所").id, "trainer_id": trainer.id, "trainer_name": "",
            "starts_at": datetime(2026, 11, 20, 6, 30), "ends_at": datetime(2026, 11, 20, 8, 30),
            "place": "来苏村党群服务中心", "hours": 2.0, "rotate_codes": True, "course_id": None})
        session_services.set_expected(held, Audience.of([tree_root.id], ["legal_literate", "village"]))
        ids["held_session"] = held.id
        ids["course"] = q(Course, title="行政处罚法要点").id
        ids["event"] = db.session.scalars(select(OutreachEvent).order_by(OutreachEvent.held_on.desc())).first().id
        ids["cadre36"] = q(User, login="cadre36").id
        ids["justice_office"] = q(Department, name="司法所").id
        # Someone who started the open exam 75 minutes ago and never came back: the server closes
        # the attempt at its deadline (the platform's clock moved back for the start, as the tests do).
        late = q(User, login="cadre03")
        platform.clock.advance(timedelta(minutes=-75))
        attempt, _created = starting.start_attempt(late, current.id)
        keys = dict(db.session.execute(select(Question.id, Question.answer).where(
            Question.id.in_([item["q"] for item in attempt.paper]))).all())
        for seq, item in enumerate(attempt.paper[:12], start=1):
            answer = chosen_answer(item["t"], keys[item["q"]], item["n"], right=seq % 4 != 0)
            saving.save_answer(late, attempt.id, item["q"], answer, seq)
        platform.clock.advance(timedelta(minutes=75))
        ids["timed_out_attempt"] = attempt.id
        ids["newcomer"] = newcomer.id
    return ids


def checkin_code(platform: Platform, session_id: int) -> str:
    from trainingapp.platform.extensions import db
    from trainingapp.training.sessions import services as session_services
    from trainingapp.training.sessions.models import TrainingSession
    with platform.context():
        return session_services.current_code(db.session.get(TrainingSession, session_id))


def signin_sheet_file(platform: Platform, session_id: int) -> bytes:
    """A typed paper sign-in sheet for the session held last week: mostly present, one late,
    one on leave, one absent, one who came without being expected."""
    import pandas as pd

    from trainingapp.accounts.models import User
    from trainingapp.accounts.permissions import department_tree
    from trainingapp.platform.extensions import db
    from trainingapp.platform.tabular import to_xlsx
    from trainingapp.training.sessions import services as session_services
    from trainingapp.training.sessions.models import TrainingSession
    with platform.context():
        session = db.session.get(TrainingSession, session_id)
        tree = department_tree()
        people = session_services.expected_people(session)
        rows = []
        marks = [("", "14:20", ""), ("", "14:25", ""), ("迟到", "14:48", ""), ("请假", "", "在村里调处土地纠纷"),
                 ("缺勤", "", "")]
        for index, person in enumerate(people):
            status, when, note = marks[index] if index < len(marks) else ("", "14:2%d" % (index % 10), "")
            rows.append({"姓名": person.name, "账号": person.login, "部门": tree.path(person.department_id),
                         "状态": status, "签到时间": when, "备注": note})
        walk_in = q(User, login="cadre09")
        rows.append({"姓名": walk_in.name, "账号": walk_in.login, "部门": tree.path(walk_in.department_id),
                     "状态": "", "签到时间": "14:27", "备注": "列席"})
        return to_xlsx({"签到表": pd.DataFrame(rows)})


def roster_files(platform: Platform) -> tuple[bytes, bytes]:
    """(a clean roster .xlsx, a GB18030 .csv with two mistakes) as an HR office would send them."""
    import pandas as pd

    from trainingapp.accounts.models import User
    from trainingapp.accounts.permissions import department_tree
    from trainingapp.platform.extensions import db  # noqa: F401
    with platform.context():
        tree = department_tree()
        moved = q(User, login="cadre05")
        leaving = q(User, login="cadre10")
        existing = [
            {"姓名": moved.name, "账号": moved.login, "部门": tree.path(moved.department_id), "人员类别": "在编",
             "职务": "应急办副主任", "角色": "学员", "初始密码": "", "状态": "在岗"},
            {"姓名": leaving.name, "账号": leaving.login, "部门": tree.path(leaving.department_id),
             "人员类别": "在编", "职务": leaving.post, "角色": "学员", "初始密码": "", "状态": "调离"},
        ]
    new = [
        {"姓名": "谭晓东", "账号": "13927001001", "部门": "综合行政执法办", "人员类别": "执法辅助人员",
         "职务": "协管员", "角色": "", "初始密码": "", "状态": ""},
        {"姓名": "罗敏", "账号": "13927001002", "部门": "司法所", "人员类别": "在编", "职务": "司法助理员",
         "角色": "", "初始密码": "", "状态": ""},
        {"姓名": "邓志强", "账号": "13927001003", "部门": "来苏村", "人员类别": "法律明白人", "职务": "",
         "角色": "", "初始密码": "", "状态": ""},
        {"姓名": "吴丽", "账号": "13927001004", "部门": "共和镇/应急办", "人员类别": "在编", "职务": "应急管理员",
         "角色": "", "初始密码": "", "状态": ""},
    ]
    columns = ["姓名", "账号", "部门", "人员类别", "职务", "角色", "初始密码", "状态"]
    clean = pd.DataFrame(new + existing, columns=columns)
    out = io.BytesIO()
    clean.to_excel(out, index=False, sheet_name="花名册")
    mistakes = [dict(row) for row in new]
    mistakes[1]["部门"] = "规划办"
    mistakes[2]["人员类别"] = "临时工"
    mistakes.append({"姓名": "何燕", "账号": "13927001001", "部门": "党政办", "人员类别": "编外", "职务": "文员",
                     "角色": "", "初始密码": "", "状态": ""})
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(clean.columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(mistakes)
    return out.getvalue(), text.getvalue().encode("gb18030")


def question_file() -> bytes:
    """A trainer's own file in the columns of question_bank/*.csv: two rows already in the bank
    (bank_xingzheng_chufa_fa.csv), five new questions and two rows with mistakes."""
    source = ROOT / "question_bank" / "bank_xingzheng_chufa_fa.csv"
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames
        known = [next(reader), next(reader)]
    basis = "《中华人民共和国行政处罚法》"

    def row(qtype, stem, options, answer, explanation, article, points="", difficulty="中", point=""):
        values = {"题型": qtype, "题干": stem, "答案": answer, "解析": explanation, "分值": points, "难度": difficulty,
                  "法律法规分类": "行政处罚法", "知识点": point, "依据条款": basis + article, "状态": "启用"}
        for letter, text in zip("ABCDEF", options):
            values["选项" + letter] = text
        return values

    new = [
        row("判断", "行政机关应当依法以文字、音像等形式，对行政处罚的启动、调查取证、审核、决定、送达、执行等"
                    "进行全过程记录，归档保存。", [], "对",
            "行政处罚法第四十七条规定了行政处罚全过程记录制度。", "第四十七条", point="全过程记录"),
        row("判断", "执法人员在调查或者进行检查时，只有在当事人要求时才需要出示执法证件。", [], "错",
            "行政处罚法第五十五条规定，执法人员在调查或者进行检查时，应当主动向当事人或者有关人员出示执法证件。",
            "第五十五条", point="出示执法证件"),
        row("多选", "根据行政处罚法规定，下列属于证据的有：",
            ["电子数据", "视听资料", "现场笔录", "上级领导的口头意见"], "ABC",
            "行政处罚法第四十六条列举的证据包括书证、物证、视听资料、电子数据、证人证言、当事人的陈述、"
            "鉴定意见、勘验笔录、现场笔录。", "第四十六条", point="证据种类"),
        row("单选", "根据行政处罚法规定，以非法手段取得的证据：",
            ["经负责人批准后可以使用", "不得作为认定案件事实的根据", "可以作为从轻处罚的依据", "补正后可以使用"], "B",
            "行政处罚法第四十六条第三款规定，以非法手段取得的证据，不得作为认定案件事实的根据。", "第四十六条",
            difficulty="易", point="证据规则"),
        row("填空", "实施行政处罚，纠正违法行为，应当坚持处罚与____相结合，教育公民、法人或者其他组织自觉守法。",
            [], "教育", "行政处罚法第六条规定了处罚与教育相结合原则。", "第六条", difficulty="易", point="基本原则"),
    ]
    # Two typical mistakes: an answer letter without its option, one answer to a multiple choice.
    wrong = [
        row("单选", "根据行政处罚法规定，行政处罚决定书应当载明的事项不包括：",
            ["当事人的姓名或者名称、地址", "违反法律、法规、规章的事实和证据", "行政处罚的种类和依据",
             "执法人员的家庭住址"], "E",
            "行政处罚法第五十九条列明了行政处罚决定书应当载明的事项。", "第五十九条", point="决定书"),
        row("多选", "根据行政处罚法规定，可以实施行政处罚的有：",
            ["具有行政处罚权的行政机关", "法律、法规授权的具有管理公共事务职能的组织",
             "受委托的组织（以委托行政机关名义）", "任何社会团体"], "A",
            "行政处罚法第十七条至第二十条规定了行政处罚的实施机关。", "第十七条", point="实施机关"),
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(known[:1] + new[:3] + wrong[:1] + known[1:] + new[3:] + wrong[1:])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def question_key(platform: Platform, question_id: int):
    """(type, answer key, option count) of a question of the bank."""
    from trainingapp.platform.extensions import db
    from trainingapp.questionbank.models import Question
    with platform.context():
        question = db.session.get(Question, question_id)
        return question.qtype, question.answer, len(question.options or [])


def chosen_answer(qtype: str, key, options: int, right: bool):
    """The answer a candidate gives: the key, or a plausible wrong one."""
    letters = "ABCDEFGH"[:options]
    if qtype == "single":
        return key if right else next(c for c in letters if c != key)
    if qtype == "multiple":
        return sorted(key) if right else ([c for c in letters if c not in key][:1] + sorted(key)[:1])
    if qtype == "truefalse":
        return key if right else not key
    return [alternatives[0] for alternatives in key] if right else ["不清楚"] * len(key)


def answer_practice(page, platform: Platform, *, right: bool) -> None:
    """Answer the practice question on screen (right or wrong) and check it."""
    qid = int(page.locator("#practice-question").get_attribute("data-qid"))
    qtype, key, options = question_key(platform, qid)
    answer = chosen_answer(qtype, key, options, right)
    form = page.locator("#answer-form")
    if qtype in ("single", "multiple"):
        for letter in [answer] if qtype == "single" else answer:
            form.locator(f"input[value='{letter}']").check()
    elif qtype == "truefalse":
        form.locator(f"input[value='{'true' if answer else 'false'}']").check()
    else:
        for index, text in enumerate(answer):
            form.locator(f"#blank-{index}").fill(text)
    page.click("#check")
    page.wait_for_load_state("networkidle")


def finish_paper(platform: Platform, login: str, exam_id: int) -> None:
    """Answer every question still open on the person's running attempt, mostly right, through
    the same service the exam page's saves reach (a guide needs a finished paper, not 40 clicks)."""
    from sqlalchemy import select

    from trainingapp.accounts.models import User
    from trainingapp.exams import saving
    from trainingapp.exams.models import Answer, Attempt
    from trainingapp.platform.extensions import db
    from trainingapp.questionbank.models import Question
    with platform.context():
        person = q(User, login=login)
        attempt = q(Attempt, user_id=person.id, exam_id=exam_id, status="in_progress")
        answered = set(db.session.scalars(select(Answer.question_id).where(Answer.attempt_id == attempt.id)))
        keys = dict(db.session.execute(select(Question.id, Question.answer).where(
            Question.id.in_([item["q"] for item in attempt.paper]))).all())
        for position, item in enumerate(attempt.paper, start=1):
            if item["q"] in answered:
                continue
            answer = chosen_answer(item["t"], keys[item["q"]], item["n"], right=position % 7 != 0)
            saving.save_answer(person, attempt.id, item["q"], answer, 9_000_000_000_000 + position)


# --- the browser ----------------------------------------------------------------------------------

class Shooter:
    def __init__(self, browser, base: str, out: Path):
        self.browser, self.base, self.out = browser, base, out
        self.taken: list[str] = []

    def context(self, phone=False):
        options = dict(PHONE if phone else DESKTOP)
        context = self.browser.new_context(locale="zh-CN", timezone_id=TIMEZONE, accept_downloads=True,
                                           color_scheme="light", reduced_motion="reduce", **options)
        context.set_default_timeout(15_000)
        return context

    def page(self, login=None, *, phone=False, password=PASSWORD):
        context = self.context(phone)
        page = context.new_page()
        if login:
            self.sign_in(page, login, password)
        return page

    def sign_in(self, page, login, password=PASSWORD):
        self.go(page, "/login")
        page.fill("#login", login)
        page.fill("#password", password)
        page.click("#submit")
        page.wait_for_load_state("networkidle")

    def go(self, page, path):
        page.goto(self.base + path)
        page.wait_for_load_state("networkidle")
        return page

    def shot(self, page, name, *, full=False, clip_to=None, max_height=None, selector=None):
        """A PNG of the viewport (default), the full page, down to an element (`clip_to`),
        or of one element (`selector`); `max_height` caps a full-page shot."""
        page.evaluate("document.fonts.ready")
        page.wait_for_timeout(150)
        path = self.out / f"{name}.png"
        options = dict(path=str(path), animations="disabled", caret="hide")
        if selector:
            page.locator(selector).first.screenshot(**options)
        elif clip_to or max_height:
            width = page.viewport_size["width"]
            height = page.evaluate("document.documentElement.scrollHeight")
            if clip_to:
                box = page.locator(clip_to).first.evaluate(
                    "e => { const r = e.getBoundingClientRect(); return r.bottom + window.scrollY; }")
                height = min(height, int(box) + 16)
            if max_height:
                height = min(height, max_height)
            page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}, **options)
        else:
            page.screenshot(full_page=full, **options)
        self.taken.append(path.name)
        log(f"  {path.name}")


def run_cadre(s: Shooter, platform: Platform, ids: dict) -> None:
    log("cadre")
    # Signing in, and the forced password change of a newcomer.
    page = s.page()
    s.go(page, "/login")
    s.shot(page, "login")
    page.context.close()
    phone = s.page(phone=True)
    s.go(phone, "/login")
    phone.fill("#login", "cadre")
    phone.fill("#password", PASSWORD)
    s.shot(phone, "login-phone")
    phone.context.close()
    phone = s.page(NEWCOMER[0], phone=True, password=NEWCOMER_PASSWORD)
    phone.fill("#current", NEWCOMER_PASSWORD)
    phone.fill("#new", NEWCOMER_NEW_PASSWORD)
    phone.fill("#confirm", NEWCOMER_NEW_PASSWORD)
    s.shot(phone, "change-password-phone")
    phone.click("#submit")
    phone.wait_for_load_state("networkidle")
    phone.context.close()

    page = s.page("cadre")
    s.shot(page, "cadre-home")
    phone = s.page("cadre", phone=True)
    s.shot(phone, "cadre-home-phone")

    # Courses and a material.
    s.go(page, "/courses")
    s.shot(page, "cadre-courses")
    s.go(page, f"/courses/{ids['course']}")
    s.shot(page, "cadre-course", clip_to="#main")
    s.go(phone, f"/courses/{ids['course']}")
    phone.click("#continue")
    phone.wait_for_load_state("networkidle")
    s.shot(phone, "cadre-material-phone")

    # Practice and the wrong-answer book (before the exam: practice waits while an exam runs).
    s.go(page, "/practice")
    s.shot(page, "cadre-practice")
    s.go(phone, "/practice")
    phone.click("label[for='count-0']")
    phone.click("#start-practice")
    phone.wait_for_load_state("networkidle")
    answer_practice(phone, platform, right=False)
    s.shot(phone, "cadre-practice-feedback-phone", full=True, max_height=1500)
    for number in range(4):
        phone.click("#next")
        phone.wait_for_load_state("networkidle")
        answer_practice(phone, platform, right=number % 2 == 0)
    phone.click("#next")
    phone.wait_for_load_state("networkidle")
    s.shot(phone, "cadre-practice-summary-phone")
    s.go(page, "/practice/mistakes")
    s.shot(page, "cadre-wrong-answers", clip_to="#main")

    # Check-in to today's session: the code typed on a phone, and the QR link.
    s.go(phone, "/checkin")
    phone.fill("#code", checkin_code(platform, ids["today_session"]))
    s.shot(phone, "cadre-checkin-phone")
    phone.click("#checkin-submit")
    phone.wait_for_load_state("networkidle")
    s.shot(phone, "cadre-checkin-done-phone")
    other = s.page("cadre02", phone=True)
    s.go(other, f"/checkin/{ids['today_session']}?code={checkin_code(platform, ids['today_session'])}")
    s.shot(other, "cadre-checkin-qr-phone")
    other.click("#checkin-submit")
    other.wait_for_load_state("networkidle")
    other.context.close()

    # The exam: my exams, the rules, the exam page on a computer and on a phone, offline, submit.
    s.go(page, "/my/exams")
    s.shot(page, "cadre-my-exams")
    s.go(page, f"/my/exams/{ids['current_exam']}")
    s.shot(page, "cadre-exam-rules")
    page.click("#start")
    page.wait_for_selector("#exam.is-ready")
    boxes = page.locator("#exam-form .exam-q")
    for index in range(3):
        boxes.nth(index).locator(".exam-option").first.click()
    page.wait_for_selector("#exam-saved[data-state=saved]")
    page.evaluate("window.scrollTo(0, 0)")
    s.shot(page, "cadre-exam")

    s.go(phone, "/my/exams")
    s.shot(phone, "cadre-my-exams-phone")
    phone.locator("[data-status=in_progress] a.btn").first.click()
    phone.wait_for_selector("#exam.is-ready")
    phone.click("#exam-next")
    phone.click("#exam-next")
    phone.click("#exam-next")
    visible = phone.locator("#exam-form .exam-q:not([hidden])")
    visible.locator(".exam-option, input[type=text]").first.click()
    phone.wait_for_selector("#exam-saved[data-state=saved]")
    s.shot(phone, "cadre-exam-phone")
    phone.context.set_offline(True)
    phone.click("#exam-next")
    visible.locator(".exam-option").first.click()
    phone.wait_for_selector("#exam-problem:not([hidden])")
    phone.wait_for_timeout(300)
    s.shot(phone, "cadre-exam-offline-phone")
    phone.context.set_offline(False)
    phone.wait_for_selector("#exam-saved[data-state=saved]")
    phone.context.close()

    finish_paper(platform, "cadre", ids["current_exam"])
    page.reload()
    page.wait_for_selector("#exam.is-ready")
    page.locator(".exam-bar .exam-submit").click()
    page.wait_for_selector("#exam-confirm-modal.show")
    page.wait_for_timeout(300)
    s.shot(page, "cadre-exam-submit")
    page.click("#exam-confirm")
    page.wait_for_url("**/result")
    page.wait_for_load_state("networkidle")
    s.shot(page, "cadre-exam-result", clip_to="#main")
    s.go(page, "/learning")
    s.shot(page, "cadre-learning", full=True, max_height=1400)
    page.context.close()

    # An attempt the server submitted when its time ran out.
    page = s.page("cadre03")
    s.go(page, "/my/exams")
    s.go(page, f"/my/attempts/{ids['timed_out_attempt']}/result")
    s.shot(page, "cadre-exam-timed-out", clip_to="#main")
    page.context.close()

    # The review of a closed exam (answers, keys, explanations), for someone who got some wrong.
    page = s.page(ids["review_login"])
    s.go(page, f"/my/attempts/{ids['review_attempt']}/result")
    page.evaluate("""() => { const bad = document.querySelector('#review .text-bg-danger');
        (bad ? bad.closest('.review-item') : (document.getElementById('review')
            || document.getElementById('review-notice'))).scrollIntoView();
        window.scrollBy(0, -12); }""")
    s.shot(page, "cadre-exam-review")
    page.context.close()


def run_trainer(s: Shooter, platform: Platform, ids: dict) -> None:
    log("trainer")
    page = s.page("trainer")
    s.shot(page, "trainer-home")

    # The question bank: the list, an import with its preview and result, editing one question.
    s.go(page, "/questions")
    s.shot(page, "trainer-questions")
    s.go(page, "/questions/import")
    page.set_input_files("#file", files=[{"name": "行政处罚法补充题.csv", "mimeType": "text/csv",
                                          "buffer": question_file()}])
    s.shot(page, "trainer-question-import")
    page.click("#submit")
    page.wait_for_load_state("networkidle")
    s.shot(page, "trainer-question-preview", full=True, max_height=1500)
    page.click("button[value=valid_only]")
    page.wait_for_load_state("networkidle")
    s.shot(page, "trainer-question-imported", clip_to="#main")
    # Exams: the list, a new draft (settings, paper by rules, candidates, publish checks).
    s.go(page, "/exams")
    s.shot(page, "trainer-exams")
    s.go(page, "/exams/new")
    page.fill("#title", "2026年执法人员行政处罚法专题考试")
    page.fill("#description", "综合行政执法办、市场监督、食安办执法人员参加。考试时间45分钟，每人2次机会，取最高分。")
    page.fill("#duration_minutes", "45")
    page.fill("#attempts_allowed", "2")
    s.shot(page, "trainer-exam-settings", full=True, max_height=1700)
    page.click("#submit")
    page.wait_for_load_state("networkidle")
    rules = [("single", "行政处罚法", "10", "4"), ("multiple", "行政处罚法", "5", "6"),
             ("truefalse", "行政处罚法", "10", "3")]
    for index, (qtype, category, count, points) in enumerate(rules):
        page.select_option(f"#qtype-{index}", qtype)
        page.select_option(f"#category-{index}", category)
        page.fill(f"#count-{index}", count)
        page.fill(f"#points-{index}", points)
    page.locator("form:has(input[value=rules]) button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    s.shot(page, "trainer-exam-paper")
    s.shot(page, "trainer-exam-sections", selector="#sections")
    draft_url = page.url.rsplit("/", 1)[0]
    s.go(page, draft_url.replace(s.base, "") + "/audience")
    for name in ("综合行政执法办", "市场监督", "食安办"):
        page.locator("label", has_text=name).first.click()
    page.check("#c-auxiliary")
    page.locator("#main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    s.shot(page, "trainer-exam-overview-problem", clip_to="#main")
    s.go(page, draft_url.replace(s.base, "") + "/paper")
    page.select_option("#category-2", "")
    page.locator("form:has(input[value=rules]) button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    s.go(page, draft_url.replace(s.base, "") + "/audience")
    s.shot(page, "trainer-exam-audience")
    s.go(page, draft_url.replace(s.base, ""))
    s.shot(page, "trainer-exam-overview-ready", clip_to="#main")

    # The exam that is open now: candidates and results, a change with its reason.
    s.go(page, f"/exams/{ids['current_exam']}/candidates")
    page.locator("#candidates tbody tr details").first.evaluate("d => d.open = true")
    s.shot(page, "trainer-exam-candidates")
    page.evaluate("document.querySelector('#main > h2').scrollIntoView()")
    s.shot(page, "trainer-exam-changes")
    s.go(page, f"/exams/{ids['first_exam']}/candidates")
    s.shot(page, "trainer-exam-results")
    s.go(page, f"/reports/exams/{ids['first_exam']}/items")
    s.shot(page, "trainer-item-analysis")
    # A question of the analysis (a flagged one when the demo has enough answers to flag any):
    # its edit page, where a locked question points to the key correction.
    flagged = page.locator("tr.table-warning a")
    (flagged if flagged.count() else page.locator("tr[data-question] a")).first.click()
    page.wait_for_load_state("networkidle")
    s.shot(page, "trainer-question-edit", full=True, max_height=1800)

    # Training sessions: list, new, expected, projector, attendance, sign-in sheet import, printing.
    s.go(page, "/sessions")
    s.shot(page, "trainer-sessions")
    s.go(page, "/sessions/new")
    s.shot(page, "trainer-session-new", full=True, max_height=1500)
    today = ids["today_session"]
    s.go(page, f"/sessions/{today}/expected")
    s.shot(page, "trainer-session-expected")
    s.go(page, f"/sessions/{today}/projector")
    s.shot(page, "trainer-session-projector")
    s.go(page, f"/sessions/{today}/attendance")
    s.shot(page, "trainer-session-attendance")
    s.go(page, f"/sessions/{today}/sheet")
    s.shot(page, "trainer-session-sheet")
    held = ids["held_session"]
    s.go(page, f"/sessions/{held}/attendance/import")
    page.set_input_files("#file", files=[{"name": "签到表-法律顾问培训.xlsx", "mimeType": XLSX,
                                          "buffer": signin_sheet_file(platform, held)}])
    s.shot(page, "trainer-signin-import")
    page.click("#submit")
    page.wait_for_load_state("networkidle")
    s.shot(page, "trainer-signin-preview")
    page.locator("#main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    s.shot(page, "trainer-signin-imported")
    s.go(page, f"/sessions/{held}")
    s.shot(page, "trainer-session-show")

    # Courses.
    s.go(page, "/courses/manage")
    s.shot(page, "trainer-courses-manage")
    s.go(page, f"/courses/{ids['course']}/edit")
    s.shot(page, "trainer-course-edit", full=True, max_height=1800)
    s.go(page, f"/courses/{ids['course']}/materials/new")
    s.shot(page, "trainer-material-new", full=True, max_height=1500)
    page.context.close()


def run_admin(s: Shooter, platform: Platform, ids: dict) -> None:
    log("admin and liaison")
    page = s.page("admin")
    s.shot(page, "admin-home")
    s.go(page, "/departments")
    s.shot(page, "admin-departments")
    s.go(page, "/departments/new")
    s.shot(page, "admin-department-new", clip_to="#main")
    s.go(page, "/people")
    s.shot(page, "admin-people")
    s.go(page, f"/people/{ids['cadre36']}")
    s.shot(page, "admin-person-edit", full=True, max_height=1300)
    page.locator("form[action$='reset-password'] button").first.click()
    page.wait_for_load_state("networkidle")
    s.shot(page, "admin-password-reset", clip_to="#main")

    clean, mistakes = roster_files(platform)
    s.go(page, "/roster/import")
    page.set_input_files("#file", files=[{"name": "花名册-有误.csv", "mimeType": "text/csv", "buffer": mistakes}])
    s.shot(page, "admin-roster-upload")
    page.click("#submit")
    page.wait_for_load_state("networkidle")
    s.shot(page, "admin-roster-problems", clip_to="#main")
    s.go(page, "/roster/import")
    page.set_input_files("#file", files=[{"name": "花名册-2026年11月.xlsx", "mimeType": XLSX, "buffer": clean}])
    page.click("#submit")
    page.wait_for_load_state("networkidle")
    s.shot(page, "admin-roster-preview")
    page.locator("#main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    s.shot(page, "admin-roster-done", clip_to="#main")

    s.go(page, "/outreach")
    s.shot(page, "admin-outreach")
    s.go(page, f"/outreach/{ids['event']}")
    s.shot(page, "admin-outreach-event")
    s.go(page, "/outreach/new")
    s.shot(page, "admin-outreach-new", full=True, max_height=1400)
    s.go(page, "/outreach/responsibilities")
    s.shot(page, "admin-responsibilities")
    s.go(page, f"/outreach/responsibilities?year=2026&department={ids['justice_office']}")
    page.evaluate("document.getElementById('list').scrollIntoView()")
    s.shot(page, "admin-responsibilities-department")

    s.go(page, "/reports")
    s.shot(page, "admin-reports")
    first = ids["first_exam"]
    s.go(page, f"/reports/exams/{first}")
    s.shot(page, "admin-exam-report")
    page.evaluate("document.getElementById('definitions').open = true")
    s.shot(page, "admin-exam-definitions", selector="#definitions")
    s.go(page, f"/reports/exams/{first}/print")
    s.shot(page, "admin-exam-print")
    s.go(page, "/reports/settings")
    s.shot(page, "admin-report-settings", clip_to="#main")
    s.go(page, "/reports/training?year=2026")
    s.shot(page, "admin-training-report")
    s.go(page, "/reports/annual?year=2026")
    s.shot(page, "admin-annual-summary")
    s.go(page, "/audit")
    s.shot(page, "admin-audit")
    page.context.close()

    page = s.page("liaison")
    s.shot(page, "liaison-home")
    s.go(page, "/people")
    s.shot(page, "liaison-people")
    s.go(page, f"/reports/exams/{ids['current_exam']}")
    s.shot(page, "liaison-exam-report")
    s.go(page, f"/reports/exams/{ids['current_exam']}/people?only=absent")
    s.shot(page, "liaison-not-taken")
    page.context.close()


def run_home_phones(s: Shooter, platform: Platform, ids: dict) -> None:
    """Each staff role's home page (its to-do list) on a phone; the cadre's is made by run_cadre."""
    log("home pages on a phone")
    for role in ("trainer", "liaison", "admin"):
        phone = s.page(role, phone=True)
        s.shot(phone, f"{role}-home-phone", full=True, max_height=2400)
        phone.context.close()


def run_marking(s: Shooter, platform: Platform, ids: dict) -> None:
    """The trainer's marking chapter: the overview of the demo exam with subjective questions,
    one answer being marked (desktop and phone), and the subjective item analysis."""
    log("marking")
    from trainingapp.exams.models import Exam
    from trainingapp.questionbank.models import Question
    with platform.context():
        exam_id = q(Exam, title="2026年第三季度行政处罚法专题考试（含主观题）").id
        case_id = q(Question, qtype="case").id
    page = s.page("trainer")
    s.go(page, f"/exams/{exam_id}/marking")
    s.shot(page, "trainer-marking-overview", full=True, max_height=1400)
    s.go(page, f"/exams/{exam_id}/marking/{case_id}/first/next")
    page.wait_for_selector("#marking-form")
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    page.keyboard.type("2.5")
    page.keyboard.press("Tab")
    s.shot(page, "trainer-marking-answer", full=True, max_height=1600)
    phone = s.page("trainer", phone=True)
    s.go(phone, f"/exams/{exam_id}/marking/{case_id}/first/next")
    phone.wait_for_selector("#marking-form")
    s.shot(phone, "trainer-marking-answer-phone", full=True, max_height=2200)
    s.go(page, f"/reports/exams/{exam_id}/items")
    s.shot(page, "trainer-marking-items", selector="#subjective-items")


def prepare_pending(platform: Platform) -> dict:
    """A small exam with a short-answer question (简答) for eight cadres, taken through the
    exam services: four answer the short question and wait for marks (待阅卷), three leave it
    blank and are scored at once (two pass, one fails), one never sits; the ids the pages need."""
    from sqlalchemy import select

    from trainingapp.accounts.audience import Audience
    from trainingapp.accounts.models import User
    from trainingapp.exams import authoring, finalising, saving, starting
    from trainingapp.exams.marks import default_marks
    from trainingapp.platform.extensions import db
    from trainingapp.questionbank.models import Question
    from trainingapp.questionbank.parsing import QuestionData
    from trainingapp.questionbank.subjective import Part, RubricPoint, make_key
    with platform.context():
        trainer = q(User, login="trainer")
        people = db.session.scalars(select(User).where(User.role == "cadre", User.status == "active",
                                                       User.login.like("cadre%"), User.login != "cadre")
                                    .order_by(User.login)).all()[:7]
        people = [q(User, login="cadre")] + people
        short = Question()
        short.apply(QuestionData(
            qtype="short", stem="简述行政处罚应当遵循的基本原则。", options=[], points=40, difficulty="medium",
            category="行政处罚法", explanation="", basis="《行政处罚法》第五条", is_active=True,
            answer=make_key([Part(stem="", reference="公正、公开原则；过罚相当原则；处罚与教育相结合原则。",
                                  marks=40, rubric=(RubricPoint("公正、公开", 20),
                                                    RubricPoint("过罚相当、处罚与教育相结合", 20)))])))
        db.session.add(short)
        db.session.flush()
        objective = db.session.scalars(select(Question).where(Question.qtype == "truefalse",
                                                              Question.is_active.is_(True))
                                       .order_by(Question.id).limit(6)).all()
        opens = platform.clock.now() - timedelta(hours=1)
        exam = authoring.save_exam(trainer, None, dict(
            title="行政处罚法专题考试（含简答题）", description="", year=opens.year, opens_at=opens,
            closes_at=opens + timedelta(days=7), latest_start_at=None, duration_minutes=40, attempts_allowed=1,
            counting="best", pass_mark=0, excellent_mark=0, multiple_scoring="all_or_nothing",
            shuffle_questions=False, shuffle_options=False, review_policy="after_submit", tab_switch_limit=None,
            required_credits=None, makeup_of_id=None))
        authoring.set_fixed_items(exam, [(question.id, 10) for question in objective] + [(short.id, 40)])
        exam.pass_mark, exam.excellent_mark = default_marks(exam.total_points)
        db.session.commit()
        authoring.set_audience(exam, Audience(added=frozenset(p.id for p in people)))
        authoring.publish(trainer, exam)
        keys = dict(db.session.execute(select(Question.id, Question.answer).where(
            Question.id.in_([question.id for question in objective]))).all())
        attempts = {}
        for index, person in enumerate(people[:-1]):  # the last never sits
            attempt, _created = starting.start_attempt(person, exam.id)
            for seq, item in enumerate(attempt.paper, start=1):
                if item["t"] == "short":
                    if index not in (3, 5, 6):  # these leave it blank and are scored at once
                        saving.save_answer(person, attempt.id, item["q"],
                                           "应当坚持公正、公开原则，做到过罚相当，坚持处罚与教育相结合。", seq)
                else:
                    right = seq > index % 3  # the first 0-2 questions wrong
                    saving.save_answer(person, attempt.id, item["q"], keys[item["q"]] if right
                                       else not keys[item["q"]], seq)
            finalising.submit_attempt(person, attempt.id)
            attempts[person.login] = attempt.id
        return {"pending_exam": exam.id, "pending_attempt": attempts["cadre"]}


def run_pending(s: Shooter, platform: Platform, ids: dict) -> None:
    """Results that wait for marking (待阅卷): the cadre's result, and the exam report's figures."""
    log("pending results")
    more = prepare_pending(platform)
    page = s.page("cadre", phone=True)
    s.go(page, f"/my/attempts/{more['pending_attempt']}/result")
    s.shot(page, "cadre-result-pending", clip_to="#documents")
    page.context.close()
    page = s.page("admin")
    s.go(page, f"/reports/exams/{more['pending_exam']}")
    s.shot(page, "admin-exam-report-pending", clip_to="#department-table")


def run_laws(s: Shooter, platform: Platform, ids: dict) -> None:
    """The law library (cadre, desktop and phone) and a trainer's import preview."""
    log("law library")
    from trainingapp.laws.demo import TITLE
    from trainingapp.laws.models import Law
    with platform.context():
        law_id = q(Law, title=TITLE).id
    page = s.page("cadre")
    s.go(page, "/laws/")
    s.shot(page, "cadre-law-library", clip_to="#main")
    s.go(page, f"/laws/{law_id}")
    s.shot(page, "cadre-law-page")
    s.go(page, "/laws/search?q=学时")
    s.shot(page, "cadre-law-search", clip_to="#main")
    page.locator("[data-results] a").first.click()
    page.wait_for_load_state("networkidle")
    s.shot(page, "cadre-law-article", clip_to="#main")
    page.context.close()
    phone = s.page("cadre", phone=True)
    s.go(phone, f"/laws/{law_id}")
    s.shot(phone, "cadre-law-page-phone")
    phone.context.close()

    page = s.page("trainer")
    s.go(page, "/laws/import")
    from trainingapp.laws.demo import _SECOND
    # A later revision whose 第三条之一 was mistyped: the gap is shown by line, allowed only in an excerpt.
    page.fill("#text", _SECOND.replace("2025年10月15日", "2026年11月20日").replace("2026年1月1日", "2027年1月1日")
              .replace("第三条之一", "第三条之二"))
    s.shot(page, "trainer-law-upload")
    page.click("#submit")
    page.wait_for_load_state("networkidle")
    s.shot(page, "trainer-law-preview", full=True, max_height=1400)
    page.context.close()


def prepare_subjective(platform: Platform) -> dict:
    """An exam with a 简答 and a 案例分析 for a cadre of its own (the demo has none yet), made
    through the platform's services after the other parts ran, so no other shot shows it."""
    from trainingapp.accounts.audience import Audience
    from trainingapp.accounts.models import Department, User
    from trainingapp.exams import authoring
    from trainingapp.exams.marks import default_marks
    from trainingapp.platform.extensions import db
    from trainingapp.questionbank.models import Question
    from trainingapp.questionbank.parsing import QuestionData
    from trainingapp.questionbank.subjective import Part, RubricPoint, make_key
    with platform.context():
        trainer = q(User, login="trainer")
        person = User(login="13900139001", name="赵文静", department_id=q(Department, name="司法所").id,
                      category="staff", post="司法助理员", role="cadre")
        person.set_password(PASSWORD, must_change=False)
        short = QuestionData(
            qtype="short", stem="简述行政机关作出行政处罚决定前应当履行的告知义务。", options=[],
            answer=make_key([Part("", "应当告知当事人拟作出的行政处罚内容及事实、理由、依据，并告知当事人"
                                  "依法享有的陈述、申辩、要求听证等权利。", 10.0,
                                  (RubricPoint("告知处罚内容及事实、理由、依据", 5.0),
                                   RubricPoint("告知陈述、申辩、听证等权利", 5.0)))]),
            points=10.0, difficulty="medium", category="行政处罚法", explanation="",
            basis="《行政处罚法》第四十四条", is_active=True)
        case = QuestionData(
            qtype="case",
            stem="某镇综合行政执法队在检查中发现某商户占道经营，当场口头责令其改正。次日，执法队未经告知，"
                 "直接作出罚款2000元的行政处罚决定书并送达。商户认为程序违法，申请行政复议。",
            options=["执法队作出罚款决定的程序是否合法？为什么？", "复议机关应当如何处理？"],
            answer=make_key([Part("", "不合法。作出行政处罚决定前未告知当事人拟处罚的内容及其陈述、申辩权利。",
                                  10.0, (RubricPoint("结论：程序违法", 4.0),
                                         RubricPoint("理由：未履行告知义务", 6.0))),
                             Part("", "违反法定程序的，复议机关决定撤销或者部分撤销该行政行为，可以责令重新作出。",
                                  10.0, ())]),
            points=20.0, difficulty="medium", category="行政处罚法", explanation="",
            basis="《行政处罚法》第四十四条、第六十二条；《行政复议法》", is_active=True)
        rows = []
        for data in (short, case):
            row = Question()
            row.apply(data)
            rows.append(row)
        db.session.add_all([person, *rows])
        db.session.commit()
        opens = platform.clock.now() - timedelta(minutes=5)
        exam = authoring.save_exam(trainer, None, dict(
            title="行政执法人员法治能力测试（主观题）", description="", year=opens.year, opens_at=opens,
            closes_at=opens + timedelta(days=7), latest_start_at=None, duration_minutes=60, attempts_allowed=1,
            counting="best", pass_mark=0, excellent_mark=0, multiple_scoring="all_or_nothing",
            shuffle_questions=False, shuffle_options=False, review_policy="after_submit", tab_switch_limit=None,
            required_credits=None, makeup_of_id=None, protect_questions=False))
        authoring.set_fixed_items(exam, [(rows[0].id, 10.0), (rows[1].id, 20.0)])
        exam.pass_mark, exam.excellent_mark = default_marks(exam.total_points)
        db.session.commit()
        authoring.set_audience(exam, Audience(added=frozenset({person.id})))
        authoring.publish(trainer, exam)
        return {"subjective_exam": exam.id, "subjective_login": person.login}


def run_subjective(s: Shooter, platform: Platform) -> None:
    """A cadre answering a case analysis on a phone, and the review waiting for marks."""
    log("subjective questions")
    ids = prepare_subjective(platform)
    phone = s.page(ids["subjective_login"], phone=True)
    s.go(phone, f"/my/exams/{ids['subjective_exam']}")
    phone.click("#start")
    phone.wait_for_selector("#exam.is-ready")
    phone.fill("#exam-form .exam-q:not([hidden]) textarea", "应当告知当事人拟作出的行政处罚内容及事实、理由、依据，"
               "并告知其依法享有陈述、申辩的权利；符合听证条件的，告知其有要求听证的权利。")
    phone.click("#exam-next")
    visible = phone.locator("#exam-form .exam-q:not([hidden])")
    visible.locator("textarea").nth(0).fill("不合法。执法队在作出罚款决定前，没有告知商户拟作出的处罚内容及事实、"
                                           "理由、依据，也没有告知其陈述、申辩的权利，违反了法定程序。")
    visible.locator("textarea").nth(1).press_sequentially("复议机关应当决定撤销该处罚决定，", delay=10)
    phone.wait_for_selector("#exam-saved[data-state=saved]")
    phone.wait_for_timeout(1200)  # the last keystrokes' save
    phone.wait_for_selector("#exam-saved[data-state=saved]")
    visible.locator(".exam-q-legend").scroll_into_view_if_needed()
    s.shot(phone, "cadre-exam-case-phone")
    phone.locator(".exam-bar .exam-submit").click()
    phone.wait_for_selector("#exam-confirm-modal.show")
    phone.click("#exam-confirm")
    phone.wait_for_url("**/result")
    phone.wait_for_load_state("networkidle")
    phone.evaluate("() => { document.getElementById('review-2').scrollIntoView(); window.scrollBy(0, -8); }")
    s.shot(phone, "cadre-exam-case-review-phone")
    phone.context.close()


def run_notifications(s: Shooter, platform: Platform, ids: dict) -> None:
    """The bell and the notification list (cadre), the group robots and the outbox (admin), the
    reminder button on the liaison's follow-up list; each page also at phone width."""
    log("notifications")
    from trainingapp.accounts.models import Department, User
    from trainingapp.notifications import services
    from trainingapp.platform.extensions import db
    with platform.context():
        admin = q(User, login="admin")
        for name, kind, url, secret in [
                ("司法所", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7a0c-4bc4", None),
                ("来苏村", "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=5f2c0e7b9d1a", "SEC1f0a9e")]:
            services.set_webhook(admin, q(Department, name=name).id, kind, url, secret)
        db.session.remove()
    for phone in (False, True):
        suffix = "-phone" if phone else ""
        page = s.page("cadre", phone=phone)
        s.go(page, "/notifications/")
        s.shot(page, f"cadre-notifications{suffix}", clip_to="#main")
        s.go(page, "/notifications/settings")
        s.shot(page, f"cadre-email-settings{suffix}", clip_to="#main")
        page.context.close()
        page = s.page("admin", phone=phone)
        s.go(page, "/notifications/webhooks")
        s.shot(page, f"admin-webhooks{suffix}", clip_to="#main")
        s.go(page, "/notifications/outbox")
        s.shot(page, f"admin-outbox{suffix}", clip_to="#main")
        page.context.close()
        page = s.page("liaison", phone=phone)
        with platform.context():
            from sqlalchemy import select

            from trainingapp.exams.models import Exam
            quiz = db.session.scalar(select(Exam.id).where(Exam.title == "宪法宣传周专题测验"))
            db.session.remove()
        s.go(page, f"/reports/exams/{quiz}/followup")
        s.shot(page, f"liaison-remind{suffix}", clip_to="#definitions")
        page.context.close()


CITED_TITLE = "示例镇文明行为促进办法（虚构文本，仅供演示）"
CITED_FIRST = {3: "镇人民政府负责文明行为促进工作，村（居）民委员会予以协助。",
               8: "在公共场所应当遵守下列规定：\n（一）不随地吐痰；\n（二）不乱扔垃圾。",
               12: "违反本办法第八条规定的，由镇综合行政执法机构责令改正，可以处五十元以下罚款。"}
CITED_SECOND = {3: "镇人民政府负责文明行为促进工作，村（居）民委员会、物业服务企业予以协助。",
                8: "在公共场所应当遵守下列规定：\n（一）不随地吐痰；\n（二）不乱扔垃圾；\n（三）不占用消防通道。",
                12: "违反本办法第八条规定的，由镇综合行政执法机构责令改正；拒不改正的，处一百元以下罚款。"}


def prepare_citations(platform: Platform) -> dict:
    """A fictional regulation (labelled as such) in the library, three questions citing it, then
    its amendment becoming current: the questions are marked 待复核, one is confirmed."""
    from datetime import date

    from trainingapp.accounts.models import Department, User
    from trainingapp.laws.models import Article, Law, LawVersion
    from trainingapp.platform.extensions import db
    from trainingapp.platform.signals import answers, law_changed
    from trainingapp.questionbank import amendments, services
    from trainingapp.training.outreach.models import ResponsibilityItem

    def version(law, issued, articles):
        stored = LawVersion(law=law, issued_on=issued, effective_on=issued, note="虚构文本，仅供演示")
        for position, (number, text) in enumerate(sorted(articles.items())):
            stored.articles.append(Article(number=number, suffix=0, position=position, text=text))
        db.session.add(stored)
        db.session.flush()
        return stored

    with platform.context():
        trainer = q(User, login="trainer")
        law = Law(title=CITED_TITLE, short_title="示例文明行为办法")
        db.session.add(law)
        old = version(law, date(2024, 1, 1), CITED_FIRST)
        db.session.commit()
        fields = {"type": "single", "difficulty": "medium", "points": "2", "category": "示例文明行为办法",
                  "knowledge_point": "", "explanation": "见所引条文。", "status": "active"}
        written = [
            ("single", "违反公共场所文明行为规定的，最高可以处多少元罚款？",
             ["五十元", "一百元", "二百元", "五百元"], "A", "《示例文明行为办法》第十二条"),
            ("multiple", "在公共场所应当遵守哪些规定？", ["不随地吐痰", "不乱扔垃圾", "不大声说话", "不穿拖鞋"], "AB",
             "《示例镇文明行为促进办法（虚构文本，仅供演示）》第8条"),
            ("single", "协助镇人民政府做好文明行为促进工作的是？",
             ["村（居）民委员会", "县公安局", "市场监管所", "学校"], "A", "示例文明行为办法第三条、第十三条")]
        questions = [services.save_question(trainer, None, {**fields, "type": qtype, "stem": stem, "options": options,
                                                             "answer": answer, "basis": basis})
                     for qtype, stem, options, answer, basis in written]
        ids = [question.id for question in questions]
        new = version(law, date(2026, 10, 1), CITED_SECOND)
        answers(law_changed, law_id=law.id, old_version_id=old.id, new_version_id=new.id)
        db.session.add(ResponsibilityItem(department_id=q(Department, name="司法所").id, year=PINNED_NOW.year,
                                          law="《示例文明行为办法》", planned_events=2))
        db.session.commit()
        amendments.confirm(trainer, db.session.get(type(questions[0]), ids[2]))
        return {"cited_questions": ids, "cited_law": law.id}


def run_citations(s: Shooter, platform: Platform, ids: dict) -> None:
    """Questions cite articles: the trainer's review, citations not found, coverage; a cadre's practice feedback."""
    log("citations")
    cited = prepare_citations(platform)
    page = s.page("trainer")
    s.go(page, "/questions/reviews")
    s.shot(page, "trainer-questions-to-review", full=True, max_height=1500)
    s.go(page, f"/questions/{cited['cited_questions'][0]}")
    s.shot(page, "trainer-question-awaiting-review", clip_to="#awaiting-review")
    s.go(page, "/questions/citations")
    s.shot(page, "trainer-citations-not-found", full=True, max_height=1200)
    s.go(page, f"/reports/coverage?year={PINNED_NOW.year}")
    s.shot(page, "trainer-question-coverage", full=True, max_height=1500)
    page.context.close()
    phone = s.page("cadre20", phone=True)
    s.go(phone, "/practice")
    phone.select_option("#category", "示例文明行为办法")
    phone.click("label[for='count-0']")
    phone.click("#start-practice")
    phone.wait_for_load_state("networkidle")
    answer_practice(phone, platform, right=False)
    s.shot(phone, "cadre-practice-cited-article-phone", full=True, max_height=1600)
    phone.context.close()


PARTS = ("cadre", "trainer", "admin", "home", "marking", "pending", "laws", "notifications", "citations")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where the PNGs go")
    parser.add_argument("--real-time", action="store_true", help="use the real clock instead of the pinned one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to shoot ({', '.join(PARTS)}; default all)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        log(f"no Chromium at {CHROMIUM}: apt-get install chromium")
        return 2
    started = time.monotonic()
    args.out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="trainingapp-screenshots-"))
    platform = None
    try:
        log(f"building the demo platform in {workdir}")
        platform = Platform(workdir, pin_clock=not args.real_time)
        platform.build()
        ids = prepare(platform)
        base = platform.serve()
        from playwright.sync_api import sync_playwright
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            shooter = Shooter(browser, base, args.out)
            parts = {"cadre": run_cadre, "trainer": run_trainer, "admin": run_admin, "home": run_home_phones,
                     "marking": run_marking, "pending": run_pending, "laws": run_laws,
                     "notifications": run_notifications, "citations": run_citations}
            for name in args.only.split(","):
                parts[name.strip()](shooter, platform, ids)
            if "cadre" in args.only:  # last: its exam must show in no other shot
                run_subjective(shooter, platform)
            browser.close()
        size = sum((args.out / name).stat().st_size for name in shooter.taken)
        log(f"{len(shooter.taken)} screenshots ({size / 1024 / 1024:.1f} MB) in {args.out}, "
            f"{time.monotonic() - started:.0f} s")
        stale = sorted(p.name for p in args.out.glob("*.png") if p.name not in shooter.taken)
        if stale and args.only == parser.get_default("only"):
            log("not made by this run (delete them if no guide uses them): " + ", ".join(stale))
    finally:
        if platform is not None and getattr(platform, "server", None) is not None:
            platform.stop()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
