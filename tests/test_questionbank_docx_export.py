"""The bank out to Word: the paper's paragraphs, both answer styles, filters, fonts, access,
the Word template and the shipped sample bank (read back with python-docx)."""
import importlib.util
import io
import re
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from sqlalchemy import select

from trainingapp.accounts.audit import AuditEvent
from trainingapp.platform.extensions import db
from trainingapp.questionbank.docx_writer import (
    KEY_HEADING,
    STEM,
    Line,
    chinese_numeral,
    key_lines,
    paper_lines,
    questions_to_docx,
    render,
)
from trainingapp.questionbank.parsing import QuestionData

BANK = Path(__file__).resolve().parent.parent / "question_bank"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def texts(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs if p.text]


def q(qtype, stem, options=(), answer=None, **kwargs):
    return QuestionData(qtype=qtype, stem=stem, options=list(options), answer=answer, **kwargs)


SINGLE = q("single", "行政处罚由谁实施？", ["行政机关", "人民法院", "人民检察院"], "A",
           explanation="第十七条规定。", basis="《行政处罚法》第十七条", knowledge_point="实施机关")
MULTIPLE = q("multiple", "下列属于行政处罚的有（  ）。", ["警告", "罚款", "记过"], ["A", "B"])
TRUE = q("truefalse", "宪法是国家的根本法。", answer=True)
FALSE = q("truefalse", "行政拘留可以由规章设定。", answer=False, explanation="只能由法律设定。")
FILL = q("fill", "应当在____日内提出____申请。", answer=[["六十", "60"], ["行政复议"]])


@pytest.fixture
def trainer(as_role):
    return as_role("trainer")


# --------------------------------------------------------------------------- the layout

def test_every_type_with_answers_inline():
    lines = paper_lines([FILL, TRUE, SINGLE, MULTIPLE, FALSE], title="行政处罚法题库")
    assert [line.text for line in lines] == [
        "行政处罚法题库",
        "一、单项选择题（每题2分）",
        "1. 行政处罚由谁实施？", "A. 行政机关", "B. 人民法院", "C. 人民检察院",
        "答案：A", "解析：第十七条规定。", "【考点】实施机关", "【法律依据】《行政处罚法》第十七条",
        "二、多项选择题（每题3分）",
        "2. 下列属于行政处罚的有（  ）。", "A. 警告", "B. 罚款", "C. 记过", "答案：AB",
        "三、判断题（每题2分）",
        "3. 宪法是国家的根本法。", "答案：正确",
        "4. 行政拘留可以由规章设定。", "答案：错误", "解析：只能由法律设定。",
        "四、填空题（每题2分）",
        "5. 应当在____日内提出____申请。", "答案：六十；60｜行政复议",
    ]


def test_every_type_with_a_key_at_the_end():
    lines = paper_lines([SINGLE, MULTIPLE, TRUE, FALSE, FILL], title="试卷", answers="key")
    shown = [line.text for line in lines]
    assert not any(t.startswith(("答案", "解析", "【考点】", "【法律依据】")) for t in shown)
    assert shown[shown.index(KEY_HEADING):] == [KEY_HEADING, "1.A", "2.AB", "3.√  4.×", "5. 六十；60｜行政复议"]


def test_the_key_groups_consecutive_single_choice_in_fives():
    singles = [(n, q("single", f"题{n}", ["甲", "乙", "丙", "丁"], "ABCDA"[n % 5])) for n in range(1, 8)]
    multiples = [(8, q("multiple", "多", ["甲", "乙", "丙"], ["A", "C"])),
                 (9, q("multiple", "多2", ["甲", "乙"], ["A", "B"]))]
    tf = [(n, q("truefalse", f"判{n}", answer=n % 2 == 0)) for n in range(10, 22)]
    fills = [(22, q("fill", "填____", answer=[["五", "5"]])), (23, q("fill", "填____和____", answer=[["甲"], ["乙"]]))]
    after = [(24, q("single", "单", ["甲", "乙"], "B"))]
    assert key_lines(singles + multiples + tf + fills + after) == [
        "1-5 BCDAA  6-7 BC",
        "8.AC  9.AB",
        "10.√  11.×  12.√  13.×  14.√  15.×  16.√  17.×  18.√  19.×",
        "20.√  21.×",
        "22. 五；5",
        "23. 甲｜乙",
        "24.B",
    ]
    # A gap in the numbers starts a new group: "1-5" must mean five questions in a row.
    assert key_lines([singles[0], singles[2]]) == ["1.B", "3.D"]


def test_sections_split_by_points_and_numbers_run_on():
    questions = [SINGLE, q("single", "三分的单选", ["甲", "乙"], "B", points=3), MULTIPLE,
                 q("single", "又一道两分", ["甲", "乙"], "A")]
    shown = [line.text for line in paper_lines(questions, title="")]
    headings = [t for t in shown if re.match(r"^[一二三四五六七八九十]+、", t)]
    assert headings == ["一、单项选择题（每题2分）", "二、单项选择题（每题3分）", "三、多项选择题（每题3分）"]
    assert [t.split(".")[0] for t in shown if re.match(r"^\d+\. ", t)] == ["1", "2", "3", "4"]
    assert shown.index("2. 又一道两分") < shown.index("3. 三分的单选")  # grouped with the other 2-point ones
    half = paper_lines([q("single", "半分", ["甲", "乙"], "A", points=2.5)], title="")
    assert half[0].text == "一、单项选择题（每题2.5分）"
    assert [chinese_numeral(n) for n in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]


def test_line_breaks_tabs_and_markup_characters_survive():
    stem = "第一行\n第二行\t<b>&amp;\x0b"
    content = render([Line(STEM, stem)])
    (paragraph,) = Document(io.BytesIO(content)).paragraphs
    assert paragraph.text == "第一行\n第二行\t<b>&amp;"


def test_unknown_answer_style_is_refused():
    with pytest.raises(ValueError):
        paper_lines([SINGLE], title="x", answers="both")


# --------------------------------------------------------------------------- the document

def test_fonts_page_and_footer_are_set_for_printing():
    document = Document(io.BytesIO(questions_to_docx([SINGLE, FILL], title="题库")))
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = defaults.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体" and fonts.get(qn("w:eastAsiaTheme")) is None
    assert document.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert document.styles["SectionHeading"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert document.styles["QuestionAnswer"].element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体"
    assert document.styles["KeyHeading"].paragraph_format.page_break_before is True
    assert document.styles["QuestionStem"].paragraph_format.keep_with_next is True
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert (round(section.left_margin.cm, 2), round(section.top_margin.cm, 2)) == (2.8, 2.54)
    assert "PAGE" in section.footer.paragraphs[0]._p.xml
    assert document.core_properties.title == "题库"
    paragraphs = document.paragraphs
    assert paragraphs[0].style.name == "PaperTitle" and paragraphs[1].style.name == "SectionHeading"
    assert paragraphs[2].style.name == "QuestionStem" and paragraphs[3].style.name == "QuestionOption"


def test_export_through_the_page_inline_and_key(app, trainer, make):
    make.question("single", stem="行政处罚的实施机关是？", options=["行政机关", "法院"], answer="A")
    make.question("truefalse", stem="宪法是根本法。", answer=False)
    make.question("fill", stem="应当在____日内提出。", answer=[["十五", "15"]], explanation="")
    response = trainer.get("/questions/export.docx?answers=inline")
    assert response.status_code == 200 and response.mimetype == DOCX
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and ".docx" in disposition
    assert "no-store" in response.headers["Cache-Control"]  # a bank with its key stays out of caches
    shown = texts(response.data)
    assert shown == [
        "法律知识题库",
        "一、单项选择题（每题2分）", "1. 行政处罚的实施机关是？", "A. 行政机关", "B. 法院", "答案：A", "解析：解析",
        "【法律依据】《某法》第一条",
        "二、判断题（每题2分）", "2. 宪法是根本法。", "答案：错误", "解析：解析", "【法律依据】《某法》第一条",
        "三、填空题（每题2分）", "3. 应当在____日内提出。", "答案：十五；15", "【法律依据】《某法》第一条",
    ]
    keyed = texts(trainer.get("/questions/export.docx?answers=key").data)
    assert keyed[keyed.index(KEY_HEADING) - 1:] == ["3. 应当在____日内提出。", KEY_HEADING, "1.A", "2.×", "3. 十五；15"]
    assert not any(t.startswith("答案") for t in keyed)
    assert trainer.get("/questions/export.docx").status_code == 200  # inline by default
    assert trainer.get("/questions/export.docx?answers=both").status_code == 404
    with app.app_context():
        subjects = list(db.session.scalars(select(AuditEvent.subject).where(AuditEvent.action == "questions.export")))
    assert sorted(subjects) == ["docx-inline", "docx-inline", "docx-key"]


def test_export_follows_the_filters_of_the_list(trainer, make):
    make.question("single", stem="处罚法单选", category="行政处罚法")
    make.question("truefalse", stem="处罚法判断", category="行政处罚法")
    make.question("single", stem="复议法单选", category="行政复议法")
    make.question("single", stem="停用的题", category="行政处罚法", active=False)
    shown = texts(trainer.get("/questions/export.docx?category=行政处罚法&status=active").data)
    assert shown[0] == "行政处罚法题库"
    assert [t for t in shown if re.match(r"^\d+\. ", t)] == ["1. 处罚法单选", "2. 处罚法判断"]
    only = texts(trainer.get("/questions/export.docx?qtype=single&q=复议").data)
    assert [t for t in only if re.match(r"^\d+\. ", t)] == ["1. 复议法单选"]
    empty = trainer.get("/questions/export.docx?q=没有这道题")
    assert empty.status_code == 200 and texts(empty.data) == ["法律知识题库"]
    page = trainer.get("/questions?category=行政处罚法").get_data(as_text=True)
    links = re.findall(r'href="(/questions/export\.docx[^"]*)"', page)
    assert len(links) == 2 and all("category=" in link for link in links)
    assert any("answers=key" in link for link in links) and any("answers=inline" in link for link in links)


def test_only_trainers_and_admins_get_the_word_files(app, as_role, make):
    make.question("single")
    for role in ("cadre", "liaison"):
        client = as_role(role)
        for url in ("/questions/export.docx", "/questions/export.docx?answers=key", "/questions/template.docx"):
            assert client.get(url).status_code == 403, (role, url)
    anonymous = app.test_client().get("/questions/export.docx?answers=key")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert as_role("admin").get("/questions/export.docx?answers=key").status_code == 200


# --------------------------------------------------------------------------- template and sample

def test_the_word_template_shows_each_layout_with_two_examples(trainer):
    response = trainer.get("/questions/template.docx")
    assert response.status_code == 200 and response.mimetype == DOCX
    document = Document(io.BytesIO(response.data))
    shown = [p.text for p in document.paragraphs if p.text]
    assert shown[0] == "题库 Word 导入模板"
    assert document.paragraphs[1].style.name == "PaperNote"

    def count(pattern):
        return sum(1 for t in shown if re.search(pattern, t))

    assert count(r"^答案：") >= 8  # the export's own layout: two of each type
    for heading in ("单项选择题", "多项选择题", "判断题", "填空题"):
        assert any(re.match(rf"^[一二三四]、{heading}（每题\d分）$", t) for t in shown), heading
    assert count(r"^【答案】") >= 1 and count(r"^正确答案：") >= 1  # other inline forms, two questions
    assert count(r"[☑√]$") == 2  # the right option marked in its text
    assert count(r"（[√×]）$") == 2  # true/false marked after the stem
    assert len(document.tables) == 2 and all(t.cell(0, 0).text == "题干" for t in document.tables)
    assert "[填空题组]" in shown and count(r"^\[参考答案\]") >= 2
    assert count(r"^A\. .+  B\. ") == 2  # several options on one line
    assert shown[-2:] == [KEY_HEADING, "19-20 CB"]
    numbers = [int(m.group(1)) for t in shown for m in [re.match(r"^(\d+)\. ", t)] if m]
    numbers += [int(re.match(r"^(\d+)\.", t.text).group(1)) for t in document.tables for t in [t.cell(1, 0)]]
    assert sorted(numbers) == list(range(1, 21))  # numbers run on through every layout
    upload_page = trainer.get("/questions/import").get_data(as_text=True)
    assert 'href="/questions/template.docx"' in upload_page


def _sample_module():
    spec = importlib.util.spec_from_file_location("make_sample_docx", BANK / "make_sample_docx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sample_word_bank_holds_forty_questions_of_two_laws():
    content = (BANK / "sample_bank.docx").read_bytes()
    shown = texts(content)
    assert len([t for t in shown if re.match(r"^\d+\. ", t)]) == 40
    assert [t for t in shown if re.match(r"^[一二三四]、", t)] == [
        "一、单项选择题（每题2分）", "二、多项选择题（每题3分）", "三、判断题（每题2分）", "四、填空题（每题2分）"]
    assert len([t for t in shown if t.startswith("答案：")]) == 40
    assert len([t for t in shown if t.startswith("【考点】")]) == 40
    bases = [t for t in shown if t.startswith("【法律依据】")]
    assert len(bases) == 40 and {re.search(r"《(.+?)》", t).group(1) for t in bases} == {
        "中华人民共和国行政许可法", "中华人民共和国行政复议法"}
    # The committed file is what the script writes today (regenerate it when the writer changes).
    module = _sample_module()
    assert shown == texts(questions_to_docx(module.sample_questions(), title=module.TITLE))
    guide = (BANK / "FORMAT.md").read_text("utf-8")
    assert "sample_bank.docx" in guide
