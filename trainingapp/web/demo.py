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
    from ..laws.demo import load_laws_demo
    load_laws_demo()
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


def _take_demo_attempt(person, exam_id: int, skill: float, rng, texts: dict | None = None) -> None:
    """Start, answer (right with probability `skill`; subjective questions with `texts`) and
    submit, through the real services."""
    from ..exams import finalising, saving, starting
    from ..questionbank.models import Question
    attempt, _created = starting.start_attempt(person, exam_id)
    keys = dict(db.session.execute(select(Question.id, Question.answer).where(
        Question.id.in_([item["q"] for item in attempt.paper]))).all())
    for seq, item in enumerate(attempt.paper, start=1):
        key = keys[item["q"]]
        if texts and item["q"] in texts:
            answer = texts[item["q"]]
        elif rng.random() < skill:
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
    load_marking_demo(admin, rng)


_SHORT_DEMO = ("简述行政处罚应当遵循的基本原则。", [
    {"reference": "处罚法定原则；公正、公开原则；过罚相当原则；处罚与教育相结合原则；保障当事人权利原则。",
     "marks": 20.0, "rubric": [{"point": "处罚法定", "marks": 6.0}, {"point": "公正、公开", "marks": 5.0},
                               {"point": "过罚相当", "marks": 5.0}, {"point": "处罚与教育相结合", "marks": 4.0}]}])
_CASE_DEMO = ("某镇综合行政执法办在检查中发现某餐馆占道经营，当场作出罚款3000元的决定，未告知当事人陈述、申辩的权利，"
              "也未制作行政处罚决定书。",
              ["该处罚决定在程序上存在哪些问题？", "当事人可以通过哪些途径维护自身权益？"], [
    {"reference": "当场处罚仅适用于较小数额罚款；未告知陈述、申辩权利；未制作并交付处罚决定书。", "marks": 15.0,
     "rubric": [{"point": "超出当场处罚的罚款数额", "marks": 5.0}, {"point": "未告知陈述、申辩权利", "marks": 5.0},
                {"point": "未制作处罚决定书", "marks": 5.0}]},
    {"reference": "可以依法申请行政复议或者提起行政诉讼。", "marks": 10.0, "rubric": []}])
_DEMO_TEXTS = [
    ("行政处罚应当遵循处罚法定、公正公开、过罚相当、处罚与教育相结合的原则。",
     ["罚款3000元不能当场处罚；没有告知陈述申辩权利；没有处罚决定书。", "申请行政复议或者提起行政诉讼。"]),
    ("要依法处罚，做到公开公正。", ["没有告知当事人权利。", "可以投诉。"]),
    ("处罚法定、过罚相当、教育与处罚相结合。", ["程序违法，未告知陈述申辩权利，也没有决定书。", "行政复议。"]),
    ("依法、公正、公开。", ["处罚太重了。", "找领导反映。"]),
]


def load_marking_demo(trainer, rng) -> None:
    """A finished exam with a 简答 and a 案例分析 question: eight staff sat it in September, some
    answers are marked and some wait, so the marking queue and the pending results show."""
    from datetime import datetime

    from ..accounts.audience import Audience
    from ..accounts.models import User
    from ..exams import authoring, marking, marking_service
    from ..exams.models import Exam
    from ..platform import clock
    from ..questionbank.models import Question
    from ..questionbank.parsing import QuestionData
    from ..questionbank.subjective import parts_of, scaled_parts
    questions = []
    for qtype, stem, options, key in (("short", _SHORT_DEMO[0], [], _SHORT_DEMO[1]),
                                      ("case", _CASE_DEMO[0], _CASE_DEMO[1], _CASE_DEMO[2])):
        question = Question(created_by_id=trainer.id)
        question.apply(QuestionData(qtype=qtype, stem=stem, options=options, answer=key, points=sum(
            p["marks"] for p in key), difficulty="medium", category="行政处罚法", explanation="",
            basis="《中华人民共和国行政处罚法》", is_active=True))
        db.session.add(question)
        questions.append(question)
    singles = db.session.scalars(select(Question).where(Question.qtype == "single", Question.is_active.is_(True))
                                 .order_by(Question.id).limit(10)).all()
    db.session.flush()
    people = db.session.scalars(select(User).where(User.role == "cadre", User.category == "staff",
                                                   User.status == "active").order_by(User.id).limit(8)).all()
    clock.freeze(datetime(2026, 9, 1, 0, 0))
    fields = dict(title="2026年第三季度行政处罚法专题考试（含主观题）",
                  description="单选题加简答题、案例分析题，主观题由培训讲师阅卷。",
                  year=2026, opens_at=datetime(2026, 9, 7, 0, 0), closes_at=datetime(2026, 9, 14, 10, 0),
                  latest_start_at=None, duration_minutes=90, attempts_allowed=1, counting="best", pass_mark=60,
                  excellent_mark=90, multiple_scoring="all_or_nothing", shuffle_questions=False,
                  shuffle_options=False, review_policy="score", tab_switch_limit=None, required_credits=None,
                  makeup_of_id=None, paper_mode="fixed")
    created = authoring.save_exam(trainer, None, fields)
    authoring.set_fixed_items(created, [(q.id, 3.0) for q in singles] + [(questions[0].id, 30.0),
                                                                          (questions[1].id, 40.0)])
    authoring.set_audience(created, Audience(added=frozenset(p.id for p in people)))
    authoring.publish(trainer, created)
    for index, person in enumerate(people):
        clock.freeze(datetime(2026, 9, 8 + index % 5, 1 + index % 6, 0))
        short_text, case_texts = _DEMO_TEXTS[index % len(_DEMO_TEXTS)]
        _take_demo_attempt(person, created.id, 0.6 + rng.random() * 0.4, rng,
                           texts={questions[0].id: short_text, questions[1].id: case_texts})
    clock.freeze(datetime(2026, 9, 16, 2, 0))
    exam_row = db.session.get(Exam, created.id)
    # The trainer marked the short answer of five, and the case analysis of three; the rest wait.
    for script in marking_service.scripts(exam_row):
        done = 5 if script.answer.question_id == questions[0].id else 3
        if script.number > done:
            continue
        parts = scaled_parts(parts_of(
            "short" if script.answer.question_id == questions[0].id else "case",
            _CASE_DEMO[1] if script.answer.question_id == questions[1].id else [],
            _SHORT_DEMO[1] if script.answer.question_id == questions[0].id else _CASE_DEMO[2]), script.points)
        quality = (0.9, 0.5, 0.75, 0.3, 0.6)[(script.number - 1) % 5]
        form = {}
        for index, part in enumerate(parts):
            if part.rubric:
                for number, point in enumerate(part.rubric, start=1):
                    form[f"p{index}_{number}"] = str(marking.round_half(point.marks * quality))
            else:
                form[f"p{index}"] = str(marking.round_half(part.marks * quality))
        marking_service.give_mark(exam_row, script.answer.question_id, "first", script.number, trainer, form,
                                  comment="要点基本齐全。" if quality > 0.7 else "")
    clock.reset()
