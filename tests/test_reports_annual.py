"""The reference report's year, rebuilt from records: the annual summary must state its figures.

共和镇 2022: 十多场培训班，培训学员1500人次；在编干部学法考试参加率100%，优秀率100%；
法治宣传讲座52场；"六进"宣传500余场次，惠及群众5万人次.
"""
import io
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert

from tests.conftest import login
from trainingapp.platform.extensions import db

YEAR = 2022


@pytest.fixture
def reference_year(app, make):
    from trainingapp.training.outreach.models import OutreachEvent
    from trainingapp.training.sessions.models import Attendance, TrainingSession
    town = make.department("共和镇")
    office = make.department("综合行政执法办", town)
    village = make.department("来苏村", town)
    staff = [make.user(department=office, category="staff") for _ in range(20)]
    others = [make.user(department=village, category="legal_literate") for _ in range(105)]
    everyone = staff + others
    trainer = make.user(role="trainer", department=town)
    kinds = ["class"] * 6 + ["enforcement"] * 3 + ["legal_literate"] * 3
    modes = ["offline", "online", "hybrid"]
    with app.app_context():
        sessions = []
        for n, kind in enumerate(kinds):
            session = TrainingSession(title=f"培训{n + 1}", kind=kind, department_id=office.id if n % 2 else village.id,
                                      trainer_id=trainer.id, starts_at=datetime(YEAR, n + 1, 10, 1, 0),
                                      ends_at=datetime(YEAR, n + 1, 10, 4, 0), mode=modes[n % 3], hours=3,
                                      place="镇政府会议室")
            db.session.add(session)
            sessions.append(session)
        db.session.flush()
        rows = [{"session_id": s.id, "user_id": p.id, "status": "present" if i % 10 else "late", "source": "manual",
                 "leave_reason": "", "recorded_at": s.starts_at}
                for s in sessions for i, p in enumerate(everyone)]
        db.session.execute(insert(Attendance), rows)  # 12 x 125 = 1,500 attendances
        events = [dict(title=f"法治讲座{n}", kind="lecture", held_on=date(YEAR, 1 + n % 12, 1 + n % 28),
                       department_id=town.id, audience=97 if n < 8 else 96, place="", description="")
                  for n in range(52)]
        events += [dict(title=f"六进{n}", kind="six_into", target="village", held_on=date(YEAR, 1 + n % 12, 1 + n % 28),
                        department_id=village.id, audience=90, place="", description="") for n in range(500)]
        db.session.execute(insert(OutreachEvent), events)
        db.session.commit()
        assert sum(e["audience"] for e in events) == 50_000
    question = make.question("truefalse", answer=True)
    from trainingapp.platform import clock
    clock.freeze(datetime(YEAR, 6, 1, 2, 0))
    exam = make.exam(trainer, staff, fixed=[(question, 100)], title=f"{YEAR}年度在编干部学法考试", year=YEAR)
    for person in staff:
        client = app.test_client()
        login(client, person)
        body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
        client.put(f"/api/attempts/{body['attempt_id']}/answers/{question.id}", json={"answer": True, "seq": 1})
        assert client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json()["excellent"] is True
    clock.reset()
    return {"town": town, "exam": exam}


EXPECTED = ["培训班12场次", "培训学员1,500人次", "考试参加率达到100%", "优秀率达100%", "法治宣传讲座52场",
            "“六进”宣传500场次", "惠及群众达50,000人次", "行政执法人员培训3场次", "法律明白人培训3场次"]


def test_annual_summary_states_the_reference_figures(app, as_role, reference_year):
    admin = as_role("admin", department=reference_year["town"])
    page = admin.get(f"/reports/annual?year={YEAR}").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", "", page.split('id="annual-text"')[1].split("</div>")[0])
    text = re.sub(r"\s+", "", text)
    for phrase in EXPECTED:
        assert phrase in text, phrase
    # every figure links to the records behind it
    links = re.findall(r'href="([^"]+)" data-figure="([a-z0-9_]+)"', page)
    assert {key for _href, key in links} >= {"classes", "attendances", "lectures", "six_into", "audience",
                                              "exam0_participation", "exam0_excellent"}
    for href, _key in links:
        assert admin.get(href.replace("&amp;", "&")).status_code == 200, href


def test_annual_summary_downloads_and_cli_agree(app, as_role, runner, reference_year):
    admin = as_role("admin", department=reference_year["town"])
    text = admin.get(f"/reports/annual?year={YEAR}&format=txt").get_data(as_text=True)
    for phrase in EXPECTED:
        assert phrase in text
    from docx import Document
    document = Document(io.BytesIO(admin.get(f"/reports/annual?year={YEAR}&format=docx").data))
    assert any("1,500人次" in p.text for p in document.paragraphs)
    result = runner.invoke(args=["reports", "annual", "--year", str(YEAR)])
    assert result.exit_code == 0 and result.output.strip() == text.strip()


def test_training_report_counts_sessions_attendances_and_people(app, as_role, reference_year):
    admin = as_role("admin", department=reference_year["town"])
    page = admin.get(f"/reports/training?year={YEAR}").get_data(as_text=True)
    figures = dict(re.findall(r'data-figure="([a-z]+)">([^<]+)<', page))
    assert figures == {"sessions": "12", "attendances": "1500", "people": "125", "audience": "50000"}
    import pandas as pd
    book = pd.read_excel(io.BytesIO(admin.get(f"/reports/training/export.xlsx?year={YEAR}").data), sheet_name=None)
    total = book["汇总"].iloc[0]
    assert (total["场次"], total["人次"], total["人数"]) == (12, 1500, 125)
    assert int(book["普法活动"].iloc[0]["惠及人次"]) == 50_000
    sessions = admin.get(f"/reports/training/sessions?year={YEAR}&kind=enforcement").get_data(as_text=True)
    assert sessions.count("<tr><td") == 3


def test_cadres_and_trainers_cannot_read_the_training_report(as_role):
    for role in ("cadre", "trainer"):
        client = as_role(role)
        assert client.get(f"/reports/training?year={YEAR}").status_code == 403
        assert client.get(f"/reports/annual?year={YEAR}").status_code == 403


def test_liaison_annual_summary_counts_only_their_subtree(app, make, reference_year):
    liaison = make.user(role="liaison", department=reference_year["town"])
    client = app.test_client()
    login(client, liaison)
    assert client.get(f"/reports/annual?year={YEAR}").status_code == 200
    other = make.department("另一镇")
    outsider = make.user(role="liaison", department=other)
    client = app.test_client()
    login(client, outsider)
    text = client.get(f"/reports/annual?year={YEAR}&format=txt").get_data(as_text=True)
    assert text == (f"{YEAR}年，另一镇深入推进法治政府建设，扎实开展学法用法和法治宣传教育工作。"
                    "本年度暂无可统计的培训、考试和普法活动数据。")



# --- issue #21: a paragraph that can be pasted as it is --------------------------------------------

#: A figure that is zero: "0场次", "0人次", "0%" (but not the 0 inside 2022 or 100%).
ZERO = re.compile(r"(?<![\d.,])0(?![\d.,])")


def _sessions(app, rows):
    """rows: (kind, mode, department, people) -> sessions in YEAR, everyone present."""
    from trainingapp.training.sessions.models import Attendance, TrainingSession
    with app.app_context():
        for n, (kind, mode, department, people) in enumerate(rows):
            session = TrainingSession(title=f"{kind}{n}", kind=kind, department_id=department.id, trainer_id=None,
                                      starts_at=datetime(YEAR, 3, n + 1, 1, 0), ends_at=datetime(YEAR, 3, n + 1, 3, 0),
                                      mode=mode, hours=2, place="会议室")
            db.session.add(session)
            db.session.flush()
            db.session.execute(insert(Attendance), [
                {"session_id": session.id, "user_id": p.id, "status": "present", "source": "manual",
                 "leave_reason": "", "recorded_at": session.starts_at} for p in people])
        db.session.commit()


@pytest.fixture
def uneven_year(app, make):
    """A year that tempts zero clauses: two classes and two enforcement sessions, all offline;
    no 法律明白人 training, no lecture; three “六进” events with nobody counted as reached.
    Exams: one closed that all four staff passed without excellence (70), one closed that nobody
    took, one still open on the day the report is read (1 December)."""
    from tests.test_reports_exam import answer_k_right
    from trainingapp.platform import clock
    from trainingapp.training.outreach.models import OutreachEvent
    town = make.department("共和镇")
    office = make.department("综合行政执法办", town)
    village = make.department("来苏村", town)
    staff = [make.user(department=office, category="staff") for _ in range(4)]
    trainer = make.user(role="trainer", department=town)
    _sessions(app, [("class", "offline", office, staff), ("class", "offline", office, staff),
                    ("enforcement", "offline", office, staff), ("enforcement", "offline", office, staff)])
    with app.app_context():
        db.session.execute(insert(OutreachEvent), [
            dict(title=f"六进{n}", kind="six_into", target="village", held_on=date(YEAR, 4, n + 1),
                 department_id=village.id, audience=0, place="", description="") for n in range(3)])
        db.session.commit()
    questions = [make.question("truefalse", answer=bool(i % 2)) for i in range(10)]
    # Not the reference year's publication instant: the process caches a published exam's paper
    # by (exam id, publication time), and ids start again in every test's wiped database.
    clock.freeze(datetime(YEAR, 6, 2, 3, 0))
    closed = make.exam(trainer, staff, fixed=[(q, 10) for q in questions], title="上半年学法考试", year=YEAR)
    untaken = make.exam(trainer, staff, fixed=[(q, 10) for q in questions], title="专项学法考试", year=YEAR)
    for person in staff:
        assert answer_k_right(app, person, closed, 7)["score"] == 70
    clock.freeze(datetime(YEAR, 12, 1, 2, 0))
    still_open = make.exam(trainer, staff, fixed=[(q, 10) for q in questions], title="年度学法考试",
                           lasts=timedelta(days=30), year=YEAR)
    return {"town": town, "office": office, "village": village, "closed": closed, "untaken": untaken,
            "open": still_open}


def _text_and_page(client):
    text = client.get(f"/reports/annual?year={YEAR}&format=txt").get_data(as_text=True)
    page = client.get(f"/reports/annual?year={YEAR}").get_data(as_text=True)
    paragraph = page.split('id="annual-text"')[1].split(">", 1)[1].split("</div>")[0]
    assert re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", paragraph)) == text  # the page shows what the download holds
    left_out = dict(re.findall(r'<li data-exam="(\d+)" data-reason="([a-z_]+)">', page))
    return text, page, left_out


def _pasteable(text):
    assert not ZERO.search(text), text
    assert "—" not in text and "达。" not in text and "，，" not in text and "。。" not in text


def test_admin_text_leaves_out_zero_clauses_and_unfinished_exams(app, as_role, uneven_year):
    admin = as_role("admin", department=uneven_year["town"])
    text, page, left_out = _text_and_page(admin)
    _pasteable(text)
    assert "全年举办各类培训班4场次，培训学员16人次（4人）。" in text
    assert "组织行政执法人员培训2场次、8人次。" in text  # no “其中线上培训0场次”
    assert "法律明白人" not in text and "线上" not in text  # no such training; none online
    assert "讲座" not in text and "惠及" not in text  # no lecture; nobody counted as reached
    assert "开展日常法律“六进”宣传3场次，全年各类普法活动3场次。" in text
    assert "组织我镇在编干部参加“上半年学法考试”，应参考4人，实际参考4人，考试参加率达到100%。" in text
    assert "优秀率" not in text  # nobody excellent: no “优秀率达0%”
    assert "专项学法考试" not in text and "年度学法考试" not in text
    assert left_out == {str(uneven_year["untaken"].id): "no_submissions", str(uneven_year["open"].id): "open"}
    assert "年度学法考试" in page.split('id="left-out"')[1] and "尚未结束" in page


def test_liaison_text_of_a_subtree_is_pasteable_too(app, make, uneven_year):
    liaison = make.user(role="liaison", department=uneven_year["office"])
    client = app.test_client()
    login(client, liaison)
    text, _page, left_out = _text_and_page(client)
    _pasteable(text)
    assert text.startswith(f"{YEAR}年，综合行政执法办深入推进")
    assert "组织综合行政执法办在编干部参加“上半年学法考试”，应参考4人，实际参考4人，考试参加率达到100%。" in text
    assert "六进" not in text  # the events were the village's
    assert left_out == {str(uneven_year["untaken"].id): "no_submissions", str(uneven_year["open"].id): "open"}
    village = make.user(role="liaison", department=uneven_year["village"])
    client = app.test_client()
    login(client, village)
    text, _page, left_out = _text_and_page(client)
    _pasteable(text)
    assert text == (f"{YEAR}年，来苏村深入推进法治政府建设，扎实开展学法用法和法治宣传教育工作。"
                    "开展日常法律“六进”宣传3场次，全年各类普法活动3场次。")
    assert left_out == {str(uneven_year["closed"].id): "no_candidates", str(uneven_year["untaken"].id):
                        "no_candidates", str(uneven_year["open"].id): "open"}


def test_legal_literate_training_says_how_it_was_held_only_when_the_records_show_it(app, as_role, make):
    town = make.department("共和镇")
    people = [make.user(department=town, category="legal_literate") for _ in range(3)]
    _sessions(app, [("legal_literate", "online", town, people)])
    admin = as_role("admin", department=town)
    text, _page, _left_out = _text_and_page(admin)
    _pasteable(text)
    assert "组织法律明白人培训1场次、3人次，均采用线上方式。" in text
    assert "定期" not in text and "线上线下相结合" not in text
    _sessions(app, [("legal_literate", "offline", town, people)])
    text, _page, _left_out = _text_and_page(admin)
    assert "定期组织法律明白人培训2场次、6人次，采用线上线下相结合的方式。" in text
