"""学法考试不合格/未参考人员名单: the list of people who did not pass or did not take an exam after
its make-up, per exam and per year, against a hand count and against the exam report's own
figures; the .xlsx read back, the printable page, liaison scope, who is refused, and the list
marked provisional (临时) until the exam and its make-up are over."""
import io
import re
from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.accounts.models import User
from trainingapp.platform import clock
from trainingapp.platform.extensions import db


def sit(app, person, exam, right, *, submit=True):
    """One attempt at an exam of ten true/false questions worth 10 each, `right` of them right."""
    from trainingapp.questionbank.models import Question
    client = app.test_client()
    login(client, person)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    assert "attempt_id" in body, body
    with app.app_context():
        keys = dict(db.session.execute(select(Question.id, Question.answer)).all())
    for seq, question in enumerate(body["questions"]):
        key = keys[question["id"]]
        client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                   json={"answer": key if seq < right else not key, "seq": seq + 1})
    if submit:
        result = client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json()
        assert result["score"] == right * 10, result


@pytest.fixture
def town(app, make):
    """共和镇 > 司法所, 应急办 > 消防队; one exam (best attempt counts, pass 60) with a make-up.

    司法所: a fails (50) then passes (90) — best of two, not listed; b fails (40); c misses the exam and
            passes the make-up (80) — rescued; g fails (30) and fails the make-up (50); r is taken off the
            candidate list (counted nowhere).
    应急办: d never sits; e is exempt (病假) and never sits; h is exempt and fails (20) — exempt wins.
    消防队: f scores 50 then 30 (best: 50, fail); j (非在编) never sits; k answers 9 right and never submits —
            the attempt closes at its deadline and counts (90).
    Hand count: required 8 (a b c g d f j k), exempt 2, participants 6, passed 3 (a c k),
    不合格 3 (b 40, g 50, f 50), 未参考 2 (d, j).
    """
    root = make.department("共和镇")
    law, fire = make.department("司法所", root), make.department("应急办", root)
    team = make.department("消防队", fire)
    questions = [make.question("truefalse", answer=bool(i % 2)) for i in range(10)]
    trainer = make.user(role="trainer", department=root)
    where = {"a": law, "b": law, "c": law, "g": law, "r": law, "d": fire, "e": fire, "h": fire, "f": team, "j": team,
             "k": team}
    people = {key: make.user(login=f"p_{key}", name=f"人员{key}", department=dept,
                             category="contract" if key == "j" else "staff") for key, dept in where.items()}
    fixed = [(q, 10) for q in questions]
    exam = make.exam(trainer, list(people.values()), fixed=fixed, shuffle_questions=False, title="2026年度学法考试",
                     lasts=timedelta(days=1))
    from trainingapp.exams import authoring
    from trainingapp.exams.models import Exam
    for key, right in (("a", 5), ("a", 9), ("b", 4), ("g", 3), ("h", 2), ("f", 5), ("f", 3)):
        sit(app, people[key], exam, right)
    with app.app_context():  # h is exempted after sitting (an exempt person cannot start)
        actor, main = db.session.get(User, trainer.id), db.session.get(Exam, exam.id)
        authoring.set_exempt(actor, main, people["e"].id, "病假")
        authoring.set_exempt(actor, main, people["h"].id, "距退休不足两年")
    sit(app, people["k"], exam, 9, submit=False)
    with app.app_context():
        authoring.remove_candidate(db.session.get(User, trainer.id), db.session.get(Exam, exam.id), people["r"].id,
                                   "调离")
    makeup = make.exam(trainer, [people["c"], people["g"]], fixed=fixed, shuffle_questions=False,
                       title="2026年度学法考试（补考）", makeup_of_id=exam.id, lasts=timedelta(days=3))
    sit(app, people["c"], makeup, 8)
    sit(app, people["g"], makeup, 5)
    return {"root": root, "law": law, "fire": fire, "team": team, "exam": exam, "makeup": makeup,
            "people": people, "trainer": trainer, "questions": questions}


def over(days=4):
    """Move past the close of the exam (one day) and of its make-up (three days)."""
    clock.advance(timedelta(days=days))


def listed(page):
    """(login, exam id, status, counting score) per line of the list, in order."""
    return [(login_, int(exam), status, score) for login_, exam, status, score in re.findall(
        r'<tr data-login="([^"]+)" data-exam="(\d+)" data-status="([a-z]+)">.*?<td[^>]*>([^<]*)</td></tr>', page, re.S)]


def report_totals(client, exam_id, department="共和镇"):
    """(required, participants, passed) of a department on the exam report page."""
    page = client.get(f"/reports/exams/{exam_id}").get_data(as_text=True)
    match = re.search(rf'<tr data-department="{department}" data-depth="\d+">(.*?)</tr>', page, re.S)
    cells = re.findall(r"<td>([^<]*)</td>", match.group(1))
    return int(cells[0]), int(cells[2]), int(cells[4])


def test_the_exam_list_matches_a_hand_count_and_the_report(app, as_role, town):
    over()
    admin = as_role("admin", department=town["root"])
    exam = town["exam"]
    response = admin.get(f"/reports/exams/{exam.id}/followup")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert listed(page) == [("p_b", exam.id, "fail", "40"), ("p_g", exam.id, "fail", "50"),
                            ("p_d", exam.id, "absent", ""), ("p_f", exam.id, "fail", "50"),
                            ("p_j", exam.id, "absent", "")]
    assert 'data-final="1"' in page and 'id="not-final"' not in page
    assert "2026年度学法考试不合格/未参考人员名单" in page
    # Exactly the report's counts: 不合格 = participants − passed, 未参考 = required − participants.
    required, participants, passed = report_totals(admin, exam.id)
    assert (required, participants, passed) == (8, 6, 3)
    rows = listed(page)
    assert sum(1 for row in rows if row[2] == "fail") == participants - passed
    assert sum(1 for row in rows if row[2] == "absent") == required - participants
    summary = re.search(rf'<tr data-exam="{exam.id}">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td data-count="(\w+)">(\d+)</td>', summary) == [("fail", "3"), ("absent", "2")]


def test_the_xlsx_holds_the_same_list_with_its_definitions(app, as_role, town):
    over()
    admin = as_role("admin", department=town["root"])
    exam = town["exam"]
    response = admin.get(f"/reports/exams/{exam.id}/followup?format=xlsx")
    assert response.status_code == 200 and "provisional" not in response.headers["Content-Disposition"]
    book = pd.read_excel(io.BytesIO(response.data), sheet_name=None, dtype=str)
    assert list(book) == ["不合格和未参考人员名单", "各考试", "口径说明"]
    sheet = book["不合格和未参考人员名单"]
    assert list(sheet.columns) == ["序号", "部门", "姓名", "账号", "人员类别", "考试", "结果", "计分成绩", "补考"]
    lines = sheet.fillna("").values.tolist()
    assert lines == [
        ["1", "共和镇/司法所", "人员b", "p_b", "在编", "2026年度学法考试", "不合格", "40", "未参加补考"],
        ["2", "共和镇/司法所", "人员g", "p_g", "在编", "2026年度学法考试", "不合格", "50", "已参加补考"],
        ["3", "共和镇/应急办", "人员d", "p_d", "在编", "2026年度学法考试", "未参考", "", "未参加补考"],
        ["4", "共和镇/应急办/消防队", "人员f", "p_f", "在编", "2026年度学法考试", "不合格", "50", "未参加补考"],
        ["5", "共和镇/应急办/消防队", "人员j", "p_j", "编外", "2026年度学法考试", "未参考", "", "未参加补考"],
    ]
    exams = book["各考试"]
    counted = ["应参考人数", "免考人数", "实际参考人数", "合格人数", "不合格人数", "未参考人数"]
    assert exams.loc[0, counted].tolist() == ["8", "2", "6", "3", "3", "2"]
    assert exams.loc[0, "补考"] == "2026年度学法考试（补考）" and exams.loc[0, "名单状态"] == "最终"
    notes = dict(book["口径说明"].values.tolist())
    assert notes["名单状态"] == "最终" and notes["范围"] == "全部部门"
    assert "实际参考人数减去合格人数" in notes["不合格"] and "应参考人数减去实际参考人数" in notes["未参考"]
    assert "不列入" in notes["免考"]


def test_the_category_filter_narrows_the_list_and_the_counts(app, as_role, town):
    over()
    admin = as_role("admin", department=town["root"])
    page = admin.get(f"/reports/exams/{town['exam'].id}/followup?category=contract").get_data(as_text=True)
    assert [row[0] for row in listed(page)] == ["p_j"]


def test_a_year_lists_every_official_exam_once_per_person(app, as_role, make, town):
    people, trainer = town["people"], town["trainer"]
    fixed = [(q, 10) for q in town["questions"]]
    second = make.exam(trainer, [people["b"], people["d"], people["f"]], fixed=fixed, shuffle_questions=False,
                       title="宪法专题考试", opens_in=timedelta(hours=1), lasts=timedelta(days=1))
    clock.advance(timedelta(hours=2))
    sit(app, people["b"], second, 7)
    sit(app, people["d"], second, 1)
    sit(app, people["d"], second, 2)
    # Neither a draft nor last year's exam is listed, nor the make-up as an exam of its own.
    make.exam(trainer, [people["a"]], fixed=fixed, publish=False, title="草稿考试")
    make.exam(trainer, [people["a"]], fixed=fixed, title="去年的考试", year=clock.now().year - 1)
    over()
    admin = as_role("admin", department=town["root"])
    year = town["exam"].opens_at.year
    page = admin.get(f"/reports/followup?year={year}").get_data(as_text=True)
    first = town["exam"].id
    assert listed(page) == [("p_b", first, "fail", "40"), ("p_g", first, "fail", "50"),
                            ("p_d", first, "absent", ""), ("p_d", second.id, "fail", "20"),
                            ("p_f", first, "fail", "50"), ("p_f", second.id, "absent", ""),
                            ("p_j", first, "absent", "")]
    assert re.findall(r'<tr data-exam="(\d+)">', page) == [str(first), str(second.id)]
    assert "草稿考试" not in page and "去年的考试" not in page and "（补考）</th>" not in page
    book = pd.read_excel(io.BytesIO(admin.get(f"/reports/followup?year={year}&format=xlsx").data), sheet_name=None,
                         dtype=str)
    assert book["不合格和未参考人员名单"]["考试"].tolist().count("宪法专题考试") == 2
    assert book["各考试"]["考试"].tolist() == ["2026年度学法考试", "宪法专题考试"]
    # The make-up's own address leads to its main exam's list.
    response = admin.get(f"/reports/exams/{town['makeup'].id}/followup")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reports/exams/{first}/followup")


def test_the_printable_page(app, as_role, town):
    over()
    admin = as_role("admin", department=town["root"])
    page = admin.get(f"/reports/exams/{town['exam'].id}/followup?root={town['law'].id}").get_data(as_text=True)
    assert 'class="print-sheet"' in page and "填表人（签名）" in page and "单位负责人（签名）" in page
    assert "填报单位：司法所" in page and "（单位盖章）" in page
    assert [row[0] for row in listed(page)] == ["p_b", "p_g"]
    # Filters, buttons and explanations stay on the screen, off the paper.
    assert page.index('<div class="no-print">') < page.index('id="f-root"') < page.index('class="print-sheet"')


def test_liaisons_get_their_subtree_only(app, make, town):
    over()
    liaison = make.user(role="liaison", department=town["fire"])
    client = app.test_client()
    login(client, liaison)
    exam = town["exam"]
    page = client.get(f"/reports/exams/{exam.id}/followup").get_data(as_text=True)
    assert [row[0] for row in listed(page)] == ["p_d", "p_f", "p_j"]
    required, participants, passed = report_totals(client, exam.id, "应急办")
    assert (required - participants, participants - passed) == (2, 1)
    assert client.get(f"/reports/exams/{exam.id}/followup?root={town['law'].id}").status_code == 403
    assert client.get(f"/reports/followup?root={town['law'].id}").status_code == 403
    sheet = pd.read_excel(io.BytesIO(client.get(f"/reports/followup?year={exam.opens_at.year}&format=xlsx").data),
                          dtype=str)
    assert sheet["账号"].tolist() == ["p_d", "p_f", "p_j"]
    assert not sheet["部门"].str.contains("司法所").any()


def test_trainers_and_cadres_are_refused(app, as_role, town):
    exam = town["exam"]
    owner = app.test_client()
    login(owner, town["trainer"])
    for client in (owner, as_role("trainer"), as_role("cadre")):
        assert client.get(f"/reports/exams/{exam.id}/followup").status_code == 403
        assert client.get(f"/reports/exams/{exam.id}/followup?format=xlsx").status_code == 403
        assert client.get("/reports/followup").status_code == 403
    # The owner's report page does not offer the link it would be refused.
    assert 'id="followup-link"' not in owner.get(f"/reports/exams/{exam.id}").get_data(as_text=True)


def test_provisional_until_the_exam_and_its_makeup_are_over(app, make, town):
    person = make.user(role="admin", department=town["root"])
    exam = town["exam"]

    def state():
        # Signed in afresh each time: days pass between the looks, longer than a session lives.
        admin = app.test_client()
        login(admin, person)
        page = admin.get(f"/reports/exams/{exam.id}/followup").get_data(as_text=True)
        return 'id="not-final"' in page, 'id="provisional-mark"' in page, listed(page)

    # While the exam is open k's attempt is still running: k counts as not taken for now.
    provisional, marked, rows = state()
    assert provisional and marked and ("p_k", exam.id, "absent", "") in rows
    admin = app.test_client()
    login(admin, person)
    response = admin.get(f"/reports/exams/{exam.id}/followup?format=xlsx")
    assert "provisional" in response.headers["Content-Disposition"]
    notes = dict(pd.read_excel(io.BytesIO(response.data), sheet_name="口径说明", dtype=str).values.tolist())
    assert notes["名单状态"].startswith("临时") and notes["名单"].endswith("（临时）")
    clock.advance(timedelta(days=2))  # the exam is over, its make-up still open
    provisional, marked, rows = state()
    assert (provisional, marked) == (True, True)
    assert "p_k" not in [row[0] for row in rows]  # closed at its deadline: 90, a pass
    clock.advance(timedelta(days=2))
    provisional, marked, _rows = state()
    assert not provisional and not marked


def test_the_reports_index_and_the_exam_report_link_to_the_lists(app, as_role, make, town):
    admin = as_role("admin", department=town["root"])
    assert "/reports/followup" in admin.get("/reports").get_data(as_text=True)
    page = admin.get(f"/reports/exams/{town['makeup'].id}").get_data(as_text=True)
    assert f'href="/reports/exams/{town["exam"].id}/followup' in page
    liaison = make.user(role="liaison", department=town["fire"])
    client = app.test_client()
    login(client, liaison)
    assert "/reports/followup" in client.get("/reports").get_data(as_text=True)


def test_the_list_rules_as_plain_data():
    from trainingapp.reports.followup import entries, is_final, tally
    from trainingapp.reports.rates import CandidateRecord, ExamRules
    rules = ExamRules(pass_mark=60, excellent_mark=90)
    records = [CandidateRecord(1, 10, "staff", False, (59.999,)),  # 60.00 at two decimals: a pass
               CandidateRecord(2, 10, "staff", False, (59.99,), (30,)),
               CandidateRecord(3, 10, "staff", True, ()),
               CandidateRecord(4, 10, "staff", False, (), ()),
               CandidateRecord(5, 10, "staff", True, (10,))]
    found = entries(records, rules, exam_id=7, has_makeup=True)
    assert [(e.user_id, e.status, e.score, e.took_makeup) for e in found] == [(2, "fail", 59.99, True),
                                                                              (4, "absent", None, False)]
    assert tally(found) == {7: {"fail": 1, "absent": 1}}
    close = datetime(2026, 6, 1, 12)
    assert not is_final([close], 0, close - timedelta(seconds=1))
    assert is_final([close], 0, close)
    assert not is_final([close], 1, close + timedelta(days=1))  # an attempt given extra time still running
    assert not is_final([close, close + timedelta(days=3)], 0, close + timedelta(days=1))


@pytest.mark.browser
def test_the_list_at_phone_width(app, make, town, browser, live_server):
    over()
    from tests.conftest import _page
    admin = make.user(role="admin", department=town["root"])
    for width, name in ((390, "followup-phone"), (1280, "followup-desktop")):
        context, view = _page(browser, live_server, viewport={"width": width, "height": 800})
        try:
            view.login(admin.login)
            view.open(f"/reports/followup?year={town['exam'].opens_at.year}")
            assert view.locator("#followup-people tbody tr").count() == 5
            # Wide tables scroll inside their box; the page itself never scrolls sideways.
            assert view.evaluate("document.documentElement.scrollWidth") <= width + 2
            view.shot(name)
            view.page.emulate_media(media="print")
            assert view.locator("#f-root").is_hidden() and view.locator("#followup-people").is_visible()
        finally:
            context.close()


def test_the_page_speaks_english_and_the_workbook_stays_chinese(app, as_role, town):
    over()
    admin = as_role("admin", department=town["root"])
    admin.post("/language/en", data={"next": "/"})
    page = admin.get(f"/reports/exams/{town['exam'].id}/followup").get_data(as_text=True)
    assert "2026年度学法考试: people who did not pass or did not take it" in page
    assert "Filled in by (signature)" in page and ">Fail<" in page.replace("</td>", "<").replace("<td>", ">")
    sheet = pd.read_excel(io.BytesIO(admin.get(f"/reports/exams/{town['exam'].id}/followup?format=xlsx").data),
                          dtype=str)
    assert set(sheet["结果"]) == {"不合格", "未参考"}


def test_a_mock_exam_is_never_listed(app, as_role, make, town):
    """People who failed or skipped a mock exam (模拟考试) are in no list: its own address is not found
    and the year's list holds only the official exam."""
    people, trainer = town["people"], town["trainer"]
    mock = make.exam(trainer, [people["b"], people["d"]], fixed=[(q, 10) for q in town["questions"]],
                     shuffle_questions=False, title="模拟考试", is_mock=True, attempts_allowed=999)
    sit(app, people["b"], mock, 1)
    over()
    admin = as_role("admin", department=town["root"])
    assert admin.get(f"/reports/exams/{mock.id}/followup").status_code == 404
    page = admin.get(f"/reports/followup?year={town['exam'].opens_at.year}").get_data(as_text=True)
    assert "模拟考试" not in page and {exam for _login, exam, _status, _score in listed(page)} == {town["exam"].id}
