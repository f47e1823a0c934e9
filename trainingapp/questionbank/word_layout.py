"""Questions recognised in the layouts real Word and text banks use. Pure: paragraphs in, loose fields out.

The input is the body as paragraphs (each with its number and lines) and tables
(trainingapp.platform.wordfile), or the lines of a text file as one-line paragraphs. The output
is, per question, the loose fields `parsing.check_fields` validates, and for each field the
paragraph it came from, so every problem is reported as "question 12 (paragraph 48)".

Recognised, in any mix:
- section headings ("一、单项选择题（每题2分）", "三、判断题", 易考's "[单选题组]") set the type
  and points of the questions under them;
- question numbers "1." "1、" "1．" "（1）" "第1题" (automatic numbering arrives as text);
- options one per paragraph or several on a line: "A." "A、" "A．" "Ａ．" "(A)";
- inline answers ("答案：B", "【答案】AC", "正确答案: A、C、D", "[参考答案]" once per blank),
  explanations over several paragraphs ("解析：", "【解析】", "[答案解析]"), the legal basis
  ("【法律依据】", "依据："), the knowledge point ("【考点】", "知识点：");
- an answer key at the end under "参考答案"/"答案": "1-5 BACDA", "6.ABD 7.AC", "8.√ 9.×", "11. 五；5",
  and under a 简答/案例分析 heading there "1．答：……" with its 评分要点 (`subjective_key_line`);
- options marked ☑/√/✔ as correct, "（√）"/"（×）" after a true/false stem, "（B）" in a choice stem;
- one question per table: rows labelled 题干/选项A…/答案/解析, a header row 题干 | 答案 over
  one question a row, or unlabelled cells (the question, then its answer last);
- tags "[难度:0.7]" "[分数:2]" anywhere in a question;
- 简答题 and 案例分析题 (under their section headings): the reference answer after "参考答案："
  over several paragraphs, "评分要点：" likewise; a case's material followed by "问题：" and its
  sub-questions "（1）…（6分）" (parsing.check_fields reads those notations). Inside such a
  question only "n." numbered as the next question starts one; "（1）" never does.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..platform.wordfile import Block, Para, Table
from .subjective import QUESTIONS_LABEL, TRAILING_MARKS, NotationError, parse_rubric

# --------------------------------------------------------------------------- notation

_SEP = r"[.、．:：)）]"
_QUESTION = re.compile(r"^(?:第\s*(\d{1,4})\s*题\s*[.、．:：]?|(\d{1,4})\s*(?:[.．](?!\d)|[、:：)）])|"
                       r"[（(]\s*(\d{1,4})\s*[）)])\s*(.*)$")
_CN_NUMERAL = "一二三四五六七八九十"
_HEADING = re.compile(rf"^(?:[{_CN_NUMERAL}]{{1,3}}\s*[、.．:：]|第[{_CN_NUMERAL}\d]{{1,3}}\s*(?:部分|大题|章|节)"
                      rf"\s*[、.．:：]?|[（(][{_CN_NUMERAL}]{{1,3}}[）)]|[IVX]{{1,4}}\s*[.、．])\s*(.*)$")
#: The type a heading or tag names. Unsupported kinds keep their own word, so the type check
#: names it ("Unknown question type 简答题") for each question under it.
_TYPE_WORDS = [
    (re.compile(r"不定项"), "不定项选择题"),
    (re.compile(r"多项选择|多选"), "multiple"),
    (re.compile(r"单项选择|单选"), "single"),
    (re.compile(r"选择题"), ""),  # single or multiple, told by each question's key
    (re.compile(r"判断|是非|正误"), "truefalse"),
    (re.compile(r"填空"), "fill"),
    (re.compile(r"简答|问答"), "short"),
    (re.compile(r"案例分析|案例"), "case"),
    (re.compile(r"论述|名词解释|综合分析|材料分析"), None),
]
_BARE_HEADING = re.compile(r"^(?:单项选择|单选|多项选择|多选|不定项选择|选择|判断|是非|填空|简答|问答|论述|案例分析|"
                           r"案例)题?"
                           r"\s*(?:$|[（(:：，,]|\s)")
_GROUP_TAG = re.compile(r"^\[\s*(?:题型\s*[:：]\s*)?([^\]\s]{1,12}?)(?:题组|题)?\s*\]\s*$")
_POINTS_EACH = re.compile(r"(?:每(?:小|道)?题|各)\s*(\d{1,3}(?:\.\d{1,2})?)\s*分|"
                          r"(\d{1,3}(?:\.\d{1,2})?)\s*分\s*/\s*(?:小|道)?题")
_POINTS_OWN = re.compile(r"\s*[（(]\s*(\d{1,3}(?:\.\d{1,2})?)\s*分\s*[）)]\s*$")
_TAG = re.compile(r"\[\s*(难度|分数|分值)\s*[:：]\s*([^\]]*)\]")
_ANSWER = re.compile(r"^(?:【\s*(?:参考|正确|标准)?答案\s*】|(?:参考|正确|标准)?答案\s*[:：]|"
                     r"\[\s*(?:参考|正确|标准)?答案\s*\])\s*(.*)$")
_EXPLANATION = re.compile(r"^(?:【\s*(?:答案|试题|题目)?(?:解析|分析|详解)\s*】|(?:答案|试题)?(?:解析|详解)\s*[:：]|"
                          r"\[\s*(?:答案)?解析\s*\])\s*(.*)$")
_EXPLANATION_INSIDE = re.compile(r"\s*(?:【\s*(?:答案)?解析\s*】|(?:答案)?解析\s*[:：]|\[\s*(?:答案)?解析\s*\])\s*")
_BASIS = re.compile(r"^(?:【\s*(?:法律|法规|法条)?依据\s*】|【\s*法条\s*】|(?:法律|法规|法条)?依据\s*[:：]|"
                    r"出处\s*[:：])\s*(.*)$")
_RUBRIC = re.compile(r"^(?:【\s*(?:评分要点|评分标准)\s*】|(?:评分要点|评分标准)\s*[:：])\s*(.*)$")
_SUBJECTIVE = ("short", "case")
_POINT = re.compile(r"^(?:【\s*(?:考点|知识点)\s*】|(?:考点|知识点)\s*[:：])\s*(.*)$")
_KEY_HEADING = re.compile(rf"^(?:[{_CN_NUMERAL}]{{1,3}}\s*[、.．]\s*)?【?\s*(?:参考答案|标准答案|答案)"
                          r"(?:及解析|与解析)?\s*】?\s*[:：]?\s*(.*)$")
_KEY_START = re.compile(r"^\d{1,4}\s*(?:[-–—~～至]\s*\d{1,4}|[.、．:：)）])")
_OPTION_PAREN = re.compile(r"^[（(]\s*([A-Ha-hＡ-Ｈａ-ｈ])\s*[）)]\s*")
_OPTION_BARE = re.compile(r"^([A-HＡ-Ｈ]|[a-hａ-ｈ](?=\s*[.、．)）]))\s*[.、．:：)）]\s*")
_CHECKED = re.compile(r"\s*[（(]\s*[√✔✓]\s*[）)]\s*$|[☑✔✓√]")
_UNCHECKED = re.compile(r"[☐□]")
_TF_IN_STEM = re.compile(r"[（(]\s*([√×✓✔✗✘xX对错]|正确|错误)\s*[）)]\s*([。.]?)\s*$")
_LETTERS_IN_STEM = re.compile(r"[（(]\s*([A-HＡ-Ｈ](?:\s*[、,，]?\s*[A-HＡ-Ｈ]){0,7})\s*[）)]")
_RANGE = re.compile(r"(\d{1,4})\s*[-–—~～至]\s*(\d{1,4})\s*[.、．:：]?\s*"
                    r"((?:[A-Ha-hＡ-Ｈ√×✓✔✗✘对错](?:\s(?=[A-Ha-hＡ-Ｈ√×✓✔✗✘对错](?:\s|$)))?)+)")
_ITEM = re.compile(r"(\d{1,4})\s*[.、．:：)）]\s*(.*?)\s*(?=[\s,，;；]+\d{1,4}\s*(?:[.、．:：)）]|[-–—~～至]\s*\d)|$)")
_KEY_GAP = re.compile(r"[\s,，;；]+")
#: A question's number opening a subjective answer in the key: "1．" "1、" "第1题" (never "（1）").
_KEY_NUMBER = re.compile(r"^(?:第\s*(\d{1,4})\s*题\s*[.、．:：]?|(\d{1,4})\s*(?:[.．](?!\d)|[、:：]))\s*(.*)$")
_ANSWER_WORD = re.compile(r"^(?:答\s*[:：]|(?:参考)?答案\s*[:：]|【\s*(?:参考)?答案\s*】)\s*")
_TABLE_LABELS = {
    "题干": "stem", "题目": "stem", "试题": "stem", "问题": "stem", "题型": "type", "答案": "answer",
    "正确答案": "answer", "参考答案": "answer", "解析": "explanation", "答案解析": "explanation",
    "分值": "points", "分数": "points", "难度": "difficulty", "依据": "basis", "法律依据": "basis",
    "依据条款": "basis", "知识点": "knowledge_point", "考点": "knowledge_point", "分类": "category",
    "法律法规分类": "category", "评分要点": "rubric", "评分标准": "rubric", "小题": "subquestions",
}
_TRUTH_MARKS = {"√": "对", "✓": "对", "✔": "对", "对": "对", "正确": "对",
                "×": "错", "✗": "错", "✘": "错", "x": "错", "X": "错", "错": "错", "错误": "错"}


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _letter_index(letter: str) -> int:
    return ord(_nfkc(letter).upper()) - ord("A")


def section_type(text: str) -> tuple[bool, str | None]:
    """(names a kind of question, that kind: a type key, a word of its own, or None)."""
    for pattern, kind in _TYPE_WORDS:
        found = pattern.search(text)
        if found:
            return True, kind if kind is not None else _type_word(text, found)
    return False, None


def _type_word(text: str, found: re.Match) -> str:
    end = text.find("题", found.end())
    return text[found.start():end + 1] if 0 <= end - found.end() <= 2 else found.group(0) + "题"


def section_points(text: str) -> str | None:
    """"2" from "（每题2分）", "每小题 1.5 分", "2分/题"; None when the heading gives none."""
    found = _POINTS_EACH.search(text)
    return (found.group(1) or found.group(2)) if found else None


def difficulty_value(text: str) -> str:
    """易考's difficulty: a word (易/中/难 …) as is; a coefficient 0–1 read as the share of
    candidates who answer right (难度系数): ≥ 0.7 easy, ≥ 0.4 medium, below hard."""
    value = _nfkc(text).strip()
    try:
        number = float(value)
    except ValueError:
        return value
    if 0 < number < 1 or (number == 1 and "." in value):
        return "easy" if number >= 0.7 else "medium" if number >= 0.4 else "hard"
    return value


# --------------------------------------------------------------------------- the output

@dataclass
class RawQuestion:
    """One question as written: loose fields for check_fields and where each came from."""

    ordinal: int
    number: int | None
    paragraphs: list[int] = field(default_factory=list)
    type: str = ""
    type_given: bool = False
    stem: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    checked: list[int] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    #: 简答/案例分析: the 评分要点 lines, and a table's 小题 cell.
    rubric: list[str] = field(default_factory=list)
    subquestions: str = ""
    explanation: list[str] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)
    knowledge_point: str = ""
    category: str = ""
    points: str = ""
    difficulty: str = ""
    #: The paragraph each field came from (keys as check_fields names them: stem, option_A, answer …).
    source: dict[str, int] = field(default_factory=dict)
    #: Problems found while reading: (paragraph, message).
    problems: list[tuple[int, object]] = field(default_factory=list)
    #: The question's lines as written, for the download of rejected questions.
    original: list[str] = field(default_factory=list)
    key_answer: str | None = None
    pictures: list[int] = field(default_factory=list)

    def note(self, key: str, para: int) -> None:
        self.source.setdefault(key, para)
        if para not in self.paragraphs:
            self.paragraphs.append(para)

    def add_subjective_line(self, mode: str, para: int, text: str) -> None:
        """One more paragraph of the reference answer (`mode` "answer") or of the 评分要点."""
        if mode == "answer" and self.answers:
            self.answers[-1] = (self.answers[-1] + "\n" + text).strip("\n")
        else:
            self.rubric.append(text)
        if para not in self.paragraphs:
            self.paragraphs.append(para)

    def fields(self) -> dict:
        """The loose fields check_fields validates."""
        answer = self._answer()
        options = list(self.options)
        qtype = self.type or self._guess_type(answer, options)
        if self.subjective:
            answer = "\n".join(self.answers)
        return {"type": qtype, "stem": "\n".join(self.stem), "options": options, "answer": answer,
                "explanation": "\n".join(self.explanation), "points": self.points, "difficulty": self.difficulty,
                "category": self.category, "knowledge_point": self.knowledge_point, "basis": "\n".join(self.basis),
                "status": "", "rubric": "\n".join(self.rubric), "subquestions": self.subquestions}

    @property
    def subjective(self) -> bool:
        return self.type in _SUBJECTIVE

    def _answer(self) -> str:
        answer = self._written_answer()
        return answer.rstrip("。") if answer.endswith("。") else answer

    def _written_answer(self) -> str:
        if self.answers:
            return "|".join(self.answers) if len(self.answers) > 1 else self.answers[0]
        if self.key_answer is not None:
            return self.key_answer
        if self.checked:
            return "".join(chr(ord("A") + i) for i in sorted(set(self.checked)))
        return ""

    def _guess_type(self, answer: str, options: list[str]) -> str:
        letters = re.sub(r"[\s,，、;；]", "", _nfkc(answer)).upper()
        if options:
            return "multiple" if len(letters) > 1 and letters.isalpha() else "single"
        if _nfkc(answer).strip() in _TRUTH_MARKS or _nfkc(answer).strip().lower() in ("t", "f", "true", "false"):
            return "truefalse"
        return "fill" if answer or any("__" in s or "＿＿" in s for s in self.stem) else ""


@dataclass
class Layout:
    """What the recogniser found: the questions, and problems that belong to no question."""

    questions: list[RawQuestion] = field(default_factory=list)
    #: (paragraph, message) for lines of the answer key that name no question or cannot be read.
    stray: list[tuple[int, object]] = field(default_factory=list)


# --------------------------------------------------------------------------- the recogniser

@dataclass
class _Section:
    type: str | None = None
    points: str | None = None
    given: bool = False


class _Recogniser:
    def __init__(self):
        self.layout = Layout()
        self.section = _Section()
        self.sections: list[tuple[_Section, list[RawQuestion]]] = []
        self.current: RawQuestion | None = None
        self.mode = "stem"  # where a plain line goes: stem, explanation, basis, after
        self.last_number = 0
        self.in_key = False
        self.key_section: list[RawQuestion] | None = None
        self.key_sections_used: set[int] = set()
        self.key_given: set[int] = set()
        #: In the key at the end, under a 简答/案例分析 heading: the question whose reference
        #: answer (or 评分要点, `key_mode`) the lines belong to, and whether that answer numbered
        #: its own points "1." (then the next question's number cannot be told from them).
        self.key_kind: str | None = None
        self.key_target: RawQuestion | None = None
        self.key_mode = "answer"
        self.key_inner = False

    # --- blocks -----------------------------------------------------------------------------

    def run(self, blocks: list[Block]) -> Layout:
        for block in blocks:
            if isinstance(block, Table):
                self.table(block)
            else:
                for line in block.lines:
                    self.line(block.number, line)
                    if self.current is not None and block.number in self.current.paragraphs:
                        self.current.original.append(line)
                if block.picture and self.current is not None:
                    self.current.pictures.append(block.number)
                    self.current.note("picture", block.number)
        return self.layout

    def line(self, para: int, text: str) -> None:
        text = text.strip()
        if not text:
            return
        if self.in_key:
            self.key_line(para, text)
            return
        if self.heading(para, text):
            return
        if self.current is not None and self.current.subjective and (_ANSWER.match(text) or _RUBRIC.match(text)):
            self.in_question(para, text)  # "参考答案：" of a 简答题, not the key at the end
            return
        key = _KEY_HEADING.match(text)
        if key and (not key.group(1) or _KEY_START.match(key.group(1))):
            self.finish()
            self.in_key, self.key_section = True, None
            if key.group(1):
                self.key_line(para, key.group(1))
            return
        number = _QUESTION.match(text)
        if number and self.starts_question(number):
            n = int(number.group(1) or number.group(2) or number.group(3))
            self.start(para, n, number.group(4))
            return
        if self.current is None:
            points = section_points(text)
            if points and self.section.type is not None:
                self.section.points = points
            return  # a title or a note before the first question
        self.in_question(para, text)

    def starts_question(self, number: re.Match) -> bool:
        n = int(number.group(1) or number.group(2) or number.group(3))
        if self.current is not None and self.current.subjective:
            return self.starts_after_subjective(number, n)
        if self.current is None or n == self.last_number + 1:
            return True
        if self.mode in ("explanation", "basis"):
            return False  # an explanation's own list ("1. …") unless it goes on with the next number
        if n == 1:
            return True  # numbering restarts without a heading
        # Elsewhere a numbered line inside an explanation is the explanation's own list.
        return self.mode == "after" or bool(self.current.options)

    def starts_after_subjective(self, number: re.Match, n: int) -> bool:
        """Inside a 简答/案例分析 question, lists are its own (sub-questions, points of the answer):
        only "n." numbered as the next question starts one, and not a scoring point "…（3分）"."""
        question = self.current
        if number.group(3) or n != self.last_number + 1:
            return False
        if self.mode == "stem" and question.type == "case" and QUESTIONS_LABEL.search("\n".join(question.stem)):
            return False  # "问题：" then "1. … 2. …": the case's sub-questions
        if self.mode != "rubric" or not TRAILING_MARKS.search(number.group(4)):
            return True
        # "n. …（3分）" reads as a scoring point unless the points so far already make the
        # question's points (a section's 每题N分): then it is the next question, with its own.
        try:
            so_far = sum(r.marks for r in parse_rubric("\n".join(question.rubric)))
        except NotationError:
            return False
        try:
            return bool(question.points) and so_far >= float(question.points) - 0.005
        except ValueError:
            return False

    def heading(self, para: int, text: str) -> bool:
        tag = _GROUP_TAG.match(text)
        if tag:
            names, kind = section_type(tag.group(1))
            if names:
                self.new_section(kind, None)
                return True
            return False
        found = _HEADING.match(text)
        body = found.group(1) if found else (text if _BARE_HEADING.match(text) else None)
        if body is None or len(body) > 60:
            return False
        names, kind = section_type(body)
        if not names:
            return False
        self.new_section(kind, section_points(body))
        return True

    def new_section(self, kind: str | None, points: str | None) -> None:
        self.finish()
        self.section = _Section(kind, points, kind is not None)
        self.sections.append((self.section, []))
        self.last_number = 0

    def start(self, para: int, number: int | None, text: str) -> None:
        self.finish()
        question = RawQuestion(ordinal=len(self.layout.questions) + 1, number=number)
        if self.section.type:
            question.type, question.type_given = self.section.type, True
        question.points = self.section.points or ""
        self.layout.questions.append(question)
        if not self.sections:
            self.sections.append((self.section, []))
        self.sections[-1][1].append(question)
        self.current, self.mode = question, "stem"
        if number is not None:
            self.last_number = number
        question.note("stem", para)
        text = self.tags(question, para, text)
        if text:
            self.stem_text(question, para, text)

    def finish(self) -> None:
        question = self.current
        if question is None:
            return
        self.current = None
        if question.subjective:
            if question.type == "short" and question.stem:
                own = _POINTS_OWN.search(question.stem[-1])
                if own:  # a question's own "（10分）" outweighs its section's
                    question.points = own.group(1)
                    question.stem[-1] = question.stem[-1][:own.start()].rstrip() or question.stem[-1]
            return
        if question.stem:
            last = question.stem[-1]
            own = _POINTS_OWN.search(last)
            if own and not question.points:
                question.points = own.group(1)
                question.stem[-1] = last[:own.start()].rstrip() or last
            self.answer_in_stem(question)

    def answer_in_stem(self, question: RawQuestion) -> None:
        """"（√）" after a true/false stem, "（B）" in a choice stem: the key, and the stem shows a blank."""
        if question.answers or question.checked:
            return
        for index in range(len(question.stem) - 1, -1, -1):
            line = question.stem[index]
            if not question.options:
                found = _TF_IN_STEM.search(line)
                if found:
                    question.answers.append(_TRUTH_MARKS[found.group(1)])
                    question.stem[index] = line[:found.start()] + "（  ）" + found.group(2)
                    question.note("answer", question.source.get("stem", 0))
                    return
            else:
                found = list(_LETTERS_IN_STEM.finditer(line))
                if found:
                    match = found[-1]
                    question.answers.append(match.group(1))
                    question.stem[index] = line[:match.start()] + "（  ）" + line[match.end():]
                    question.note("answer", question.source.get("stem", 0))
                    return

    def tags(self, question: RawQuestion, para: int, text: str) -> str:
        """Take 易考's [难度:…] [分数:…] tags out of a line; the rest of the line."""
        def take(match: re.Match) -> str:
            name, value = match.group(1), match.group(2).strip()
            if name == "难度":
                question.difficulty = difficulty_value(value)
                question.note("difficulty", para)
            else:
                question.points = value
                question.note("points", para)
            return ""
        return _TAG.sub(take, text).strip()

    def stem_text(self, question: RawQuestion, para: int, text: str) -> None:
        """A line of the stem, which may already carry the options ("…（ ） A.是 B.否")."""
        split = re.search(r"(?:(?<=\s)|(?<=[）)。？?]))[（(]?[AＡ]\s*[.、．:：)）]", text)
        if split and split.start() > 0 and re.search(r"(?<=\s)[（(]?[BＢ]\s*[.、．:：)）]", text[split.end():]):
            question.stem.append(text[:split.start()].rstrip())
            self.option_run(question, para, text[split.start():])
            return
        question.stem.append(text)

    # --- a line inside a question --------------------------------------------------------------

    def in_question(self, para: int, text: str) -> None:
        question = self.current
        text = self.tags(question, para, text)
        if not text:
            return
        group = _GROUP_TAG.match(text)
        if group and group.group(1) in ("答案解析", "解析"):
            self.mode = "explanation"
            question.note("explanation", para)
            return
        if question.subjective and self.subjective_line(question, para, text):
            return
        found = _ANSWER.match(text)
        if found:
            rest = found.group(1)
            inside = _EXPLANATION_INSIDE.search(rest)
            if inside:
                rest, explanation = rest[:inside.start()], rest[inside.end():]
            else:
                explanation = None
            if rest.strip():
                question.answers.append(rest.strip())
            question.note("answer", para)
            self.mode = "after"
            if explanation is not None:
                self.mode = "explanation"
                question.note("explanation", para)
                if explanation.strip():
                    question.explanation.append(explanation.strip())
            return
        for pattern, mode in ((_EXPLANATION, "explanation"), (_BASIS, "basis")):
            found = pattern.match(text)
            if found:
                self.mode = mode
                question.note(mode, para)
                if found.group(1).strip():
                    getattr(question, mode).append(found.group(1).strip())
                return
        found = _POINT.match(text)
        if found:
            question.knowledge_point = found.group(1).strip()
            question.note("knowledge_point", para)
            self.mode = "after"
            return
        if self.mode == "stem" and self.option_run(question, para, text):
            return
        if self.mode == "stem":
            if question.options:
                # Text after the options, before any answer: it belongs to the last option.
                question.options[-1] += "\n" + text
            else:
                question.stem.append(text)
                question.note("stem", para)
            return
        if self.mode in ("explanation", "basis"):
            getattr(question, self.mode).append(text)
            if para not in question.paragraphs:
                question.paragraphs.append(para)
            return
        question.problems.append((para, _l("This paragraph follows the answer but belongs to no field (write "
                                           "解析： or 依据： before it, or number it as a new question): "
                                           "“%(text)s”", text=_cut(text))))
        if para not in question.paragraphs:
            question.paragraphs.append(para)

    def subjective_line(self, question: RawQuestion, para: int, text: str) -> bool:
        """参考答案 and 评分要点 of a 简答/案例分析 over as many paragraphs as they take; the stem
        (a case's material, 问题： and its sub-questions) has no options. False: not taken."""
        found = _ANSWER.match(text)
        if found:
            question.answers.append(found.group(1).strip())
            question.note("answer", para)
            self.mode = "answer"
            return True
        found = _RUBRIC.match(text)
        if found:
            if found.group(1).strip():
                question.rubric.append(found.group(1).strip())
            question.note("rubric", para)
            self.mode = "rubric"
            return True
        if _EXPLANATION.match(text) or _BASIS.match(text) or _POINT.match(text):
            return False
        if self.mode in ("answer", "rubric"):
            question.add_subjective_line(self.mode, para, text)
            return True
        if self.mode == "stem":
            question.stem.append(text)
            question.note("stem", para)
            return True
        return False

    def option_run(self, question: RawQuestion, para: int, text: str) -> bool:
        """Options starting this line (one or several); False when the line starts with none."""
        first = _OPTION_PAREN.match(text) or _OPTION_BARE.match(text)
        if not first:
            return False
        index = _letter_index(first.group(1))
        if not question.options and index != 0:
            return False  # "B超…" or "C类…" opening a stem line is not an option
        pieces = []
        position, letter = first.end(), index
        while True:
            # The next letter after a space or a comma; failing that, after a Chinese character
            # ("甲B.乙"), never after a Latin letter or digit ("B.C." and "3.B" stay whole).
            letters = "".join(chr(base + letter + 1) for base in (ord("A"), ord("Ａ"), ord("a"), ord("ａ")))
            marker = rf"[（(]?\s*[{letters}]\s*(?:[.、．:：)）]|(?<=[（(][{letters}])[）)])"
            found = (re.compile(r"(?:(?<=\s)|(?<=[。；;，,、]))" + marker).search(text, position)
                     or re.compile(r"(?<=[\u3400-\u9fff\uff01-\uff5e）】」])" + marker).search(text, position))
            if letter + 1 >= 8 or not found:
                pieces.append((letter, text[position:]))
                break
            pieces.append((letter, text[position:found.start()]))
            position, letter = found.end(), letter + 1
        for letter, body in pieces:
            self.option(question, para, letter, body.strip())
        return True

    def option(self, question: RawQuestion, para: int, index: int, body: str) -> None:
        key = f"option_{chr(ord('A') + index)}"
        if _CHECKED.search(body):
            question.checked.append(index)
            body = _CHECKED.sub("", body).strip()
        body = _UNCHECKED.sub("", body).strip()
        if index < len(question.options) and question.options[index]:
            question.problems.append((para, _l("Option %(letter)s is written twice.", letter=chr(ord("A") + index))))
            return
        while len(question.options) <= index:
            question.options.append("")
        question.options[index] = body
        question.note(key, para)

    # --- tables -------------------------------------------------------------------------------

    def table(self, table: Table) -> None:
        rows = [[cell for cell in row] for row in table.rows if any(row)]
        if not rows:
            return
        self.finish()
        label = lambda cell: _TABLE_LABELS.get(_label_of(cell))  # noqa: E731
        header = [label(cell) for cell in rows[0]]
        if len(rows) > 1 and "stem" in header and all(h is not None or not c for h, c in zip(header, rows[0])):
            for row in rows[1:]:
                self.table_question([(h, cell) for h, cell in zip(header, row)])
            return
        labelled = [(label(row[0]) if row else None, row) for row in rows]
        if any(name == "stem" for name, _ in labelled) and sum(name is not None for name, _ in labelled) >= 2:
            pairs = []
            for name, row in labelled:
                letter = _option_label(row[0]) if row else None
                value = [p for cell in row[1:] for p in cell]
                pairs.append((f"option_{letter}" if letter else name, tuple(value)))
            self.table_question(pairs)
            return
        cells = [cell for row in rows for cell in row if cell]
        if len(cells) >= 2:
            question_paras = tuple(p for cell in cells[:-1] for p in cell)
            self.table_question([("stem", question_paras), ("answer", cells[-1])])
        else:
            self.table_question([("stem", cells[0])])

    def table_question(self, pairs: list[tuple[str | None, tuple[Para, ...]]]) -> None:
        stems = [cell for name, cell in pairs if name == "stem" and cell]
        if not stems:
            return
        first = stems[0][0]
        lines = [(p.number, line) for p in stems[0] for line in p.lines]
        original = [f"{_label_text(name)}{' '.join(line for p in cell for line in p.lines)}"
                    for name, cell in pairs if cell]
        number = _QUESTION.match(lines[0][1])
        self.start(first.number, int(number.group(1) or number.group(2) or number.group(3)) if number else None,
                   number.group(4) if number else lines[0][1])
        question = self.current
        question.original = original
        for para, line in lines[1:]:
            self.in_question(para, line)
        for name, cell in pairs:
            if name in (None, "stem") or not cell:
                continue
            para = cell[0].number
            text = "\n".join(line for p in cell for line in p.lines).strip()
            if name.startswith("option_"):
                self.option(question, para, _letter_index(name[-1]), text)
            elif name == "answer":
                found = _ANSWER.match(text)
                question.answers.append((found.group(1) if found else text).strip())
                question.note("answer", para)
            elif name == "type":
                names, kind = section_type(text)
                question.type, question.type_given = (kind or text) if names else text, True
                question.note("type", para)
            elif name in ("explanation", "basis"):
                getattr(question, name).append(text)
                question.note(name, para)
            elif name == "difficulty":
                question.difficulty = difficulty_value(text)
                question.note(name, para)
            elif name == "rubric":
                question.rubric.append(text)
                question.note(name, para)
            else:
                setattr(question, name, text)
                question.note(name, para)
        self.finish()
        self.mode = "after"

    # --- the answer key ---------------------------------------------------------------------------

    def key_line(self, para: int, text: str) -> None:
        found = _HEADING.match(text)
        if found and section_type(found.group(1))[0] or _BARE_HEADING.match(text) or _GROUP_TAG.match(text):
            self.key_kind = section_type(found.group(1) if found else text)[1]
            self.key_section = self.section_for_key(self.key_kind)
            self.key_target = None
            return
        if self.key_kind in _SUBJECTIVE and self.subjective_key_line(para, text):
            return
        position, length = 0, len(text)
        while position < length:
            gap = _KEY_GAP.match(text, position)
            if gap:
                position = gap.end()
                if position >= length:
                    break
            found = _RANGE.match(text, position)
            if found:
                first, last = int(found.group(1)), int(found.group(2))
                marks = found.group(3).replace(" ", "")
                if last < first or last - first + 1 != len(marks):
                    self.layout.stray.append((para, _l(
                        "The answer key gives %(n)s answers “%(marks)s” for questions %(first)s–%(last)s.",
                        n=len(marks), marks=marks, first=first, last=last)))
                else:
                    for offset, mark in enumerate(marks):
                        self.key_answer(para, first + offset, mark)
                position = found.end()
                continue
            found = _ITEM.match(text, position)
            if found and found.group(2):
                self.key_answer(para, int(found.group(1)), found.group(2))
                position = found.end()
                continue
            self.layout.stray.append((para, _l("This line of the answer key cannot be read: “%(text)s”; write "
                                               "it as 1-5 BACDA, 6.ABD 7.AC or 8.√ 9.×.",
                                               text=_cut(text[position:]))))
            return

    def subjective_key_line(self, para: int, text: str) -> bool:
        """A 简答/案例分析's reference answer in the key at the end, under its section's heading:
        "1．答：……" over as many paragraphs as it takes, "评分要点：……" likewise. A number starts an
        answer only when it is the next question of the section still without one; an answer
        that numbers its own points "1." makes the next number ambiguous, which is refused.
        False: not such a line (an objective key line, read as before)."""
        number = _KEY_NUMBER.match(text)
        target = self._next_in_key(int(number.group(1) or number.group(2))) if number else None
        if target is not None:
            if self.key_inner and self.key_target is not None:
                self.layout.stray.append((para, _l(
                    "The answer of question %(n)s in the answer key numbers its own points 1. 2. …, so where the "
                    "answer of question %(next)s begins cannot be told: number those points （1）（2） or ①②.",
                    n=self.key_target.number, next=target.number)))
                self.key_target = None
                return True
            self.key_given.add(target.ordinal)
            self.key_target, self.key_mode, self.key_inner = target, "answer", False
            if target.answers:
                target.problems.append((para, _l("The reference answer is given both in the question and in the "
                                                 "answer key; keep one.")))
            else:
                target.answers.append(_ANSWER_WORD.sub("", number.group(3)).strip())
                target.note("answer", para)
            if para not in target.paragraphs:
                target.paragraphs.append(para)
            return True
        if self.key_target is None:
            return False
        question = self.key_target
        if number:
            self.key_inner = True  # "1." inside an answer: its own points
        rubric = _RUBRIC.match(text)
        if rubric:
            self.key_mode = "rubric"
            if rubric.group(1).strip():
                question.rubric.append(rubric.group(1).strip())
            question.note("rubric", para)
        else:
            question.add_subjective_line(self.key_mode, para, text)
        return True

    def _next_in_key(self, number: int) -> RawQuestion | None:
        """The question `number` of the key's section if it is the next one the key has not
        answered (questions answered in their own text may be skipped)."""
        for question in self.key_section or []:
            if question.ordinal in self.key_given:
                continue
            if question.number == number:
                return question
            if not question.answers:
                return None
        return None

    def section_for_key(self, kind: str | None) -> list[RawQuestion] | None:
        for index, (section, questions) in enumerate(self.sections):
            if index not in self.key_sections_used and section.type == kind and questions:
                self.key_sections_used.add(index)
                return questions
        return None

    def key_answer(self, para: int, number: int, answer: str) -> None:
        pool = self.key_section if self.key_section is not None else self.layout.questions
        candidates = [q for q in pool if q.number == number]
        target = next((q for q in candidates if q.ordinal not in self.key_given), None)
        if target is None:
            self.layout.stray.append((para, _l("The answer key gives another answer for question %(n)s, which "
                                               "already has one.", n=number) if candidates else
                                      _l("The answer key gives an answer for question %(n)s, but there is no "
                                         "question %(n)s.", n=number)))
            return
        self.key_given.add(target.ordinal)
        answer = answer.strip()
        answer = _TRUTH_MARKS.get(answer, answer)
        if para not in target.paragraphs:
            target.paragraphs.append(para)
        if target.answers or target.checked:
            inline = target._answer()
            if _compact(inline) != _compact(answer):
                target.problems.append((para, _l(
                    "The answer in the question (%(inline)s) and in this answer key (%(key)s) differ.",
                    inline=inline, key=answer)))
            return
        target.key_answer = answer
        target.source["answer"] = para


def _compact(text: str) -> str:
    text = re.sub(r"[\s,，、]", "", _nfkc(text)).upper()
    return _TRUTH_MARKS.get(text, text)


def _label_of(cell: tuple[Para, ...]) -> str:
    text = "".join(line for p in cell for line in p.lines)
    return re.sub(r"[\s:：*（）()必填选填]", "", _nfkc(text))


def _option_label(cell: tuple[Para, ...]) -> str | None:
    found = re.fullmatch(r"(?:选项)?([A-H])", _label_of(cell).upper())
    return found.group(1) if found else None


def _label_text(name: str | None) -> str:
    if name is None or name == "stem":
        return ""
    if name.startswith("option_"):
        return f"{name[-1]}. "
    return {"answer": "答案：", "explanation": "解析：", "basis": "依据：", "type": "题型：", "points": "分值：",
            "difficulty": "难度：", "knowledge_point": "知识点：", "category": "分类："}.get(name, "")


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def recognise(blocks: list[Block]) -> Layout:
    """Every question the paragraphs and tables hold, with where each field came from."""
    recogniser = _Recogniser()
    layout = recogniser.run(blocks)
    recogniser.finish()
    return layout


def text_blocks(text: str) -> list[Para]:
    """The lines of a text as one-line paragraphs numbered as an editor numbers lines."""
    return [Para(number, (" ".join(line.split()),)) for number, line in enumerate(text.splitlines(), start=1)
            if line.strip()]
