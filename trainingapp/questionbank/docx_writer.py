"""Question banks out to Word (.docx), in the layout the Word import reads.

Pure: questions in, bytes out; no request, no database. A document is first laid out as a list
of `Line`s (plain data a test can read) and then rendered. The layout is the one printed papers
use, so a trainer can print it and the import reads it back:

    试题标题
    一、单项选择题（每题2分）
    1. 题干……（  ）
    A. 选项
    B. 选项
    答案：B                 <- answers inline ("inline"), or
    解析：……
    【考点】……
    【法律依据】……
    ……
    参考答案                <- a key at the end ("key"), on its own page
    1-5 BACDA  6-10 ……
    21.ABD  22.AC
    31.√  32.×
    41. 五；5

简答题 and 案例分析题 keep their reference answer and scoring points after the question in both
layouts (a marker needs them; the key at the end holds the objective answers only):

    五、简答题（每题6分）
    46. 题干……
    参考答案：……
    评分要点：要点一（3分）；要点二（3分）
    六、案例分析题（每题10分）
    47. 案例材料……
    问题：
    （1）……（6分）
    （2）……（4分）
    参考答案：（1）……
    （2）……
    评分要点：（1）要点（2分）；要点（4分）
    （2）要点（4分）

Questions are grouped in sections by type (and by points, so every heading can say
"每题N分": a section is the only place a Word paper states points); numbers run on across
sections. The paragraphs are written as XML in one piece: python-docx's add_paragraph looks for
the section properties on every call, which makes a 20,000-question bank take minutes.

`python question_bank/make_sample_docx.py` rewrites question_bank/sample_bank.docx with it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

from .parsing import OPTION_LETTERS, QTYPES, QuestionData
from .subjective import SUBJECTIVE_TYPES, key_texts

ANSWER_STYLES = ("inline", "key")
SECTION_NAMES = {"single": "单项选择题", "multiple": "多项选择题", "truefalse": "判断题", "fill": "填空题",
                 "short": "简答题", "case": "案例分析题"}
TRUTH_WORDS = {True: "正确", False: "错误"}
TRUTH_MARKS = {True: "√", False: "×"}
#: Fill answers: alternatives of one blank, and blanks, as the spreadsheet notation (full width).
ALTERNATIVE_SEPARATOR = "；"
BLANK_SEPARATOR = "｜"
KEY_HEADING = "参考答案"
#: How many answers one line of the key holds, by type (single: groups of five).
_KEY_GROUP = 5
_KEY_PER_LINE = {"single": 4, "multiple": 5, "truefalse": 10, "fill": 1}

#: Paragraph styles this module defines: id -> (name, East Asian font, size in points).
TITLE, NOTE, SECTION, STEM, OPTION, ANSWER, KEY_TITLE, KEY = (
    "PaperTitle", "PaperNote", "SectionHeading", "QuestionStem", "QuestionOption", "QuestionAnswer",
    "KeyHeading", "KeyLine")
BODY_FONT, HEADING_FONT, ANSWER_FONT, LATIN_FONT = "宋体", "黑体", "楷体", "Times New Roman"


@dataclass(frozen=True)
class Line:
    """One paragraph: its style and its text ("\\n" is a line break inside the paragraph)."""

    style: str
    text: str


@dataclass(frozen=True)
class Table:
    """A bordered table of plain text cells (the template's one-question-per-table layout)."""

    rows: tuple[tuple[str, ...], ...]


@dataclass
class Section:
    qtype: str
    points: float
    questions: list[QuestionData] = field(default_factory=list)


# --------------------------------------------------------------------------- the layout (pure)

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 99 -> 九十九 (section numbers)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def points_text(points: float) -> str:
    """2 rather than 2.0; 2.5 stays 2.5."""
    return f"{points:g}"


def sections(questions: list[QuestionData]) -> list[Section]:
    """The questions grouped by type (single, multiple, true/false, fill) and, within a type, by
    points in order of first appearance; each keeps the questions' own order."""
    grouped: dict[tuple[str, float], Section] = {}
    for q in questions:
        grouped.setdefault((q.qtype, q.points), Section(q.qtype, q.points)).questions.append(q)
    return sorted(grouped.values(), key=lambda s: QTYPES.index(s.qtype))  # stable: first appearance


def section_heading(index: int, section: Section) -> str:
    """"一、单项选择题（每题2分）"."""
    return f"{chinese_numeral(index)}、{SECTION_NAMES[section.qtype]}（每题{points_text(section.points)}分）"


def fill_answer_text(answer: list[list[str]]) -> str:
    """"五；5｜书面": alternatives of a blank joined by ；, blanks by ｜ (the spreadsheet notation)."""
    return BLANK_SEPARATOR.join(ALTERNATIVE_SEPARATOR.join(alternatives) for alternatives in answer)


def inline_answer(q: QuestionData) -> str:
    """The answer as written after "答案：": B, ABD, 正确/错误, 五；5｜书面."""
    if q.qtype == "single":
        return str(q.answer)
    if q.qtype == "multiple":
        return "".join(q.answer)
    if q.qtype == "truefalse":
        return TRUTH_WORDS[bool(q.answer)]
    return fill_answer_text(q.answer)


def key_answer(q: QuestionData) -> str:
    """The answer as written in a key at the end: B, ABD, √/×, 五；5｜书面."""
    if q.qtype == "truefalse":
        return TRUTH_MARKS[bool(q.answer)]
    return inline_answer(q)


def question_lines(number: int, q: QuestionData, *, inline: bool) -> list[Line]:
    """"1. stem", an "A. option" paragraph per option and, inline, 答案/解析/【考点】/【法律依据】."""
    if q.qtype in SUBJECTIVE_TYPES:
        return subjective_lines(number, q)
    lines = [Line(STEM, f"{number}. {q.stem}")]
    lines += [Line(OPTION, f"{letter}. {text}") for letter, text in zip(OPTION_LETTERS, q.options)]
    if inline:
        lines.append(Line(ANSWER, f"答案：{inline_answer(q)}"))
        if q.explanation:
            lines.append(Line(ANSWER, f"解析：{q.explanation}"))
        if q.knowledge_point:
            lines.append(Line(ANSWER, f"【考点】{q.knowledge_point}"))
        if q.basis:
            lines.append(Line(ANSWER, f"【法律依据】{q.basis}"))
    return lines


def subjective_lines(number: int, q: QuestionData) -> list[Line]:
    """A 简答/案例分析: the stem (a case's material, 问题： and its sub-questions with their
    marks), then always 参考答案/评分要点, and inline 解析/【考点】/【法律依据】."""
    texts = key_texts(q.qtype, q.options, q.answer)
    lines = [Line(STEM, f"{number}. {q.stem}")]
    if q.qtype == "case":
        lines.append(Line(STEM, "问题："))
        lines += [Line(OPTION, text) for text in texts["subquestions"].split("\n")]
    lines.append(Line(ANSWER, f"参考答案：{texts['reference']}"))
    if texts["rubric"]:
        # a case's points run on after （1）; a short answer's stand one a line under the label
        separator = "" if q.qtype == "case" else "\n"
        lines.append(Line(ANSWER, f"评分要点：{separator}{texts['rubric']}"))
    if q.explanation:
        lines.append(Line(ANSWER, f"解析：{q.explanation}"))
    if q.knowledge_point:
        lines.append(Line(ANSWER, f"【考点】{q.knowledge_point}"))
    if q.basis:
        lines.append(Line(ANSWER, f"【法律依据】{q.basis}"))
    return lines


def key_lines(numbered: list[tuple[int, QuestionData]]) -> list[str]:
    """The key at the end: single choice in runs of consecutive numbers, five to a group
    ("1-5 BACDA"); multiple choice "21.ABD"; true/false "31.√"; fill-in one a line ("41. 五；5")."""
    lines: list[str] = []
    numbered = [(number, q) for number, q in numbered if q.qtype not in SUBJECTIVE_TYPES]
    index = 0
    while index < len(numbered):
        qtype = numbered[index][1].qtype
        end = index
        while (end + 1 < len(numbered) and numbered[end + 1][1].qtype == qtype
               and numbered[end + 1][0] == numbered[end][0] + 1):
            end += 1
        run = numbered[index:end + 1]
        if qtype == "single":
            items = [_single_group(run[i:i + _KEY_GROUP]) for i in range(0, len(run), _KEY_GROUP)]
        elif qtype == "fill":
            items = [f"{number}. {key_answer(q)}" for number, q in run]
        else:
            items = [f"{number}.{key_answer(q)}" for number, q in run]
        per_line = _KEY_PER_LINE[qtype]
        lines += ["  ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        index = end + 1
    return lines


def _single_group(group: list[tuple[int, QuestionData]]) -> str:
    first, last = group[0][0], group[-1][0]
    letters = "".join(str(q.answer) for _, q in group)
    return f"{first}.{letters}" if first == last else f"{first}-{last} {letters}"


def paper_lines(questions: list[QuestionData], *, title: str, answers: str = "inline") -> list[Line]:
    """The whole document as lines: title, sections, questions and, for answers="key", the key."""
    if answers not in ANSWER_STYLES:
        raise ValueError(f"unknown answer style {answers!r}")
    lines = [Line(TITLE, title)] if title else []
    lines += body_lines(questions, inline=answers == "inline")
    if answers == "key" and questions:
        lines.append(Line(KEY_TITLE, KEY_HEADING))
        lines += [Line(KEY, text) for text in key_lines(numbered_questions(questions))]
    return lines


def numbered_questions(questions: list[QuestionData]) -> list[tuple[int, QuestionData]]:
    """(number, question) in the order the document shows them."""
    ordered = [q for section in sections(questions) for q in section.questions]
    return list(enumerate(ordered, start=1))


def body_lines(questions: list[QuestionData], *, inline: bool) -> list[Line]:
    """Section headings and questions, numbered on across sections."""
    lines, number = [], 1
    for index, section in enumerate(sections(questions), start=1):
        lines.append(Line(SECTION, section_heading(index, section)))
        for q in section.questions:
            lines += question_lines(number, q, inline=inline)
            number += 1
    return lines


# --------------------------------------------------------------------------- rendering

# Characters XML 1.0 cannot hold (the import strips them, but an edited question might not).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _runs(text: str) -> str:
    parts = []
    for i, piece in enumerate(_NOT_XML.sub("", text).split("\n")):
        if i:
            parts.append("<w:br/>")
        for j, chunk in enumerate(piece.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if chunk:
                parts.append(f'<w:t xml:space="preserve">{escape(chunk)}</w:t>')
    return f"<w:r>{''.join(parts)}</w:r>" if parts else ""


def _paragraph(style: str | None, text: str) -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{props}{_runs(text)}</w:p>"


def _table(table: Table) -> str:
    width = max(len(row) for row in table.rows)
    grid = "".join("<w:gridCol/>" for _ in range(width))
    rows = []
    for row in table.rows:
        cells = [f'<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr>{_paragraph(None, text)}</w:tc>'
                 for text in list(row) + [""] * (width - len(row))]
        rows.append(f"<w:tr>{''.join(cells)}</w:tr>")
    props = '<w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/></w:tblPr>'
    # An empty paragraph after each table: Word merges tables that touch.
    return f"<w:tbl>{props}<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl><w:p/>"


def render(lines: list[Line | Table], *, title: str = "") -> bytes:
    """The .docx bytes: A4, printable margins, Chinese fonts, a page number in the footer."""
    document = Document()
    _set_up(document, title)
    xml = "".join(_table(item) if isinstance(item, Table) else _paragraph(item.style, item.text)
                  for item in lines)
    body = document.element.body
    end = body.find(qn("w:sectPr"))
    for element in list(parse_xml(f"<w:body {nsdecls('w')}>{xml}</w:body>")):
        end.addprevious(element)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def questions_to_docx(questions: list[QuestionData], *, title: str, answers: str = "inline") -> bytes:
    """The questions as a printable .docx the Word import reads back; answers "inline" (after
    each question, with explanation and legal basis) or "key" (only the key, at the end)."""
    return render(paper_lines(questions, title=title, answers=answers), title=title)


def _fonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Explicit fonts on a run-properties element. Theme attributes (w:eastAsiaTheme…) win over
    explicit ones in Word, so they go: otherwise Chinese text falls back to the theme font."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, fonts)
    for name in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(name), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _style(document, style_id: str, *, font: str = BODY_FONT, size: float = 12, bold: bool = False,
           align=None, before: float = 0, after: float = 0, indent_cm: float = 0,
           keep_with_next: bool = False, page_break_before: bool = False):
    style = document.styles.add_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(size)
    style.font.bold = bold
    _fonts(style.element.get_or_add_rPr(), font)
    paragraph = style.paragraph_format
    paragraph.space_before, paragraph.space_after = Pt(before), Pt(after)
    paragraph.keep_with_next = keep_with_next
    paragraph.page_break_before = page_break_before
    if align is not None:
        paragraph.alignment = align
    if indent_cm:
        paragraph.left_indent = Cm(indent_cm)
    return style


def _set_up(document, title: str) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    _fonts(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")), BODY_FONT)
    normal = document.styles["Normal"]
    _fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    normal.font.size = Pt(12)  # 小四
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.25
    _style(document, TITLE, font=HEADING_FONT, size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
           after=12)
    _style(document, NOTE, size=10.5, after=3)
    _style(document, SECTION, font=HEADING_FONT, size=14, bold=True, before=12, after=6,
           keep_with_next=True)
    # Stem and options stay with what follows, so a question is not split across pages.
    _style(document, STEM, before=6, keep_with_next=True)
    _style(document, OPTION, indent_cm=0.85, keep_with_next=True)
    _style(document, ANSWER, font=ANSWER_FONT, indent_cm=0.85)
    _style(document, KEY_TITLE, font=HEADING_FONT, size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
           after=12, page_break_before=True)  # the paper prints without its key
    _style(document, KEY, after=3)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(2.8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r>'
                               f"</w:fldSimple>"))
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, "", ""
    properties.comments = ""


# --------------------------------------------------------------------------- the Word template

def _q(qtype, stem, options, answer, explanation="", basis="", points=None) -> QuestionData:
    return QuestionData(qtype=qtype, stem=stem, options=list(options), answer=answer,
                        explanation=explanation, basis=basis, points=points)


_XUKE = "《中华人民共和国行政许可法》"
_QIANGZHI = "《中华人民共和国行政强制法》"

#: Two examples of each type, written by this module's own layout (answers inline).
TEMPLATE_INLINE = [
    _q("single", "申请人提交的申请材料不齐全或者不符合法定形式的，行政机关应当（  ）。",
       ["直接作出不予受理决定", "当场或者在五日内一次告知申请人需要补正的全部内容",
        "在十日内分次告知申请人需要补正的内容", "先行受理，在作出决定时一并告知需要补正的内容"], "B",
       "逾期不告知的，自收到申请材料之日起即为受理。", _XUKE + "第三十二条", 2),
    _q("single", "除可以当场作出决定的外，行政机关作出行政许可决定的一般期限是自受理之日起（  ）。",
       ["十日内", "十五日内", "二十日内", "三十日内"], "C",
       "二十日内不能作出决定的，经本行政机关负责人批准，可以延长十日。", _XUKE + "第四十二条", 2),
    _q("multiple", "根据行政强制法，下列属于行政强制执行方式的有（  ）。",
       ["加处罚款或者滞纳金", "划拨存款、汇款", "代履行", "扣押财物"], ["A", "B", "C"],
       "扣押财物属于行政强制措施。", _QIANGZHI + "第九条、第十二条", 3),
    _q("multiple", "行政机关实施行政强制措施应当遵守的规定包括（  ）。",
       ["实施前须向行政机关负责人报告并经批准", "由两名以上行政执法人员实施", "出示执法身份证件",
        "当事人不到场的，可以不制作现场笔录"], ["A", "B", "C"],
       "当事人不到场的，应当邀请见证人到场。", _QIANGZHI + "第十八条", 3),
    _q("truefalse", "依法取得的行政许可，除法律、法规规定可以转让的外，不得转让。", [], True,
       "", _XUKE + "第九条", 2),
    _q("truefalse", "行政机关提供行政许可申请书格式文本，可以收取合理的工本费。", [], False,
       "行政机关提供行政许可申请书格式文本，不得收费。", _XUKE + "第五十八条", 2),
    _q("fill", "中止执行满____年未恢复执行的，行政机关不再执行。", [], [["三", "3"]],
       "", _QIANGZHI + "第三十九条", 2),
    _q("fill", "行政机关应当在行政许可有效期届满前作出是否准予延续的决定；逾期未作决定的，视为准予____。"
       "行政许可所依据的客观情况发生重大变化，依法撤回行政许可造成财产损失的，应当依法给予____。",
       [], [["延续"], ["补偿"]], "", _XUKE + "第八条、第五十条", 2),
]

TEMPLATE_NOTES = [
    "本模板演示题库导入能识别的 Word 写法，每种写法两道例题。可以直接在本文件中修改、增删题目后导入，"
    "也可以照着写法整理自己已有的题库；同一个文件中可以混用各种写法。",
    "题型标题：“一、单项选择题（每题2分）”决定其下各题的题型和分值（也可写 多选题、判断题、填空题）。",
    "题号：1. 1、 1． （1）或 Word 自动编号；选项：A. A、 A． Ａ． (A) 或自动编号，每行一个，"
    "也可以一行写几个。",
    "答案：题后写“答案：B”“【答案】AC”“正确答案：A、C、D”，判断题写 正确/错误、对/错、√/×；"
    "解析写“解析：……”，依据写“【法律依据】……”；也可以把答案集中写在文末的“参考答案”下。",
    "填空题用 ____ 标出空位；一个空有几种可接受的答案用“；”分隔，几个空之间用“｜”分隔。",
    "页眉、页脚、页码和文本框中的文字不会被当作题目。导入前会先预览，确认后才保存。",
]


def template_lines() -> list[Line | Table]:
    """The Word template: notes, then each layout the import reads, two example questions each."""
    lines: list[Line | Table] = [Line(TITLE, "题库 Word 导入模板")]
    lines += [Line(NOTE, note) for note in TEMPLATE_NOTES]
    # 1. This module's own layout, answers inline: sections 一 to 四, questions 1 to 8.
    lines += body_lines(TEMPLATE_INLINE, inline=True)
    number, section = len(TEMPLATE_INLINE) + 1, len(sections(TEMPLATE_INLINE)) + 1
    # 2. Other ways of writing the answer inline: 【答案】 and 正确答案：, explanation 【解析】.
    lines += [
        Line(SECTION, f"{chinese_numeral(section)}、多选题（每题3分）"),
        Line(STEM, f"{number}. 根据行政许可法，行政机关应当依法办理行政许可注销手续的情形有（  ）。"),
        Line(OPTION, "A. 行政许可有效期届满未延续的"), Line(OPTION, "B. 法人或者其他组织依法终止的"),
        Line(OPTION, "C. 被许可人变更办公地址的"), Line(OPTION, "D. 行政许可依法被撤销的"),
        Line(ANSWER, "【答案】ABD"), Line(ANSWER, "【解析】变更地址属于变更事项，依法办理变更手续。"),
        Line(STEM, f"{number + 1}. 下列属于行政强制措施的有（  ）。"),
        Line(OPTION, "A. 查封场所、设施或者财物"), Line(OPTION, "B. 扣押财物"),
        Line(OPTION, "C. 冻结存款、汇款"), Line(OPTION, "D. 代履行"),
        Line(ANSWER, "正确答案：A、B、C"), Line(ANSWER, "依据：《中华人民共和国行政强制法》第九条"),
    ]
    number, section = number + 2, section + 1
    # 3. The right option marked in its text (☑ or √), and true/false marked after the stem.
    lines += [
        Line(SECTION, f"{chinese_numeral(section)}、单选题（每题2分）"),
        Line(STEM, f"{number}. 行政强制措施权（  ）委托。"),
        Line(OPTION, "A. 可以"), Line(OPTION, "B. 不得 ☑"), Line(OPTION, "C. 经批准可以"),
        Line(STEM, f"{number + 1}. 情况紧急当场实施行政强制措施的，执法人员应当在（  ）内向行政机关负责人报告。"),
        Line(OPTION, "A. 十二小时"), Line(OPTION, "B. 二十四小时 √"), Line(OPTION, "C. 三日"),
        Line(SECTION, f"{chinese_numeral(section + 1)}、判断题（每题2分）"),
        Line(STEM, f"{number + 2}. 加处罚款或者滞纳金的数额不得超出金钱给付义务的数额。（√）"),
        Line(STEM, f"{number + 3}. 行政强制措施可以由不具备资格的人员实施。（×）"),
    ]
    number, section = number + 4, section + 2
    # 4. One question per table: the question on the left, the answer on the right.
    lines += [
        Line(SECTION, f"{chinese_numeral(section)}、单选题（每题2分）"),
        Table((("题干", "答案"),
               (f"{number}. 行政许可的实施机关可以对已设定的行政许可的实施情况及存在的必要性适时进行（  ）。"
                "\nA. 评价\nB. 审计\nC. 备案", "A"))),
        Table((("题干", "答案"),
               (f"{number + 1}. 行政机关实施行政许可，（  ）向申请人提出购买指定商品的要求。"
                "\nA. 可以\nB. 不得\nC. 经批准可以", "B"))),
    ]
    number, section = number + 2, section + 1
    # 5. 易考-style tags: a tag names the type, blanks carry one [参考答案] line each.
    lines += [
        Line(SECTION, "[填空题组]"),
        Line(STEM, f"{number}. 行政强制的设定和实施，应当适当。采用非强制手段可以达到行政管理目的的，"
                   "不得设定和实施____。"),
        Line(ANSWER, "[参考答案]行政强制"), Line(ANSWER, "[分数:2]"), Line(ANSWER, "[难度:0.5]"),
        Line(STEM, f"{number + 1}. 行政机关实施行政强制，应当坚持____与____相结合。"),
        Line(ANSWER, "[参考答案]教育"), Line(ANSWER, "[参考答案]强制"), Line(ANSWER, "[分数:2]"),
        Line(ANSWER, "[答案解析]见行政强制法第六条。"),
    ]
    number, section = number + 2, section
    # 6. Several options on one line, answers in a key at the end (the writer's "key" layout).
    lines += [
        Line(SECTION, f"{chinese_numeral(section)}、单选题（每题2分）"),
        Line(STEM, f"{number}. 因不动产提出的行政复议申请，自行政行为作出之日起超过（  ）年的，不予受理。"),
        Line(OPTION, "A. 五  B. 十  C. 二十  D. 三十"),
        Line(STEM, f"{number + 1}. 行政复议决定书一经（  ），即发生法律效力。"),
        Line(OPTION, "A. 作出  B. 送达  C. 签发  D. 公告"),
        Line(KEY_TITLE, KEY_HEADING),
        Line(KEY, f"{number}-{number + 1} CB"),
    ]
    return lines


def template_docx() -> bytes:
    """The Word template offered next to the spreadsheet template."""
    return render(template_lines(), title="题库 Word 导入模板")

