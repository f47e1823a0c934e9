"""Formula injection in exports (issue #20, finding 18): a cell that starts with an indentation
(spaces, U+3000 ideographic spaces, tabs, CR/LF) before = + - @ is a formula to Excel and WPS
too; every export neutralises it, and our importers undo our own quote so files round-trip."""
import io
import re

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.platform import tabular
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question

#: What the review's probe typed: full-width indentation (as Chinese documents indent) and more.
INDENTED = ["\u3000\u3000=HYPERLINK(\"http://evil.example\",\"点击查看\")", "\u3000+1", "\u3000-1+2",
            "\u3000@SUM(A1)", "  =1+1", "\t=1+1", "\r\n=1+1", "\n@A1", "\u00a0=1", "\u200b=1", "\ufeff-1",
            " \u3000\t=cmd|' /C calc'!A0"]
PLAIN_FORMULAS = ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx"]
HARMLESS = ["普通文字", "1-2", "a=b", " 正文=1", "", "'quoted", "\u3000正文"]


@pytest.mark.parametrize("text", INDENTED + PLAIN_FORMULAS)
def test_formula_like_cells_get_a_quote(text):
    assert tabular.formula_like(text) and tabular.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_cells_are_left_alone(text):
    assert not tabular.formula_like(text) and tabular.neutralise(text) == text


def _frame():
    return pd.DataFrame({"姓名": INDENTED + PLAIN_FORMULAS + HARMLESS,
                         "\u3000=表头": ["x"] * len(INDENTED + PLAIN_FORMULAS + HARMLESS)})


def _sheet_values(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [row[0] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_every_xlsx_writer_neutralises_indented_formulas(streamed):
    sheets = {"表": _frame()}
    header, *cells = _sheet_values(b"".join(tabular.xlsx_chunks(sheets)) if streamed else tabular.to_xlsx(sheets))
    dangerous = len(INDENTED + PLAIN_FORMULAS)
    assert all(cell.startswith("'") for cell in cells[:dangerous])
    assert [cell or "" for cell in cells[dangerous:]] == HARMLESS
    assert not any(cell and tabular.formula_like(cell) for cell in cells)


def test_csv_neutralises_indented_formulas():
    text = tabular.to_csv(_frame()).decode("utf-8-sig")
    cells = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(cells.columns)[1] == "'\u3000=表头"
    assert not any(tabular.formula_like(v) for v in cells["姓名"])
    assert all(v.startswith("'") for v in cells["姓名"][:len(INDENTED + PLAIN_FORMULAS)])


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_our_files_read_back_as_if_never_quoted(kind):
    """Import undoes exactly our quote: reading our export gives what reading the raw text gives."""
    frame = _frame()
    if kind == "csv":
        # A lone CR inside a CSV field is a line break to pandas' reader, quoted or not.
        frame = frame[~frame["姓名"].str.contains(r"\r(?!\n)", regex=True)]
    content = tabular.to_xlsx({"表": frame}) if kind == "xlsx" else tabular.to_csv(frame)
    back = tabular.read_table(content, f"back.{kind}")
    assert list(back.iloc[:, 0]) == [tabular.clean_cell(v) for v in frame["姓名"]]
    assert not any(v.startswith("'") and tabular.formula_like(v[1:]) for v in back.iloc[:, 0])


# --- the exports of the app, as the probe ran them ------------------------------------------------

HYPERLINK = "\u3000\u3000=HYPERLINK(\"http://evil.example\",\"点击查看\")"


def test_the_roster_export_neutralises_an_indented_formula(app, make):
    town = make.department("共和镇")
    admin = app.test_client()
    login(admin, make.user(role="admin", department=town))
    make.user(name=HYPERLINK, department=town, post="\u3000+86 138")
    sheet = pd.read_excel(io.BytesIO(admin.get("/roster/export").data), dtype=str)
    assert "'" + HYPERLINK in set(sheet["姓名"]) and "'\u3000+86 138" in set(sheet["职务"])


def test_the_question_export_neutralises_and_its_import_round_trips(app, make):
    trainer = app.test_client()
    login(trainer, make.user(role="trainer"))
    make.question(stem="\u3000\u3000=1+1 看似公式的题干", options=["\u3000@甲", "乙", "丙", "丁"])
    book = openpyxl.load_workbook(io.BytesIO(trainer.get("/questions/export?fmt=xlsx").data))["题目"]
    assert book["B2"].value == "'\u3000\u3000=1+1 看似公式的题干" and book["C2"].value == "'\u3000@甲"
    csv = trainer.get("/questions/export?fmt=csv").data.decode("utf-8-sig")
    assert "'\u3000\u3000=1+1" in csv and "'\u3000@甲" in csv
    # Re-imported, the quote is gone: the question is recognised as the one in the bank.
    exported = trainer.get("/questions/export?fmt=xlsx").data
    uploaded = trainer.post("/questions/import", data={"file": (io.BytesIO(exported), "bank.xlsx"), "category": ""},
                            content_type="multipart/form-data")
    preview = trainer.get(uploaded.headers["Location"]).get_data(as_text=True)
    confirm = re.search(r'action="(/questions/import/[^"]+/confirm)"', preview).group(1)
    trainer.post(confirm, data={"mode": "all"})
    with app.app_context():
        stems = db.session.scalars(select(Question.stem)).all()
        db.session.remove()
    assert not any(stem.startswith("'") for stem in stems)
    assert {stem.strip("\u3000") for stem in stems} == {"=1+1 看似公式的题干"}


def test_the_report_and_attendance_exports_neutralise_indented_formulas(app, make):
    from tests.small_town import small_town
    people, values = small_town(app, make)
    with app.app_context():
        from trainingapp.accounts.models import User
        db.session.get(User, people["cadre"].id).name = HYPERLINK
        db.session.commit()
        db.session.remove()
    admin = app.test_client()
    login(admin, people["admin"])
    report = pd.read_excel(io.BytesIO(admin.get(f"/reports/exams/{values['exam_id']}/people?format=xlsx").data),
                           dtype=str)
    assert "'" + HYPERLINK in set(report.iloc[:, 0]) | set(report.iloc[:, 1])
    attendance = admin.get(f"/sessions/{values['session_id']}/attendance.xlsx")
    cells = {c for row in openpyxl.load_workbook(io.BytesIO(attendance.data)).active.iter_rows(values_only=True)
             for c in row if isinstance(c, str)}
    assert not any(tabular.formula_like(c) for c in cells)
