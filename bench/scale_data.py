"""The data of bench/scale.py: a county's year at scale, written in bulk with the models' columns.

Everything the reports read is here, in the tables and columns of the real models, so the
app's own code reads it: a department tree, N people (one precomputed password hash), the
sample question banks (imported through `questionbank.services.import_questions`), one
published 40-question exam for everyone (composed and published through
`exams.authoring`, papers drawn by the real `exams.taking._draw`), finished attempts with
40 graded answers each, and a year of training sessions with attendance, outreach events
and responsibility lists. Big tables go in with PostgreSQL's COPY (foreign-key triggers off
for the load: the data is consistent by construction) or SQLite's executemany.

Also the import files: a valid question workbook and a roster workbook of any size.
"""
from __future__ import annotations

import hashlib
import io
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from .rush import PASSWORD, RULES, log

ROOT = Path(__file__).resolve().parent.parent

TOWN_OFFICES = ["党政办", "综合行政执法办", "司法所", "应急办", "市场监督管理所", "食安办", "文化服务中心",
                "人力资源服务中心", "第一村", "第二村", "社区居委会"]
COUNTY_BUREAUS = ["县司法局", "县市场监督管理局", "县应急管理局", "县自然资源局", "县生态环境局",
                  "县交通运输局", "县农业农村局", "县卫生健康委", "县住房城乡建设局", "县人力资源社会保障局"]
CATEGORY_SHARES = {"staff": 0.65, "contract": 0.12, "auxiliary": 0.10, "village": 0.08, "legal_literate": 0.03,
                   "other": 0.02}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红志文玉兰辉鹏飞宇婷欣怡浩然子涵梓轩佳琪晨雨思远博文俊杰嘉怡雪梅海燕春林德清立新永胜光荣"  # noqa: E501
POSTS = ["科员", "副主任", "主任", "所长", "副所长", "队员", "协管员", "村委委员", "网格员", "办事员"]
SESSION_KIND_SHARES = {"class": 0.40, "lecture": 0.15, "enforcement": 0.25, "legal_literate": 0.10, "other": 0.10}
MODE_SHARES = {"offline": 0.6, "online": 0.25, "hybrid": 0.15}
ATTENDANCE_SHARES = {"present": 0.80, "late": 0.07, "leave": 0.04, "absent": 0.06, "walk_in": 0.03}
EVENT_KIND_SHARES = {"lecture": 0.2, "six_into": 0.35, "theme_day": 0.2, "visit": 0.12, "other": 0.13}
TARGETS = ["agency", "village", "community", "school", "enterprise", "unit"]
THEMES = ["3.8", "3.15", "4.15", "6.15", "6.26", "11.9", "12.4"]


@dataclass
class Scale:
    people: int = 100_000
    attempts: int = 100_000
    exempt_share: float = 0.03
    absent_share: float = 0.05
    papers: int = 500
    sessions: int = 1000
    attendances: int = 100_000
    events: int = 400
    year: int = 2026
    seed: int = 2026


def _pick(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    keys = list(shares)
    weights = np.array([shares[k] for k in keys])
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=weights / weights.sum())]


def _names(rng: np.random.Generator, size: int) -> list[str]:
    surnames = rng.integers(0, len(SURNAMES), size)
    first = rng.integers(0, len(GIVEN), size)
    second = rng.integers(-len(GIVEN) // 2, len(GIVEN), size)  # about a third have one-character given names
    return [SURNAMES[s] + GIVEN[f] + (GIVEN[t] if t >= 0 else "") for s, f, t in zip(surnames, first, second)]


# --- bulk writing ------------------------------------------------------------------------------

class Bulk:
    """COPY (PostgreSQL) or executemany (SQLite) of plain tuples into one table."""

    def __init__(self, engine, session):
        self.engine, self.session = engine, session
        self.postgres = engine.dialect.name == "postgresql"

    def load(self, table: str, columns: list[str], rows) -> int:
        self.session.commit()  # SQLite: the ORM session's open read would lock the writer out
        names = ", ".join(f'"{c}"' for c in columns)
        raw = self.engine.raw_connection()
        count = 0
        try:
            if self.postgres:
                connection = raw.driver_connection
                with connection.cursor() as cursor:
                    # Foreign-key triggers off for the load (superuser): the rows are consistent by construction.
                    cursor.execute("SET session_replication_role = replica")
                    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(row)
                            count += 1
                    cursor.execute("SET session_replication_role = DEFAULT")
                connection.commit()
            else:
                cursor = raw.cursor()
                cursor.execute("PRAGMA foreign_keys = OFF")  # as above: consistent by construction
                marks = ", ".join("?" for _ in columns)
                batch = []
                for row in rows:
                    batch.append(tuple(_sqlite_value(v) for v in row))
                    if len(batch) >= 20_000:
                        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)  # noqa: S608
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)  # noqa: S608
                    count += len(batch)
                raw.commit()
        finally:
            raw.close()
        return count

    def fix_sequences(self, tables: list[str]) -> None:
        if not self.postgres:
            return
        with self.engine.begin() as connection:
            for table in tables:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                    f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)")

    def analyze(self) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


# --- the data ----------------------------------------------------------------------------------

def build(app, scale: Scale) -> dict:
    """Schema (by the migrations) and every record; returns the ids the timings need."""
    from flask_migrate import upgrade

    from trainingapp.platform.extensions import db
    rng = np.random.default_rng(scale.seed)
    with app.app_context():
        upgrade()
        bulk = Bulk(db.engine, db.session)
        info: dict = {"scale": vars(scale)}
        info.update(_departments(bulk))
        info.update(_people(app, bulk, rng, scale, info))
        info.update(_questions(app, info))
        info.update(_exam(app, bulk, rng, scale, info))
        info.update(_training(bulk, rng, scale, info))
        bulk.fix_sequences(["department", "user", "attempt", "training_session", "attendance", "outreach_event",
                            "responsibility_item"])
        started = datetime.now()
        bulk.analyze()
        log(f"ANALYZE in {(datetime.now() - started).total_seconds():.1f} s")
        db.session.remove()
    return info


def _departments(bulk: Bulk) -> dict:
    """基准县 → 10 county bureaus and 12 towns of 11 offices and villages each (155 departments)."""
    rows, leaves, towns = [(1, "基准县", None, 0)], [], []
    next_id = 2
    for position, name in enumerate(COUNTY_BUREAUS):
        rows.append((next_id, name, 1, position))
        leaves.append(next_id)
        next_id += 1
    for town in range(12):
        town_id = next_id
        rows.append((town_id, f"基准{town + 1:02d}镇", 1, len(COUNTY_BUREAUS) + town))
        towns.append(town_id)
        next_id += 1
        for position, office in enumerate(TOWN_OFFICES):
            rows.append((next_id, office, town_id, position))
            leaves.append(next_id)
            next_id += 1
    stamp = datetime.now()
    bulk.load("department", ["id", "name", "parent_id", "position", "created_at"],
              ((i, n, p, pos, stamp) for i, n, p, pos in rows))
    log(f"{len(rows)} departments")
    return {"root_department": 1, "departments": len(rows), "leaf_departments": leaves, "towns": towns}


def _people(app, bulk: Bulk, rng, scale: Scale, info: dict) -> dict:
    from trainingapp.accounts.hashing import hash_password
    hashed = hash_password(PASSWORD, app.config["PASSWORD_HASH_METHOD"])
    stamp = datetime.now().replace(microsecond=0)
    leaves = np.array(info["leaf_departments"])
    departments = leaves[rng.integers(0, len(leaves), scale.people)]
    categories = _pick(rng, CATEGORY_SHARES, scale.people)
    posts = np.array(POSTS, dtype=object)[rng.integers(0, len(POSTS), scale.people)]
    names = _names(rng, scale.people)
    staff = [(1, "benchadmin", "基准管理员", 1, "staff", "admin"),
             (2, "benchtrainer", "基准讲师", 1, "staff", "trainer")]

    def rows():
        for user_id, login, name, department, category, role in staff:
            yield (user_id, login, name, department, category, "", role, "active", hashed, False, 1, stamp, stamp)
        for n in range(scale.people):
            yield (n + 3, f"139{n:08d}", names[n], int(departments[n]), categories[n], posts[n], "cadre", "active",
                   hashed, False, 1, stamp, stamp)
    count = bulk.load("user", ["id", "login", "name", "department_id", "category", "post", "role", "status",
                               "password_hash", "must_change_password", "session_version", "created_at",
                               "updated_at"], rows())
    log(f"{count:,} people (one {app.config['PASSWORD_HASH_METHOD']} hash for all)")
    return {"admin": 1, "trainer": 2, "first_person": 3, "people": scale.people, "admin_login": "benchadmin",
            "password": PASSWORD}


def _questions(app, info: dict) -> dict:
    from trainingapp.accounts.models import User
    from trainingapp.platform.extensions import db
    from trainingapp.questionbank.services import import_questions
    trainer = db.session.get(User, info["trainer"])
    imported = 0
    for path in sorted((ROOT / "question_bank").glob("bank_*.csv")):
        imported += import_questions(trainer, path.read_bytes(), path.name,
                                     max_rows=app.config["QUESTION_IMPORT_MAX_ROWS"]).imported
    log(f"{imported} questions imported from question_bank/bank_*.csv")
    return {"questions": imported}


def _local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Asia/Shanghai as naive UTC (the platform's storage)."""
    return datetime(year, month, day, hour, minute) - timedelta(hours=8)


def _exam(app, bulk: Bulk, rng, scale: Scale, info: dict) -> dict:
    """The exam through the real authoring code, then attempts and answers in bulk."""
    from sqlalchemy import select, update

    from trainingapp.accounts.models import User
    from trainingapp.exams import authoring
    from trainingapp.exams.models import Exam, ExamCandidate
    from trainingapp.exams.taking import _draw, draw_inputs
    from trainingapp.platform.extensions import db
    from trainingapp.questionbank.models import Question
    trainer = db.session.get(User, info["trainer"])
    opens, closes = _local(scale.year, 6, 1, 8), _local(scale.year, 6, 30, 18)
    exam = authoring.save_exam(trainer, None, dict(
        title=f"{scale.year}年度基准县在编干部学法考试", description="bench/scale.py", year=scale.year,
        opens_at=opens, closes_at=closes, latest_start_at=None, duration_minutes=60, attempts_allowed=2,
        counting="best", pass_mark=60, excellent_mark=90, multiple_scoring="all_or_nothing",
        shuffle_questions=True, shuffle_options=True, review_policy="score", tab_switch_limit=None,
        required_credits=None, makeup_of_id=None, grace_seconds=60))
    authoring.set_rules(exam, RULES)
    authoring.set_audience(exam, [{"department_id": info["root_department"], "categories": []}], [],
                          [info["admin"], info["trainer"]])
    started = datetime.now()
    candidates = authoring.publish(trainer, exam)
    exam_id = exam.id
    log(f"exam #{exam_id} published through exams.authoring for {candidates:,} candidates "
        f"in {(datetime.now() - started).total_seconds():.1f} s")
    # Published "before" its window (a June exam), as it would have been.
    db.session.execute(update(Exam).where(Exam.id == exam_id).values(published_at=opens - timedelta(days=7)))
    db.session.commit()

    people = np.array(db.session.scalars(select(ExamCandidate.user_id).where(ExamCandidate.exam_id == exam_id)
                                         .order_by(ExamCandidate.user_id)).all())
    order = rng.permutation(len(people))
    exempt_count = int(len(people) * scale.exempt_share)
    absent_count = int(len(people) * scale.absent_share)
    exempt = people[order[:exempt_count]]
    takers = people[order[exempt_count + absent_count:]]
    reasons = ["距退休不足两年", "长期病假", "援外挂职"]
    for index, reason in enumerate(reasons):
        chunk = [int(u) for u in exempt[index::len(reasons)]]
        db.session.execute(update(ExamCandidate).where(ExamCandidate.exam_id == exam_id,
                                                       ExamCandidate.user_id.in_(chunk))
                           .values(exempt_reason=reason))
    db.session.commit()
    twice = rng.choice(takers, size=max(scale.attempts - len(takers), 0), replace=False)
    exam = db.session.get(Exam, exam_id)
    seeds = [int(s) for s in rng.integers(1, 2**62, scale.papers)]
    inputs = draw_inputs(exam)
    papers = [_draw(exam, inputs, seed) for seed in seeds]
    keys = {q: (t, a) for q, t, a in db.session.execute(select(Question.id, Question.qtype, Question.answer))}
    difficulty = dict(db.session.execute(select(Question.id, Question.difficulty)).all())
    # A few questions behave like a wrong key (almost nobody "right"), as item analysis should flag.
    drawn_ids = sorted({item["q"] for paper in papers for item in paper})
    wrong_keys = set(drawn_ids[::97][:4])
    log(f"{len(papers)} distinct papers drawn by exams.taking._draw over {len(drawn_ids)} questions")
    counts = _attempts_and_answers(bulk, rng, scale, exam_id, opens, takers, twice, seeds, papers, keys, difficulty,
                                   wrong_keys)
    return {"exam": exam_id, "candidates": candidates, "exempt": int(exempt_count), "absent": int(absent_count),
            "wrong_key_questions": sorted(wrong_keys), **counts}


def _responses(question_type: str, key, options: int, rng) -> tuple[str, str]:
    """(right, wrong) responses as JSON text, in the original option keys like the exam page sends."""
    letters = [chr(ord("A") + i) for i in range(options)]
    if question_type == "single":
        wrong = rng.choice([x for x in letters if x != key])
        return json.dumps(key), json.dumps(str(wrong))
    if question_type == "multiple":
        chosen = sorted(key)
        if len(chosen) > 2:
            wrong = chosen[:-1]
        else:
            wrong = sorted(chosen + [next(x for x in letters if x not in chosen)])
        return json.dumps(chosen), json.dumps(wrong)
    if question_type == "truefalse":
        return json.dumps(bool(key)), json.dumps(not key)
    raise ValueError(f"bench papers have no {question_type} questions")


def _attempts_and_answers(bulk: Bulk, rng, scale: Scale, exam_id, opens, takers, twice, seeds, papers, keys,
                          difficulty, wrong_keys) -> dict:
    shift = {"easy": 0.07, "medium": 0.0, "hard": -0.10}
    # Per paper: per item the answer text right/wrong, the points and the item's shift of the odds.
    templates = []
    for paper in papers:
        items = []
        for item in paper:
            qtype, key = keys[item["q"]]
            right, wrong = _responses(qtype, key, item["n"], rng)
            adjust = -0.65 if item["q"] in wrong_keys else shift.get(difficulty[item["q"]], 0.0)
            items.append((item["q"], right, wrong, float(item["p"]), adjust))
        templates.append((json.dumps(paper), items, np.array([i[3] for i in items]), np.array([i[4] for i in items])))
    sittings = [(int(u), 1) for u in takers] + [(int(u), 2) for u in twice]
    sittings.sort()
    ability = {int(u): a for u, a in zip(takers, rng.beta(7.0, 1.8, len(takers)))}
    window_days = 29
    paper_index = rng.integers(0, len(papers), len(sittings))
    day = rng.integers(0, window_days, len(sittings))
    minute = rng.integers(0, 8 * 60, len(sittings))
    used = rng.integers(18, 61, len(sittings))
    late = rng.random(len(sittings)) < 0.08
    switches = rng.poisson(0.3, len(sittings))
    blank = rng.random((len(sittings), 40)) < 0.005
    draws = rng.random((len(sittings), 40))
    attempt_rows, correct_rows, saved_at = [], [], []
    for index, (user_id, number) in enumerate(sittings):
        attempt_id = index + 1
        paper_json, _items, points, adjust = templates[paper_index[index]]
        p = np.clip(ability[user_id] + (0.04 if number == 2 else 0.0) + adjust, 0.02, 0.995)
        correct = (draws[index] < p) & ~blank[index]
        start = opens + timedelta(days=int(day[index]), minutes=int(minute[index]) + (60 if number == 2 else 0))
        deadline = start + timedelta(minutes=60)
        submitted = deadline if late[index] else start + timedelta(minutes=int(used[index]))
        receipt = hashlib.sha256(f"{attempt_id}:{submitted.isoformat()}".encode()).hexdigest()[:16].upper()
        attempt_rows.append((attempt_id, exam_id, user_id, number, seeds[paper_index[index]], paper_json, start,
                             deadline, "auto_submitted" if late[index] else "submitted", submitted,
                             "deadline" if late[index] else None, round(float((points * correct).sum()), 2), 100.0,
                             "-".join(receipt[i:i + 4] for i in range(0, 16, 4)), int(switches[index])))
        correct_rows.append(correct)
        saved_at.append(submitted - timedelta(minutes=1))
    started = datetime.now()
    attempts = bulk.load("attempt", ["id", "exam_id", "user_id", "number", "seed", "paper", "started_at",
                                     "deadline_at", "status", "submitted_at", "finish_reason", "score", "total",
                                     "receipt", "tab_switches"], attempt_rows)
    log(f"{attempts:,} attempts in {(datetime.now() - started).total_seconds():.1f} s "
        f"({len(twice):,} people sat twice)")
    del attempt_rows

    def answer_rows():
        for index in range(len(sittings)):
            attempt_id, saved = index + 1, saved_at[index]
            correct = correct_rows[index]
            for position, (question_id, right, wrong, item_points, _adjust) in enumerate(
                    templates[paper_index[index]][1]):
                if blank[index, position]:
                    yield (attempt_id, question_id, None, position + 1, saved, 0.0, False)
                elif correct[position]:
                    yield (attempt_id, question_id, right, position + 1, saved, item_points, True)
                else:
                    yield (attempt_id, question_id, wrong, position + 1, saved, 0.0, False)

    started = datetime.now()
    answers = bulk.load("answer", ["attempt_id", "question_id", "response", "seq", "saved_at", "score", "is_correct"],
                        answer_rows())
    log(f"{answers:,} answers in {(datetime.now() - started).total_seconds():.1f} s")
    return {"attempts": attempts, "answers": answers, "sat_twice": len(twice)}


def _training(bulk: Bulk, rng, scale: Scale, info: dict) -> dict:
    """A year of sessions with attendance, outreach events and responsibility lists."""
    kinds = _pick(rng, SESSION_KIND_SHARES, scale.sessions)
    modes = _pick(rng, MODE_SHARES, scale.sessions)
    organisers = np.array([1, *info["towns"], *info["leaf_departments"]])
    departments = organisers[rng.integers(0, len(organisers), scale.sessions)]
    days = np.sort(rng.integers(2, 325, scale.sessions))
    per_session = np.full(scale.sessions, scale.attendances // scale.sessions)
    per_session[: scale.attendances % scale.sessions] += 1
    first, people = info["first_person"], info["people"]
    sessions, stamp = [], datetime.now()
    for index in range(scale.sessions):
        day = date(scale.year, 1, 1) + timedelta(days=int(days[index]))
        starts = _local(day.year, day.month, day.day, 9 if index % 2 else 14, 30 if index % 2 == 0 else 0)
        hours = float(rng.choice([1.0, 1.5, 2.0, 3.0, 4.0]))
        sessions.append((index + 1, f"{day:%m月%d日}法治培训第{index + 1}期", kinds[index], int(departments[index]),
                         info["trainer"], "", starts, starts + timedelta(hours=max(hours, 1.0)), "会议室",
                         modes[index], hours, None, json.dumps([{"department_id": int(departments[index]),
                                                                  "categories": []}]),
                         "[]", secrets.token_bytes(32), False, info["trainer"], stamp))
    bulk.load("training_session", ["id", "title", "kind", "department_id", "trainer_id", "trainer_name", "starts_at",
                                   "ends_at", "place", "mode", "hours", "course_id", "audience", "expected_added",
                                   "checkin_secret", "rotate_codes", "created_by_id", "created_at"], sessions)

    def attendance():
        record = 0
        for index, session in enumerate(sessions):
            count = int(per_session[index])
            who = rng.choice(people, size=count, replace=False) + first
            statuses = _pick(rng, ATTENDANCE_SHARES, count)
            for user_id, status in zip(who, statuses):
                record += 1
                self_checked = status in ("present", "late", "walk_in") and record % 2 == 0
                arrived = session[6] + timedelta(minutes=int(record % 20) - 5 + (15 if status == "late" else 0))
                yield (record, session[0], int(user_id), status, "因公出差" if status == "leave" else "",
                       arrived if self_checked or status == "walk_in" else None,
                       "self" if self_checked or status == "walk_in" else ("import" if record % 7 == 0 else "manual"),
                       info["trainer"], session[6] + timedelta(hours=2))
    count = bulk.load("attendance", ["id", "session_id", "user_id", "status", "leave_reason", "checked_in_at",
                                     "source", "recorded_by_id", "recorded_at"], attendance())
    log(f"{len(sessions):,} training sessions with {count:,} attendance records")

    event_kinds = _pick(rng, EVENT_KIND_SHARES, scale.events)
    event_departments = organisers[rng.integers(0, len(organisers), scale.events)]
    event_days = rng.integers(0, 330, scale.events)
    events = []
    for index in range(scale.events):
        kind = event_kinds[index]
        events.append((index + 1, f"普法活动第{index + 1}场", kind,
                       TARGETS[index % len(TARGETS)] if kind == "six_into" else None,
                       THEMES[index % len(THEMES)] if kind == "theme_day" else None,
                       date(scale.year, 1, 1) + timedelta(days=int(event_days[index])),
                       int(event_departments[index]), "广场", int(rng.integers(20, 600)), "", info["trainer"], stamp))
    bulk.load("outreach_event", ["id", "title", "kind", "target", "theme", "held_on", "department_id", "place",
                                 "audience", "description", "created_by_id", "created_at"], events)
    duties = []
    for department in organisers:
        for law in ("《宪法》", "《行政处罚法》"):
            duties.append((len(duties) + 1, int(department), scale.year, law, int(rng.integers(1, 5)), stamp))
    bulk.load("responsibility_item", ["id", "department_id", "year", "law", "planned_events", "created_at"], duties)
    log(f"{len(events)} outreach events, {len(duties)} responsibility-list lines")
    return {"sessions": len(sessions), "attendance_records": count, "events": len(events), "year": scale.year}


# --- import files --------------------------------------------------------------------------------

def question_workbook(rows: int, tag: str, seed: int) -> bytes:
    """A valid question .xlsx of `rows` new questions (types, options, answers, explanations like a real bank)."""
    from openpyxl import Workbook
    rng = np.random.default_rng(seed)
    laws = ["行政处罚法", "行政许可法", "行政强制法", "安全生产法", "消防法", "民法典", "宪法", "行政复议法"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("题库")
    sheet.append(["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析", "分值", "难度",
                  "法律法规分类", "知识点", "依据条款", "状态"])
    types = rng.choice(["单选", "多选", "判断", "填空"], size=rows, p=[0.5, 0.2, 0.25, 0.05])
    for n in range(rows):
        law = laws[n % len(laws)]
        article = f"第{n % 150 + 1}条"
        stem = f"【{tag}-{n + 1:05d}】根据{law}{article}的规定，下列关于行政机关实施本条所定事项的说法，正确的是："
        kind = types[n]
        options = [f"{law}{article}选项{letter}：行政机关应当依法履行第{n % 9 + 1}项职责" for letter in "ABCD"]
        if kind == "单选":
            answer, shown = "ABCD"[n % 4], options
        elif kind == "多选":
            answer, shown = ["AB", "ACD", "BD", "ABCD"][n % 4], options
        elif kind == "判断":
            stem = f"【{tag}-{n + 1:05d}】{law}{article}规定，行政机关实施该事项应当依法告知当事人。"
            answer, shown = "正确" if n % 3 else "错误", ["", "", "", ""]
        else:
            stem = f"【{tag}-{n + 1:05d}】{law}{article}规定，当事人应当在____日内提出申请。"
            answer, shown = "十五;15", ["", "", "", ""]
        sheet.append([kind, stem, *shown, "", "", answer, f"依据《{law}》{article}。", 2 if kind != "多选" else 3,
                      ["易", "中", "难"][n % 3], law, f"知识点{n % 40 + 1}", f"《中华人民共和国{law}》{article}",
                      "启用"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_workbook(rows: int, tag: int, department_paths: list[str], existing: list[tuple[str, str, str, str]],
                    seed: int) -> bytes:
    """A roster .xlsx: the `existing` people first (login, name, department path, category as written; only
    their post changes), then new people with mobile logins; no initial passwords, so every new person gets a
    generated one."""
    from openpyxl import Workbook
    rng = np.random.default_rng(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(["姓名", "账号", "部门", "人员类别", "职务", "角色", "初始密码", "状态"])
    names = _names(rng, rows)
    categories = ["在编", "编外", "执法辅助人员", "村(社区)干部", "法律明白人", "其他"]
    picked = rng.choice(len(categories), size=rows, p=[0.65, 0.12, 0.10, 0.08, 0.03, 0.02])
    for n in range(rows):
        if n < len(existing):
            login, name, path, category = existing[n]
            sheet.append([name, login, path, category, f"职务{tag}", "学员", "", "在岗"])
        else:
            sheet.append([names[n], f"15{tag}{n:08d}", department_paths[n % len(department_paths)],
                          categories[picked[n]], POSTS[n % len(POSTS)], "学员", "", "在岗"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
