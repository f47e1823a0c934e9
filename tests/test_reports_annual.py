"""The reference report's year, rebuilt from records: the annual summary must state its figures.

共和镇 2022: 十多场培训班，培训学员1500人次；在编干部学法考试参加率100%，优秀率100%；
法治宣传讲座52场；"六进"宣传500余场次，惠及群众5万人次.
"""
import io
import re
from datetime import date, datetime

import pytest
from sqlalchemy import insert

from tests.conftest import login
from trainingapp.extensions import db

YEAR = 2022


@pytest.fixture
def reference_year(app, make):
    from trainingapp.training.outreach import OutreachEvent
    from trainingapp.training.sessions import Attendance, TrainingSession
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
    from trainingapp import clock
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
    assert "培训班0场次" in text and "惠及群众达0人次" in text

