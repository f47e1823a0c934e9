"""Issue #21: exam report outputs that can be pasted as they are (the chart's labels, the
CSV's denominator, one number format everywhere, no empty departments), through the real
pages and downloads."""
import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.conftest import login
from tests.test_reports_exam import answer_k_right

CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


@pytest.fixture
def town(app, make):
    """共和镇 > 党政办 (100, 50), 综合行政执法办 (100, 100, 70, 70) > 执法中队 (100), and three
    departments with no candidate at all. 综合行政执法办's excellence is 3 of 5: 60 %."""
    root = make.department("共和镇")
    office = make.department("党政办", root)
    enforcement = make.department("综合行政执法办", root)
    squad = make.department("执法中队", enforcement)
    empty = [make.department(name, root) for name in ("来苏村", "大岭村", "应急办")]
    make.department("空中队", enforcement)
    questions = [make.question("truefalse", answer=bool(i % 2)) for i in range(10)]
    trainer = make.user(role="trainer", department=root)
    scores = [(office, 10), (office, 5), (enforcement, 10), (enforcement, 10), (enforcement, 7),
              (enforcement, 7), (squad, 10)]
    people = [make.user(department=department) for department, _k in scores]
    exam = make.exam(trainer, people, fixed=[(q, 10) for q in questions], shuffle_questions=False)
    for person, (_department, k) in zip(people, scores):
        answer_k_right(app, person, exam, k)
    return {"root": root, "office": office, "enforcement": enforcement, "squad": squad, "empty": empty,
            "exam": exam}


def chart_series(content: bytes):
    """Per series of the workbook's chart: (title cell, category range, value range), each range
    as (sheet, column, first row, last row)."""
    def parse(ref):
        sheet, _bang, cells = ref.rpartition("!")
        first, _colon, last = cells.replace("$", "").partition(":")
        column, start = re.fullmatch(r"([A-Z]+)(\d+)", first).groups()
        end = re.fullmatch(r"[A-Z]+(\d+)", last or first).group(1)
        return sheet.strip("'"), column, int(start), int(end)

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert len(charts) == 1
        root = ElementTree.fromstring(archive.read(charts[0]))  # noqa: S314 - our own export
    series = []
    for ser in root.iter(f"{CHART}ser"):
        title = ser.find(f"{CHART}tx//{CHART}f").text
        series.append((title, parse(ser.find(f"{CHART}cat//{CHART}f").text),
                       parse(ser.find(f"{CHART}val//{CHART}f").text)))
    return series


def bars(content: bytes) -> dict[str, dict[str, float]]:
    """What the chart draws: series title -> {label on the bar's row: value}, read cell by cell
    through the chart's own references."""
    workbook = load_workbook(io.BytesIO(content))
    drawn = {}
    for title_ref, category, value in chart_series(content):
        sheet = workbook[category[0]]
        assert (category[0], category[2], category[3]) == (value[0], value[2], value[3]), \
            "labels and values must cover the same rows"
        title = workbook[value[0]][title_ref.rpartition("!")[2].replace("$", "")].value
        drawn[title] = {str(sheet[f"{category[1]}{row}"].value).strip("\u3000"): sheet[f"{value[1]}{row}"].value
                        for row in range(category[2], category[3] + 1)}
    return drawn


def test_chart_labels_sit_on_the_rows_of_their_values(app, as_role, town):
    admin = as_role("admin", department=town["root"])
    content = admin.get(f"/reports/exams/{town['exam'].id}/export.xlsx").data
    drawn = bars(content)
    assert set(drawn) == {"参考率", "优秀率"}
    assert drawn["优秀率"]["综合行政执法办"] == pytest.approx(0.6)
    assert drawn["优秀率"]["党政办"] == pytest.approx(0.5)
    assert drawn["优秀率"]["合计"] == pytest.approx(4 / 7)
    assert drawn["参考率"]["综合行政执法办"] == 1


def test_chart_labels_in_a_liaisons_subtree_export(app, make, town):
    liaison = make.user(role="liaison", department=town["enforcement"])
    client = app.test_client()
    login(client, liaison)
    drawn = bars(client.get(f"/reports/exams/{town['exam'].id}/export.xlsx").data)
    excellence = drawn["优秀率"]
    assert (excellence["合计"], excellence["综合行政执法办"], excellence["执法中队"]) == (
        pytest.approx(0.6), pytest.approx(0.6), pytest.approx(1.0))
    assert "党政办" not in excellence


# --- E: departments without candidates --------------------------------------------------------

def page_rows(client, url):
    page = client.get(url).get_data(as_text=True)
    return {name: cells for name, cells in
            ((m.group(1), re.findall(r"<td>([^<]*)</td>", m.group(2)))
             for m in re.finditer(r'<tr data-department="([^"]+)" data-depth="\d+">(.*?)</tr>', page, re.S))}, page


LISTED = {"共和镇", "党政办", "综合行政执法办", "执法中队"}
EMPTY = {"来苏村", "大岭村", "应急办", "空中队"}


def test_page_hides_departments_without_candidates_unless_asked(app, as_role, town):
    admin = as_role("admin", department=town["root"])
    url = f"/reports/exams/{town['exam'].id}"
    table, page = page_rows(admin, url)
    assert set(table) == LISTED
    assert "另有4个部门没有考生，未列出。" in page
    assert 'data-figure="participation">100.0%' in page
    everything, page = page_rows(admin, url + "?empty=1")
    assert set(everything) == LISTED | EMPTY
    assert everything["来苏村"][:4] == ["0", "0", "0", "—"]
    assert everything["共和镇"] == table["共和镇"]  # the total does not depend on the switch
    assert 'id="f-empty" name="empty" value="1" checked' in page
    assert "empty=1" in re.search(r'href="([^"]+)">\.xlsx</a>', page).group(1)  # the exports follow the switch
    assert "empty=1" in re.search(r'href="([^"]+)">\.csv</a>', page).group(1)


def departments_of(frame):
    return [name.strip("\u3000") for name in frame["部门"]]


def test_xlsx_and_csv_hide_departments_without_candidates_unless_asked(app, as_role, town):
    admin = as_role("admin", department=town["root"])
    base = f"/reports/exams/{town['exam'].id}/export"
    hidden = pd.read_excel(io.BytesIO(admin.get(base + ".xlsx").data), sheet_name=None)
    shown = pd.read_excel(io.BytesIO(admin.get(base + ".xlsx?empty=1").data), sheet_name=None)
    assert set(departments_of(hidden["各部门"])) == LISTED
    assert set(departments_of(shown["各部门"])) == LISTED | EMPTY
    assert departments_of(hidden["汇总"]) == ["合计", "共和镇", "党政办", "综合行政执法办"]
    for book in (hidden, shown):
        total = book["汇总"].iloc[0]
        assert (total["部门"], total["应参考人数"], total["实际参考人数"], total["优秀人数"]) == ("合计", 7, 7, 4)
    assert "没有考生" in " ".join(hidden["口径说明"]["口径"])
    csv_hidden = pd.read_csv(io.BytesIO(admin.get(base + ".csv").data), encoding="utf-8-sig", dtype=str)
    csv_shown = pd.read_csv(io.BytesIO(admin.get(base + ".csv?empty=1").data), encoding="utf-8-sig", dtype=str)
    assert set(departments_of(csv_hidden)) == LISTED | {"合计"}
    assert set(departments_of(csv_shown)) == LISTED | EMPTY | {"合计"}
    assert csv_hidden.iloc[0]["应参考人数"] == csv_shown.iloc[0]["应参考人数"] == "7"


def test_a_liaisons_exports_keep_to_their_subtree_in_both_states(app, make, town):
    liaison = make.user(role="liaison", department=town["enforcement"])
    client = app.test_client()
    login(client, liaison)
    exam = town["exam"].id
    mine = {"综合行政执法办", "执法中队"}
    table, _page = page_rows(client, f"/reports/exams/{exam}")
    assert set(table) == mine
    table, _page = page_rows(client, f"/reports/exams/{exam}?empty=1")
    assert set(table) == mine | {"空中队"}
    for switch, expected in (("", mine), ("?empty=1", mine | {"空中队"})):
        book = pd.read_excel(io.BytesIO(client.get(f"/reports/exams/{exam}/export.xlsx{switch}").data),
                             sheet_name=None)
        assert set(departments_of(book["各部门"])) == expected
        assert book["汇总"].iloc[0]["应参考人数"] == 5
        frame = pd.read_csv(io.BytesIO(client.get(f"/reports/exams/{exam}/export.csv{switch}").data),
                            encoding="utf-8-sig", dtype=str)
        assert set(departments_of(frame)) == expected | {"合计"}
        assert frame.iloc[0]["应参考人数"] == "5"


# --- D: the .csv names its denominator; one number format everywhere ----------------------------

def test_csv_names_its_denominator_for_pandas_and_the_csv_module(app, as_role, town):
    admin = as_role("admin", department=town["root"])
    url = f"/reports/exams/{town['exam'].id}/export.csv"
    content = admin.get(url).data
    frame = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str)
    assert list(frame.columns)[0] == "部门" and list(frame.columns)[-1] == "口径"
    assert set(frame["口径"]) == {"参考率=实际参考人数÷应参考人数；合格率、优秀率=合格人数、优秀人数÷实际参考人数"}
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0] == ["部门", "应参考人数", "免考人数", "实际参考人数", "参考率", "合格人数", "合格率", "优秀人数",
                        "优秀率", "平均分", "最高分", "最低分", "口径"]
    assert all(len(line) == 13 for line in lines)
    admin.post("/reports/settings", data={"denominator": "required"})
    frame = pd.read_csv(io.BytesIO(admin.get(url).data), encoding="utf-8-sig", dtype=str)
    assert frame["口径"].str.endswith("÷应参考人数").all()


def test_page_csv_and_xlsx_write_numbers_alike(app, as_role, town):
    admin = as_role("admin", department=town["root"])
    exam = town["exam"].id
    table, page = page_rows(admin, f"/reports/exams/{exam}")
    lines = list(csv.reader(io.StringIO(admin.get(f"/reports/exams/{exam}/export.csv").data.decode("utf-8-sig"))))
    by_name = {line[0].strip("\u3000"): line[1:12] for line in lines[1:]}
    for name, cells in table.items():
        assert by_name[name] == cells, name
    assert table["综合行政执法办"][8:] == ["88", "100", "70"]  # no "88.0" anywhere
    assert table["共和镇"][8] == "84.29"
    workbook = load_workbook(io.BytesIO(admin.get(f"/reports/exams/{exam}/export.xlsx").data))
    sheet = workbook["各部门"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row))
        expected = table[cells["部门"].value.strip("\u3000")]
        assert cells["应参考人数"].number_format == "#,##0" and cells["应参考人数"].value == int(expected[0])
        assert cells["参考率"].number_format == "0.0%"
        average = cells["平均分"].value
        assert f"{average:g}" == expected[8]  # what Excel's General format shows


def test_rates_show_their_denominator_on_the_page(app, as_role, town):
    admin = as_role("admin", department=town["root"])
    page = admin.get(f"/reports/exams/{town['exam'].id}").get_data(as_text=True)
    totals = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split('id="totals"')[1].split("</div>\n</div>")[0]))
    assert "(7/7)" in totals  # participation
    assert "(6/7)" in totals  # pass: 6 of the 7 participants
    assert "(4/7)" in totals  # excellence


def test_thousands_separators_alike_on_page_csv_and_xlsx(app, as_role, make, town):
    from trainingapp.accounts.models import User
    from trainingapp.exams.models import ExamCandidate
    from trainingapp.platform.extensions import db
    village = town["empty"][0]
    with app.app_context():
        people = [User(login=f"big{n:05d}", name=f"村民{n}", department_id=village.id, category="staff",
                       role="cadre", status="active", password_hash="!") for n in range(1200)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all([ExamCandidate(exam_id=town["exam"].id, user_id=p.id, department_id=village.id,
                                          category="staff") for p in people])
        db.session.commit()
    admin = as_role("admin", department=town["root"])
    exam = town["exam"].id
    table, page = page_rows(admin, f"/reports/exams/{exam}")
    assert table["共和镇"][0] == "1,207" and table["来苏村"][0] == "1,200"
    assert "(7/1,207)" in page
    lines = list(csv.reader(io.StringIO(admin.get(f"/reports/exams/{exam}/export.csv").data.decode("utf-8-sig"))))
    assert lines[1][:2] == ["合计", "1,207"]
    frame = pd.read_csv(io.BytesIO(admin.get(f"/reports/exams/{exam}/export.csv").data), encoding="utf-8-sig",
                        thousands=",")
    assert frame.iloc[0]["应参考人数"] == 1207
    workbook = load_workbook(io.BytesIO(admin.get(f"/reports/exams/{exam}/export.xlsx").data))
    total = workbook["汇总"]["B2"]
    assert (total.value, total.number_format) == (1207, "#,##0")


def test_number_formats():
    from trainingapp.reports import numbers
    assert [numbers.count(n) for n in (0, 999, 1500, 1234567, None)] == ["0", "999", "1,500", "1,234,567", "—"]
    assert [numbers.score(s) for s in (96.0, 85.5, 84.2857, 0.0, 100, None)] == ["96", "85.5", "84.29", "0", "100",
                                                                               "—"]
    assert [numbers.rate(r) for r in (2 / 3, 1, 0, None)] == ["66.7%", "100.0%", "0.0%", "—"]
