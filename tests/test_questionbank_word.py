"""Word (.docx), text and pasted question banks: every layout of issue #23, its errors, the pages.

Each layout has its own test below, with a document or text built here the way trainers write
them (python-docx, automatic numbering included). The pages are exercised through the real
upload → preview → confirm flow; the page speaks Chinese, as it does by default.
"""
import io
import re
import zipfile

import pandas as pd
import pytest
from docx import Document
from sqlalchemy import func, select

from tests.word_docs import (
    Numbering,
    auto_numbered_bank,
    numbered,
    plain_document,
    save,
    soft_break_paragraph,
    text_box,
)
from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import TableError
from trainingapp.platform.wordfile import Para, format_number, read_docx
from trainingapp.questionbank.models import Question
from trainingapp.questionbank.parsing import parse_upload
from trainingapp.questionbank.word_import import parse_text
from trainingapp.questionbank.word_layout import recognise, text_blocks


def fields(text: str) -> list[dict]:
    return [q.fields() for q in recognise(text_blocks(text)).questions]


def docx_fields(data: bytes) -> list[dict]:
    kind, blocks = read_docx(data)
    assert kind == "ok", blocks
    return [q.fields() for q in recognise(blocks).questions]


def stored(result):
    return [q for _row, q in result.questions]


def docx_result(data: bytes, max_rows: int = 100):
    return parse_upload(data, "题库.docx", max_rows=max_rows)


# --------------------------------------------------------------------------- layouts (text)

def test_section_headings_set_type_and_points():
    result = parse_text("""一、单项选择题（每题2分）
1. 单选题干（ ）
A. 甲
B. 乙
答案：A
二、多选题（每小题 3 分）
1. 多选题干
A. 甲
B. 乙
C. 丙
答案：AB
三、判断题（2分/题）
1. 判断题干。
答案：对
四、填空题
1. 应当在____日内提出。
答案：十五
五、简答题（每题5分）
1. 简述依法行政的原则。
答案：合法、合理。
六、论述题
1. 论述法治政府建设。
答案：……""", max_rows=100)
    types = [(q.qtype, q.points) for q in stored(result)]
    assert types == [("single", 2.0), ("multiple", 3.0), ("truefalse", 2.0), ("fill", 2.0), ("short", 5.0)]
    # A kind of question the bank does not keep is named, not imported silently.
    assert len(result.errors) == 1 and result.errors[0].row == 6
    assert "论述题" in str(result.errors[0].message)


def test_a_choice_section_leaves_single_or_multiple_to_the_key():
    result = parse_text("一、选择题（每题2分）\n1. 甲（ ）\nA.一 B.二\n答案：A\n2. 乙（ ）\nA.一 B.二 C.三\n答案：AC\n"
                        "第二部分 判断题\n1. 对吗。（√）", max_rows=10)
    assert [(q.qtype, q.points) for q in stored(result)] == [("single", 2.0), ("multiple", 2.0), ("truefalse", 2.0)]


@pytest.mark.parametrize("number", ["1.", "1、", "1．", "（1）", "(1)", "第1题"])
def test_question_numbers(number):
    found = fields(f"{number}行政处罚由谁实施（ ）\nA.甲\nB.乙\n答案：B\n"
                   f"{number.replace('1', '2')}第二题（ ）\nA.丙\nB.丁\n答案：A")
    assert [(f["stem"], f["answer"]) for f in found] == [("行政处罚由谁实施（ ）", "B"), ("第二题（ ）", "A")]


@pytest.mark.parametrize("mark", ["A.", "A、", "A．", "Ａ．", "(A)", "（A）", "A)"])
def test_options_one_per_paragraph(mark):
    lines = [mark.replace("A", letter).replace("Ａ", chr(ord("Ａ") + "ABCD".index(letter)))
             + text for letter, text in zip("ABCD", ["警告", "罚款", "拘留", "记过"])]
    found = fields("1. 下列属于行政处罚的是（ ）\n" + "\n".join(lines) + "\n答案：B")
    assert found[0]["options"] == ["警告", "罚款", "拘留", "记过"] and found[0]["type"] == "single"


def test_several_options_on_one_line_and_after_the_stem():
    found = fields("1. 宪法是（ ）\nA.根本法  B.普通法 C.行政法规\u3000D.规章\n答案：A\n"
                   "2. 行政复议期限是（ ） A、三十日 B、六十日\n答案：B\n"
                   "3. 选择（ ）\n(A) 甲 (B) 乙\n(C) 丙 (D) 丁\n答案：C")
    assert found[0]["options"] == ["根本法", "普通法", "行政法规", "规章"]
    assert found[1]["stem"] == "行政复议期限是（ ）" and found[1]["options"] == ["三十日", "六十日"]
    assert found[2]["options"] == ["甲", "乙", "丙", "丁"]


@pytest.mark.parametrize("line, answer", [
    ("答案：B", "B"), ("答案:B", "B"), ("【答案】AC", "AC"), ("正确答案: A、C、D", "A、C、D"),
    ("参考答案：A", "A"), ("[参考答案] BD", "BD"), ("标准答案：C", "C"),
])
def test_inline_choice_answers(line, answer):
    found = fields(f"1. 题干\nA.甲\nB.乙\nC.丙\nD.丁\n{line}")
    assert found[0]["answer"] == answer


@pytest.mark.parametrize("answer, truth", [("√", True), ("×", False), ("对", True), ("错", False),
                                           ("正确", True), ("错误", False)])
def test_inline_true_false_answers(answer, truth):
    result = parse_text(f"1. 宪法是国家的根本法。\n参考答案：{answer}", max_rows=10)
    assert [(q.qtype, q.answer) for q in stored(result)] == [("truefalse", truth)]


def test_explanation_over_several_paragraphs_legal_basis_and_knowledge_point():
    result = parse_text("""1. 行政处罚的种类不包括（ ）
A. 警告
B. 罚款
C. 记过
答案：C
解析：记过是政务处分。
它不是行政处罚。
【法律依据】《中华人民共和国行政处罚法》第九条
【考点】处罚种类
2. 第二题（ ）
A. 甲
B. 乙
【答案】A
【解析】第二题的解析。
依据：《宪法》第五条""", max_rows=10)
    first, second = stored(result)
    assert first.explanation == "记过是政务处分。\n它不是行政处罚。"
    assert first.basis == "《中华人民共和国行政处罚法》第九条" and first.knowledge_point == "处罚种类"
    assert second.explanation == "第二题的解析。" and second.basis == "《宪法》第五条"


def test_answer_and_explanation_on_one_line():
    found = fields("1. 题干\nA.甲\nB.乙\n答案：B 解析：因为乙。")
    assert found[0]["answer"] == "B" and found[0]["explanation"] == "因为乙。"


def test_answer_key_at_the_end():
    questions = "\n".join(f"{n}. 单选第{n}题（ ）\nA.甲\nB.乙\nC.丙\nD.丁" for n in range(1, 6))
    questions += "\n" + "\n".join(f"{n}. 多选第{n}题（ ）\nA.甲\nB.乙\nC.丙\nD.丁" for n in (6, 7))
    questions += "\n8. 判断第8题。\n9. 判断第9题。\n10. 判断第10题。\n11. 填空第11题：____个。"
    result = parse_text(questions + "\n参考答案\n1-5 BACDA\n6.ABD 7.AC\n8.√ 9.× 10、对\n11. 五；5", max_rows=20)
    assert not result.errors, result.errors
    answers = [(q.qtype, q.answer) for q in stored(result)]
    assert answers == [("single", "B"), ("single", "A"), ("single", "C"), ("single", "D"), ("single", "A"),
                       ("multiple", ["A", "B", "D"]), ("multiple", ["A", "C"]), ("truefalse", True),
                       ("truefalse", False), ("truefalse", True), ("fill", [["五", "5"]])]


def test_answer_key_by_section_when_numbers_restart():
    result = parse_text("""一、单选题
1. 单选一（ ）
A.甲
B.乙
2. 单选二（ ）
A.甲
B.乙
二、判断题
1. 判断一。
2. 判断二。
答案：
一、单选题
1-2 BA
二、判断题
1.× 2.√""", max_rows=20)
    assert not result.errors, result.errors
    assert [q.answer for q in stored(result)] == ["B", "A", False, True]


def test_marked_options_are_the_key():
    result = parse_text("1. 单选（ ）\nA. 甲\nB. 乙 √\nC. 丙\n"
                        "2. 多选（ ）\n☑ A. 甲 \nA. 甲☑\nB. 乙\nC. 丙 ✔\n", max_rows=10)
    single, multiple = stored(result)
    assert single.answer == "B" and single.options == ["甲", "乙", "丙"]
    assert multiple.qtype == "multiple" and multiple.answer == ["A", "C"]


def test_true_false_key_after_the_stem_and_letter_in_the_stem():
    result = parse_text("1. 宪法是国家的根本法。（√）\n2. 法律溯及既往。（ × ）\n"
                        "3. 行政处罚的实施机关是（B）。\nA.法院\nB.行政机关", max_rows=10)
    first, second, third = stored(result)
    assert (first.qtype, first.answer, first.stem) == ("truefalse", True, "宪法是国家的根本法。（  ）")
    assert (second.answer, third.answer, third.stem) == (False, "B", "行政处罚的实施机关是（  ）。")


def test_yikao_tags():
    result = parse_text("""[单选题组]
1. 单选（ ）[难度:0.8][分数:2]
A.甲
B.乙
[参考答案]A
[多选题组]
1. 多选（ ）
A.甲
B.乙
C.丙
[参考答案]AB
[难度:0.3]
[分数:3]
[答案解析]
因为甲乙。
[判断题组]
1. 判断。
[参考答案]对
[难度:0.5]
[填空题组]
1. 申请人应当在____日内向____提出。
[参考答案]十五;15
[参考答案]行政机关""", max_rows=10)
    assert not result.errors, result.errors
    single, multiple, truefalse, fill = stored(result)
    assert (single.difficulty, single.points) == ("easy", 2.0)
    assert (multiple.difficulty, multiple.points, multiple.explanation) == ("hard", 3.0, "因为甲乙。")
    assert truefalse.difficulty == "medium" and truefalse.answer is True
    assert fill.answer == [["十五", "15"], ["行政机关"]]


def test_points_after_a_stem():
    result = parse_text("1. 题干（ ）（3分）\nA.甲\nB.乙\n答案：A", max_rows=10)
    assert stored(result)[0].points == 3.0 and stored(result)[0].stem == "题干（ ）"


def test_a_title_and_notes_before_the_first_question_are_not_questions():
    result = parse_text("2024年度法治理论考试题库\n说明：本题库共1题。\n1. 题干（ ）\nA.甲\nB.乙\n答案：A", max_rows=10)
    assert len(result.questions) == 1 and result.rows_read == 1


def test_a_numbered_list_inside_an_explanation_stays_in_it():
    result = parse_text("1. 题干（ ）\nA.甲\nB.乙\n答案：A\n解析：有三点：\n1. 第一点\n3. 第三点\n"
                        "2. 第二题（ ）\nA.甲\nB.乙\n答案：B", max_rows=10)
    first, second = stored(result)
    assert first.explanation == "有三点：\n1. 第一点\n3. 第三点" and second.stem == "第二题（ ）"


# --------------------------------------------------------------------------- .docx

def test_docx_plain_paragraphs_and_runs():
    document = Document()
    paragraph = document.add_paragraph("1. 行政处罚")
    paragraph.add_run("的实施机关是（ ）").bold = True
    for text in ("A. 法院", "B. 行政机关", "答案：B"):
        document.add_paragraph(text)
    result = docx_result(save(document))
    assert result.format == "docx" and [q.stem for q in stored(result)] == ["行政处罚的实施机关是（ ）"]
    assert result.sources == {1: "paragraphs 1–4"}


def test_docx_automatic_numbering_is_restored():
    data = auto_numbered_bank(3)
    kind, blocks = read_docx(data)
    texts = [line for block in blocks for line in block.lines]
    assert texts[:6] == ["一、 单项选择题（每题2分）",
                         "1. 根据《行政处罚法》第1号情形，下列哪一机关有权作出处罚决定（ ）。",
                         "A. 县级以上人民政府", "B. 乡镇人民政府", "C. 第1号行政机关", "D. 人民法院"]
    assert texts[8].startswith("2. ") and texts[9] == "A. 县级以上人民政府"  # options restart under each question
    result = docx_result(data)
    assert not result.errors, result.errors
    assert [(q.qtype, q.answer, q.points, len(q.options)) for q in stored(result)] == [
        ("single", "BCD"[n - 1], 2.0, 4) for n in (1, 2, 3)]


def test_docx_numbering_formats_and_restarts():
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 21, 105)] == [
        "一", "十", "十一", "二十", "二十一", "一百零五"]
    assert [format_number(n, "upperLetter") for n in (1, 4, 27)] == ["A", "D", "AA"]
    assert format_number(3, "decimalEnclosedCircle") == "③" and format_number(2, "lowerRoman") == "ii"
    assert format_number(1, "bullet") is None
    document = Document()
    numbering = Numbering(document)
    questions = numbering.define(("decimal", "%1、"))
    options = numbering.define(("upperLetter", "（%1）"))
    numbered(document, "第一题（ ）", questions)
    numbered(document, "甲", options)
    numbered(document, "乙", options)
    document.add_paragraph("答案：A")
    numbered(document, "第二题（ ）", questions)
    # WPS restarts the options of every question with a new list of the same definition.
    restarted = numbering.instance(numbering.abstract_of(options), restart=1)
    numbered(document, "丙", restarted)
    numbered(document, "丁", restarted)
    document.add_paragraph("答案：B")
    found = docx_fields(save(document))
    assert [(f["stem"], f["options"], f["answer"]) for f in found] == [
        ("第一题（ ）", ["甲", "乙"], "A"), ("第二题（ ）", ["丙", "丁"], "B")]


def test_docx_numbering_from_a_list_style():
    document = Document()
    for text in ("第一题（ ）", "第二题（ ）"):
        document.add_paragraph(text, style="List Number")  # WPS and Word number through the style
        document.add_paragraph("A. 甲　B. 乙")
        document.add_paragraph("答案：B")
    found = docx_fields(save(document))
    assert [(f["stem"], f["answer"]) for f in found] == [("第一题（ ）", "B"), ("第二题（ ）", "B")]


def test_docx_soft_line_breaks_split_options():
    document = Document()
    document.add_paragraph("1. 题干（ ）")
    soft_break_paragraph(document, "A. 甲", "B. 乙", "C. 丙")
    soft_break_paragraph(document, "答案：C", "解析：换行后的解析")
    found = docx_fields(save(document))
    assert found[0]["options"] == ["甲", "乙", "丙"] and found[0]["explanation"] == "换行后的解析"


def test_docx_headers_footers_and_text_boxes_are_never_questions():
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "1. 页眉：法治理论考试题库"
    section.footer.paragraphs[0].text = "2. 第1页 共3页"
    text_box(document, "3. 文本框里的说明（ ）")
    for text in ("1. 真正的题目（ ）", "A. 甲", "B. 乙", "答案：A"):
        document.add_paragraph(text)
    result = docx_result(save(document))
    assert [q.stem for q in stored(result)] == ["真正的题目（ ）"] and not result.errors


def test_docx_one_question_per_table():
    document = Document()
    labelled = document.add_table(rows=7, cols=2)
    for row, (label, value) in enumerate([("题型", "单选题"), ("题干", "行政处罚由谁实施（ ）"), ("A", "法院"),
                                          ("B", "行政机关"), ("答案", "B"), ("解析", "见法条。"),
                                          ("依据", "《行政处罚法》第十七条")]):
        labelled.cell(row, 0).text, labelled.cell(row, 1).text = label, value
    document.add_paragraph("")
    header = document.add_table(rows=2, cols=2)
    header.cell(0, 0).text, header.cell(0, 1).text = "题干", "答案"
    header.cell(1, 0).text, header.cell(1, 1).text = "宪法是国家的根本法。", "√"
    document.add_paragraph("")
    unlabelled = document.add_table(rows=1, cols=2)
    unlabelled.cell(0, 0).text = "3. 多选题（ ）\nA. 甲\nB. 乙\nC. 丙"
    unlabelled.cell(0, 1).text = "AC"
    result = docx_result(save(document))
    assert not result.errors, result.errors
    first, second, third = stored(result)
    assert (first.qtype, first.options, first.answer, first.basis) == (
        "single", ["法院", "行政机关"], "B", "《行政处罚法》第十七条")
    assert (second.qtype, second.answer) == ("truefalse", True)
    assert (third.qtype, third.options, third.answer) == ("multiple", ["甲", "乙", "丙"], ["A", "C"])


def test_docx_answer_key_and_marks():
    data = plain_document("一、单项选择题", "1. 第一题（ ）", "A．甲　B．乙　C．丙", "2. 第二题（ ）",
                          "Ａ．甲", "Ｂ．乙 ✔", "二、判断题", "1. 判断一。（×）", "参考答案", "1-2 AB")
    result = docx_result(data)
    assert not result.errors, result.errors
    assert [q.answer for q in stored(result)] == ["A", "B", False]


# --------------------------------------------------------------------------- errors

def test_every_problem_names_the_question_and_paragraph():
    result = parse_text("""一、单项选择题
1. 第一题（ ）
A. 甲
B. 乙
C. 丙
D. 丁
答案：E
2. 第二题没有答案（ ）
A. 甲
B. 乙
3. 第三题（ ）
A. 甲
B. 乙
答案：A
多出来的一段
二、多选题
1. 多选只有一个答案（ ）
A. 甲
B. 乙
答案：A""", max_rows=10)
    assert [(e.row, e.column) for e in result.errors] == [
        (1, "paragraph 7"), (2, "paragraph 8"), (3, "paragraph 15"), (4, "paragraph 20")]
    messages = [str(e.message) for e in result.errors]
    assert "E" in messages[0] and "empty" in messages[1] and "多出来的一段" in messages[2]
    assert "at least 2" in messages[3]
    assert result.sources[3] == "paragraphs 11–15"


def test_answer_key_problems_name_the_paragraph():
    result = parse_text("1. 一（ ）\nA.甲\nB.乙\n2. 二（ ）\nA.甲\nB.乙\n答案\n1-3 AB\n5.A", max_rows=10)
    stray = [e for e in result.errors if e.row is None]
    assert len(stray) == 2 and all(e.column for e in stray)
    assert {e.row for e in result.errors if e.row is not None} == {1, 2}  # left without an answer


def test_inline_answer_and_key_that_differ():
    result = parse_text("1. 一（ ）\nA.甲\nB.乙\n答案：A\n参考答案\n1.B", max_rows=10)
    assert len(result.errors) == 1 and "B" in str(result.errors[0].message)


def test_whole_file_problems_of_word_banks():
    with pytest.raises(TableError) as info:
        parse_upload(b"abc", "bank.docx", max_rows=10)
    assert ".docx" in str(info.value.message) and ".xlsx" in str(info.value.message)
    with pytest.raises(TableError):
        parse_upload("只是一些文字\n没有题目".encode(), "a.txt", max_rows=10)
    with pytest.raises(TableError):
        docx_result(auto_numbered_bank(5), max_rows=4)


def test_a_zip_bomb_docx_is_refused_before_parsing(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (80 * 1024 * 1024) + b"</w:document>")
    assert len(buffer.getvalue()) < 200_000
    with app.test_request_context():
        from trainingapp.platform.tabular import limits_for
        with pytest.raises(TableError) as info:
            parse_upload(buffer.getvalue(), "bomb.docx", max_rows=10, limits=limits_for("questions"))
    assert "MB" in str(info.value.message)


def test_an_entity_bomb_docx_stays_small(app):
    lol = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10 if i else "lol"}">' for i in range(10))
    document = Document()
    document.add_paragraph("1. 题干（ ）")
    data = save(document)
    source, target = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            content = old.read(item)
            if item.filename == "word/document.xml":
                content = content.replace(b"<w:document", f"<!DOCTYPE w:document [{lol}]><w:document".encode(), 1)
                content = content.replace("题干".encode(), b"&l9;")
            new.writestr(item, content)
    with app.test_request_context():
        with pytest.raises(TableError):
            parse_upload(target.getvalue(), "lol.docx", max_rows=10)


# --------------------------------------------------------------------------- encodings

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_text_files_in_every_encoding(encoding):
    text = "一、判断题\n1. 宪法是国家的根本法。\n答案：对\n2. 《中华人民共和国行政处罚法》自公布之日起施行。\n答案：错"
    result = parse_upload(text.encode(encoding), "题库.txt", max_rows=10)
    assert result.format == "text" and [q.answer for q in stored(result)] == [True, False]
    assert stored(result)[1].stem == "《中华人民共和国行政处罚法》自公布之日起施行。"


def test_text_blocks_number_lines_as_an_editor_does():
    assert text_blocks("a\n\n b \n") == [Para(1, ("a",)), Para(3, ("b",))]


# --------------------------------------------------------------------------- pages

@pytest.fixture
def trainer(as_role):
    return as_role("trainer")


def _preview(client, response):
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    confirm = re.search(r'action="(/questions/import/[^"]+/confirm)"', page).group(1)
    return page, confirm


def upload_docx(client, data, filename="题库.docx"):
    return _preview(client, client.post("/questions/import", data={"file": (io.BytesIO(data), filename)},
                                        content_type="multipart/form-data"))


def paste(client, text):
    return _preview(client, client.post("/questions/import", data={"text": text}))


def count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Question.id)))


def test_upload_a_docx_preview_then_confirm(app, trainer):
    page, confirm = upload_docx(trainer, auto_numbered_bank(4))
    assert 'data-count="new">4<' in page and 'data-count="rejected">0<' in page
    assert "第2–8段" in page and "县级以上人民政府" in page  # where each question came from, as understood
    assert count(app) == 0
    assert trainer.post(confirm, data={"mode": "all"}).status_code == 200
    with app.app_context():
        questions = db.session.scalars(select(Question).order_by(Question.id)).all()
        assert [q.answer for q in questions] == ["B", "C", "D", "A"]
        assert questions[0].explanation == "第1题的解析。" and questions[0].points == 2


def test_paste_box_takes_the_same_layouts(app, trainer):
    page, confirm = paste(trainer, "1. 宪法是国家的根本法。（√）\n2. 行政处罚由谁实施（ ）\nA.法院 B.行政机关\n答案：B")
    assert 'data-count="new">2<' in page
    trainer.post(confirm, data={"mode": "all"})
    assert count(app) == 2


def test_paste_box_errors_by_question_and_paragraph_and_valid_only(app, trainer):
    page, confirm = paste(trainer, "1. 第一题（ ）\nA. 甲\nB. 乙\nC. 丙\nD. 丁\n答案：E\n2. 宪法是根本法。\n答案：对")
    assert "第1题（第6段）" in page and "E" in page
    assert trainer.post(confirm, data={"mode": "all"}).status_code == 302
    assert count(app) == 0
    done = trainer.post(confirm, data={"mode": "valid_only"}).get_data(as_text=True)
    assert count(app) == 1
    download = re.search(r'id="download-rejected" href="([^"]+)"', done).group(1)
    sheet = pd.read_excel(io.BytesIO(trainer.get(download).data), dtype=str)
    assert list(sheet.columns) == ["题号", "位置", "错误", "原文"]
    assert sheet.iloc[0]["题号"] == "1" and sheet.iloc[0]["位置"] == "第1–6段"
    assert sheet.iloc[0]["原文"].splitlines()[0] == "1. 第一题（ ）" and "答案：E" in sheet.iloc[0]["原文"]


def test_text_from_the_file_is_escaped_in_the_preview(trainer):
    page, _confirm = paste(trainer, "1. <b>题干</b>（ ）\nA. 甲\nB. 乙\n答案：A\n<script>alert(1)</script>")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<b>题干</b>" not in page


def test_nothing_to_upload_is_refused_with_a_message(trainer):
    response = trainer.post("/questions/import", data={"text": "  "})
    assert response.status_code == 200 and "请先选择文件或粘贴试题。" in response.get_data(as_text=True)


def test_pasted_text_is_capped_like_an_upload(app, trainer):
    app.config["QUESTION_IMPORT_MAX_MB"], before = 1, app.config["QUESTION_IMPORT_MAX_MB"]
    try:
        response = trainer.post("/questions/import", data={"text": "题" * (400 * 1024)})
        assert response.status_code == 200 and "1 MB" in response.get_data(as_text=True)
    finally:
        app.config["QUESTION_IMPORT_MAX_MB"] = before


def test_duplicates_in_the_file_and_in_the_bank_are_skipped(app, trainer):
    text = "1. 宪法是国家的根本法。\n答案：对\n2. 宪法是国家的根本法。\n答案：√\n3. 法律溯及既往。\n答案：错"
    page, confirm = paste(trainer, text)
    assert 'data-count="duplicates">1<' in page and "第1题" in page
    trainer.post(confirm, data={"mode": "all"})
    assert count(app) == 2
    page, confirm = paste(trainer, text + "\n4. 新的题目。\n答案：对")
    assert 'data-count="duplicates">3<' in page and 'data-count="new">1<' in page
    trainer.post(confirm, data={"mode": "all"})
    assert count(app) == 3


def test_the_cli_imports_a_docx(app, runner, tmp_path, make):
    make.user(role="admin", login="admin")
    path = tmp_path / "题库.docx"
    path.write_bytes(auto_numbered_bank(3))
    result = runner.invoke(args=["questions", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert count(app) == 3


def _one_pixel_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def test_a_picture_in_a_question_is_named_in_the_preview():
    png = _one_pixel_png()
    document = Document()
    for text in ("1. 下图所示的标志表示（ ）", "A. 禁止通行", "B. 注意安全", "答案：A"):
        document.add_paragraph(text)
        if text.startswith("1."):
            document.add_paragraph().add_run().add_picture(io.BytesIO(png))
    result = docx_result(save(document))
    assert len(result.questions) == 1
    assert result.sources[1] == "paragraphs 1–5; the picture in paragraph 2 is not imported"
