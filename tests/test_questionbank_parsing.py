"""Question-bank notations, row validation and spreadsheet uploads (trainingapp.questionbank.parsing)."""
import io
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainingapp.platform.tabular import RowError, TableError
from trainingapp.questionbank.parsing import (
    QUESTION_COLUMNS,
    QuestionData,
    blank_count,
    count_blank_markers,
    dedup_key,
    parse_choice_answer,
    parse_difficulty,
    parse_fill_answer,
    parse_points,
    parse_status,
    parse_truefalse,
    parse_type,
    parse_upload,
    validate_row,
)

HEADERS = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分值", "难度",
           "法律法规分类", "知识点", "依据条款", "状态"]


def xlsx(rows, headers=HEADERS) -> bytes:
    """An .xlsx built the way Excel stores cells (numbers stay numbers, None stays empty)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(lines, encoding="utf-8-sig") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def messages(errors):
    return [str(e.message) for e in errors]


# --------------------------------------------------------------------------- notations

@pytest.mark.parametrize("text, expected", [
    *[(w, "single") for w in ["单选", "单选题", "单项选择", "单项选择题", "single", "Single Choice",
                              "SINGLE", " 单选 "]],
    *[(w, "multiple") for w in ["多选", "多选题", "多项选择", "多项选择题", "multiple",
                                "multiple choice"]],
    *[(w, "truefalse") for w in ["判断", "判断题", "true/false", "truefalse", "true-false", "tf",
                                 "TF", "True/False"]],
    *[(w, "fill") for w in ["填空", "填空题", "fill", "fill in the blank", "Fill In The Blank",
                            "blank"]],
    *[(w, "short") for w in ["简答", "简答题", "问答题", "short answer", "Essay"]],
    *[(w, "case") for w in ["案例分析", "案例分析题", "案例题", "case", "Case Analysis"]],
])
def test_type_spellings(text, expected):
    assert parse_type(text) == expected


@pytest.mark.parametrize("text", ["论述", "choice", "", "单选多选"])
def test_unknown_type_names_accepted_types(text):
    with pytest.raises(ValueError) as info:
        parse_type(text)
    message = str(info.value.args[0])
    assert "单选" in message and "填空" in message and "truefalse" in message


@pytest.mark.parametrize("text, expected", [
    ("ABD", ["A", "B", "D"]),
    ("A,B,D", ["A", "B", "D"]),
    ("A，B，D", ["A", "B", "D"]),
    ("A、B、D", ["A", "B", "D"]),
    ("A B D", ["A", "B", "D"]),
    ("a b d", ["A", "B", "D"]),
    ("ＡＢＤ", ["A", "B", "D"]),
    ("DBA", ["A", "B", "D"]),
    ("AABD", ["A", "B", "D"]),
    ("A;B", ["A", "B"]),
    ("B", ["B"]),
    ("b", ["B"]),
    ("Ｃ", ["C"]),
    ("A\nB", ["A", "B"]),
])
def test_choice_answer_spellings(text, expected):
    assert parse_choice_answer(text) == expected


@pytest.mark.parametrize("text", ["", "1", "A2", "对", "A-B"])
def test_bad_choice_answers_say_what_is_expected(text):
    with pytest.raises(ValueError) as info:
        parse_choice_answer(text)
    assert "ABD" in str(info.value.args[0])


TRUE_SPELLINGS = ["对", "正确", "√", "✓", "✔", "V", "v", "T", "t", "true", "TRUE", "True", "是",
                  "Y", "y", "yes", "YES", "1", "Ｔ"]
FALSE_SPELLINGS = ["错", "错误", "×", "✗", "✘", "X", "x", "F", "f", "false", "FALSE", "False",
                   "否", "N", "n", "no", "NO", "0"]


@pytest.mark.parametrize("text", TRUE_SPELLINGS)
def test_true_spellings(text):
    assert parse_truefalse(text) is True


@pytest.mark.parametrize("text", FALSE_SPELLINGS)
def test_false_spellings(text):
    assert parse_truefalse(text) is False


@pytest.mark.parametrize("text", ["", "maybe", "2", "对错"])
def test_bad_truefalse_lists_accepted_notations(text):
    with pytest.raises(ValueError) as info:
        parse_truefalse(text)
    message = str(info.value.args[0])
    assert "对/错" in message and "√/×" in message


@pytest.mark.parametrize("text, expected", [
    ("十五日", [["十五日"]]),
    ("十五日;15日|书面", [["十五日", "15日"], ["书面"]]),
    ("十五日；15日｜书面", [["十五日", "15日"], ["书面"]]),
    (" 十五日 ; 15日 | 书面 ", [["十五日", "15日"], ["书面"]]),
    ("a;;b|c;", [["a", "b"], ["c"]]),
    ("a|b|c", [["a"], ["b"], ["c"]]),
    ("Grant's tomb, 1885", [["Grant's tomb, 1885"]]),
])
def test_fill_answer_notation(text, expected):
    assert parse_fill_answer(text) == expected


@pytest.mark.parametrize("text, blank", [("a||b", "2"), ("a|", "2"), ("|a", "1"), (";|a", "1")])
def test_fill_blank_without_alternative_is_an_error(text, blank):
    with pytest.raises(ValueError) as info:
        parse_fill_answer(text)
    message = str(info.value.args[0])
    assert f"Blank {blank}" in message and "|" in message


def test_empty_fill_answer_explains_notation():
    with pytest.raises(ValueError) as info:
        parse_fill_answer("  ")
    assert "|" in str(info.value.args[0]) and ";" in str(info.value.args[0])


@pytest.mark.parametrize("text, expected", [
    ("2", 2.0), ("2.5", 2.5), ("2.50", 2.5), ("0.01", 0.01), ("100", 100.0), ("２", 2.0),
    ("3分", 3.0), ("", None), (2, 2.0), (2.5, 2.5),
])
def test_points(text, expected):
    assert parse_points(text) == expected


@pytest.mark.parametrize("text", ["0", "-1", "100.01", "101", "2.555", "abc", "nan", "inf",
                                  "1e400", True])
def test_bad_points_say_what_is_expected(text):
    with pytest.raises(ValueError) as info:
        parse_points(text)
    message = str(info.value.args[0])
    assert "greater than 0" in message and "100" in message and "2 decimals" in message


@pytest.mark.parametrize("text, expected", [
    ("易", "easy"), ("中", "medium"), ("难", "hard"), ("easy", "easy"), ("Medium", "medium"),
    ("HARD", "hard"), ("简单", "easy"), ("一般", "medium"), ("困难", "hard"), ("1", "easy"),
    ("2", "medium"), ("3", "hard"), ("", "medium"),
])
def test_difficulty_spellings(text, expected):
    assert parse_difficulty(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("启用", True), ("停用", False), ("active", True), ("inactive", False), ("Active", True),
    ("是", True), ("否", False), ("1", True), ("0", False), ("", True), (True, True),
    (False, False),
])
def test_status_spellings(text, expected):
    assert parse_status(text) is expected


@pytest.mark.parametrize("parser, text, accepted", [
    (parse_difficulty, "很难", "易/中/难"),
    (parse_status, "删除", "启用/停用"),
])
def test_unknown_difficulty_and_status_list_accepted(parser, text, accepted):
    with pytest.raises(ValueError) as info:
        parser(text)
    assert accepted in str(info.value.args[0])


@pytest.mark.parametrize("stem, count", [
    ("应当在____内作出____决定", 2),
    ("应当在__内", 1),
    ("应当在_内", 0),
    ("应当在＿＿内", 1),
    ("应当（  ）。", 1),
    ("应当(  )。", 1),
    ("应当（\u3000）。", 1),
    ("应当（ 书面 ）。", 0),
    ("没有空", 0),
])
def test_blank_markers(stem, count):
    assert count_blank_markers(stem) == count


def test_blank_count_and_default_points():
    fill = QuestionData("fill", "在____内", [], [["十五日", "15日"], ["书面"]])
    assert blank_count(fill) == 2
    assert blank_count(QuestionData("single", "s", ["a", "b"], "A")) == 0
    assert [QuestionData(t, "s", [], None).points
            for t in ("single", "multiple", "truefalse", "fill")] == [2.0, 3.0, 2.0, 2.0]


def test_dedup_key_ignores_spacing_width_blanks_and_trailing_punctuation():
    base = QuestionData("single", "行政处罚的种类包括（ ）", ["警告", "罚款"], "A")
    variants = [
        "行政处罚的种类包括（  ）。",
        "行政处罚的种类 包括()",
        "行政处罚的种类包括？",
        "行政处罚的种类包括",
        " 行政处罚的\n种类包括______",
    ]
    for stem in variants:
        assert dedup_key(QuestionData("single", stem, ["警告", "罚款"], "B")) == dedup_key(base)
    assert dedup_key(QuestionData("single", "ＡＢＣ ｄ", ["ｘ", "y"], "A")) == \
        dedup_key(QuestionData("single", "ABCd", ["x", "Y"], "A"))
    assert dedup_key(QuestionData("multiple", base.stem, base.options, ["A", "B"])) != \
        dedup_key(base)
    assert dedup_key(QuestionData("single", base.stem, ["警告", "拘留"], "A")) != dedup_key(base)
    assert len(dedup_key(base)) == 64


# --------------------------------------------------------------------------- validate_row

def row(**cells):
    base = {"type": "单选", "stem": "题干", "option_A": "甲", "option_B": "乙", "option_C": "",
            "option_D": "", "answer": "A", "explanation": "", "points": "", "difficulty": "",
            "category": "", "knowledge_point": "", "basis": "", "status": ""}
    base.update(cells)
    return base


HEADER_MAP = {key: names[0] for key, names in QUESTION_COLUMNS.items()}


def test_valid_rows_of_each_type():
    q, errors = validate_row(row(type="多选", option_C="丙", answer="C,A", points="2.5",
                                 difficulty="难", status="停用", category="行政处罚法",
                                 stem="第一行\n第二行"), HEADER_MAP, 7)
    assert errors == []
    assert q == QuestionData("multiple", "第一行\n第二行", ["甲", "乙", "丙"], ["A", "C"],
                             points=2.5, difficulty="hard", category="行政处罚法",
                             is_active=False)
    q, _ = validate_row(row(type="判断", option_A="", option_B="", answer="√"), HEADER_MAP, 2)
    assert q.answer is True and q.options == [] and q.points == 2.0
    q, _ = validate_row(row(type="填空", option_A="", option_B="", stem="在____内",
                            answer="十五日;15日"), HEADER_MAP, 2)
    assert q.answer == [["十五日", "15日"]]


# (cells, column key, text the message must contain)
ROW_ERRORS = [
    ({"stem": ""}, "stem", "stem"),
    ({"type": ""}, "type", "单选, 多选, 判断, 填空"),
    ({"type": "论述"}, "type", "单选, 多选, 判断, 填空"),
    ({"option_B": ""}, "option_B", "at least 2 options"),
    ({"option_B": "", "option_C": "丙"}, "option_B", "without gaps"),
    ({"answer": "D"}, "answer", "option D is empty"),
    ({"answer": "AB"}, "answer", "多选"),
    ({"type": "多选", "answer": "A"}, "answer", "单选"),
    ({"type": "多选", "answer": ""}, "answer", "ABD"),
    ({"answer": ""}, "answer", "e.g. B"),
    ({"answer": "甲"}, "answer", "A–H"),
    ({"type": "判断", "option_A": "", "option_B": "", "answer": "也许"}, "answer", "对/错"),
    ({"type": "判断", "answer": "对"}, "option_A", "take no options"),
    ({"type": "填空", "option_A": "", "answer": "x"}, "option_B", "take no options"),
    ({"type": "填空", "option_A": "", "option_B": "", "answer": ""}, "answer", "|"),
    ({"type": "填空", "option_A": "", "option_B": "", "stem": "在____内作出____决定",
      "answer": "十五日"}, "answer", "2 blank(s)"),
    ({"type": "填空", "option_A": "", "option_B": "", "stem": "在（  ）内",
      "answer": "a|b"}, "answer", "1 blank(s)"),
    ({"type": "填空", "option_A": "", "option_B": "", "answer": "a||b"}, "answer", "Blank 2"),
    ({"points": "0"}, "points", "greater than 0"),
    ({"points": "两分"}, "points", "greater than 0"),
    ({"points": "2.555"}, "points", "2 decimals"),
    ({"difficulty": "超难"}, "difficulty", "易/中/难"),
    ({"status": "作废"}, "status", "启用/停用"),
    ({"category": "法" * 51}, "category", "at most 50"),
    ({"knowledge_point": "点" * 101}, "knowledge_point", "at most 100"),
    ({"basis": "条" * 201}, "basis", "at most 200"),
    ({"option_B": "乙" * 1001}, "option_B", "at most 1000"),
]


@pytest.mark.parametrize("cells, key, expected", ROW_ERRORS)
def test_row_errors_name_row_column_and_expectation(cells, key, expected):
    question, errors = validate_row(row(**cells), HEADER_MAP, 12)
    assert question is None
    assert len(errors) == 1, messages(errors)
    assert errors[0].row == 12
    assert errors[0].column == HEADER_MAP[key]
    assert expected in str(errors[0].message)


def test_more_than_eight_options():
    cells = row(**{f"option_{letter}": letter.lower() for letter in "ABCDEFGHI"})
    question, errors = validate_row(cells, {"option_I": "选项I"}, 3)
    assert question is None
    assert [(e.column, "at most 8" in str(e.message)) for e in errors] == [("选项I", True)]


def test_row_errors_use_the_header_the_file_used():
    headers = {"type": "type", "stem": "question", "answer": "正确答案", "option_A": "A",
               "option_B": "option B"}
    _, errors = validate_row(row(type="x", stem="", answer="Z", option_B=""), headers, 4)
    assert [e.column for e in errors] == ["type", "question"]
    _, errors = validate_row(row(answer="D", option_B="", option_C="丙"), headers, 4)
    assert [e.column for e in errors] == ["option B", "正确答案"]
    # a key the file did not have falls back to the Chinese name
    _, errors = validate_row(row(points="-2"), headers, 4)
    assert [e.column for e in errors] == ["分值"]


def test_every_problem_of_a_row_is_reported():
    cells = row(type="单选", stem="", option_B="", option_C="丙", answer="AD", points="x",
                difficulty="?", status="?")
    question, errors = validate_row(cells, HEADER_MAP, 5)
    assert question is None
    columns = [e.column for e in errors]
    assert columns == ["题干", "选项B", "答案", "答案", "分值", "难度", "状态"]
    assert all(e.row == 5 for e in errors)


def test_unneutralised_formula_cells_and_missing_keys():
    q, errors = validate_row({"type": "判断", "stem": "'=1+1 是公式", "answer": "'-"}, {}, 2)
    assert q is None and errors[0].column == "答案"
    q, errors = validate_row({"type": "判断", "stem": "'=1+1 是公式", "answer": "对"}, {}, 2)
    assert errors == [] and q.stem == "=1+1 是公式"


# --------------------------------------------------------------------------- files

GOOD_ROWS = [
    ["单选", "题干一", "甲", "乙", None, None, "B", "解析", 2, "易", "行政处罚法", "听证", "第63条",
     "启用"],
    ["判断", "题干二", None, None, None, None, 1, None, 2.0, None, "行政复议法", None, None, None],
    ["判断", "题干三", None, None, None, None, False, None, None, None, None, None, None, None],
    ["多选", "题干四", "甲", "乙", "丙", None, "A,C", None, 2.5, "难", "行政处罚法", None, None,
     "停用"],
    ["填空", "在____内作出____决定", None, None, None, None, "十五日;15日|书面", None, None, None,
     None, None, None, None],
]


def test_xlsx_with_excel_numbers_booleans_and_empty_rows():
    rows = [GOOD_ROWS[0], [None] * 14, GOOD_ROWS[1], GOOD_ROWS[2], [None] * 14, GOOD_ROWS[3],
            GOOD_ROWS[4]]
    result = parse_upload(xlsx(rows), "题库.xlsx", max_rows=100)
    assert result.errors == [] and result.duplicates == []
    assert [n for n, _ in result.questions] == [2, 4, 5, 7, 8]
    questions = [q for _, q in result.questions]
    assert questions[1].answer is True and questions[1].points == 2.0
    assert questions[2].answer is False
    assert questions[3] == QuestionData("multiple", "题干四", ["甲", "乙", "丙"], ["A", "C"],
                                        points=2.5, difficulty="hard", category="行政处罚法",
                                        is_active=False)
    assert questions[4].answer == [["十五日", "15日"], ["书面"]]
    assert result.counts_by_type == {"single": 1, "truefalse": 2, "multiple": 1, "fill": 1}
    assert result.counts_by_category == {"行政处罚法": 2, "行政复议法": 1, "": 2}
    assert result.rows_read == 5 and result.format == "xlsx"


def test_xlsx_dates_and_integers_excel_made_are_read_as_text():
    rows = [["填空", "《民法典》自____起施行", None, None, None, None, datetime(2021, 1, 1), None,
             None, 2, None, date(2020, 5, 28), None, 1]]
    question = [q for _, q in parse_upload(xlsx(rows), "q.xlsx", max_rows=10).questions][0]
    assert question.answer == [["2021-01-01"]]
    assert (question.knowledge_point, question.difficulty, question.is_active) == \
        ("2020-05-28", "medium", True)


def test_every_error_of_a_multi_error_file_is_reported():
    rows = [
        ["单选", "好题", "甲", "乙", None, None, "A", None, None, None, None, None, None, None],
        ["单选", None, "甲", None, None, None, "C", None, 0, None, None, None, None, None],
        [None] * 14,
        ["论述", "题", None, None, None, None, "x", None, None, "很难", None, None, None, None],
        ["判断", "题", "甲", None, None, None, "也许", None, None, None, None, None, None, "删"],
    ]
    result = parse_upload(xlsx(rows), "q.xlsx", max_rows=100)
    assert [n for n, _ in result.questions] == [2]
    found = [(e.row, e.column) for e in result.errors]
    assert found == [
        (3, "题干"), (3, "选项B"), (3, "答案"), (3, "分值"),
        (5, "题型"), (5, "难度"),
        (6, "选项A"), (6, "答案"), (6, "状态"),
    ]
    assert all(isinstance(e, RowError) for e in result.errors)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings(encoding):
    data = csv_bytes([
        "题型,题干,选项A,选项B,答案,分值",
        "单选,\"《行政处罚法》规定，\"\"听证\"\"由谁主持？\",甲,乙,B,2",
        ",,,,,",
        "判断,行政复议不收费。,,,对,",
    ], encoding)
    result = parse_upload(data, "bank.CSV", max_rows=10)
    assert result.errors == []
    assert [(n, q.stem) for n, q in result.questions] == [
        (2, "《行政处罚法》规定，\"听证\"由谁主持？"), (4, "行政复议不收费。")]


@pytest.mark.parametrize("headers, missing", [
    (["题干", "答案"], "题型"),
    (["题型", "答案"], "题干"),
    (["题型", "题干"], "答案"),
])
def test_missing_required_column(headers, missing):
    with pytest.raises(TableError) as info:
        parse_upload(csv_bytes([",".join(headers), ",".join("x" * len(headers))]), "a.csv",
                     max_rows=10)
    assert missing in str(info.value.message)


def test_english_headers_and_extra_columns_listed():
    data = csv_bytes(["Type,Question,A,B,Answer,Remark,Author",
                      "single,Which?,x,y,a,note,Li"])
    result = parse_upload(data, "a.csv", max_rows=10)
    assert result.extra_columns == ["Remark", "Author"]
    assert result.questions[0][1].answer == "A"


def test_ninth_option_column_is_read_to_report_it():
    data = csv_bytes(["题型,题干,选项A,选项B,选项C,选项D,选项E,选项F,选项G,选项H,选项I,答案",
                      "单选,题,a,b,c,d,e,f,g,h,i,A"])
    result = parse_upload(data, "a.csv", max_rows=10)
    assert result.extra_columns == []
    assert [(e.row, e.column) for e in result.errors] == [(2, "选项I")]


def test_duplicates_within_a_file_name_the_earlier_row():
    data = csv_bytes([
        "题型,题干,选项A,选项B,答案",
        "单选,行政处罚的种类包括（ ）,警告,罚款,A",
        "单选,行政处罚的种类包括,警告,罚款,B",
        "判断,行政处罚的种类包括,,,对",
        "单选,行政处罚的种类  包括（  ）。,警告,罚款,A",
    ])
    result = parse_upload(data, "a.csv", max_rows=10)
    assert [n for n, _ in result.questions] == [2, 4]
    assert [(d.row, d.column) for d in result.duplicates] == [(3, "题干"), (5, "题干")]
    assert all("row 2" in str(d.message) for d in result.duplicates)


def test_whole_file_problems():
    with pytest.raises(TableError) as info:
        parse_upload(b"abc", "bank.docx", max_rows=10)
    assert ".xlsx" in str(info.value.message) and ".json" in str(info.value.message)
    with pytest.raises(TableError):
        parse_upload(b"", "bank.csv", max_rows=10)
    with pytest.raises(TableError):
        parse_upload(b"not a zip", "bank.xlsx", max_rows=10)
    rows = "\n".join(f"判断,题{i},对" for i in range(5))
    with pytest.raises(TableError):
        parse_upload(f"题型,题干,答案\n{rows}".encode(), "a.csv", max_rows=4)


def test_header_only_file_gives_an_empty_result():
    result = parse_upload(csv_bytes(["题型,题干,答案"]), "a.csv", max_rows=10)
    assert result.questions == [] and result.errors == [] and result.rows_read == 0


# --------------------------------------------------------------------------- properties

KEYS = ["type", "stem", "option_A", "option_B", "option_C", "option_I", "answer", "explanation",
        "points", "difficulty", "category", "knowledge_point", "basis", "status"]
TYPE_WORDS = st.sampled_from(["单选", "多选", "判断", "填空", "x", ""])
CELL = st.one_of(st.text(max_size=12), st.sampled_from(["A", "AB", "对", "a|b", "____", "2"]))


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({k: (TYPE_WORDS if k == "type" else CELL) for k in KEYS}),
       st.integers(min_value=2, max_value=10 ** 6))
def test_validate_row_returns_a_question_or_errors(cells, rownum):
    question, errors = validate_row(cells, {}, rownum)
    assert (question is None) == bool(errors)
    if question is not None:
        assert question.qtype in ("single", "multiple", "truefalse", "fill")
        assert question.stem and 0 < question.points <= 100
        if question.qtype in ("single", "multiple"):
            assert 2 <= len(question.options) <= 8
        dedup_key(question)
    for error in errors:
        assert error.row == rownum and str(error.message)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.sampled_from([".csv", ".xlsx", ".xls", ".json", ".gift",
                                                 ".txt", ".pdf", ""]))
def test_parse_upload_on_random_bytes_only_raises_table_error(data, extension):
    try:
        parse_upload(data, "upload" + extension, max_rows=50)
    except TableError:
        pass


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(max_size=8), min_size=5, max_size=5), max_size=6),
       st.sampled_from(["utf-8-sig", "gb18030"]))
def test_parse_upload_on_random_cells_only_raises_table_error(rows, encoding):
    import csv
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["题型", "题干", "选项A", "答案", "分值"])
    writer.writerows(rows)
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        result = parse_upload(data, "x.csv", max_rows=50)
    except TableError:
        return
    assert len(result.questions) + len(result.duplicates) <= result.rows_read
