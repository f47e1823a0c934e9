"""The exam report through the real pages, exports and CLI, checked against a hand count."""
import io
import re

import pandas as pd
import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.accounts.models import User
from trainingapp.platform.extensions import db


def answer_k_right(app, person, exam, k):
    """Take the exam answering exactly k of the ten true/false questions right (score 10k)."""
    from trainingapp.questionbank.models import Question
    client = app.test_client()
    login(client, person)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    with app.app_context():
        keys = dict(db.session.execute(select(Question.id, Question.answer)).all())
    for seq, question in enumerate(body["questions"]):
        right = seq < k
        client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                   json={"answer": keys[question["id"]] if right else not keys[question["id"]], "seq": seq + 1})
    return client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json()


@pytest.fixture
def scenario(app, make):
    """共和镇 > 司法所, 应急办 > 消防队. Scores: 司法所 95, 70, absent; 应急办 50, exempt; 消防队 100."""
    root = make.department("共和镇")
    law, fire = make.department("司法所", root), make.department("应急办", root)
    team = make.department("消防队", fire)
    questions = [make.question("truefalse", answer=bool(i % 2)) for i in range(10)]
    trainer = make.user(role="trainer", department=root)
    people = {
        "a": make.user(login="law_a", department=law), "b": make.user(login="law_b", department=law),
        "c": make.user(login="law_c", department=law), "d": make.user(login="fire_d", department=fire),
        "e": make.user(login="fire_e", department=fire), "f": make.user(login="team_f", department=team),
    }
    exam = make.exam(trainer, list(people.values()), fixed=[(q, 10) for q in questions], shuffle_questions=False)
    from trainingapp.exams import authoring
    from trainingapp.exams.models import Exam
    with app.app_context():
        authoring.set_exempt(db.session.get(User, trainer.id), db.session.get(Exam, exam.id), people["e"].id,
                             "病假")
    scores = {"a": 10, "b": 7, "d": 5, "f": 10}
    for key, k in scores.items():
        answer_k_right(app, people[key], exam, k - 1 if key == "a" else k)  # a scores 90 first...
    answer_k_right(app, people["a"], exam, 10)  # ...then 100: the best attempt counts
    return {"root": root, "law": law, "fire": fire, "team": team, "exam": exam, "people": people,
            "trainer": trainer}


def rows(page):
    found = {}
    for match in re.finditer(r'<tr data-department="([^"]+)" data-depth="\d+">(.*?)</tr>', page, re.S):
        cells = re.findall(r"<td>([^<]*)</td>", match.group(2))
        found[match.group(1)] = cells
    return found


def test_page_figures_match_a_hand_count_with_roll_up(app, as_role, scenario):
    admin = as_role("admin", department=scenario["root"])
    page = admin.get(f"/reports/exams/{scenario['exam'].id}").get_data(as_text=True)
    table = rows(page)
    # columns: required, exempt, participants, rate, passed, pass rate, excellent, excellent rate, avg, max, min
    assert table["司法所"][:9] == ["3", "0", "2", "66.7%", "2", "100.0%", "1", "50.0%", "85"]
    assert table["消防队"][:9] == ["1", "0", "1", "100.0%", "1", "100.0%", "1", "100.0%", "100"]
    assert table["应急办"][:9] == ["2", "1", "2", "100.0%", "1", "50.0%", "1", "50.0%", "75"]
    assert table["共和镇"][:9] == ["5", "1", "4", "80.0%", "3", "75.0%", "2", "50.0%", "80"]
    assert table["共和镇"][9:] == ["100", "50"]
    assert "实际参考人数" in page  # the definitions and the denominator are named


def test_denominator_setting_switches_and_is_named(app, as_role, scenario):
    admin = as_role("admin", department=scenario["root"])
    admin.post("/reports/settings", data={"denominator": "required"})
    page = admin.get(f"/reports/exams/{scenario['exam'].id}").get_data(as_text=True)
    assert rows(page)["共和镇"][5] == "60.0%" and rows(page)["共和镇"][7] == "40.0%"
    assert "应参考人数" in page


def test_people_drill_down_and_not_yet_taken(app, as_role, scenario):
    admin = as_role("admin", department=scenario["root"])
    exam = scenario["exam"]
    page = admin.get(f"/reports/exams/{exam.id}/people?department={scenario['law'].id}").get_data(as_text=True)
    statuses = dict(re.findall(r'<tr data-login="([^"]+)">.*?data-status="([a-z]+)"', page, re.S))
    assert statuses == {"law_a": "excellent", "law_b": "pass", "law_c": "absent"}
    absent = admin.get(f"/reports/exams/{exam.id}/people?only=absent").get_data(as_text=True)
    assert re.findall(r'<tr data-login="([^"]+)">', absent) == ["law_c"]
    sheet = pd.read_excel(io.BytesIO(admin.get(f"/reports/exams/{exam.id}/people?only=absent&format=xlsx").data),
                          dtype=str)
    assert list(sheet["账号"]) == ["law_c"]


def test_xlsx_export_equals_the_page(app, as_role, scenario):
    admin = as_role("admin", department=scenario["root"])
    exam = scenario["exam"]
    page_rows = rows(admin.get(f"/reports/exams/{exam.id}").get_data(as_text=True))
    book = pd.read_excel(io.BytesIO(admin.get(f"/reports/exams/{exam.id}/export.xlsx").data), sheet_name=None)
    assert set(book) == {"汇总", "各部门", "人员明细", "未参考名单", "口径说明"}
    departments = book["各部门"].assign(部门=lambda f: f["部门"].str.strip("\u3000"))
    for _index, line in departments.iterrows():
        cells = page_rows[line["部门"]]
        assert int(line["应参考人数"]) == int(cells[0]) and int(line["实际参考人数"]) == int(cells[2])
        assert f"{line['参考率'] * 100:.1f}%" == cells[3]
        assert int(line["优秀人数"]) == int(cells[6])
    from openpyxl import load_workbook
    workbook = load_workbook(io.BytesIO(admin.get(f"/reports/exams/{exam.id}/export.xlsx").data))
    assert workbook["汇总"]._charts and workbook["汇总"]["E2"].number_format == "0.0%"
    csv = admin.get(f"/reports/exams/{exam.id}/export.csv").data
    assert csv.startswith(b"\xef\xbb\xbf") and "司法所" in csv.decode("utf-8-sig")


def test_liaison_sees_and_exports_only_their_subtree(app, make, scenario):
    liaison = make.user(role="liaison", department=scenario["fire"])
    client = app.test_client()
    login(client, liaison)
    exam = scenario["exam"]
    page = client.get(f"/reports/exams/{exam.id}").get_data(as_text=True)
    assert set(rows(page)) == {"应急办", "消防队"}
    assert client.get(f"/reports/exams/{exam.id}?root={scenario['law'].id}").status_code == 403
    assert client.get(f"/reports/exams/{exam.id}/people?department={scenario['law'].id}").status_code == 403
    book = pd.read_excel(io.BytesIO(client.get(f"/reports/exams/{exam.id}/export.xlsx").data), sheet_name=None,
                         dtype=str)
    assert set(book["人员明细"]["账号"]) == {"fire_d", "fire_e", "team_f"}
    assert "司法所" not in book["各部门"]["部门"].str.strip("\u3000").tolist()


def test_cadres_see_no_reports_and_trainers_only_their_exams(app, as_role, make, scenario):
    exam = scenario["exam"]
    assert as_role("cadre").get(f"/reports/exams/{exam.id}").status_code == 403
    assert as_role("cadre").get("/reports").status_code == 403
    assert as_role("trainer").get(f"/reports/exams/{exam.id}").status_code == 403
    owner = app.test_client()
    login(owner, scenario["trainer"])
    assert owner.get(f"/reports/exams/{exam.id}").status_code == 200
    assert owner.get(f"/reports/exams/{exam.id}/items").status_code == 200


def test_a_moved_person_stays_in_last_years_department(app, as_role, scenario):
    with app.app_context():
        db.session.get(User, scenario["people"]["a"].id).department_id = scenario["fire"].id
        db.session.commit()
    admin = as_role("admin", department=scenario["root"])
    table = rows(admin.get(f"/reports/exams/{scenario['exam'].id}").get_data(as_text=True))
    assert table["司法所"][0] == "3" and table["应急办"][0] == "2"


def test_makeup_lifts_the_result(app, as_role, make, scenario):
    from trainingapp.exams.models import Exam
    with app.app_context():
        main = db.session.get(Exam, scenario["exam"].id)
        trainer = db.session.get(User, scenario["trainer"].id)
        questions = [item.question_id for item in main.fixed_items]
    makeup = make.exam(scenario["trainer"], [scenario["people"]["c"]], fixed=[(q, 10) for q in questions],
                       makeup_of_id=scenario["exam"].id)
    answer_k_right(app, scenario["people"]["c"], makeup, 9)
    admin = as_role("admin", department=scenario["root"])
    table = rows(admin.get(f"/reports/exams/{scenario['exam'].id}").get_data(as_text=True))
    assert table["司法所"][2] == "3" and table["司法所"][6] == "2"  # c took part via the make-up, excellent
    del trainer


def test_print_page_and_item_analysis_flags_a_wrong_key(app, as_role, scenario):
    admin = as_role("admin", department=scenario["root"])
    exam = scenario["exam"]
    page = admin.get(f"/reports/exams/{exam.id}/print?department={scenario['law'].id}").get_data(as_text=True)
    assert "成绩汇总表" in page and "单位负责人" in page and "司法所" in page
    items = admin.get(f"/reports/exams/{exam.id}/items").get_data(as_text=True)
    assert 'data-flagged="1"' not in items
    # Someone keys the first question wrongly and regrades: everyone now "got it wrong".
    from trainingapp.exams.models import Exam
    from trainingapp.questionbank.models import Question
    with app.app_context():
        first = db.session.get(Exam, exam.id).fixed_items[0].question_id
        question = db.session.get(Question, first)
        question.answer = not question.answer
        db.session.commit()
    admin.post(f"/exams/{exam.id}/regrade")
    items = admin.get(f"/reports/exams/{exam.id}/items").get_data(as_text=True)
    # Five attempts are below the default minimum of ten answers: a sample, not evidence.
    assert 'data-flagged="1"' not in items
    assert items.count('data-sample="too-few"') == 10 and "样本不足" in items
    admin.post("/reports/settings", data={"denominator": "participants", "min_answers": "5"})
    items = admin.get(f"/reports/exams/{exam.id}/items").get_data(as_text=True)
    flagged = re.findall(r'data-question="(\d+)">(?:(?!</tr>).)*data-flagged="1"', items, re.S)
    assert flagged == [str(first)]
    assert 'data-sample="too-few"' not in items


def test_item_analysis_counts_true_false_answers_as_right_and_wrong(app, as_role, scenario):
    admin = as_role("admin", department=scenario["root"])
    items = admin.get(f"/reports/exams/{scenario['exam'].id}/items").get_data(as_text=True)
    cells = [re.sub(r"\s+", " ", cell).strip()
             for cell in re.findall(r"<td class=\"[^\"]*\" data-options>(.*?)</td>", items, re.S)]
    assert len(cells) == 10
    assert all(re.fullmatch(r"对 \d+ · 错 \d+", cell) for cell in cells), cells
    assert "T:" not in items and "F:" not in items
    # Five attempts answered every question: each cell's counts add up to five.
    assert all(sum(map(int, re.findall(r"\d+", cell))) == 5 for cell in cells)


@pytest.mark.parametrize("given, message", [
    ("ten", "最少作答次数必须是整数"),
    ("0", "最少作答次数必须在1到10000之间"),
    ("10001", "最少作答次数必须在1到10000之间"),
])
def test_item_minimum_setting_refuses_bad_input_with_a_specific_error(app, as_role, given, message):
    admin = as_role("admin")
    response = admin.post("/reports/settings", data={"denominator": "participants", "min_answers": given})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'class="form-control is-invalid"' in page
    assert 'name="min_answers" value="10"' in admin.get("/reports/settings").get_data(as_text=True)


def test_cli_report_exam(app, runner, scenario, tmp_path):
    target = tmp_path / "report.xlsx"
    result = runner.invoke(args=["reports", "exam", str(scenario["exam"].id), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "required 5, participants 4, passed 3, excellent 2" in result.output
    summary = pd.read_excel(target, sheet_name="汇总")
    assert summary.loc[0, "部门"] == "合计" and summary.loc[0, "实际参考人数"] == 4


def test_the_report_and_its_print_page_are_complete_in_english(app, as_role, scenario):
    import re
    admin = as_role("admin", department=scenario["root"])
    admin.post("/language/en", data={"next": "/"})
    exam = scenario["exam"]
    data = {"共和镇", "司法所", "应急办", "消防队", "病假", exam.title} | {p.name for p in scenario["people"].values()}

    def chinese_left(html):
        text = re.sub(r"(?s)<(script|style|head)[^>]*>.*?</\1>", " ", html)
        text = re.sub(r"<[^>]+>", " ", text)
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, " ")
        text = re.sub(r"人员\d+", " ", text)  # the factory's names of the admin and the trainer
        text = re.sub(r"\([\u4e00-\u9fff]+\)", " ", text)  # a term given in Chinese after its English name
        text = text.replace("简体中文", " ")  # the language switch names itself
        return re.findall(r"[\u4e00-\u9fff]+", text)

    report = admin.get(f"/reports/exams/{exam.id}").get_data(as_text=True)
    assert "Required candidates" in report and "Participants ÷ required candidates." in report
    assert chinese_left(report) == []
    sheet = admin.get(f"/reports/exams/{exam.id}/print?department={scenario['law'].id}").get_data(as_text=True)
    assert "score summary sheet" in sheet and "Head of unit (signature)" in sheet
    assert chinese_left(sheet) == []
    # The export stays in the Chinese of the official forms whatever the interface language.
    import io

    import pandas as pd
    notes = pd.read_excel(io.BytesIO(admin.get(f"/reports/exams/{exam.id}/export.xlsx").data), sheet_name="口径说明")
    assert notes.iloc[0, 0] == "应参考人数" and notes.iloc[0, 1].startswith("考试的考生名单人数")
