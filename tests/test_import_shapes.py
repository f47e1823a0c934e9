"""The spreadsheets HR offices and exam services really produce (issue #23, "Spreadsheet shapes").

Every file here is built the way such offices build theirs: a title merged across the top,
notes and blank rows above the headers, headers marked （必填）/*/【必填】, full-width brackets
in department names, semicolon CSV saved as GB18030, pictures in cells, formulas written by a
program (no stored value). Each goes through the real upload → preview → confirm pages or CLI.
"""
import base64
import io
import os
import re
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.drawing.image import Image
from sqlalchemy import func, select

from tests.conftest import login
from trainingapp.accounts.models import Department, User
from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import detect_separator, header_key, match_key
from trainingapp.questionbank import formats, parsing
from trainingapp.questionbank.models import Question

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: A 1×1 PNG: the smallest picture a sheet can hold.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
                       "RU5ErkJggg==")


# --- files as offices make them ----------------------------------------------------------------

def workbook(header, rows, *, title=None, notes=(), pictures=(), formulas=None) -> bytes:
    """A sheet: a title merged across the header's width, then blank and note rows, then the
    header and the rows. `pictures` are cells to anchor a PNG at; `formulas` maps a cell to
    a formula written without a stored value (as a program writing .xlsx leaves it)."""
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        sheet.append([])
    for note in notes:
        sheet.append([note])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cell in pictures:
        sheet.add_image(Image(io.BytesIO(PNG)), cell)
    for cell, formula in (formulas or {}).items():
        sheet[cell] = formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def en(client):
    """Messages in English, so that tests can read them (the default is Chinese)."""
    client.set_cookie("lang", "en")
    return client


def stage(client, url, content, filename, **fields):
    """Upload; (page text, confirm url or None). A refused file lands back on the upload page."""
    response = client.post(url, data={"file": (io.BytesIO(content), filename), **fields},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    match = re.search(r'action="(/(?:questions|roster)/import/[^"]+/confirm)"', page)
    return page, (match.group(1) if match else None)


def section(page, anchor):
    """The part of a page from an element's id to the end of the table that follows it."""
    start = page.index(f'id="{anchor}"')
    return page[start:page.index("</table>", start)]


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


# --- rosters -------------------------------------------------------------------------------------

HR_HEADER = ["序号", "姓名*", "性别", "身份证号", "账号（必填）", "部门【必填】", "人员类别(必填)", "职务(选填)"]


@pytest.fixture
def town(make):
    root = make.department("共和镇")
    return {"root": root, **{name: make.department(name, root)
                             for name in ("司法所", "党政办", "社会事务办(民政)", "ＡＢ村")}}


@pytest.fixture
def admin(app, make, town):
    person = make.user(login="boss", role="admin", department=town["党政办"])
    client = app.test_client()
    login(client, person)
    return en(client)


def test_roster_with_a_merged_title_and_notes_above_the_header_imports(app, admin):
    content = workbook(HR_HEADER, [
        [1, "张三", "男", "440000199001010011", 13800000001, "司法所", "在编", "科员"],
        [2, "李四", "女", "440000199001010022", 13800000002, "党政办", "编外", ""],
    ], title="共和镇2022年在编干部花名册", notes=["填表说明：带*号的列必须填写"])
    page, confirm = stage(admin, "/roster/import", content, "花名册.xlsx")
    assert 'data-count="create">2<' in page and 'data-count="errors">0<' in page
    assert "Column headers read from row 4." in page
    assert "序号" in page and "身份证号" in page  # ignored, and said so
    admin.post(confirm)
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.login == "13800000001")) == "张三"


def test_roster_errors_name_the_rows_people_see_in_excel(admin):
    content = workbook(HR_HEADER, [
        [1, "张三", "男", "", 13800000001, "司法所", "在编", ""],
        [2, "李四", "女", "", 13800000002, "无此部门", "在编", ""],
    ], title="共和镇2022年在编干部花名册", notes=["填表说明"])
    page, confirm = stage(admin, "/roster/import", content, "花名册.xlsx")
    assert confirm is None
    assert re.search(r"<td>6</td><td>部门【必填】</td><td>unknown department", page)


def test_departments_and_categories_match_ignoring_widths_and_the_preview_says_so(app, admin, town):
    content = workbook(HR_HEADER, [
        [1, "王五", "男", "", 13800000003, "社会事务办（民政）", "在编 ", ""],
        [2, "赵六", "女", "", 13800000004, " 共和镇／社会事务办（民政） ", "村（社区）干部", ""],
        [3, "钱七", "女", "", 13800000005, "AB村", "ｓｔａｆｆ", ""],
        [4, "孙八", "男", "", 13800000006, "司法所", "在编", ""],
    ], title="花名册")
    page, confirm = stage(admin, "/roster/import", content, "花名册.xlsx")
    assert 'data-count="create">4<' in page and 'data-count="errors">0<' in page
    notes = section(page, "import-notes")
    assert "社会事务办（民政）" in notes and "共和镇/社会事务办(民政)" in notes and "AB村" in notes
    assert "司法所" not in notes  # an exact match is no news
    admin.post(confirm)
    with app.app_context():
        departments = dict(db.session.execute(select(User.login, User.department_id)).all())
        assert departments["13800000003"] == departments["13800000004"] == town["社会事务办(民政)"].id
        assert departments["13800000005"] == town["ＡＢ村"].id
        names = set(db.session.scalars(select(Department.name)))
        assert {"社会事务办(民政)", "ＡＢ村"} <= names  # stored names keep their spelling
        assert db.session.scalar(select(User.category).where(User.login == "13800000004")) == "village"


def test_a_tab_separated_roster_reads_as_columns(admin):
    text = "姓名\t账号\t部门\t人员类别\n张三\t13800000001\t司法所\t在编\n"
    page, confirm = stage(admin, "/roster/import", text.encode("gb18030"), "花名册.csv")
    assert confirm is not None and 'data-count="create">1<' in page


def test_a_picture_in_a_roster_is_named_in_the_preview(admin):
    content = workbook(HR_HEADER, [[1, "张三", "男", "", 13800000001, "司法所", "在编", ""]],
                       title="花名册", pictures=["I4"])
    page, confirm = stage(admin, "/roster/import", content, "花名册.xlsx")
    assert confirm is not None and "I4" in section(page, "import-notes")


def test_roster_cli_writes_generated_passwords_readable_by_the_owner_only(app, runner, make, town, tmp_path):
    make.user(login="boss", role="admin", department=town["党政办"])
    roster = tmp_path / "花名册.xlsx"
    roster.write_bytes(workbook(HR_HEADER, [[1, "张三", "男", "", 13800000001, "司法所", "在编", ""]],
                                title="共和镇2022年在编干部花名册"))
    previous = os.umask(0)  # even a careless umask leaves the file the owner's alone
    try:
        result = runner.invoke(args=["users", "import", str(roster)])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert "column headers read from row 3" in result.output
    target = tmp_path / "花名册-initial-passwords.xlsx"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert pd.read_excel(target, dtype=str)["账号"].tolist() == ["13800000001"]
    # An earlier file of passwords is never overwritten: the import is refused before it starts.
    roster.write_bytes(workbook(HR_HEADER, [[1, "李四", "女", "", 13800000002, "司法所", "在编", ""]]))
    result = runner.invoke(args=["users", "import", str(roster)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert count(app, User) == 2


# --- question banks ---------------------------------------------------------------------------

Q_HEADER = ["*题型", "题干（必填）", "选项A", "选项B", "选项C", "选项D", "答案【必填】", "难度(选填)"]
Q_ROWS = [
    ["单选", "行政处罚由（ ）以上地方人民政府具有行政处罚权的行政机关管辖。", "乡级", "县级", "市级", "省级", "B",
     "较易"],
    ["判断", "宪法是国家的根本法。", "正确", "错误", "", "", "A", "容易"],
    ["判断题", "行政复议期间行政行为一律停止执行。", "对", "错", "", "", "B", "中等"],
    ["不定项选择题", "下列属于行政处罚的有（ ）。", "警告", "记过", "降级", "撤职", "A", "较难"],
]


@pytest.fixture
def trainer(as_role):
    return en(as_role("trainer"))


def test_question_bank_with_a_title_and_marked_headers_imports(app, trainer):
    content = workbook(Q_HEADER, Q_ROWS, title="2022年度法治理论知识考试题库", notes=["注：带*号为必填列"])
    page, confirm = stage(trainer, "/questions/import", content, "题库.xlsx")
    assert 'data-count="new">4<' in page and 'data-count="rejected">0<' in page, page[:3000]
    assert "Column headers read from row 4." in page
    trainer.post(confirm, data={"mode": "all"})
    with app.app_context():
        stored = {q.stem[:4]: q for q in db.session.scalars(select(Question))}
    assert stored["行政处罚"].difficulty == "easy" and stored["行政处罚"].answer == "B"
    assert stored["宪法是国"].qtype == "truefalse" and stored["宪法是国"].answer is True
    assert stored["宪法是国"].options == [] and stored["宪法是国"].difficulty == "easy"
    assert stored["行政复议"].answer is False
    assert stored["下列属于"].qtype == "multiple" and stored["下列属于"].answer == ["A"]
    assert stored["下列属于"].difficulty == "hard"


def test_errors_name_the_excel_row_below_a_title(trainer):
    rows = Q_ROWS + [["单选", "缺答案的题？", "甲", "乙", "", "", "", ""]]
    page, _confirm = stage(trainer, "/questions/import", workbook(Q_HEADER, rows, title="题库"), "题库.xlsx")
    assert re.search(r"<td>8</td><td>答案【必填】</td><td>The answer is empty", page)


def test_a_law_category_joins_the_bank_spelling_ignoring_widths(app, make, trainer):
    make.question(category="行政处罚法(2021)")
    header = ["题型", "题干", "选项A", "选项B", "答案", "法律法规分类"]
    rows = [["单选", "题一？", "甲", "乙", "A", "行政处罚法（2021） "], ["单选", "题二？", "甲", "乙", "B", "ＸＹ法"],
            ["单选", "题三？", "甲", "乙", "B", "XY法"]]
    page, confirm = stage(trainer, "/questions/import", workbook(header, rows), "题库.xlsx")
    notes = section(page, "import-notes")
    assert "行政处罚法（2021）" in notes and "XY法" in notes
    trainer.post(confirm, data={"mode": "all"})
    with app.app_context():
        stored = dict(db.session.execute(select(Question.stem, Question.category)).all())
    assert stored["题一？"] == "行政处罚法(2021)"  # the bank's spelling
    assert stored["题二？"] == stored["题三？"] == "ＸＹ法"  # the file's first spelling of a new category


def test_semicolon_csv_in_gb18030_reads_as_columns(app, trainer):
    text = ("题型;题干;选项A;选项B;选项C;答案;解析\n"
            "单选;依法行政的首要要求是（ ）。;合法行政;合理行政;高效便民;A;见《纲要》, 第一部分\n"
            "填空;申请人应当在____日内提出。;;;;六十;\n")
    page, confirm = stage(trainer, "/questions/import", text.encode("gb18030"), "题库.csv")
    assert 'data-count="new">2<' in page and 'data-count="rejected">0<' in page
    trainer.post(confirm, data={"mode": "all"})
    with app.app_context():
        fill = db.session.scalar(select(Question).where(Question.qtype == "fill"))
    assert fill.answer == [["六十"]]


def test_a_file_read_as_one_column_says_its_separator(trainer):
    piped = "题型|题干|选项A|选项B|答案\n单选|题？|甲|乙|A\n".encode("utf-8")
    page, confirm = stage(trainer, "/questions/import", piped, "题库.csv")
    assert confirm is None and "single column" in page and "&#34;|&#34;" in page
    pasted = workbook(["题型,题干,选项A,选项B,答案"], [["单选,题？,甲,乙,A"]])
    page, confirm = stage(trainer, "/questions/import", pasted, "题库.xlsx")
    assert confirm is None and "single column" in page


def test_a_picture_in_a_question_row_is_named_in_the_preview(app, trainer):
    content = workbook(Q_HEADER, Q_ROWS, title="题库", pictures=["C5", "A1"])
    page, confirm = stage(trainer, "/questions/import", content, "题库.xlsx")
    notes = section(page, "import-notes")
    assert re.search(r"<td>5</td><td></td><td>this question has a picture \(at C5\)", notes)
    assert "A1" in notes  # the logo above the questions is said too
    trainer.post(confirm, data={"mode": "all"})
    assert count(app, Question) == 4  # the questions themselves import


def test_a_formula_without_a_stored_value_names_its_cell(app, trainer, tmp_path):
    rows = [*Q_ROWS, ["单选", "公式写的答案？", "甲", "乙", "", "", None, ""]]
    content = workbook(Q_HEADER, rows, title="题库", formulas={"G8": '=IF(1>0,"A","B")', "J5": "=1+1"})
    page, confirm = stage(trainer, "/questions/import", content, "题库.xlsx")
    assert 'data-count="rejected">1<' in page
    assert re.search(r"<td>8</td><td>答案【必填】</td><td>cell G8 holds a formula \(=IF\(1&gt;0,", page)
    assert "Excel did not save a value for" in page
    assert "J5" not in page  # a formula outside the columns read blocks nothing
    trainer.post(confirm, data={"mode": "valid_only"})
    assert count(app, Question) == 4


def test_header_marks_and_widths_do_not_change_a_header():
    for marked in ("题型（必填）", "*题型", "题型*", "题型(选填)", "【必填】题型", "题型 ( 必填 )", "＊题型",
                   "题型\n（必填）"):
        assert header_key(marked) == header_key("题型"), marked
    assert header_key("选项Ａ") == header_key("选项A") and header_key("选项A") != header_key("选项B")
    assert match_key("社会事务办（民政）") == match_key(" 社会事务办(民政)")
    assert match_key("１２，３") == match_key("12,3")


def test_the_separator_is_the_one_most_records_agree_on():
    assert detect_separator("a,b,c\n1,x;y,3\n4,5;6,7\n") == ","  # fill answers hold ";"
    assert detect_separator("a;b;c\n1;x, y;3\n4;5,6;7\n") == ";"  # explanations hold ","
    assert detect_separator("a\tb\n1\t2\n") == "\t"
    assert detect_separator("only one column\nvalue\n") == ","


def test_multiple_choice_still_needs_two_keys_but_indefinite_allows_one():
    def check(qtype, answer):
        return parsing.check_fields({"type": qtype, "stem": "题？", "options": ["甲", "乙", "丙"], "answer": answer},
                                    2, lambda key: key)
    assert check("不定项选择题", "A")[0].answer == ["A"]
    assert check("不定项", "AC")[0].answer == ["A", "C"]
    assert check("多选", "A")[0] is None


def test_an_indefinite_question_stays_one_when_edited(ctx, make):
    from trainingapp.questionbank import services
    trainer = make.user(role="trainer")
    question = db.session.get(Question, make.question("multiple", answer=["B"]).id)
    fields = {"type": "multiple", "stem": question.stem, "options": list(question.options), "answer": "B",
              "explanation": "改过的解析", "points": "3", "difficulty": "medium", "category": question.category,
              "knowledge_point": "", "basis": "", "status": "active"}
    services.save_question(trainer, question, fields)
    assert question.answer == ["B"] and question.explanation == "改过的解析"


def test_an_indefinite_question_survives_export_and_import_in_every_format():
    question = parsing.QuestionData(qtype="multiple", stem="下列属于行政处罚的有（ ）。",
                                    options=["警告", "记过", "降级"], answer=["A"])
    for fmt, name in (("xlsx", "x.xlsx"), ("csv", "x.csv"), ("json", "x.json"), ("gift", "x.gift")):
        content, _mimetype, _ext = formats.export_questions([question], fmt)
        result = parsing.parse_upload(content, name, max_rows=10)
        assert not result.errors, (fmt, result.errors)
        assert [q for _row, q in result.questions] == [question], fmt


def test_truefalse_options_must_be_a_true_and_a_false_word():
    def check(options, answer):
        return parsing.check_fields({"type": "判断", "stem": "题。", "options": options, "answer": answer},
                                    2, lambda key: key)
    assert check(["√", "×"], "B")[0].answer is False
    assert check(["正确", "错误"], "正确")[0].answer is True
    assert check(["合法", "违法"], "A")[0] is None  # not a true/false pair: still an error
    assert check(["正确", "正确"], "A")[0] is None


def test_difficulty_accepts_the_usual_words_and_the_error_lists_them_all(ctx):
    for word, level in (("较易", "easy"), ("容易", "easy"), ("简单", "easy"), ("中等", "medium"),
                        ("一般", "medium"), ("较难", "hard"), ("困难", "hard")):
        assert parsing.parse_difficulty(word) == level, word
    with pytest.raises(ValueError) as refused:
        parsing.parse_difficulty("超难")
    message = str(refused.value.args[0])
    for word in ("易", "较易", "容易", "简单", "中", "中等", "一般", "难", "较难", "困难"):
        assert word in message


# --- Aiken: the shapes of Moodle's own error fixture -------------------------------------------

def test_aiken_file_with_moodle_error_shapes_imports_two_and_rejects_three(app, trainer):
    content = (FIXTURES / "aiken_error_shapes.txt").read_bytes()
    page, confirm = stage(trainer, "/questions/import", content, "aiken.txt")
    assert 'data-count="new">2<' in page and 'data-count="rejected">3<' in page
    # The ANSWER line written as words is one error, not one per letter of its words.
    assert len(re.findall(r"<td>5</td>", page)) == 2  # the missing options, and the answer
    assert page.count("is not made of option letters") == 1
    assert "option Q" not in page and "names Q" not in page
    trainer.post(confirm, data={"mode": "valid_only"})
    with app.app_context():
        stems = sorted(db.session.scalars(select(Question.stem)))
    assert stems == sorted(["一道完好的题", "第二道完好的题"])


# --- the command line ------------------------------------------------------------------------

def test_cli_valid_only_imports_the_valid_and_writes_the_rejected_next_to_the_file(app, runner, make, trainer,
                                                                                   tmp_path):
    make.user(role="admin")
    rows = [*Q_ROWS, ["单选", "缺答案的题？", "甲", "乙", "", "", "", ""], ["单选", "", "甲", "乙", "", "", "A", ""]]
    content = workbook(Q_HEADER, rows, title="题库")
    bank = tmp_path / "题库.xlsx"
    bank.write_bytes(content)
    result = runner.invoke(args=["questions", "import", str(bank)])
    assert result.exit_code == 1 and count(app, Question) == 0 and "--valid-only" in result.output
    result = runner.invoke(args=["questions", "import", str(bank), "--valid-only"])
    assert result.exit_code == 0, result.output
    assert "imported: 4" in result.output and "rejected: 2" in result.output
    rejected = tmp_path / "题库-rejected.xlsx"
    from_cli = pd.read_excel(rejected, dtype=str).fillna("")
    assert from_cli["原行号"].tolist() == ["8", "9"] and "题干（必填）" in from_cli.columns
    # The web offers the same sheet for download.
    with app.app_context():
        db.session.execute(Question.__table__.delete())
        db.session.commit()
    _page, confirm = stage(trainer, "/questions/import", content, "题库.xlsx")
    done = trainer.post(confirm, data={"mode": "valid_only"}).get_data(as_text=True)
    link = re.search(r'href="(/downloads/[^"]+)"', done).group(1)
    from_web = pd.read_excel(io.BytesIO(trainer.get(link).data), dtype=str).fillna("")
    pd.testing.assert_frame_equal(from_cli.drop(columns="错误"), from_web.drop(columns="错误"))
    assert len(from_cli["错误"][0]) > 0 and len(from_web["错误"][0]) > 0


def test_quoted_cells_spanning_lines_with_semicolons_do_not_fool_the_separator():
    """A comma CSV whose quoted cells hold ";" over several lines (a fill-in answer, options with a
    line break) split by ";" gives many short records; the header's width decides for ","."""
    from trainingapp.platform.tabular import detect_separator
    # Found by the export/import round-trip property test: split by ";", this file is three
    # records of two fields, by "," two records of six.
    text = '题型,题干,选项A,选项B,答案,分值\r\nsingle,;,":\n;",":\n;",A,2\r\n'
    assert detect_separator(text) == ","
    assert detect_separator('题型;题干;答案\r\nfill;"甲,乙";"五,5"\r\n') == ";"
