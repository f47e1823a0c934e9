"""Results that wait for marking (待阅卷) in the reports: a pending candidate took the exam but is in
none of 合格 / 优秀 / 不合格 until marking is complete, on every report, against a hand count."""
import io
import re
from datetime import timedelta

import pandas as pd
import pytest

from tests.pending_marks import attempt_state, mark, paper, take
from trainingapp.accounts.models import User
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.reports.rates import CandidateRecord, ExamRules, figures, person_status


@pytest.fixture
def town(app, make):
    """共和镇 > 司法所, 应急办. Paper: three true/false of 20 and a short answer of 40; pass 60, excellent 90.

    司法所: x excellent (60 + 35 = 95), p passes (40 + 30 = 70).
    应急办: f fails (20, short answer left blank: known at once), w waits for marks (objective 40),
            a never sits, e is exempt.
    Hand count: required 5, exempt 1, participants 4, 待阅卷 1, passed 2, excellent 1, 不合格 1,
    未参考 1; rates over participants: 2/4 and 1/4; scores over the 3 known: average 61.67, 95, 20.
    """
    root = make.department("共和镇")
    law, office = make.department("司法所", root), make.department("应急办", root)
    trainer = make.user(role="trainer", department=root)
    where = {"x": law, "p": law, "f": office, "w": office, "a": office, "e": office}
    people = {key: make.user(login=f"q_{key}", name=f"人员{key}", department=dept) for key, dept in where.items()}
    exam = make.exam(trainer, list(people.values()), fixed=paper(app, make), shuffle_questions=False,
                     title="2026年度学法考试", lasts=timedelta(days=1))
    from trainingapp.exams import authoring
    from trainingapp.exams.models import Exam
    with app.app_context():
        authoring.set_exempt(db.session.get(User, trainer.id), db.session.get(Exam, exam.id), people["e"].id, "病假")
    attempts = {"x": take(app, people["x"], exam, right=3), "p": take(app, people["p"], exam, right=2),
                "f": take(app, people["f"], exam, right=1, short=None), "w": take(app, people["w"], exam, right=2)}
    mark(app, attempts["x"], 35)
    mark(app, attempts["p"], 30)
    return {"root": root, "law": law, "office": office, "exam": exam, "people": people, "attempts": attempts,
            "trainer": trainer}


def table(page):
    """department -> its cells, and the column headers, of the report page's department table."""
    head = re.search(r'<table[^>]*id="department-table".*?<thead>(.*?)</thead>', page, re.S).group(1)
    headers = re.findall(r'<th scope="col">([^<]*)</th>', head)[1:]
    rows = {}
    for match in re.finditer(r'<tr data-department="([^"]+)" data-depth="\d+">(.*?)</tr>', page, re.S):
        rows[match.group(1)] = re.findall(r"<td[^>]*>([^<]*)</td>", match.group(2))
    return headers, rows


def statuses(page):
    return dict(re.findall(r'<tr data-login="([^"]+)">.*?data-status="([a-z]+)"', page, re.S))


def test_the_pure_rule_counts_pending_as_participants_in_no_band():
    rules = ExamRules(pass_mark=60, excellent_mark=90)
    records = [CandidateRecord(1, 1, "staff", False, (95,)), CandidateRecord(2, 1, "staff", False, (70,)),
               CandidateRecord(3, 1, "staff", False, (20,)), CandidateRecord(4, 1, "staff", False, (), pending=True),
               CandidateRecord(5, 1, "staff", False, ()), CandidateRecord(6, 1, "staff", True, ())]
    found = figures(records, rules)
    assert (found.required, found.exempt, found.participants, found.pending, found.passed, found.excellent,
            found.failed, found.absent, found.marked) == (5, 1, 4, 1, 2, 1, 1, 1, 3)
    assert (found.pass_rate, found.excellent_rate) == (0.5, 0.25)  # over participants, the pending one included
    assert (round(found.average, 2), found.highest, found.lowest) == (61.67, 95, 20)
    assert [person_status(r, rules) for r in records] == ["excellent", "pass", "fail", "pending", "absent", "exempt"]
    by_required = figures(records, rules, denominator="required")
    assert (by_required.pass_rate, by_required.excellent_rate, by_required.pending) == (0.4, 0.2, 1)


@pytest.mark.parametrize("main, makeup, counting", [
    ((95,), (), "best"),  # a marked 95 and a pending attempt: best is unknown until it is marked
    ((50,), (), "last"),  # the pending attempt is the last one
    ((20,), (), "best"),  # failed the main exam, the make-up awaits marks
])
def test_any_pending_attempt_makes_the_result_pending(main, makeup, counting):
    rules = ExamRules(pass_mark=60, excellent_mark=90, counting=counting)
    record = CandidateRecord(1, 1, "staff", False, main, makeup, pending=True)
    found = figures([record], rules)
    assert person_status(record, rules) == "pending"
    assert (found.participants, found.pending, found.passed, found.failed, found.average) == (1, 1, 0, 0, None)


def test_report_page_counts_the_pending_apart_against_a_hand_count(app, as_role, town):
    assert attempt_state(app, town["attempts"]["w"]) == (None, 40, True)
    admin = as_role("admin", department=town["root"])
    page = admin.get(f"/reports/exams/{town['exam'].id}").get_data(as_text=True)
    headers, rows = table(page)
    assert len(headers) == 12  # the 待阅卷 column sits after the participation rate
    # required, exempt, participants, participation, 待阅卷, passed, pass rate, excellent, excellent rate, avg, max, min
    assert rows["共和镇"] == ["5", "1", "4", "80.0%", "1", "2", "50.0%", "1", "25.0%", "61.67", "95", "20"]
    assert rows["司法所"] == ["2", "0", "2", "100.0%", "0", "2", "100.0%", "1", "50.0%", "82.5", "95", "70"]
    assert rows["应急办"] == ["3", "1", "2", "66.7%", "1", "0", "0.0%", "0", "0.0%", "20", "20", "20"]
    assert 'id="pending-note" data-pending="1"' in page
    assert 'data-pending-beside="pass"' in page and 'data-pending-beside="excellent"' in page
    people = admin.get(f"/reports/exams/{town['exam'].id}/people").get_data(as_text=True)
    assert statuses(people) == {"q_x": "excellent", "q_p": "pass", "q_f": "fail", "q_w": "pending",
                                "q_a": "absent", "q_e": "exempt"}
    absent = admin.get(f"/reports/exams/{town['exam'].id}/people?only=absent").get_data(as_text=True)
    assert statuses(absent) == {"q_a": "absent"}  # the pending one took the exam
    printed = admin.get(f"/reports/exams/{town['exam'].id}/print?department={town['office'].id}").get_data(
        as_text=True)
    assert 'id="pending-note"' in printed


def test_exports_carry_the_pending_count_and_status(app, as_role, town):
    admin = as_role("admin", department=town["root"])
    exam = town["exam"]
    book = pd.read_excel(io.BytesIO(admin.get(f"/reports/exams/{exam.id}/export.xlsx").data), sheet_name=None)
    summary = book["汇总"].set_index("部门")
    assert list(summary.columns[:6]) == ["应参考人数", "免考人数", "实际参考人数", "参考率", "待阅卷人数", "合格人数"]
    total = summary.loc["合计"]
    assert (total["实际参考人数"], total["待阅卷人数"], total["合格人数"], total["优秀人数"]) == (4, 1, 2, 1)
    assert (total["合格率"], total["优秀率"]) == (0.5, 0.25)
    people = book["人员明细"].set_index("账号")
    assert people.loc["q_w", "状态"] == "待阅卷" and pd.isna(people.loc["q_w", "计分成绩"])
    assert people.loc["q_f", "状态"] == "不合格" and people.loc["q_f", "计分成绩"] == 20
    assert list(book["未参考名单"]["账号"]) == ["q_a"]
    notes = dict(book["口径说明"].values.tolist())
    assert any("待阅卷" in term for term in notes)
    csv = pd.read_csv(io.BytesIO(admin.get(f"/reports/exams/{exam.id}/export.csv").data), encoding="utf-8-sig",
                      dtype=str).set_index("部门")
    assert csv.loc["合计", "待阅卷人数"] == "1" and csv.loc["合计", "合格率"] == "50.0%"
    assert "待阅卷1人" in csv.loc["合计", "口径"]


def test_the_command_line_says_how_many_await_marks(app, runner, town, tmp_path):
    out = tmp_path / "report.csv"
    result = runner.invoke(args=["reports", "exam", str(town["exam"].id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "participants 4, passed 2, excellent 1, awaiting marks 1 (not final)" in result.output
    assert "待阅卷人数" in out.read_text(encoding="utf-8-sig")


def test_the_pending_are_never_listed_as_failed_and_keep_the_list_provisional(app, as_role, town):
    clock.advance(timedelta(days=2))  # the exam has closed
    admin = as_role("admin", department=town["root"])
    page = admin.get(f"/reports/exams/{town['exam'].id}/followup").get_data(as_text=True)
    listed = re.findall(r'<tr data-login="([^"]+)" data-exam="\d+" data-status="([a-z]+)">', page)
    assert sorted(listed) == [("q_a", "absent"), ("q_f", "fail")]
    assert 'id="not-final"' in page and 'data-count="pending">1<' in page
    book = pd.read_excel(io.BytesIO(admin.get(f"/reports/exams/{town['exam'].id}/followup?format=xlsx").data),
                         sheet_name=None, dtype=str)
    assert sorted(book["不合格和未参考人员名单"]["账号"]) == ["q_a", "q_f"]
    exams = book["各考试"]
    assert exams.loc[0, ["不合格人数", "未参考人数", "待阅卷人数"]].tolist() == ["1", "1", "1"]
    assert exams.loc[0, "名单状态"].startswith("临时")
    # Marking completes with a fail: listed now, and the list is final.
    mark(app, town["attempts"]["w"], 0)  # 40 + 0
    page = admin.get(f"/reports/exams/{town['exam'].id}/followup").get_data(as_text=True)
    listed = re.findall(r'<tr data-login="([^"]+)" data-exam="\d+" data-status="([a-z]+)">', page)
    assert sorted(listed) == [("q_a", "absent"), ("q_f", "fail"), ("q_w", "fail")]
    assert 'id="not-final"' not in page and 'data-count="pending"' not in page


def test_annual_summary_says_how_many_results_are_pending(app, as_role, runner, town):
    from docx import Document
    clock.advance(timedelta(days=2))
    admin = as_role("admin", department=town["root"])
    year = town["exam"].year
    page = admin.get(f"/reports/annual?year={year}").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", "", page.split('id="annual-text"')[1].split("</div>")[0])
    assert "应参考5人，实际参考4人" in text
    assert "优秀率暂为25%，另有1人的成绩尚待阅卷，未计入优秀率。" in text
    assert 'id="annual-pending" data-pending="1"' in page
    document = Document(io.BytesIO(admin.get(f"/reports/annual?year={year}&format=docx").data))
    paragraphs = [p.text for p in document.paragraphs]
    assert any("另有1人的成绩尚待阅卷" in p for p in paragraphs)
    assert any("尚有1人的考试成绩待阅卷" in p for p in paragraphs)
    assert "另有1人的成绩尚待阅卷" in runner.invoke(args=["reports", "annual", "--year", str(year)]).output
    mark(app, town["attempts"]["w"], 30)  # 40 + 30 = 70: a pass
    text = admin.get(f"/reports/annual?year={year}&format=txt").get_data(as_text=True)
    assert "优秀率达25%。" in text and "待阅卷" not in text


def test_marking_completes_and_the_counts_move_to_their_band(app, as_role, town):
    admin = as_role("admin", department=town["root"])
    assert mark(app, town["attempts"]["w"], 35) == 75
    assert attempt_state(app, town["attempts"]["w"]) == (75, 40, False)
    page = admin.get(f"/reports/exams/{town['exam'].id}").get_data(as_text=True)
    headers, rows = table(page)
    assert len(headers) == 11  # nobody pending: the page looks as it always did
    assert rows["共和镇"] == ["5", "1", "4", "80.0%", "3", "75.0%", "1", "25.0%", "65", "95", "20"]
    assert rows["应急办"] == ["3", "1", "2", "66.7%", "1", "50.0%", "0", "0.0%", "47.5", "75", "20"]
    assert "pending-note" not in page and "data-pending-beside" not in page
    csv = admin.get(f"/reports/exams/{town['exam'].id}/export.csv").get_data(as_text=True)
    assert "待阅卷" not in csv


def test_a_remark_from_pass_to_fail_changes_every_report(app, as_role, runner, town, tmp_path):
    clock.advance(timedelta(days=2))
    admin = as_role("admin", department=town["root"])
    exam = town["exam"]
    assert mark(app, town["attempts"]["p"], 10) == 50  # 40 + 10: now a fail
    _headers, rows = table(admin.get(f"/reports/exams/{exam.id}").get_data(as_text=True))
    assert rows["共和镇"][4:9] == ["1", "1", "25.0%", "1", "25.0%"]  # 待阅卷 1, passed 1 of 4
    assert statuses(admin.get(f"/reports/exams/{exam.id}/people").get_data(as_text=True))["q_p"] == "fail"
    book = pd.read_excel(io.BytesIO(admin.get(f"/reports/exams/{exam.id}/export.xlsx").data), sheet_name=None)
    assert book["汇总"].set_index("部门").loc["合计", "合格人数"] == 1
    assert book["人员明细"].set_index("账号").loc["q_p", "计分成绩"] == 50
    out = tmp_path / "r.csv"
    assert "passed 1, excellent 1" in runner.invoke(args=["reports", "exam", str(exam.id), "-o", str(out)]).output
    page = admin.get(f"/reports/exams/{exam.id}/followup").get_data(as_text=True)
    assert ("q_p", "fail", "50") in re.findall(
        r'<tr data-login="([^"]+)" data-exam="\d+" data-status="([a-z]+)">.*?<td[^>]*>([^<]*)</td></tr>', page, re.S)
    # and a remark of the excellent one changes the annual excellence rate
    mark(app, town["attempts"]["x"], 20)  # 60 + 20 = 80
    text = admin.get(f"/reports/annual?year={exam.year}&format=txt").get_data(as_text=True)
    assert "优秀率暂为" not in text and "另有1人的成绩尚待阅卷" in text


def test_a_pending_makeup_or_second_attempt_makes_the_result_pending(app, as_role, make, town):
    """Best counting: a marked 95 and a second attempt awaiting marks is pending; a fail in the main
    exam and a make-up awaiting marks is pending too (not listed as failed)."""
    people, exam = town["people"], town["exam"]
    second = take(app, people["x"], exam, right=0)
    trainer = town["trainer"]
    fixed = paper(app, make)
    makeup = make.exam(trainer, [people["f"]], fixed=fixed, shuffle_questions=False, title="2026年度学法考试（补考）",
                       makeup_of_id=exam.id, lasts=timedelta(days=3))
    retake = take(app, people["f"], makeup, right=3)
    admin = as_role("admin", department=town["root"])
    _headers, rows = table(admin.get(f"/reports/exams/{exam.id}").get_data(as_text=True))
    # participants 4, 待阅卷 3 (x, f, w), passed 1 (p), excellent 0, failed 0
    assert rows["共和镇"][2:9] == ["4", "80.0%", "3", "1", "25.0%", "0", "0.0%"]
    assert rows["共和镇"][9:] == ["70", "70", "70"]
    found = statuses(admin.get(f"/reports/exams/{exam.id}/people").get_data(as_text=True))
    assert (found["q_x"], found["q_f"], found["q_w"]) == ("pending", "pending", "pending")
    clock.advance(timedelta(days=4))
    admin = as_role("admin", department=town["root"])  # signed in again after four days
    page = admin.get(f"/reports/exams/{exam.id}/followup").get_data(as_text=True)
    assert re.findall(r'<tr data-login="([^"]+)" data-exam="\d+" data-status="([a-z]+)">', page) == [
        ("q_a", "absent")]
    mark(app, second, 10)  # 10: the best (95) counts again
    mark(app, retake, 5)  # make-up 65 beats the main exam's 20
    found = statuses(admin.get(f"/reports/exams/{exam.id}/people").get_data(as_text=True))
    assert (found["q_x"], found["q_f"], found["q_w"]) == ("excellent", "pass", "pending")


@pytest.mark.browser
def test_pending_report_and_result_fit_a_phone_and_a_desktop(app, make, town, page, phone):
    """The report with its 待阅卷 column and note, and the cadre's pending result, in a real Chromium."""
    make.user(login="pend_admin", role="admin", department=town["root"])
    exam = town["exam"]
    for view, name in ((page, "desktop"), (phone, "phone")):
        view.login("pend_admin")
        view.open(f"/reports/exams/{exam.id}")
        assert view.locator("#pending-note").is_visible()
        assert view.evaluate("document.documentElement.scrollWidth") <= view.viewport_size["width"] + 2
        view.shot(f"pending-report-{name}")
        view.context.clear_cookies()
        view.login("q_w")
        view.open(f"/my/attempts/{town['attempts']['w']}/result")
        assert view.locator("#result-pending").is_visible() and view.locator("#result-band").count() == 0
        assert view.evaluate("document.documentElement.scrollWidth") <= view.viewport_size["width"] + 2
        view.shot(f"pending-result-{name}")
        view.context.clear_cookies()
