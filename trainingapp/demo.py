"""The demo data set: the departments of the reference town and about forty people.

Loaded by `python run.py` on first start with SQLite, or by `flask --app run demo`.
Each domain adds its part through a `load_demo_*` function called from here.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from .extensions import db

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
    from .accounts.models import Department, User
    ids: dict[str, int] = {}
    for position, (name, parent) in enumerate(DEPARTMENTS):
        department = Department(name=name, parent_id=ids.get(parent), position=position)
        db.session.add(department)
        db.session.flush()
        ids[name] = department.id
    # One hash for every demo account: hashing forty times would slow the first start.
    hashed = generate_password_hash(DEMO_PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"])
    for login, name, department, category, post, role in demo_people():
        db.session.add(User(login=login, name=name, department_id=ids[department], category=category,
                            post=post, role=role, password_hash=hashed, must_change_password=False))
    retired = User(login="cadre99", name="何退休", department_id=ids["司法所"], category="staff",
                   post="原司法助理员", role="cadre", status="retired", password_hash=hashed,
                   must_change_password=False)
    db.session.add(retired)
    db.session.flush()
    return ids


def load_demo() -> bool:
    """Load the demo data into an empty database; returns False (and does nothing) otherwise."""
    from .accounts.models import User
    if db.session.scalar(select(func.count(User.id))):
        return False
    load_accounts_demo()
    db.session.commit()
    load_questionbank_demo()
    return True


DEMO_LOGINS = [("admin", "管理员 / administrator"), ("trainer", "培训讲师 / trainer"),
               ("liaison", "法治联络员 (综合行政执法办) / liaison"), ("cadre", "学员 / cadre"),
               ("cadre01 … cadre36", "更多学员 / more cadres")]


@click.command("demo", help="Load the demo data set into an empty database.")
@with_appcontext
def demo_command():
    if load_demo():
        click.echo(f"demo data loaded; every demo login uses the password {DEMO_PASSWORD}")
    else:
        click.echo("the database already holds people; nothing loaded")


def load_questionbank_demo(admin_login: str = "admin") -> int:
    """Import every sample bank in question_bank/ as the demo admin; returns the count."""
    from pathlib import Path

    from .accounts.models import User
    from .questionbank.services import import_questions
    admin = db.session.scalar(select(User).where(User.login == admin_login))
    total = 0
    for path in sorted((Path(current_app.root_path).parent / "question_bank").glob("bank_*.csv")):
        outcome = import_questions(admin, path.read_bytes(), path.name,
                                   max_rows=current_app.config["QUESTION_IMPORT_MAX_ROWS"])
        total += outcome.imported
    return total
