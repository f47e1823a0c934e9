"""The demo data set: the departments of the reference town and about forty people.

Loaded by `python run.py` on first start with SQLite on 127.0.0.1 (never served beyond this
computer while the published password is unchanged: first_start.py), or by `flask --app run demo`.
Each domain adds its part through a `load_demo_*` function called from here.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..accounts.hashing import hash_password
from ..platform.extensions import db

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password, demo accounts only

DEPARTMENTS = [
    ("共和镇", None),
    ("党政办", "共和镇"), ("综合行政执法办", "共和镇"), ("司法所", "共和镇"), ("应急办", "共和镇"),
    ("消防队", "应急办"), ("市场监督", "共和镇"), ("食安办", "共和镇"), ("文化服务中心", "共和镇"),
    ("人力资源服务中心", "共和镇"), ("劳动关系联处中心", "人力资源服务中心"),
    ("共和社区", "共和镇"), ("来苏村", "共和镇"), ("平岭村", "共和镇"),
]

# (login, name, department, category, post, role)
NAMED = [
    ("admin", "陈志明", "党政办", "staff", "党政办主任", "admin"),
    ("trainer", "黄丽华", "司法所", "staff", "司法所所长", "trainer"),
    ("liaison", "李建国", "综合行政执法办", "staff", "法治联络员", "liaison"),
    ("cadre", "张伟", "综合行政执法办", "staff", "执法队员", "cadre"),
]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = ["海", "静", "强", "敏", "军", "燕", "磊", "娟", "涛", "芳", "斌", "霞", "勇", "艳", "杰", "玲",
          "明", "红", "峰", "丽", "刚", "梅", "辉", "萍", "鹏", "英", "波", "华", "健", "琳", "宇", "婷",
          "浩", "倩", "凯", "雪"]
# Numbered cadres spread over departments and categories, so reports have something to show.
_PLACES = [
    ("党政办", "staff", "科员"), ("综合行政执法办", "staff", "执法队员"), ("综合行政执法办", "auxiliary", "协管员"),
    ("司法所", "staff", "人民调解员"), ("应急办", "staff", "安全监管员"), ("消防队", "contract", "消防员"),
    ("市场监督", "staff", "市场监管员"), ("食安办", "staff", "食品安全员"), ("文化服务中心", "contract", "文化专干"),
    ("人力资源服务中心", "staff", "劳动保障专干"), ("劳动关系联处中心", "contract", "调解员"),
    ("共和社区", "village", "社区居委委员"), ("来苏村", "village", "村委委员"),
    ("平岭村", "legal_literate", "法律明白人"), ("来苏村", "legal_literate", "法律明白人"),
    ("党政办", "other", "驻镇工作人员"),
]
DEMO_CADRES = 36


def demo_people():
    """(login, name, department, category, post, role) of every demo account."""
    people = list(NAMED)
    for n in range(1, DEMO_CADRES + 1):
        department, category, post = _PLACES[(n - 1) % len(_PLACES)]
        name = _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n * 7) % len(_GIVEN)] + _GIVEN[(n * 3) % len(_GIVEN)]
        people.append((f"cadre{n:02d}", name, department, category, post, "cadre"))
    # A second liaison, for a village, and a retired person who can no longer sign in.
    people.append(("liaison02", "梁永红", "来苏村", "village", "法治联络员", "liaison"))
    return people


def load_accounts_demo() -> dict[str, int]:
    """Departments and people; returns department ids by name."""
    from ..accounts.models import Department, User
    ids: dict[str, int] = {}
    for position, (name, parent) in enumerate(DEPARTMENTS):
        department = Department(name=name, parent_id=ids.get(parent), position=position)
        db.session.add(department)
        db.session.flush()
        ids[name] = department.id
    # One hash for every demo account: hashing forty times would slow the first start.
    hashed = hash_password(DEMO_PASSWORD, current_app.config["PASSWORD_HASH_METHOD"])
    for login, name, department, category, post, role in demo_people():
        db.session.add(User(login=login, name=name, department_id=ids[department], category=category,
                            post=post, role=role, password_hash=hashed, must_change_password=False,
                            email=f"{login}@example.org"))
    retired = User(login="cadre99", name="何退休", department_id=ids["司法所"], category="staff",
                   post="原司法助理员", role="cadre", status="retired", password_hash=hashed,
                   must_change_password=False)
    db.session.add(retired)
    db.session.flush()
    return ids


def load_demo() -> bool:
    """Load the demo data into an empty database; returns False (and does nothing) otherwise."""
    from ..accounts.models import User
    if db.session.scalar(select(func.count(User.id))):
        return False
    ids = load_accounts_demo()
    db.session.commit()
    load_questionbank_demo()
    load_exams_demo()
    from ..training.courses.demo import load_courses_demo
    from ..training.sessions.demo import load_sessions_demo
    load_sessions_demo(ids)
    load_courses_demo(ids)
    db.session.commit()
    return True


DEMO_LOGINS = [("admin", "管理员 / administrator"), ("trainer", "培训讲师 / trainer"),
               ("liaison", "法治联络员 (综合行政执法办) / liaison"), ("cadre", "学员 / cadre"),
               ("cadre01 … cadre36", "更多学员 / more cadres")]


@click.command("demo", help="Load the demo data set into an empty database.")
@with_appcontext
def demo_command():
    if load_demo():
        click.echo(f"demo data loaded; every demo login uses the published password {DEMO_PASSWORD}: "
                   "python run.py serves it on this computer only")
    else:
        click.echo("the database already holds people; nothing loaded")


def load_questionbank_demo(admin_login: str = "admin") -> int:
    """Import every sample bank in question_bank/ as the demo admin; returns the count."""
    from pathlib import Path

    from ..accounts.models import User
    from ..questionbank.services import import_questions
    admin = db.session.scalar(select(User).where(User.login == admin_login))
    total = 0
    for path in sorted((Path(current_app.root_path).parent / "question_bank").glob("bank_*.csv")):
        outcome = import_questions(admin, path.read_bytes(), path.name,
                                   max_rows=current_app.config["QUESTION_IMPORT_MAX_ROWS"])
        total += outcome.imported
    return total


def _take_demo_attempt(person, exam_id: int, skill: float, rng) -> None:
    """Start, answer (right with probability `skill`) and submit, through the real services."""
    from ..exams import finalising, saving, starting
    from ..questionbank.models import Question
    attempt, _created = starting.start_attempt(person, exam_id)
    keys = dict(db.session.execute(select(Question.id, Question.answer).where(
        Question.id.in_([item["q"] for item in attempt.paper]))).all())
    for seq, item in enumerate(attempt.paper, start=1):
        key = keys[item["q"]]
        if rng.random() < skill:
            answer = [alternatives[0] for alternatives in key] if item["t"] == "fill" else key
        elif item["t"] == "truefalse":
            answer = not key
        elif item["t"] == "fill":
            answer = ["不知道"] * item["b"]
        elif item["t"] == "single":
            answer = next(chr(65 + i) for i in range(item["n"]) if chr(65 + i) != key)
        else:
            answer = [chr(65 + i) for i in range(item["n"]) if chr(65 + i) not in key][:1] or None
        saving.save_answer(person, attempt.id, item["q"], answer, seq)
    finalising.submit_attempt(person, attempt.id)


def load_exams_demo() -> None:
    """A finished exam with results and its make-up, an open exam for every demo cadre, an upcoming one."""
    import random
    from datetime import datetime, timedelta

    from ..accounts.audience import Audience
    from ..accounts.models import Department, User
    from ..exams import authoring
    from ..exams.marks import default_marks
    from ..exams.models import ExamCandidate
    from ..platform import clock
    admin = db.session.scalar(select(User).where(User.login == "trainer"))
    root = db.session.scalar(select(Department).where(Department.parent_id.is_(None)))
    everyone = [{"department_id": root.id, "categories": ["staff", "contract", "auxiliary", "village",
                                                          "legal_literate", "other"]}]
    staff_only = [{"department_id": root.id, "categories": ["staff"]}]
    rules = [{"qtype": "single", "category": None, "difficulty": None, "count": 20, "points": 2},
             {"qtype": "multiple", "category": None, "difficulty": None, "count": 10, "points": 3},
             {"qtype": "truefalse", "category": None, "difficulty": None, "count": 10, "points": 3}]
    real_now = clock.now()

    def exam(title, opens, closes, audience, **extra):
        fields = dict(title=title, description="", year=opens.year, opens_at=opens, closes_at=closes,
                      latest_start_at=None, duration_minutes=60, attempts_allowed=3, counting="best",
                      pass_mark=60, excellent_mark=90, multiple_scoring="all_or_nothing", shuffle_questions=True,
                      shuffle_options=True, review_policy="full", tab_switch_limit=None, required_credits=None,
                      makeup_of_id=None)
        fields.update(extra)
        created = authoring.save_exam(admin, None, fields)
        authoring.set_rules(created, rules)
        created.pass_mark, created.excellent_mark = default_marks(created.total_points)
        authoring.set_audience(created, Audience.from_json(audience))
        return created

    rng = random.Random(2026)
    # The first-half exam, held in June: most took it, a few missed it, one exempt.
    first = exam("2026年上半年在编干部学法考试", datetime(2026, 6, 1, 0, 0), datetime(2026, 6, 15, 10, 0), staff_only,
                 description="全镇在编干部年度学法考试（上半年）。")
    clock.freeze(datetime(2026, 5, 31, 8, 0))
    authoring.publish(admin, first)
    candidates = db.session.scalars(select(User).join(ExamCandidate, User.id == ExamCandidate.user_id)
                                    .where(ExamCandidate.exam_id == first.id).order_by(User.id)).all()
    retiring = next((p for p in candidates if p.login == "cadre04"), None)
    if retiring is not None:
        authoring.set_exempt(admin, first, retiring.id, "距退休不足两年，按规定免考")
    for index, person in enumerate(candidates):
        if person is retiring or index % 9 == 8:
            continue  # missed the exam
        clock.freeze(datetime(2026, 6, 2 + index % 10, 1 + index % 6, 0))
        _take_demo_attempt(person, first.id, 0.55 + rng.random() * 0.45, rng)
        if index % 4 == 0:  # some tried again to improve
            clock.advance(timedelta(hours=3))
            _take_demo_attempt(person, first.id, 0.8 + rng.random() * 0.2, rng)
    # Its make-up, for those who did not pass.
    clock.freeze(datetime(2026, 6, 20, 0, 0))
    makeup = exam("2026年上半年在编干部学法考试（补考）", datetime(2026, 6, 22, 0, 0), datetime(2026, 6, 26, 10, 0), [],
                  makeup_of_id=first.id)
    authoring.publish(admin, makeup)
    for person in authoring.audience_people(makeup)[:3]:
        clock.freeze(datetime(2026, 6, 23, 2, 0))
        _take_demo_attempt(person, makeup.id, 0.9, rng)
    clock.reset()
    # The exam open now, for every demo person, and an upcoming one.
    opens = real_now.replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    current = exam("2026年度在编干部学法考试", opens, opens + timedelta(days=30), everyone,
                   description="请在考试窗口内完成；每人3次机会，取最高分。答案随答随存，断网或刷新不会丢失。",
                   review_policy="score")
    authoring.publish(admin, current)
    # A short quiz closing within a day: `flask reminders schedule` has people to remind at once
    # (README: watch the notifications), and the liaison's follow-up page a reminder to send.
    enforcement = db.session.scalar(select(Department.id).where(Department.name == "综合行政执法办"))
    closing = exam("宪法宣传周专题测验", opens, real_now.replace(second=0, microsecond=0) + timedelta(hours=20),
                   [{"department_id": enforcement, "categories": []}], review_policy="score", attempts_allowed=1)
    authoring.publish(admin, closing)
    upcoming = exam("2027年度法治政府建设专题考试", opens + timedelta(days=45), opens + timedelta(days=60), staff_only,
                    review_policy="full")
    authoring.publish(admin, upcoming)
