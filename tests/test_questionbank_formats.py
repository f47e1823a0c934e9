"""JSON, GIFT and Aiken import, every export and the template (trainingapp.questionbank.formats)."""
import io
import json

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainingapp.platform.tabular import TableError
from trainingapp.questionbank.formats import (
    TEMPLATE_EXAMPLES,
    build_template,
    detect_text_format,
    export_questions,
    parse_aiken,
    parse_gift,
    parse_json,
    questions_to_frame,
    questions_to_gift,
)
from trainingapp.questionbank.parsing import (
    BLANK_MARKER,
    QuestionData,
    clean_text,
    parse_upload,
)


def only(result):
    """The questions of a result that must have no errors."""
    assert result.errors == [], [str(e) for e in result.errors]
    return [q for _, q in result.questions]


def problems(result):
    return [(e.row, e.column, str(e.message)) for e in result.errors]


# --------------------------------------------------------------------------- JSON

def test_json_list_with_canonical_shapes_and_notations():
    items = [
        {"type": "single", "stem": "s1", "options": ["a", "b"], "answer": "B"},
        {"type": "multiple", "stem": "s2", "options": ["a", "b", "c"], "answer": ["C", "A"]},
        {"type": "multiple", "stem": "s3", "options": ["a", "b", "c"], "answer": "A、C"},
        {"type": "truefalse", "stem": "s4", "answer": True},
        {"type": "truefalse", "stem": "s5", "answer": "错"},
        {"type": "truefalse", "stem": "s6", "answer": 1},
        {"type": "fill", "stem": "在____内作出____决定", "answer": [["十五日", "15日"], ["书面"]]},
        {"type": "fill", "stem": "s8", "answer": "十五日;15日|书面"},
        {"type": "fill", "stem": "s9", "answer": ["a;b", "c"]},
        {"type": "判断", "stem": "s10", "answer": "对", "points": "2.5", "difficulty": "难",
         "status": "inactive", "category": "c", "knowledge_point": "k", "basis": "b",
         "explanation": "e"},
    ]
    questions = only(parse_json(json.dumps(items, ensure_ascii=False)))
    assert [q.answer for q in questions] == [
        "B", ["A", "C"], ["A", "C"], True, False, True, [["十五日", "15日"], ["书面"]],
        [["十五日", "15日"], ["书面"]], [["a", "b"], ["c"]], True]
    assert questions[-1] == QuestionData("truefalse", "s10", [], True, "e", 2.5, "hard", "c", "k",
                                         "b", False)


def test_json_object_with_questions_key_and_dataclass_names():
    dump = {"qtype": "single", "stem": "s", "options": ["a", "b"], "answer": "A",
            "is_active": False, "id": 7}
    result = parse_json(json.dumps({"version": 1, "questions": [dump]}))
    assert only(result)[0].is_active is False
    assert result.extra_columns == ["id"]
    assert result.format == "json"


def test_json_errors_name_item_and_key():
    items = [
        {"type": "single", "stem": "ok", "options": ["a", "b"], "answer": "A"},
        "not an object",
        {"type": "single", "stem": "", "options": ["a", "b"], "answer": "D", "points": -1},
        {"type": "single", "stem": "s", "options": "a,b", "answer": "A"},
        {"type": "fill", "stem": "s", "answer": [["a"], []], "category": ["x"]},
        {"type": "论述", "stem": "s", "answer": "x", "difficulty": "?"},
    ]
    result = parse_json(json.dumps(items))
    assert [n for n, _ in result.questions] == [1]
    found = [(row, column) for row, column, _ in problems(result)]
    assert found == [(2, None), (3, "stem"), (3, "answer"), (3, "points"), (4, "options"),
                     (5, "answer"), (5, "category"), (6, "type"), (6, "difficulty")]
    texts = dict(((r, c), m) for r, c, m in problems(result))
    assert "option D is empty" in texts[(3, "answer")]
    assert "Blank 2" in texts[(5, "answer")]
    assert "Item 2" in texts[(2, None)]


def test_json_duplicates_and_whole_file_errors():
    item = {"type": "truefalse", "stem": "同一题。", "answer": "对"}
    result = parse_json(json.dumps([item, {**item, "stem": "同一题"}], ensure_ascii=False))
    assert [(d.row, d.column) for d in result.duplicates] == [(2, "stem")]
    with pytest.raises(TableError) as info:
        parse_json('[{"type": "single",]')
    assert "line 1" in str(info.value.message)
    for text in ("42", '{"items": []}', '"x"'):
        with pytest.raises(TableError):
            parse_json(text)
    with pytest.raises(TableError):
        parse_json(json.dumps([item] * 3), max_rows=2)


# --------------------------------------------------------------------------- GIFT

MOODLE_SAMPLE = """\
// 行政处罚法题目，由 Moodle 导出
$CATEGORY: $course$/top/默认/行政处罚法

// question: 1  name: Q1
::Q1::行政处罚由谁实施？{=行政机关#对 ~人民法院#错 ~人民检察院}

::Q2::下列属于行政处罚的有{
\t~%50%警告
\t~%50%罚款
\t~%-100%记过
\t####记过是处分。
}

::Q3::违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚。{T}

::Q4::初次违法的，应当不予处罚。{FALSE#不对#对####是“可以”。}

::Q5::[html]行政复议申请期限为多少日？{=六十 =60}

$CATEGORY: 行政复议法

应当在{=十五日 =15日}内作出{=书面}决定。

行政处罚{~不 =应当}公开。

含特殊字符 a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h 换行\\n第二行{=x\\=y ~z\\~w}

::Q9::行政处罚的种类{~%100%警告 ~罚款}

::Q10::复议期限{=%100%六十 =%50%六 =六十日}
"""


def test_gift_moodle_sample():
    result = parse_gift(MOODLE_SAMPLE)
    questions = only(result)
    assert [n for n, _ in result.questions] == [5, 7, 14, 16, 18, 22, 24, 26, 28, 30]
    single, multiple, true_, false_, short, blanks, missing, escaped, one, partial = questions
    assert single == QuestionData("single", "行政处罚由谁实施？", ["行政机关", "人民法院", "人民检察院"],
                                  "A", category="行政处罚法")
    assert (multiple.qtype, multiple.answer, multiple.explanation) == \
        ("multiple", ["A", "B"], "记过是处分。")
    assert multiple.options == ["警告", "罚款", "记过"]
    assert (true_.answer, false_.answer, false_.explanation) == (True, False, "是“可以”。")
    assert short == QuestionData("fill", "行政复议申请期限为多少日？", [], [["六十", "60"]],
                                 category="行政处罚法")
    assert blanks.stem == "应当在____内作出____决定。"
    assert blanks.answer == [["十五日", "15日"], ["书面"]] and blanks.category == "行政复议法"
    assert (missing.stem, missing.options, missing.answer) == ("行政处罚____公开。", ["不", "应当"], "B")
    assert escaped.stem == "含特殊字符 a~b=c#d{e}f:g\\h 换行\n第二行"
    assert escaped.options == ["x=y", "z~w"]
    assert (one.qtype, one.answer) == ("single", "A")
    assert partial.answer == [["六十", "六十日"]]
    assert result.format == "gift"


@pytest.mark.parametrize("text, expected", [
    ("{T}", True), ("{F}", False), ("{TRUE}", True), ("{FALSE}", False), ("{true}", True),
    ("{ T #feedback}", True), ("{F####解析}", False),
])
def test_gift_true_false_spellings(text, expected):
    assert only(parse_gift("题干" + text))[0].answer is expected


GIFT_ERRORS = """\
::ok::好题{T}

缺少右括号 {=a ~b

作文题{}

数值题{#1822:5}

配对题{=a -> 1 =b -> 2}

两个等号{=a =b ~c}

没有正确答案{~a ~b}

::未闭合标题 题干{T}

多余的右括号 } {T}

选项太少{=a ~}

选择与填空混用{=a ~b} 和 {=c}

// trainingapp: {not json
带坏注释{T}

空的简答{=%50%a}
"""


def test_gift_errors_name_the_question_line():
    result = parse_gift(GIFT_ERRORS)
    assert [n for n, _ in result.questions] == [1]
    rows = [(row, message) for row, _, message in problems(result)]
    assert [row for row, _ in rows] == [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 24, 26]
    words = ["never closed", "essay", "Numerical", "Matching", "exactly one =", "No correct",
             "title", "closing }", "at least 2 options", "Only fill-in blanks", "JSON object",
             "full marks"]
    joined = [m for _, m in rows]
    for word in words:
        assert any(word in m for m in joined), word
    assert all(e.column is None for e in result.errors)


def test_gift_metadata_comment_restores_our_fields():
    text = ('// trainingapp: {"difficulty": "hard", "points": 2.5, "status": "inactive", '
            '"knowledge_point": "k", "basis": "b", "category": "c/d", "blanks": ["（  ）"]}\n'
            "::t::应当在{=十五日}内{T}")
    result = parse_gift(text)
    assert "Only fill-in blanks" in problems(result)[0][2]
    text = text.replace("{T}", "")
    question = only(parse_gift(text))[0]
    assert question == QuestionData("fill", "应当在（  ）内", [], [["十五日"]], points=2.5,
                                    difficulty="hard", category="c/d", knowledge_point="k",
                                    basis="b", is_active=False)


def test_gift_html_export_of_moodle_becomes_plain_text():
    text = ("::Q::[html]<p>行政处罚&nbsp;由<b>谁</b>实施？</p><p>第二段</p>{\n"
            "\t=<p>行政机关</p>\n\t~[plain]<法院>\n\t####<p>见第十七条 &amp; 第十八条</p>\n}")
    question = only(parse_gift(text))[0]
    assert question.stem == "行政处罚 由谁实施？\n第二段"
    assert question.options == ["行政机关", "<法院>"]
    assert question.explanation == "见第十七条 & 第十八条"


# --------------------------------------------------------------------------- Aiken

AIKEN = """\
行政处罚由谁实施？
A. 行政机关
B) 人民法院
C．人民检察院
ANSWER: A

多行
题干
A、甲
B、乙
answer：b
"""


def test_aiken():
    result = parse_aiken(AIKEN)
    assert [n for n, _ in result.questions] == [1, 7]
    first, second = only(result)
    assert first == QuestionData("single", "行政处罚由谁实施？", ["行政机关", "人民法院", "人民检察院"], "A")
    assert (second.stem, second.answer) == ("多行\n题干", "B")
    assert result.format == "aiken"


AIKEN_ERRORS = """\
答案不是选项
A. 甲
B. 乙
ANSWER: C

选项乱序
A. 甲
C. 丙
ANSWER: A

ANSWER: A

两个答案
A. 甲
B. 乙
ANSWER: AB

没有答案行
A. 甲
B. 乙
下一题
A. 甲
B. 乙
ANSWER: A
"""


def test_aiken_errors_name_lines():
    result = parse_aiken(AIKEN_ERRORS)
    assert [n for n, _ in result.questions] == [21]
    found = [(row, message) for row, _, message in problems(result)]
    assert [row for row, _ in found] == [1, 8, 11, 13, 18]
    assert "option C is empty" in found[0][1]
    assert "follows option A" in found[1][1]
    assert "no question" in found[2][1]
    assert "exactly one answer" in found[3][1]
    assert "ANSWER" in found[4][1]


@pytest.mark.parametrize("text, expected", [
    (AIKEN, "aiken"), (MOODLE_SAMPLE, "gift"), ("题干{T}", "gift"),
])
def test_txt_detection(text, expected):
    assert detect_text_format(text) == expected
    result = parse_upload(text.encode("gb18030"), "题库.txt", max_rows=100)
    assert result.format == expected


def test_txt_that_is_neither_is_a_table_error():
    with pytest.raises(TableError):
        parse_upload("只是一些文字\n没有答案".encode(), "a.txt", max_rows=10)


# --------------------------------------------------------------------------- export

VARIED = [
    QuestionData("single", "第一行\n第二行：依据《行政处罚法》, \"引号\" 和 'single'",
                 ["含,逗号", "含\"引号\"", "多行\n选项", "普通"], "C", explanation="解析\n两行",
                 points=2.5, difficulty="easy", category="行政处罚法", knowledge_point="听证",
                 basis="第六十三条"),
    QuestionData("multiple", "GIFT 特殊字符 ~ = # { } : 以及 \\ 反斜杠和 \\n 字面",
                 ["a~b", "c=d", "e#f", "{g}", "h:i", "%50%折扣"], ["A", "C", "F"],
                 explanation="~=#{}:"),
    QuestionData("truefalse", "=1+1 看似公式", [], False, is_active=False),
    QuestionData("truefalse", "-开头 // 不是注释", [], True, difficulty="hard", points=0.5),
    QuestionData("fill", "应当在____内作出____决定", [], [["十五日", "15日"], ["书面"]],
                 explanation="两个空"),
    QuestionData("fill", "没有空位标记的填空", [], [["甲", "乙"]], points=2.5),
    QuestionData("fill", "两个空无标记", [], [["a"], ["b"]]),
    QuestionData("fill", "括号空（  ）和___", [], [["x=y"], ["{z}", "#1"]], category="分类/子类"),
    QuestionData("fill", "末尾空____", [], [["%100%"]]),
    QuestionData("single", "[html]像格式标记的题干", ["[plain]甲", "[html]乙"], "B",
                 category="分类/子类", explanation="[markdown]解析"),
    QuestionData("fill", "[moodle]短答", [], [["[html]x"]]),
    QuestionData("single", "八个选项", list("一二三四五六七八"), "H", points=100),
    QuestionData("multiple", "@开头，分类切换后无分类", ["a", "b", "c"], ["A", "B"]),
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json", "gift"])
def test_round_trip(fmt):
    data, mimetype, extension = export_questions(VARIED, fmt)
    assert extension == fmt and mimetype
    result = parse_upload(data, f"导出.{extension}", max_rows=100)
    assert result.duplicates == []
    assert only(result) == VARIED


def test_frame_headers_and_notations():
    frame = questions_to_frame(VARIED[2:9])
    assert list(frame.columns) == ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析",
                                   "分值", "难度", "法律法规分类", "知识点", "依据条款", "状态"]
    assert list(frame["题型"]) == ["判断", "判断", "填空", "填空", "填空", "填空", "填空"]
    assert list(frame["答案"])[:5] == ["错", "对", "十五日;15日|书面", "甲;乙", "a|b"]
    assert list(frame["状态"])[:2] == ["停用", "启用"]
    assert list(frame["难度"])[:2] == ["中", "难"]
    assert list(frame["分值"])[:2] == [2, 0.5]
    wide = questions_to_frame(VARIED)
    assert [c for c in wide.columns if c.startswith("选项")] == [f"选项{x}" for x in "ABCDEFGH"]
    assert list(wide["答案"])[:2] == ["C", "ACF"]


def test_exported_files_are_safe_and_readable():
    csv_data, mimetype, _ = export_questions(VARIED, "csv")
    assert csv_data.startswith(b"\xef\xbb\xbf") and "csv" in mimetype
    book = openpyxl.load_workbook(io.BytesIO(export_questions(VARIED, "xlsx")[0]))
    assert book.sheetnames == ["题目"]
    assert book["题目"]["B4"].value == "'=1+1 看似公式"  # Excel must not run it as a formula
    assert json.loads(export_questions(VARIED, "json")[0])[2]["status"] == "inactive"
    gift = questions_to_gift(VARIED)
    assert "$CATEGORY: 行政处罚法" in gift and "// trainingapp: {" in gift
    assert "\n\n" in gift and "~%33.33333%" in gift
    with pytest.raises(ValueError):
        export_questions(VARIED, "docx")


# --------------------------------------------------------------------------- template

def test_template():
    data = build_template()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["题目", "填写说明"]
    sheet = book["题目"]
    headers = [c.value for c in sheet[1]]
    assert headers == ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分值",
                       "难度", "法律法规分类", "知识点", "依据条款", "状态"]
    assert [sheet.cell(row=r, column=1).value for r in range(2, 6)] == ["单选", "多选", "判断", "填空"]
    assert "____" in sheet.cell(row=5, column=2).value
    result = parse_upload(data, "模板.xlsx", max_rows=10)
    assert only(result) == TEMPLATE_EXAMPLES
    assert result.counts_by_type == {"single": 1, "multiple": 1, "truefalse": 1, "fill": 1}
    explained = " ".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row)
    for word in ["题型", "题干", "选项A", "答案", "解析", "分值", "难度", "法律法规分类", "知识点",
                 "依据条款", "状态", "|", ";", "对", "ABD", "____"]:
        assert word in explained, word


# --------------------------------------------------------------------------- properties

TEXT = st.text(alphabet=st.sampled_from(list("法规ab ~=#{}:%\\\n-_（）|;'\"→>[]/")), min_size=1,
               max_size=12).map(clean_text).filter(bool)
#: Spreadsheet notation cannot carry | or ; inside a fill alternative.
ALTERNATIVE = TEXT.map(lambda t: t.replace("|", "").replace(";", "").strip()).filter(bool)


@st.composite
def questions(draw):
    qtype = draw(st.sampled_from(["single", "multiple", "truefalse", "fill"]))
    stem = draw(TEXT)
    options, answer = [], None
    if qtype in ("single", "multiple"):
        options = draw(st.lists(TEXT, min_size=2, max_size=8))
        letters = "ABCDEFGH"[:len(options)]
        if qtype == "single":
            answer = draw(st.sampled_from(letters))
        else:
            answer = sorted(draw(st.sets(st.sampled_from(letters), min_size=2)))
    elif qtype == "truefalse":
        answer = draw(st.booleans())
    else:
        markers = len(BLANK_MARKER.findall(stem))
        count = markers or draw(st.integers(1, 3))
        answer = [draw(st.lists(ALTERNATIVE, min_size=1, max_size=2)) for _ in range(count)]
    return QuestionData(qtype, stem, options, answer, explanation=draw(st.one_of(st.just(""), TEXT)),
                        points=draw(st.sampled_from([None, 0.5, 2.5, 100])),
                        difficulty=draw(st.sampled_from(["easy", "medium", "hard"])),
                        category=draw(st.one_of(st.just(""), TEXT)),
                        is_active=draw(st.booleans()))


@settings(max_examples=60, deadline=None)
@given(st.lists(questions(), min_size=1, max_size=4), st.sampled_from(["csv", "json", "gift"]))
def test_round_trip_property(batch, fmt):
    data, _, extension = export_questions(batch, fmt)
    result = parse_upload(data, "x." + extension, max_rows=100)
    assert result.errors == []
    back = [q for _, q in result.questions]
    kept = [q for q in batch if q not in back]
    assert not kept or result.duplicates  # only a duplicate may be set aside
    for question in back:
        assert question in batch


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab{}~=#:%\\\n /-> TF$CATEGORY[]")), max_size=60))
def test_gift_parser_never_crashes(text):
    result = parse_gift(text)
    for _, question in result.questions:
        assert question.stem
