"""Subjective questions in the bank (issue #25 part 1): 简答 and 案例分析 through every notation,
every format in and out, the edit form and practice."""
import io
import json
import re

import openpyxl
import pytest

from trainingapp.questionbank.formats import export_questions, parse_gift, questions_to_frame
from trainingapp.questionbank.parsing import QuestionData, check_fields, parse_upload
from trainingapp.questionbank.subjective import (
    NotationError,
    RubricPoint,
    parse_rubric,
    parse_subquestions,
    split_case_stem,
    split_numbered,
)


def _check(**fields):
    question, errors = check_fields(fields, 7, lambda key: {"reference": "参考答案", "rubric": "评分要点",
                                                            "subquestions": "小题", "answer": "答案",
                                                            "points": "分值", "stem": "题干"}.get(key, key))
    return question, [(e.row, e.column, str(e.message)) for e in errors]


SHORT = QuestionData(
    "short", "简述行政处罚法规定的行政处罚种类。", [],
    [{"reference": "警告、通报批评；罚款、没收违法所得、没收非法财物；暂扣许可证件、降低资质等级、吊销许可证件；"
                   "限制开展生产经营活动、责令停产停业、责令关闭、限制从业；行政拘留；法律、行政法规规定的其他行政处罚。",
      "marks": 6.0,
      "rubric": [{"point": "警告、通报批评", "marks": 1.0}, {"point": "罚款、没收违法所得、没收非法财物", "marks": 1.0},
                 {"point": "暂扣许可证件、降低资质等级、吊销许可证件", "marks": 1.0},
                 {"point": "限制开展生产经营活动、责令停产停业、责令关闭、限制从业", "marks": 1.0},
                 {"point": "行政拘留", "marks": 1.0}, {"point": "法律、行政法规规定的其他行政处罚", "marks": 1.0}]}],
    "见行政处罚法第九条。", 6.0, category="行政处罚法", basis="《中华人民共和国行政处罚法》第九条")
SHORT_PLAIN = QuestionData(
    "short", "什么是行政许可？", [],
    [{"reference": "行政许可，是指行政机关根据公民、法人或者其他组织的申请，经依法审查，\n准予其从事特定活动的行为。",
      "marks": 5.0, "rubric": []}], "", 5.0, category="行政许可法")
CASE = QuestionData(
    "case", "某县市场监管局查明甲公司销售过期食品，拟对其罚款十五万元。\n"
            "执法人员在告知书中未告知甲公司有要求听证的权利，随后作出处罚决定。",
    ["该局的处罚程序是否合法？为什么？", "甲公司不服处罚决定，可以通过哪些途径寻求救济？"],
    [{"reference": "不合法。较大数额罚款应当告知当事人有要求听证的权利，该局未告知。", "marks": 6.0,
      "rubric": [{"point": "答出不合法", "marks": 2.0}, {"point": "答出应当告知听证权利", "marks": 4.0}]},
     {"reference": "可以依法申请行政复议或者提起行政诉讼。", "marks": 4.0, "rubric": []}],
    "", 10.0, difficulty="hard", category="行政处罚法")
OBJECTIVE = QuestionData("single", "行政处罚由（  ）的行政机关管辖。", ["违法行为发生地", "当事人住所地"], "A")
BANK = [SHORT, SHORT_PLAIN, CASE, OBJECTIVE]


# --------------------------------------------------------------------------- the notations

@pytest.mark.parametrize("text", [
    "要点一（3分）；要点二（2分）",
    "要点一(3分);要点二(2分)",
    "1. 要点一（3分）\n2. 要点二（2分）",
    "①要点一（3分）\n②要点二（2分）",
    "要点一，3分\n要点二 得2分",
    "要点一【3分】；要点二【2分】",
])
def test_scoring_point_notations(text):
    assert parse_rubric(text) == [RubricPoint("要点一", 3.0), RubricPoint("要点二", 2.0)]


def test_a_scoring_point_without_marks_is_named():
    with pytest.raises(NotationError) as info:
        parse_rubric("要点一（3分）\n要点二")
    assert "要点二" in str(info.value.args[0])


def test_sub_question_notations():
    assert parse_subquestions("（1）甲？（6分）（2）乙？（4分）") == ["甲？（6分）", "乙？（4分）"]
    assert parse_subquestions("(1)甲？\n(2)乙？") == ["甲？", "乙？"]
    assert parse_subquestions("1. 甲？\n2. 乙？") == ["甲？", "乙？"]
    assert parse_subquestions("甲？乙？") is None
    assert split_numbered("（1）合法。（2）依照第（3）项。", limit=2) == [(1, "合法。"), (2, "依照第（3）项。")]
    assert split_case_stem("材料……\n问题：\n（1）甲？\n（2）乙？") == ("材料……", "（1）甲？\n（2）乙？")
    assert split_case_stem("材料，问题：没有小题")[1] == ""


def test_a_short_answer_row():
    question, errors = _check(type="简答题", stem="简述。", reference="参考答案全文",
                              rubric="要点一（3分）；要点二（2分）")
    assert errors == []
    assert question.qtype == "short" and question.points == 5
    assert question.answer == [{"reference": "参考答案全文", "marks": 5.0,
                                "rubric": [{"point": "要点一", "marks": 3.0}, {"point": "要点二", "marks": 2.0}]}]


def test_the_answer_column_may_hold_the_reference_and_points_give_the_marks():
    question, errors = _check(type="问答题", stem="简述。", answer="参考答案全文", points="8")
    assert errors == [] and question.points == 8
    assert question.answer == [{"reference": "参考答案全文", "marks": 8.0, "rubric": []}]


def test_a_case_row_with_sub_questions_in_the_stem():
    question, errors = _check(
        type="案例分析", stem="某县……\n问题：\n（1）是否合法？（6分）\n（2）如何救济？（4分）",
        reference="（1）不合法。\n（2）复议或者诉讼。", rubric="（1）答出不合法（2分）；答出理由（4分）")
    assert errors == []
    assert (question.stem, question.options, question.points) == ("某县……", ["是否合法？", "如何救济？"], 10)
    assert [p["marks"] for p in question.answer] == [6.0, 4.0]
    assert question.answer[1] == {"reference": "复议或者诉讼。", "marks": 4.0, "rubric": []}


def test_a_case_row_with_a_sub_question_column_shares_the_points():
    question, errors = _check(type="案例题", stem="某县……", subquestions="（1）是否合法？\n（2）如何救济？",
                              reference="（1）不合法。（2）复议。", points="10")
    assert errors == []
    assert [p["marks"] for p in question.answer] == [5.0, 5.0]


NESTED_REFERENCE = ("（1）违法。理由：（1）未告知甲公司陈述、申辩的权利；（2）未告知听证的权利。\n"
                    "（2）依照行政复议法第十一条第（2）项，可以申请行政复议，也可以提起行政诉讼。")


def test_a_reference_answer_may_number_its_own_points_when_each_sub_question_begins_a_line():
    question, errors = _check(type="案例分析", stem="某县……",
                              subquestions="（1）是否合法？（6分）\n（2）如何救济？（4分）", reference=NESTED_REFERENCE,
                              rubric="（1）违法（2分）；理由（4分）\n（2）复议或者诉讼（4分）")
    assert errors == []
    assert [p["reference"] for p in question.answer] == [
        "违法。理由：（1）未告知甲公司陈述、申辩的权利；（2）未告知听证的权利。",
        "依照行政复议法第十一条第（2）项，可以申请行政复议，也可以提起行政诉讼。"]
    assert [p["marks"] for p in question.answer] == [6.0, 4.0]


def test_an_ambiguous_reference_answer_is_refused_with_the_way_to_write_it():
    # All on one line: which （2） begins sub-question 2 cannot be told.
    question, errors = _check(type="案例分析", stem="某县……", subquestions="（1）是否合法？（2）如何救济？",
                              points="10",
                              reference="（1）违法。理由：（1）未告知陈述申辩权利；（2）未告知听证权利。（2）申请复议。")
    assert question is None
    assert any(row == 7 and column == "参考答案" and "（1） appears more than once" in message
               and "a line of its own" in message for row, column, message in errors), errors


def test_a_spreadsheet_cell_with_numbered_points_inside_a_sub_question_imports(app):
    # As trainers type it in Excel: Alt+Enter between the sub-questions' answers.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["题型", "题干", "小题", "参考答案", "分值"])
    sheet.append(["案例分析", "某县市场监管局对甲公司罚款十五万元，未告知其陈述、申辩和听证的权利。",
                  "（1）该处罚程序是否合法？为什么？\n（2）甲公司可以通过哪些途径寻求救济？", NESTED_REFERENCE, 10])
    sheet.append(["案例分析", "某县……", "（1）甲？（2）乙？",
                  "（1）违法：（1）未告知；（2）未听证。（2）复议。", 10])
    buffer = io.BytesIO()
    book.save(buffer)
    with app.app_context():
        result = parse_upload(buffer.getvalue(), "bank.xlsx", max_rows=10)
    assert [(e.row, e.column) for e in result.errors] == [(3, "参考答案")]
    assert "appears more than once" in str(result.errors[0].message)


@pytest.mark.parametrize("fields, column, words", [
    ({"type": "简答", "stem": "简述。"}, "答案", "reference answer"),
    ({"type": "简答", "stem": "简述。", "answer": "甲", "rubric": "要点一（3分）；要点二"}, "评分要点", "要点二"),
    ({"type": "简答", "stem": "简述。", "answer": "甲", "rubric": "要点一（3分）", "points": "5"},
     "分值", "add up to 3"),
    ({"type": "案例分析", "stem": "某县……", "answer": "甲"}, "小题", "sub-questions"),
    ({"type": "案例分析", "stem": "某县……", "subquestions": "（1）甲？（2）乙？", "reference": "（1）合法。"},
     "参考答案", "Sub-question (2) has no reference answer"),
    ({"type": "案例分析", "stem": "某县……", "subquestions": "（1）甲？（2）乙？", "reference": "合法，不合法。"},
     "参考答案", "（1）…（2）"),
    ({"type": "案例分析", "stem": "某县……", "subquestions": "（1）甲？（6分）（2）乙？（4分）",
      "reference": "（1）a（2）b", "rubric": "（1）要点（5分）"}, "评分要点", "add up to 5"),
    ({"type": "案例分析", "stem": "某县……", "subquestions": "（1）甲？（6分）（2）乙？（4分）",
      "reference": "（1）a（2）b", "points": "12"}, "分值", "add up to 10"),
    ({"type": "单选", "stem": "x", "options": ["a", "b"], "answer": "A", "rubric": "要点（2分）"},
     "评分要点", "Only 简答"),
    ({"type": "简答", "stem": "简述。", "answer": "甲", "options": ["a"]}, "option_A", "no options"),
])
def test_errors_name_row_column_and_what_was_expected(fields, column, words):
    question, errors = _check(**fields)
    assert question is None
    assert any(row == 7 and col == column and words in message for row, col, message in errors), errors


def test_an_objective_sheet_may_head_its_answers_参考答案():
    question, errors = _check(type="单选", stem="x", options=["a", "b"], reference="B")
    assert errors == [] and question.answer == "B"


# --------------------------------------------------------------------------- every format, round trip

@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json", "gift"])
def test_export_then_import_gives_the_same_questions(app, fmt):
    with app.app_context():
        content, _mimetype, extension = export_questions(BANK, fmt)
        result = parse_upload(content, f"bank.{extension}", max_rows=100)
    assert result.errors == [], [str(e.message) for e in result.errors]
    assert [q for _, q in result.questions] == BANK


def test_the_spreadsheet_export_writes_the_subjective_columns(app):
    frame = questions_to_frame([CASE, OBJECTIVE])
    assert list(frame.columns)[6:10] == ["答案", "小题", "参考答案", "评分要点"]
    row = frame.iloc[0]
    assert row["题型"] == "案例分析" and row["答案"] == ""
    assert row["小题"] == ("（1）该局的处罚程序是否合法？为什么？（6分）\n"
                         "（2）甲公司不服处罚决定，可以通过哪些途径寻求救济？（4分）")
    assert row["评分要点"].startswith("（1）答出不合法（2分）；答出应当告知听证权利（4分）")
    assert list(questions_to_frame([OBJECTIVE]).columns)[6:8] == ["答案", "解析"]  # unchanged without them


def test_a_sheet_of_subjective_questions_needs_no_答案_column(app):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["题型", "题干", "参考答案", "评分要点", "分值"])
    sheet.append(["简答题", "简述行政复议的申请期限。", "自知道或者应当知道该行政行为之日起六十日内。",
                  "六十日（3分）；起算点（2分）", 5])
    buffer = io.BytesIO()
    book.save(buffer)
    with app.app_context():
        result = parse_upload(buffer.getvalue(), "bank.xlsx", max_rows=10)
    assert result.errors == []
    assert result.questions[0][1].answer[0]["rubric"][0] == {"point": "六十日", "marks": 3.0}


def test_json_reads_the_canonical_shape_and_reports_a_bad_key():
    data = json.dumps([{"type": "case", "stem": "材料", "options": ["甲？"],
                        "answer": [{"reference": "合法", "marks": 4, "rubric": [{"point": "合法", "marks": 3}]}]}])
    from trainingapp.questionbank.formats import parse_json
    result = parse_json(data)
    assert result.questions == []
    assert "add up to 3" in str(result.errors[0].message) and result.errors[0].column == "answer"


def test_a_moodle_essay_imports_as_a_short_answer_with_its_feedback_as_reference():
    result = parse_gift("::q::简述比例原则的含义。{####行政机关实施行政管理应当适当。}\n\n"
                        "::c::某县……\\n问题：\\n（1）甲？（4分）\\n（2）乙？（6分）"
                        "{####参考答案：\\n（1）a\\n（2）b\\n评分要点：\\n（1）要点（4分）\\n（2）要点（6分）}\n")
    assert result.errors == [], [str(e.message) for e in result.errors]
    short, case = (q for _, q in result.questions)
    assert short.qtype == "short" and short.answer[0]["reference"] == "行政机关实施行政管理应当适当。"
    assert case.qtype == "case" and case.options == ["甲？", "乙？"] and case.points == 10


# --------------------------------------------------------------------------- Word and text

def _fold(text):
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


@pytest.mark.parametrize("answers", ["inline", "key"])
def test_word_export_then_import_gives_the_same_questions(app, answers):
    from trainingapp.questionbank.docx_writer import questions_to_docx
    with app.app_context():
        content = questions_to_docx(BANK, title="主观题", answers=answers)
        result = parse_upload(content, "bank.docx", max_rows=100)
    assert result.errors == [], [(e.row, e.column, str(e.message)) for e in result.errors]
    def shown(q):  # what a Word paper carries (difficulty and category are not printed)
        return (q.qtype, _fold(q.stem), q.options, q.answer, q.points, q.explanation, q.basis)
    assert sorted(map(shown, (q for _, q in result.questions)), key=str) == sorted(map(shown, BANK), key=str)


TEXT_BANK = """\
一、单项选择题（每题2分）
1. 行政处罚由（  ）的行政机关管辖。
A. 违法行为发生地  B. 当事人住所地
答案：A
五、简答题（每题6分）
2. 简述行政处罚法规定的听证程序适用的情形。
参考答案：
行政机关拟作出较大数额罚款、没收较大数额违法所得等行政处罚决定，
应当告知当事人有要求听证的权利。
评分要点：
1. 较大数额罚款、没收较大数额违法所得（3分）
2. 告知听证权利（3分）
3. 简述行政复议的申请期限。（4分）
【参考答案】自知道或者应当知道该行政行为之日起六十日内。
六、案例分析题（20分）
4. 某县市场监管局查明甲公司销售过期食品，拟罚款十五万元，未告知听证权利即作出处罚决定。
问题：
（1）该局的处罚程序是否合法？（8分）
（2）甲公司可以通过哪些途径寻求救济？（12分）
参考答案：（1）不合法，未告知听证权利。
（2）可以申请行政复议或者提起行政诉讼。
评分要点：（1）不合法（4分）；未告知听证（4分）
（2）行政复议（6分）；行政诉讼（6分）
解析：见行政处罚法第六十三条、第七十三条。
"""


def test_a_text_bank_with_简答_and_案例分析_imports(app):
    with app.app_context():
        result = parse_upload(TEXT_BANK.encode("utf-8"), "bank.txt", max_rows=100)
    assert result.errors == [], [(e.row, e.column, str(e.message)) for e in result.errors]
    single, short, short2, case = (q for _, q in result.questions)
    assert single.answer == "A"
    assert short.qtype == "short" and short.points == 6
    assert short.answer[0]["reference"].startswith("行政机关拟作出") and "\n应当告知" in short.answer[0]["reference"]
    assert [r["marks"] for r in short.answer[0]["rubric"]] == [3.0, 3.0]
    assert (short2.stem, short2.points) == ("简述行政复议的申请期限。", 4)
    assert case.options == ["该局的处罚程序是否合法？", "甲公司可以通过哪些途径寻求救济？"]
    assert [p["marks"] for p in case.answer] == [8.0, 12.0] and case.points == 20
    assert case.explanation == "见行政处罚法第六十三条、第七十三条。"


def test_a_word_bank_with_a_case_missing_a_reference_says_where(app):
    text = TEXT_BANK.replace("（2）可以申请行政复议或者提起行政诉讼。\n", "")
    with app.app_context():
        result = parse_upload(text.encode("utf-8"), "bank.txt", max_rows=100)
    assert [(e.row, str(e.message)) for e in result.errors if "Sub-question (2)" in str(e.message)]
    assert all(e.row == 4 and e.column for e in result.errors)  # question 4, the paragraph named


KEY_AT_THE_END = """一、单项选择题（每题2分）
1．行政处罚由（  ）的行政机关管辖。
A．违法行为发生地  B．当事人住所地
二、简答题（每题10分）
1．简述依法行政的基本要求。
2．简述行政复议的申请期限。
三、案例分析题
1．某县市场监管局对甲公司罚款十五万元，未告知听证权利。
问题：
（1）该处罚程序是否合法？（6分）
（2）甲公司可以如何救济？（4分）
参考答案
一、单项选择题
1．A
二、简答题
1．答：合法行政、合理行政、程序正当。
评分要点：合法行政（4分）；合理行政（3分）；程序正当（3分）
2．答：自知道该行政行为之日起六十日内提出，
法律规定的申请期限超过六十日的除外。
三、案例分析题
1．（1）不合法。较大数额罚款应当告知听证权利。
（2）可以申请行政复议或者提起行政诉讼。
"""


def _word_file(text: str) -> bytes:
    from docx import Document
    document = Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["bank.txt", "bank.docx"])
def test_subjective_reference_answers_in_the_answer_key_at_the_end(app, name):
    # As many Word banks are laid out: questions first, then 参考答案 section by section.
    data = KEY_AT_THE_END.encode("utf-8") if name.endswith(".txt") else _word_file(KEY_AT_THE_END)
    with app.app_context():
        result = parse_upload(data, name, max_rows=100)
    assert result.errors == [], [(e.row, e.column, str(e.message)) for e in result.errors]
    single, short, short2, case = (q for _, q in result.questions)
    assert single.answer == "A"
    assert short.answer == [{"reference": "合法行政、合理行政、程序正当。", "marks": 10.0,
                             "rubric": [{"point": "合法行政", "marks": 4.0}, {"point": "合理行政", "marks": 3.0},
                                        {"point": "程序正当", "marks": 3.0}]}]
    assert short2.answer[0]["reference"] == "自知道该行政行为之日起六十日内提出，\n法律规定的申请期限超过六十日的除外。"
    assert [(p["reference"], p["marks"]) for p in case.answer] == [
        ("不合法。较大数额罚款应当告知听证权利。", 6.0), ("可以申请行政复议或者提起行政诉讼。", 4.0)]


def test_an_answer_in_the_key_that_numbers_its_points_1_2_is_refused_not_split():
    text = KEY_AT_THE_END.replace("2．答：自知道", "1. 申请期限\n2. 起算点\n2．答：自知道").replace(
        "评分要点：合法行政（4分）；合理行政（3分）；程序正当（3分）\n", "")
    from trainingapp.questionbank.word_import import parse_text
    result = parse_text(text, max_rows=100)
    messages = [str(e.message) for e in result.errors]
    assert any("numbers its own points 1. 2." in m and "（1）（2） or ①②" in m for m in messages), messages


# --------------------------------------------------------------------------- the edit form and pages

def _stored(app):
    from sqlalchemy import select

    from trainingapp.platform.extensions import db
    from trainingapp.questionbank.models import Question
    with app.app_context():
        return db.session.scalars(select(Question).order_by(Question.id)).all()


BASE_FORM = {"difficulty": "medium", "category": "行政处罚法", "status": "active", "points": ""}


def test_create_a_short_answer_in_the_form(app, as_role):
    trainer = as_role("trainer")
    response = trainer.post("/questions/new", data={
        **BASE_FORM, "qtype": "short", "stem": "简述行政处罚的种类。", "part_1_reference": "警告、罚款……",
        "part_1_rubric": "1. 警告、通报批评（2分）\n2. 罚款（3分）"})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    question = _stored(app)[0]
    assert (question.qtype, question.points, question.options) == ("short", 5.0, [])
    assert question.answer == [{"reference": "警告、罚款……", "marks": 5.0, "rubric": [
        {"point": "警告、通报批评", "marks": 2.0}, {"point": "罚款", "marks": 3.0}]}]
    page = trainer.get(f"/questions/{question.id}").get_data(as_text=True)
    assert "警告、罚款……" in page and "1. 警告、通报批评（2分）" in page
    listing = trainer.get("/questions?qtype=short").get_data(as_text=True)
    assert "简述行政处罚的种类。" in listing and "警告、通报批评" in listing


def test_create_and_edit_a_case_with_sub_questions(app, as_role):
    trainer = as_role("trainer")
    form = {**BASE_FORM, "qtype": "case", "stem": "某县市场监管局……",
            "part_1_stem": "处罚程序是否合法？", "part_1_marks": "6", "part_1_reference": "不合法。",
            "part_1_rubric": "答出不合法（2分）\n答出未告知听证（4分）",
            "part_2_stem": "如何救济？", "part_2_marks": "4", "part_2_reference": "复议或者诉讼。"}
    assert trainer.post("/questions/new", data=form).status_code == 302
    question = _stored(app)[0]
    assert question.options == ["处罚程序是否合法？", "如何救济？"] and question.points == 10
    assert [p["marks"] for p in question.answer] == [6.0, 4.0]
    # the first sub-question removed (the later blocks move up, as the page's script does), another added
    edited = {**form, "part_1_stem": "如何救济？", "part_1_marks": "4", "part_1_reference": "复议或者诉讼。",
              "part_1_rubric": "", "part_2_stem": "复议机关是谁？", "part_2_marks": "5",
              "part_2_reference": "本级人民政府。"}
    assert trainer.post(f"/questions/{question.id}", data=edited).status_code == 302
    question = _stored(app)[0]
    assert question.options == ["如何救济？", "复议机关是谁？"] and question.points == 9
    assert trainer.get("/questions?qtype=case").get_data(as_text=True).count("复议机关是谁？") == 1


@pytest.mark.parametrize("change, words", [
    ({"part_2_reference": ""}, "Sub-question (2) has no reference answer"),
    ({"part_1_rubric": "答出不合法（2分）"}, "add up to 2"),
    ({"part_2_stem": ""}, "Sub-question (2) has no text"),
    ({"part_1_marks": "六"}, "Write the marks as a number"),
])
def test_the_form_names_what_is_wrong(app, as_role, change, words):
    trainer = as_role("trainer")
    trainer.set_cookie("lang", "en")
    form = {**BASE_FORM, "qtype": "case", "stem": "某县……", "part_1_stem": "甲？", "part_1_marks": "6",
            "part_1_reference": "a", "part_1_rubric": "", "part_2_stem": "乙？", "part_2_marks": "4",
            "part_2_reference": "b", **change}
    page = trainer.post("/questions/new", data=form).get_data(as_text=True)
    assert words in page and _stored(app) == []


# --------------------------------------------------------------------------- practice

def test_practice_shows_a_subjective_question_for_self_check_and_never_grades_it(app, as_role):
    from trainingapp.training.practice.models import WrongAnswer
    trainer = as_role("trainer")
    trainer.post("/questions/new", data={
        **BASE_FORM, "category": "宪法", "qtype": "case", "stem": "某乡镇拟出台一份规范性文件。",
        "part_1_stem": "文件公布前应当经过哪些程序？", "part_1_marks": "4", "part_1_reference": "参考答案-唯一甲",
        "part_1_rubric": "合法性审核（2分）\n集体讨论决定（2分）",
        "part_2_stem": "公布后应当怎样处理？", "part_2_marks": "2", "part_2_reference": "参考答案-唯一乙"})
    question = _stored(app)[0]
    cadre = as_role("cadre")
    cadre.set_cookie("lang", "en")
    cadre.post("/practice/start", data={"category": "宪法", "count": "5", "source": "category"})
    page = cadre.get("/practice/round").get_data(as_text=True)
    assert f'data-qid="{question.id}"' in page and "文件公布前应当经过哪些程序？" in page
    assert "参考答案-唯一" not in page and "合法性审核" not in page  # nothing of the key before writing
    assert page.count('name="written"') == 2
    shown = cadre.post("/practice/round/answer", data={"question_id": str(question.id),
                                                      "written": ["我写的第一问", "我写的第二问"]})
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'data-correct="self"' in text
    assert "参考答案-唯一甲" in text and "参考答案-唯一乙" in text and "合法性审核" in text
    assert "我写的第一问" in text and "Not correct" not in text and "Correct</p>" not in text
    cadre.post("/practice/round/next")
    summary = cadre.get("/practice/round").get_data(as_text=True)
    assert "self-checked" in summary and "0 of 1 answered correctly" in summary
    with app.app_context():
        from trainingapp.platform.extensions import db
        assert db.session.query(WrongAnswer).count() == 0


def test_a_word_layout_text_previews_and_imports_through_the_pages(app, as_role):
    trainer = as_role("trainer")
    response = trainer.post("/questions/import", data={"file": (io.BytesIO(TEXT_BANK.encode("utf-8")), "bank.txt")},
                            content_type="multipart/form-data")
    assert response.status_code == 302
    preview = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "甲公司可以通过哪些途径寻求救济？" in preview, preview[preview.find("<main"):][:4000]
    assert "可以申请行政复议或者提起行政诉讼。" in preview and "告知听证权利" in preview
    confirm = re.search(r'action="(/questions/import/[^"]+/confirm)"', preview).group(1)
    trainer.post(confirm, data={"mode": "all"})
    assert sorted(q.qtype for q in _stored(app)) == ["case", "short", "short", "single"]
