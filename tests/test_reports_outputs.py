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
