"""Demo training sessions, attendance, outreach events and responsibility lists for 2026.

Built around the reference report's calendar (3.8, 4.15, 6.15, 6.26, 11.9, 12.4) and its
kinds of work: training classes, enforcement training, 法律明白人 training online and
offline, law lectures and "六进" outreach. Deterministic (a seeded random generator), so
every demo database shows the same figures. Called by the demo loader with department ids
by name; it does not commit.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ...accounts.models import User
from ...accounts.permissions import forget_department_tree
from ...platform.clock import now
from ...platform.extensions import db
from ..outreach.models import OutreachEvent, ResponsibilityItem
from .models import Attendance, TrainingSession
from .services import expected_people, to_utc

# (title, kind, mode, organiser, local start, hours, place, [(department, categories)], trainer_name)
SESSIONS = [
    ("《宪法》与依法行政专题培训班", "class", "offline", "党政办", "2026-01-16 09:00", 3.0, "镇政府三楼会议室",
     [("共和镇", ["staff"])], ""),
    ("行政执法“三项制度”专题培训", "enforcement", "offline", "综合行政执法办", "2026-02-27 14:30", 2.0,
     "综合行政执法办会议室", [("综合行政执法办", ["staff", "auxiliary"]), ("市场监督", []), ("食安办", [])], ""),
    ("妇女权益保障法宣讲（3.8）", "lecture", "hybrid", "文化服务中心", "2026-03-06 09:00", 1.5,
     "文化服务中心多功能厅 / 线上会议", [("文化服务中心", []), ("共和社区", []), ("来苏村", []), ("平岭村", [])],
     "鹤山市妇联 刘律师"),
    ("法律明白人培训（第一期）", "legal_literate", "hybrid", "司法所", "2026-03-26 09:30", 2.0,
     "司法所会议室 / 线上会议", [("共和镇", ["legal_literate", "village"])], ""),
    ("总体国家安全观专题讲座（4.15）", "lecture", "online", "党政办", "2026-04-14 09:00", 1.5, "线上会议",
     [("共和镇", ["staff", "contract"])], "市委党校 周教授"),
    ("信用公示与“双随机、一公开”执法培训", "enforcement", "offline", "市场监督", "2026-05-21 14:30", 2.0,
     "市场监督所会议室", [("市场监督", []), ("食安办", []), ("综合行政执法办", ["staff"])], ""),
    ("安全生产法专题培训班（安全生产月）", "class", "offline", "应急办", "2026-06-12 09:00", 3.0,
     "镇政府三楼会议室", [("应急办", []), ("综合行政执法办", []), ("党政办", ["staff"])], ""),
    ("禁毒法律知识讲座（6.26）", "lecture", "online", "司法所", "2026-06-25 15:00", 1.0, "线上会议",
     [("共和镇", ["staff", "village"])], ""),
    ("劳动争议调解仲裁法培训", "class", "offline", "人力资源服务中心", "2026-07-16 09:00", 2.0,
     "人力资源服务中心会议室", [("人力资源服务中心", []), ("司法所", []), ("共和社区", [])], ""),
    ("食品安全法执法实务培训", "enforcement", "hybrid", "食安办", "2026-09-10 14:30", 2.0,
     "食安办会议室 / 线上会议", [("食安办", []), ("市场监督", []), ("综合行政执法办", ["auxiliary"])], ""),
    ("法律明白人培训（第二期）", "legal_literate", "offline", "司法所", "2026-10-22 09:30", 2.0,
     "来苏村党群服务中心", [("共和镇", ["legal_literate", "village"])], ""),
    ("消防法与消防安全培训（11.9）", "class", "offline", "消防队", "2026-11-06 09:00", 2.0, "消防队训练场",
     [("应急办", []), ("党政办", []), ("文化服务中心", [])], ""),
    ("国家宪法日专题学习会（宪法宣传周）", "other", "hybrid", "党政办", "2026-12-03 09:00", 1.5,
     "镇政府三楼会议室 / 线上会议", [("共和镇", ["staff"])], ""),
]

LEAVE_REASONS = ["外出参加市里会议", "病假", "下村处理信访事项", "值班", "参加县应急演练", "年休假"]

# (month-day, kind, target/theme, organiser, title, place, (low, high) audience)
EVENTS = [
    ("01-09", "lecture", None, "司法所", "民法典婚姻家庭编法治讲座", "共和社区活动室", (60, 120)),
    ("01-20", "six_into", "village", "司法所", "春节前普法进乡村：防范电信诈骗", "来苏村文化室", (80, 200)),
    ("02-24", "six_into", "enterprise", "人力资源服务中心", "劳动合同法进企业", "共和工业园", (40, 90)),
    ("03-06", "theme_day", "3.8", "文化服务中心", "“三八”妇女节妇女权益保障宣传", "共和墟集", (300, 600)),
    ("03-13", "theme_day", "3.15", "市场监督", "3.15消费者权益日咨询活动", "共和墟集", (250, 500)),
    ("03-19", "six_into", "school", "司法所", "法治进校园：未成年人保护法", "共和中学", (400, 800)),
    ("04-15", "theme_day", "4.15", "党政办", "全民国家安全教育日宣传", "镇政府广场", (200, 450)),
    ("04-23", "six_into", "community", "综合行政执法办", "城市管理法规进社区", "共和社区", (80, 160)),
    ("05-12", "lecture", None, "应急办", "防灾减灾日应急法治讲座", "镇政府三楼会议室", (50, 100)),
    ("05-28", "visit", None, "市场监督", "食品生产企业走访与法规宣讲", "辖区食品企业", (15, 40)),
    ("06-05", "six_into", "enterprise", "应急办", "安全生产法进企业", "共和工业园", (60, 150)),
    ("06-15", "theme_day", "6.15", "应急办", "安全生产宣传咨询日", "镇政府广场", (400, 900)),
    ("06-26", "theme_day", "6.26", "司法所", "国际禁毒日禁毒宣传", "共和墟集", (300, 700)),
    ("07-08", "six_into", "agency", "党政办", "民法典进机关专题学习", "镇政府三楼会议室", (40, 80)),
    ("07-22", "lecture", None, "人力资源服务中心", "农民工工资支付保障法治讲座", "人力资源服务中心", (50, 120)),
    ("08-06", "six_into", "village", "综合行政执法办", "农村建房法规进乡村", "平岭村委会", (60, 140)),
    ("08-19", "visit", None, "应急办", "重点企业安全生产走访", "辖区重点企业", (10, 30)),
    ("09-03", "six_into", "school", "文化服务中心", "开学第一课：法治进校园", "共和小学", (500, 900)),
    ("09-17", "lecture", None, "食安办", "食品安全法讲座（中秋前）", "文化服务中心", (60, 120)),
    ("09-25", "six_into", "unit", "食安办", "食品安全法进单位食堂", "镇机关饭堂", (30, 60)),
    ("10-15", "six_into", "community", "司法所", "人民调解进社区", "共和社区", (70, 150)),
    ("10-28", "lecture", None, "综合行政执法办", "行政处罚法法治讲座", "镇政府三楼会议室", (40, 90)),
    ("11-09", "theme_day", "11.9", "消防队", "“11·9”消防宣传日活动", "镇政府广场", (500, 1200)),
    ("11-12", "six_into", "enterprise", "消防队", "消防法进企业", "共和工业园", (80, 160)),
    ("11-19", "visit", None, "人力资源服务中心", "用工企业走访：劳动保障法规", "辖区用工企业", (15, 40)),
    ("11-24", "six_into", "village", "司法所", "法律明白人入户普法", "来苏村", (100, 260)),
    ("12-01", "theme_day", "12.4", "党政办", "宪法宣传周启动仪式", "镇政府广场", (600, 1500)),
    ("12-02", "six_into", "school", "司法所", "宪法宣传周：宪法进校园", "共和中学", (500, 900)),
    ("12-03", "six_into", "community", "文化服务中心", "宪法宣传周：宪法进社区", "共和社区", (150, 300)),
    ("12-04", "theme_day", "12.4", "司法所", "国家宪法日集中宣传", "共和墟集", (500, 1200)),
    ("10-30", "other", None, "平岭村", "村规民约修订宣讲会", "平岭村委会", (60, 120)),
]

# organiser -> [(law, planned events)]
RESPONSIBILITIES = {
    "司法所": [("《宪法》", 4), ("《民法典》", 4), ("《人民调解法》", 2), ("《禁毒法》", 1)],
    "应急办": [("《安全生产法》", 3), ("《突发事件应对法》", 2)],
    "消防队": [("《消防法》", 3)],
    "综合行政执法办": [("《行政处罚法》", 2), ("《城乡规划法》", 2)],
    "市场监督": [("《消费者权益保护法》", 2), ("《产品质量法》", 1)],
    "食安办": [("《食品安全法》", 3)],
    "人力资源服务中心": [("《劳动合同法》", 2), ("《保障农民工工资支付条例》", 2)],
    "文化服务中心": [("《妇女权益保障法》", 1), ("《未成年人保护法》", 2)],
    "党政办": [("《宪法》", 2), ("《国家安全法》", 1), ("《保守国家秘密法》", 1)],
}


def _local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def _users(logins) -> dict[str, User]:
    return {u.login: u for u in db.session.scalars(select(User).where(User.login.in_(list(logins))))}


def load_sessions_demo(ids: dict[str, int]) -> None:
    """Sessions with attendance (for the ones already started), outreach events and
    responsibility lists of 2026; plus one session today, so self check-in can be tried."""
    forget_department_tree()
    rng = random.Random(2026)
    staff = _users(["trainer", "admin", "liaison"])
    trainer, admin, liaison = staff["trainer"], staff.get("admin"), staff.get("liaison")
    people = db.session.scalars(select(User).where(User.status == "active", User.role != "admin")).all()
    moment = now()

    sessions = []
    for title, kind, mode, organiser, start, hours, place, audience, lecturer in SESSIONS:
        starts = to_utc(_local(start))
        session = TrainingSession(
            title=title, kind=kind, mode=mode, department_id=ids[organiser], hours=hours, place=place,
            starts_at=starts, ends_at=starts + timedelta(hours=max(hours, 1)), rotate_codes=mode != "online",
            trainer_id=None if lecturer else trainer.id, trainer_name=lecturer, created_by_id=trainer.id,
            audience=[{"department_id": ids[d], "categories": c} for d, c in audience],
            expected_added=[])
        db.session.add(session)
        sessions.append(session)
    # Today, shortly after the demo is loaded: the cadre's "Check in" page lists it and the
    # trainer's check-in screen shows its code.
    soon = moment.replace(second=0, microsecond=0) + timedelta(minutes=20)
    today = TrainingSession(
        title="学法例会：行政复议法新规解读", kind="lecture", mode="offline", department_id=ids["司法所"], hours=1,
        place="司法所会议室", starts_at=soon, ends_at=soon + timedelta(hours=1), rotate_codes=True,
        trainer_id=trainer.id, created_by_id=trainer.id, expected_added=[],
        audience=[{"department_id": ids["司法所"], "categories": []},
                  {"department_id": ids["综合行政执法办"], "categories": []}])
    db.session.add(today)
    db.session.flush()

    for session in sessions:
        if session.starts_at > moment:
            continue  # not held yet
        _attend(session, people, rng, recorder=trainer if admin is None or rng.random() < 0.8 else admin)

    # The liaison of 综合行政执法办 recorded that office's events, the trainer all others.
    creator = {name: trainer.id for name in ids}
    if liaison is not None:
        creator[liaison.department.name] = liaison.id
    for day, kind, detail, organiser, title, place, (low, high) in EVENTS:
        db.session.add(OutreachEvent(
            title=title, kind=kind, target=detail if kind == "six_into" else None,
            theme=detail if kind == "theme_day" else None, held_on=date.fromisoformat(f"2026-{day}"),
            department_id=ids[organiser], place=place, audience=rng.randint(low, high) // 5 * 5,
            description=f"{organiser}组织开展{title}，发放宣传资料，现场解答群众法律咨询。",
            created_by_id=creator[organiser]))
    for organiser, laws in RESPONSIBILITIES.items():
        for law, planned in laws:
            db.session.add(ResponsibilityItem(department_id=ids[organiser], year=2026, law=law,
                                              planned_events=planned))
    db.session.flush()


def _attend(session: TrainingSession, people: list[User], rng: random.Random, *, recorder: User) -> None:
    """Present, late, on leave or absent for the expected people, and a walk-in or two."""
    expected = expected_people(session)
    chosen = {p.id for p in expected}
    for person in expected:
        roll = rng.random()
        status = "present" if roll < 0.74 else "late" if roll < 0.84 else "leave" if roll < 0.93 else "absent"
        self_checked = session.mode != "online" and status in ("present", "late") and rng.random() < 0.6
        arrived = session.starts_at + timedelta(minutes=rng.randint(-25, -1) if status == "present"
                                                else rng.randint(1, 25)) if status in ("present", "late") else None
        db.session.add(Attendance(
            session_id=session.id, user_id=person.id, status=status,
            leave_reason=rng.choice(LEAVE_REASONS) if status == "leave" else "",
            checked_in_at=arrived if self_checked or session.mode == "online" else None,
            source="self" if self_checked else rng.choice(["manual", "import"]),
            recorded_by_id=person.id if self_checked else recorder.id,
            recorded_at=session.starts_at + timedelta(hours=2)))
    others = [p for p in people if p.id not in chosen]
    for person in rng.sample(others, k=min(len(others), rng.randint(0, 2))):
        db.session.add(Attendance(session_id=session.id, user_id=person.id, status="walk_in", source="manual",
                                  recorded_by_id=recorder.id, recorded_at=session.starts_at + timedelta(hours=2)))
