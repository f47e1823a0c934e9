"""The canonical question, the notations people write in spreadsheets, and row validation.

Everything here is pure: no request, no database. A spreadsheet row, a JSON item and a GIFT
question all pass through `check_fields`, so every import format applies the same rules and
reports problems in the same words.
"""
from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import astuple, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Callable, Iterable, Mapping

import pandas as pd
from flask_babel import lazy_gettext as _l

from ..platform.tabular import (
    SPACES,
    SPREADSHEET_EXTENSIONS,
    RowError,
    SheetLimits,
    TableError,
    quoted_formula,
    read_columns,
    read_table,
    under_header,
)
from .subjective import (
    SUBJECTIVE_TYPES,
    NotationError,
    Part,
    key_problems,
    make_key,
    parse_rubric,
    parse_subquestions,
    parts_of,
    split_by_subquestion,
    split_case_stem,
    strip_marks,
)

QTYPES = ("single", "multiple", "truefalse", "fill", *SUBJECTIVE_TYPES)
CHOICE_TYPES = ("single", "multiple")
#: Types whose `options` column holds texts (choice options; a case analysis's sub-questions).
OPTION_TEXT_TYPES = (*CHOICE_TYPES, "case")
DEFAULT_POINTS = {"single": 2.0, "multiple": 3.0, "truefalse": 2.0, "fill": 2.0, "short": 10.0, "case": 20.0}
DIFFICULTIES = ("easy", "medium", "hard")
MAX_OPTIONS = 8
OPTION_LETTERS = "ABCDEFGH"
#: Letters past H are read only so that a ninth option is reported instead of ignored.
_ALL_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_POINTS = Decimal(100)
#: Longest text a field may hold (the database columns and the edit form allow no more).
MAX_LENGTHS = {"category": 50, "knowledge_point": 100, "basis": 200, "option": 1000}
UPLOAD_EXTENSIONS = (".xlsx", ".xls", ".csv", ".json", ".gift", ".txt", ".docx")


def _option_aliases(letter: str) -> list[str]:
    return [f"选项{letter}", letter, f"option {letter}", f"option{letter}", f"选项{letter.lower()}"]


QUESTION_COLUMNS: dict[str, list[str]] = {
    "type": ["题型", "type", "题目类型"],
    "stem": ["题干", "stem", "题目", "question"],
    **{f"option_{letter}": _option_aliases(letter) for letter in OPTION_LETTERS},
    "answer": ["答案", "正确答案", "answer"],
    "explanation": ["解析", "答案解析", "explanation"],
    "points": ["分值", "分数", "points", "score"],
    "difficulty": ["难度", "difficulty"],
    "category": ["法律法规分类", "分类", "category", "law"],
    "knowledge_point": ["知识点", "knowledge_point", "knowledge point"],
    "basis": ["依据条款", "出处", "basis", "legal basis"],
    "status": ["状态", "status"],
    # 简答题 and 案例分析题 (subjective.py): the reference answer may also stand in 答案.
    "reference": ["参考答案", "reference", "reference answer", "标准答案", "答案要点"],
    "rubric": ["评分要点", "rubric", "scoring points", "评分标准"],
    "subquestions": ["小题", "sub-questions", "subquestions", "案例问题"],
}
REQUIRED_COLUMNS = ["type", "stem", "answer"]
#: A sheet of subjective questions only may have 参考答案 and no 答案 column.
SUBJECTIVE_REQUIRED_COLUMNS = ["type", "stem", "reference"]
SUBJECTIVE_FIELDS = ("reference", "rubric", "subquestions")
_READ_COLUMNS = {
    **QUESTION_COLUMNS,
    **{f"option_{letter}": _option_aliases(letter) for letter in _ALL_LETTERS[MAX_OPTIONS:]},
}


# --------------------------------------------------------------------------- the question

@dataclass
class QuestionData:
    """One question as plain data, already validated and normalised."""

    qtype: str
    stem: str
    options: list[str]
    answer: object
    explanation: str = ""
    points: float | None = None
    difficulty: str = "medium"
    category: str = ""
    knowledge_point: str = ""
    basis: str = ""
    is_active: bool = True

    def __post_init__(self):
        if self.points is None:
            self.points = DEFAULT_POINTS.get(self.qtype, 2.0)
        self.points = float(self.points)


def blank_count(q: QuestionData) -> int:
    """How many blanks a fill question has (one per answer group); 0 for other types."""
    return len(q.answer) if q.qtype == "fill" else 0


#: Where a blank stands in a stem: 2+ underscores (half- or full-width) or empty brackets.
BLANK_MARKER = re.compile(r"[_＿]{2,}|[（(][ \t\u3000\u00a0]*[）)]")


def count_blank_markers(stem: str) -> int:
    """How many blank markers (`____`, `＿＿`, `（  ）`) the stem shows."""
    return len(BLANK_MARKER.findall(stem or ""))


_TRAILING = "。.？?！!：:；;，,、()（）_ "


def _normalise_for_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = "".join(text.split())
    text = re.sub(r"_{2,}|\(\)", "__", text)
    return text.rstrip(_TRAILING)


def dedup_text(q: QuestionData) -> str:
    """The readable text two questions share exactly when they are the same question."""
    options = "\x1e".join(_normalise_for_key(o) for o in q.options)
    return f"{q.qtype}\x1f{_normalise_for_key(q.stem)}\x1f{options}"


def dedup_key(q: QuestionData) -> str:
    """A 64-character key equal for the same question written with other spacing or widths."""
    return hashlib.sha256(dedup_text(q).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- notations

def _norm(value) -> str:
    """Lower-case, NFKC, without any whitespace: how notation words compare."""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return "".join(text.split())


#: 不定项选择题: multiple choice whose key may also be a single option (checkboxes, one or more right).
INDEFINITE_WORDS = ["不定项", "不定项选择", "不定项选择题", "indefinite", "indefinite choice"]
_INDEFINITE = {_norm(word) for word in INDEFINITE_WORDS}
_TYPE_WORDS = {
    "single": ["单选", "单选题", "单项选择", "单项选择题", "single", "single choice"],
    "multiple": ["多选", "多选题", "多项选择", "多项选择题", "multiple", "multiple choice", *INDEFINITE_WORDS],
    "truefalse": ["判断", "判断题", "true/false", "truefalse", "true-false", "tf"],
    "fill": ["填空", "填空题", "fill", "fill in the blank", "blank"],
    "short": ["简答", "简答题", "问答", "问答题", "short", "short answer", "essay"],
    "case": ["案例分析", "案例分析题", "案例题", "案例", "case", "case analysis"],
}
_TYPES = {_norm(word): key for key, words in _TYPE_WORDS.items() for word in words}
_TRUE_WORDS = ["对", "正确", "√", "✓", "✔", "v", "t", "true", "是", "y", "yes", "1", "✅"]
_FALSE_WORDS = ["错", "错误", "×", "✗", "✘", "✕", "x", "f", "false", "否", "n", "no", "0", "❌"]
_TRUTH = {**{_norm(w): True for w in _TRUE_WORDS}, **{_norm(w): False for w in _FALSE_WORDS}}
_DIFFICULTY_WORDS = {
    "easy": ["易", "较易", "容易", "简单", "偏易", "easy", "1"],
    "medium": ["中", "中等", "一般", "适中", "medium", "2"],
    "hard": ["难", "较难", "困难", "偏难", "hard", "3"],
}
_DIFFICULTIES = {_norm(w): key for key, words in _DIFFICULTY_WORDS.items() for w in words}
_STATUS_WORDS = {
    True: ["启用", "active", "是", "1", "enabled", "true"],
    False: ["停用", "inactive", "否", "0", "disabled", "false"],
}
_STATUSES = {_norm(w): key for key, words in _STATUS_WORDS.items() for w in words}

TYPE_HELP = ("单选, 多选, 判断, 填空, 不定项, 简答, 案例分析 "
             "(single, multiple, truefalse, fill, indefinite, short, case)")
TRUTH_HELP = "对/错, 正确/错误, √/×, T/F, true/false, 是/否, Y/N, 1/0"
#: Every accepted spelling, so that the message of a refused one lists them all.
DIFFICULTY_HELP = "易/中/难 (" + "; ".join("、".join(words) for words in _DIFFICULTY_WORDS.values()) + ")"
STATUS_HELP = "启用/停用 (active/inactive, 是/否, 1/0)"


def parse_type(text) -> str:
    """The canonical type for any accepted spelling; ValueError naming the accepted ones."""
    key = _TYPES.get(_norm(text))
    if key is None:
        raise ValueError(_l("Unknown question type \"%(value)s\"; write one of %(accepted)s.",
                            value=_show(text), accepted=TYPE_HELP))
    return key


_LETTER_SEPARATORS = re.compile(r"[\s,，、;；/]+")


def parse_choice_answer(text) -> list[str]:
    """Sorted distinct option letters from `ABD`, `A,B,D`, `A、B、D`, `a b d`, `ＡＢＤ`…"""
    compact = _LETTER_SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text)).upper())
    if not compact:
        raise ValueError(_l("The answer is empty; write the letter(s) of the correct "
                            "option(s), e.g. B or ABD."))
    bad = sorted({ch for ch in compact if ch not in _ALL_LETTERS})
    if bad or _is_word(text):
        raise ValueError(_l("Answer \"%(value)s\" is not made of option letters; write letters "
                            "A–H such as B or ABD (separators , 、 and spaces are fine).",
                            value=_show(text)))
    return sorted(set(compact))


def _is_word(text) -> bool:
    """True for a word written where letters belong ("Question not started", "True", "None"):
    a run holding two or more letters past H, which no list of option letters does. Read
    letter by letter, it would make one error per letter."""
    for token in _LETTER_SEPARATORS.split(unicodedata.normalize("NFKC", str(text)).upper()):
        if len({ch for ch in token if ch in _ALL_LETTERS[MAX_OPTIONS:]}) >= 2:
            return True
    return False


def parse_truefalse(text) -> bool:
    """True or False from 对/错, √/×, T/F, TRUE/FALSE, 是/否, Y/N, 1/0 and the like."""
    value = _TRUTH.get(_norm(text))
    if value is None:
        raise ValueError(_l("Answer \"%(value)s\" is neither true nor false; write one of "
                            "%(accepted)s.", value=_show(text), accepted=TRUTH_HELP))
    return value


_BLANK_SEPARATOR = re.compile(r"[|｜]")
_ALTERNATIVE_SEPARATOR = re.compile(r"[;；]")


def parse_fill_answer(text) -> list[list[str]]:
    """Blanks split on `|`, alternatives on `;` (either width), each trimmed, empties dropped."""
    source = str(text)
    if not source.strip(SPACES):
        raise ValueError(_l("The answer is empty; write the answer of each blank, blanks "
                            "separated by | and alternatives by ; (e.g. 十五日;15日|书面)."))
    blanks = []
    for number, part in enumerate(_BLANK_SEPARATOR.split(source), start=1):
        alternatives = [a.strip(SPACES) for a in _ALTERNATIVE_SEPARATOR.split(part)]
        alternatives = [a for a in alternatives if a]
        if not alternatives:
            raise ValueError(_l("Blank %(n)s of the answer \"%(value)s\" is empty; every blank "
                                "between | needs at least one accepted answer.",
                                n=number, value=_show(text)))
        blanks.append(alternatives)
    return blanks


def parse_points(value) -> float | None:
    """None when empty, else a number > 0 and <= 100 with at most 2 decimals."""
    if isinstance(value, bool):
        raise ValueError(_points_message(value))
    text = unicodedata.normalize("NFKC", str(value)).strip(SPACES)
    if not text:
        return None
    try:
        number = Decimal(text.removesuffix("分").strip())
    except InvalidOperation:
        raise ValueError(_points_message(value)) from None
    if not number.is_finite() or number <= 0 or number > MAX_POINTS:
        raise ValueError(_points_message(value))
    if number != number.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
        raise ValueError(_points_message(value))
    return float(number)


def _points_message(value):
    return _l("Points \"%(value)s\" is not valid; write a number greater than 0 and at most 100, "
              "with at most 2 decimals (e.g. 2 or 2.5), or leave it empty for the default.",
              value=_show(value))


def parse_difficulty(text) -> str:
    """easy/medium/hard from 易/中/难, 简单/一般/困难, 1/2/3; empty means medium."""
    if _norm(text) == "":
        return "medium"
    key = _DIFFICULTIES.get(_norm(text))
    if key is None:
        raise ValueError(_l("Unknown difficulty \"%(value)s\"; write one of %(accepted)s.",
                            value=_show(text), accepted=DIFFICULTY_HELP))
    return key


def parse_status(value) -> bool:
    """Whether the question is active: 启用/停用, active/inactive, 是/否, 1/0; empty means active."""
    if isinstance(value, bool):
        return value
    if _norm(value) == "":
        return True
    key = _STATUSES.get(_norm(value))
    if key is None:
        raise ValueError(_l("Unknown status \"%(value)s\"; write one of %(accepted)s.",
                            value=_show(value), accepted=STATUS_HELP))
    return key


def _show(value, limit: int = 40) -> str:
    """A cell quoted back in a message, cut short so one bad cell cannot flood the page."""
    text = " ".join(_CONTROL.sub("", str(value)).split())
    return text if len(text) <= limit else text[:limit] + "…"


# Surrogates cannot be encoded (JSON can smuggle them in); C0 controls break Excel files.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value) -> str:
    """Text with unified line breaks, no control characters (Excel refuses them), trimmed."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip(SPACES)


# --------------------------------------------------------------------------- validation

#: Names where a field came from (a header, a JSON key) for messages; None when nothing fits.
ColumnOf = Callable[[str], "str | None"]


@dataclass
class _Check:
    rownum: int | None
    column: ColumnOf
    errors: list = field(default_factory=list)

    def add(self, key: str, message) -> None:
        self.errors.append(RowError(self.rownum, self.column(key), message))

    def parse(self, key: str, parser, value):
        try:
            return parser(value)
        except ValueError as exc:
            self.add(key, exc.args[0])
            return None


def _text_field(check: _Check, fields: Mapping, key: str) -> str:
    value = fields.get(key)
    if isinstance(value, (list, dict, tuple, set)):
        check.add(key, _l("This must be text, not a list or an object."))
        return ""
    text = clean_text(value)
    _check_length(check, key, text, MAX_LENGTHS.get(key))
    return text


def _check_length(check: _Check, key: str, text: str, limit: int | None) -> None:
    if limit is not None and len(text) > limit:
        check.add(key, _l("The text has %(n)s characters; at most %(max)s are allowed here.",
                          n=len(text), max=limit))


def check_fields(fields: Mapping[str, object], rownum: int | None,
                 column: ColumnOf) -> tuple[QuestionData | None, list[RowError]]:
    """Validate one question given as loose fields; every problem is reported, not just the first.

    `fields` holds type, stem, options (a list, "" for an empty slot), answer (notation text
    or the canonical shape), explanation, points, difficulty, category, knowledge_point,
    basis, status. `column(key)` names where a field came from (keys: the field names and
    option_A…option_Z).
    """
    check = _Check(rownum, column)
    raw_type = _text_field(check, fields, "type")
    qtype = None
    if not raw_type:
        check.add("type", _l("The question type is empty; write one of %(accepted)s.",
                             accepted=TYPE_HELP))
    else:
        qtype = check.parse("type", parse_type, raw_type)
    stem = _text_field(check, fields, "stem")
    if not stem:
        check.add("stem", _l("The stem (the question text) is empty."))
    raw_options, raw_answer = fields.get("options") or [], fields.get("answer")
    if qtype in SUBJECTIVE_TYPES:
        points = check.parse("points", parse_points, _scalar(fields.get("points")))
        stem, options, answer, points = _check_subjective(check, qtype, fields, stem, points)
    else:
        raw_answer = _objective_answer(check, fields, raw_answer, qtype is not None)
        if qtype == "truefalse":
            raw_options, raw_answer = _truefalse_options(raw_options, raw_answer)
        options = _check_options(check, raw_options, qtype)
        indefinite = qtype == "multiple" and _norm(raw_type) in _INDEFINITE
        answer = _check_answer(check, qtype, raw_answer, options, stem, indefinite)
        if options is not None:
            options = [o for o in options if o] if qtype in CHOICE_TYPES else []
    explanation = _text_field(check, fields, "explanation")
    if qtype not in SUBJECTIVE_TYPES:
        points = check.parse("points", parse_points, _scalar(fields.get("points")))
    difficulty = check.parse("difficulty", parse_difficulty, _scalar(fields.get("difficulty")))
    category = _text_field(check, fields, "category")
    knowledge_point = _text_field(check, fields, "knowledge_point")
    basis = _text_field(check, fields, "basis")
    is_active = check.parse("status", parse_status, _scalar(fields.get("status"), keep_bool=True))
    if check.errors:
        return None, check.errors
    question = QuestionData(
        qtype=qtype, stem=stem, options=options,
        answer=answer, explanation=explanation, points=points, difficulty=difficulty,
        category=category, knowledge_point=knowledge_point, basis=basis, is_active=is_active)
    return question, []


def _objective_answer(check: _Check, fields: Mapping, raw_answer, known_type: bool):
    """The answer of an objective question: 答案, or 参考答案 when only that column is filled
    (many sheets head their answer column so). 评分要点 and 小题 belong to subjective questions."""
    for key in ("rubric", "subquestions"):
        if known_type and _filled(fields.get(key)):
            check.add(key, _l("Only 简答 and 案例分析 questions take scoring points (评分要点) or sub-questions "
                              "(小题); clear this cell or change the type."))
    reference = fields.get("reference")
    if _filled(reference) and not _filled(raw_answer):
        return reference
    return raw_answer


def _filled(value) -> bool:
    if isinstance(value, str):
        return bool(clean_text(value))
    return value not in (None, [], {}, ())


def _check_subjective(check: _Check, qtype: str, fields: Mapping, stem: str, points: float | None):
    """(stem, sub-questions, key, points) of a 简答 or 案例分析 question; key None when it has
    problems (each added to `check`). The key is the canonical list of parts (subjective.py),
    given as such (JSON) or in the notations of question_bank/FORMAT.md."""
    raw_answer, raw_options = fields.get("answer"), fields.get("options") or []
    points_given = points is not None
    if isinstance(raw_answer, list) and raw_answer and all(isinstance(p, dict) for p in raw_answer):
        return _canonical_subjective(check, qtype, raw_options, raw_answer, stem, points)
    if qtype == "short" and isinstance(raw_options, (list, tuple)) and any(_filled(o) for o in raw_options):
        check.add(_option_key(next(i for i, o in enumerate(raw_options) if _filled(o))),
                  _l("Short-answer questions take no options; clear the option columns."))
    reference_key = "reference" if _filled(fields.get("reference")) else "answer"
    reference = _text_field(check, fields, reference_key)
    if reference_key == "reference" and _filled(raw_answer):
        answer_text = _text_field(check, fields, "answer")
        if answer_text and answer_text != reference:
            check.add("answer", _l("Both 答案 and 参考答案 are filled and differ; a subjective question's reference "
                                   "answer goes in one of them."))
    rubric_text = _text_field(check, fields, "rubric")
    if not reference:
        check.add(reference_key, _l("A 简答 or 案例分析 question needs its reference answer (参考答案)."))
    if qtype == "short":
        rubric = _parse_rubric(check, "rubric", rubric_text)
        if rubric is None or not reference:
            return stem, [], None, points
        marks = sum(r.marks for r in rubric) if rubric else (points or DEFAULT_POINTS["short"])
        if rubric and points_given and abs(marks - points) > 0.005:
            check.add("points", _l("The scoring points add up to %(sum)s marks, but the points are %(points)s.",
                                   sum=_fmt(marks), points=_fmt(points)))
            return stem, [], None, points
        return stem, [], _finish_key(check, qtype, [], [Part("", reference, marks, tuple(rubric))]), marks
    stem, subs = _case_subquestions(check, fields, raw_options, stem)
    if subs is None or not reference:
        return stem, [], None, points
    texts, stated = zip(*(strip_marks(s) for s in subs))
    empty = [str(n) for n, text in enumerate(texts, start=1) if not text]
    if empty:
        check.add("subquestions", _l("Sub-question (%(n)s) has no text.", n="、".join(empty)))
        return stem, list(texts), None, points
    references = _per_subquestion(check, reference_key, reference, len(subs), required=True)
    rubric_texts = _per_subquestion(check, "rubric", rubric_text, len(subs), required=False)
    if references is None or rubric_texts is None:
        return stem, list(texts), None, points
    rubrics = [_parse_rubric(check, "rubric", text, number) for number, text in enumerate(rubric_texts, start=1)]
    if any(r is None for r in rubrics):
        return stem, list(texts), None, points
    marks: list[float | None] = []
    for number, (own, rubric) in enumerate(zip(stated, rubrics), start=1):
        total = round(sum(r.marks for r in rubric), 2) if rubric else None
        if own is not None and total is not None and abs(own - total) > 0.005:
            check.add("rubric", _l("Sub-question (%(n)s) is worth %(marks)s marks, but its scoring points add up "
                                   "to %(sum)s.", n=number, marks=_fmt(own), sum=_fmt(total)))
            return stem, list(texts), None, points
        marks.append(own if own is not None else total)
    marks = _spread_marks(check, marks, points)
    if marks is None:
        return stem, list(texts), None, points
    parts = [Part(text, ref, mark, tuple(rubric)) for text, ref, mark, rubric in zip(texts, references, marks, rubrics)]
    return stem, list(texts), _finish_key(check, qtype, list(texts), parts), round(sum(marks), 2)


def _canonical_subjective(check: _Check, qtype, raw_options, raw_answer, stem, points):
    """The stored shape given as is (JSON): checked with subjective.key_problems."""
    options = []
    if qtype == "case":
        if not isinstance(raw_options, (list, tuple)) or not all(isinstance(o, str) for o in raw_options):
            check.add("option_A", _l("A case analysis's options must be the list of its sub-questions (texts)."))
            return stem, [], None, points
        options = [clean_text(o) for o in raw_options]
    raw_answer = [{**part, "reference": clean_text(part.get("reference", ""))
                   if isinstance(part.get("reference", ""), str) else ""} for part in raw_answer]
    parts = parts_of(qtype, options, raw_answer)
    problems = key_problems(qtype, options, raw_answer)
    problems += [f"part {n}: the reference answer is empty" for n, p in enumerate(parts, 1) if not p.reference]
    if problems:
        for problem in problems:
            check.add("answer", _l("The key of this subjective question is not valid: %(problem)s.", problem=problem))
        return stem, options, None, points
    total = round(sum(p.marks for p in parts), 2)
    if points is not None and abs(points - total) > 0.005:
        check.add("points", _l("The parts' marks add up to %(sum)s, but the points are %(points)s.",
                               sum=_fmt(total), points=_fmt(points)))
        return stem, options, None, points
    return stem, options, make_key(parts), total


def _case_subquestions(check: _Check, fields: Mapping, raw_options, stem: str):
    """(case text, sub-questions as written with their marks) from 小题, the options, or the
    stem after 问题：; sub-questions None when there are none (reported)."""
    written = _text_field(check, fields, "subquestions")
    if written:
        subs = parse_subquestions(written)
        if not subs:
            check.add("subquestions", _l("Number the sub-questions （1）（2）… (or 1. 2. … one a line), e.g. "
                                         "（1）甲的行为是否合法？（6分）（2）……"))
        return stem, subs or None
    if isinstance(raw_options, (list, tuple)) and any(_filled(o) for o in raw_options):
        return stem, [clean_text(o) for o in raw_options if _filled(o) and isinstance(o, str)]
    material, rest = split_case_stem(stem)
    if rest:
        if not material:
            check.add("stem", _l("The case text before 问题： is empty."))
            return stem, None
        return material, parse_subquestions(rest)
    check.add("subquestions", _l("A case analysis needs its sub-questions: numbered （1）（2）… in the 小题 column, or "
                                 "in the stem after the case text, following 问题：."))
    return stem, None


def _per_subquestion(check: _Check, key: str, text: str, count: int, *, required: bool):
    """One text per sub-question from "（1）…（2）…"; a single sub-question may go unnumbered."""
    if not text:
        return [""] * count
    try:
        numbered = split_by_subquestion(text, count)
    except NotationError as exc:
        check.add(key, exc.args[0])
        return None
    if numbered is None:
        if count == 1:
            return [text]
        check.add(key, _l("Number this text by sub-question as the sub-questions are numbered: （1）…（2）…"))
        return None
    pieces = [piece for _, piece in numbered] + [""] * (count - len(numbered))
    if required:
        missing = [str(n) for n, piece in enumerate(pieces, start=1) if not piece]
        if missing:
            check.add(key, _l("Sub-question (%(n)s) has no reference answer; give one for each sub-question, "
                              "numbered （1）（2）…", n="、".join(missing)))
            return None
    return pieces


def _parse_rubric(check: _Check, key: str, text: str, number: int | None = None):
    if not text:
        return []
    try:
        rubric = parse_rubric(text)
    except NotationError as exc:
        message = exc.args[0]
        check.add(key, _l("Sub-question (%(n)s): %(message)s", n=number, message=message) if number else message)
        return None
    if any(r.marks <= 0 for r in rubric):
        check.add(key, _l("Every scoring point needs marks more than 0."))
        return None
    return rubric


def _spread_marks(check: _Check, marks: list[float | None], points: float | None):
    """Each sub-question's marks: as stated; those without share what the points leave."""
    known = round(sum(m for m in marks if m is not None), 2)
    unknown = [i for i, m in enumerate(marks) if m is None]
    if not unknown:
        if points is not None and abs(points - known) > 0.005:
            check.add("points", _l("The sub-questions' marks add up to %(sum)s, but the points are %(points)s.",
                                   sum=_fmt(known), points=_fmt(points)))
            return None
        return marks
    total = points if points is not None else DEFAULT_POINTS["case"]
    share = Decimal(str(total - known)) / len(unknown)
    if share <= 0 or share != share.quantize(Decimal("0.01")):
        check.add("points", _l("Give each sub-question its marks, e.g. （1）……（6分）: the points (%(points)s) "
                               "cannot be shared out among the sub-questions without marks.", points=_fmt(total)))
        return None
    return [float(share) if m is None else m for m in marks]


def _finish_key(check: _Check, qtype: str, options: list[str], parts: list[Part]):
    key = make_key(parts)
    problems = key_problems(qtype, options, key)
    if problems:
        for problem in problems:
            check.add("answer", _l("The key of this subjective question is not valid: %(problem)s.", problem=problem))
        return None
    return key


def _fmt(value: float) -> str:
    return f"{value:g}"


def _truefalse_options(options, answer):
    """判断 written as options A 正确 / B 错误 (对/错, √/×…) with a letter key, as many banks
    do: no options, and the key the option's truth. Anything else is left for the checks."""
    if not isinstance(options, (list, tuple)) or isinstance(answer, (list, dict, tuple, bool)):
        return options, answer
    texts = [clean_text(o) if isinstance(o, str) else "" for o in options]
    if len(texts) < 2 or not texts[0] or not texts[1] or any(texts[2:]):
        return options, answer
    truths = [_TRUTH.get(_norm(t)) for t in texts[:2]]
    if None in truths or truths[0] == truths[1]:
        return options, answer
    letter = _LETTER_SEPARATORS.sub("", unicodedata.normalize("NFKC", clean_text(answer)).upper())
    if letter in ("A", "B"):
        return [], truths["AB".index(letter)]
    return [], answer


def _scalar(value, keep_bool: bool = False):
    if value is None:
        return ""
    if isinstance(value, bool):
        return value if keep_bool else ("TRUE" if value else "FALSE")
    if isinstance(value, (list, dict, tuple, set)):
        return _show(value)
    return value


def _check_options(check: _Check, raw, qtype) -> list[str] | None:
    """The option texts ("" for an empty slot); None when they are not even a list."""
    if not isinstance(raw, (list, tuple)):
        check.add("option_A", _l("Options must be a list of texts."))
        return None
    options = []
    for index, value in enumerate(raw):
        if isinstance(value, (list, dict, tuple, set)):
            check.add(_option_key(index), _l("Option %(letter)s must be text.",
                                             letter=option_letter(index)))
            value = ""
        options.append(clean_text(value))
        _check_length(check, _option_key(index), options[-1], MAX_LENGTHS["option"])
    filled = [i for i, text in enumerate(options) if text]
    if qtype is None:
        return options
    if qtype not in CHOICE_TYPES:
        if filled:
            first = option_letter(filled[0])
            if qtype == "truefalse":
                message = _l("True/false questions take no options, but option %(letter)s is "
                             "filled; clear the option columns.", letter=first)
            else:
                message = _l("Fill-in-the-blank questions take no options, but option %(letter)s "
                             "is filled; clear the option columns and put the blanks in the stem.",
                             letter=first)
            check.add(_option_key(filled[0]), message)
        return options
    last = filled[-1] if filled else -1
    for index in range(last):
        if not options[index]:
            check.add(_option_key(index), _l(
                "Option %(letter)s is empty but option %(later)s is filled; fill the options "
                "in order from A without gaps.", letter=option_letter(index),
                later=option_letter(last)))
    if len(filled) < 2:
        check.add(_option_key(len(filled)), _l(
            "A choice question needs at least 2 options (A and B); found %(n)s.", n=len(filled)))
    if len(filled) > MAX_OPTIONS:
        check.add(_option_key(MAX_OPTIONS), _l(
            "A choice question has at most 8 options (A to H); found %(n)s.", n=len(filled)))
    return options


def option_letter(index: int) -> str:
    """The letter of the option at a 0-based index (A, B, …); past Z a "#n" placeholder."""
    return _ALL_LETTERS[index] if 0 <= index < len(_ALL_LETTERS) else f"#{index + 1}"


def _option_key(index: int) -> str:
    return f"option_{option_letter(index)}"


def _check_answer(check: _Check, qtype, raw, options: list[str] | None, stem: str, indefinite: bool = False):
    if qtype is None:
        return None
    if raw is None or (isinstance(raw, str) and not clean_text(raw)) or raw == []:
        check.add("answer", _empty_answer_message(qtype))
        return None
    if isinstance(raw, dict) or (isinstance(raw, bool) and qtype != "truefalse"):
        check.add("answer", _l("The answer has the wrong form for this type; see the accepted "
                               "notations in the import instructions."))
        return None
    if qtype in CHOICE_TYPES:
        return _check_choice_answer(check, qtype, raw, options, indefinite)
    if qtype == "truefalse":
        if isinstance(raw, (list, dict, tuple)):
            raw = _show(raw)
        return check.parse("answer", parse_truefalse, raw)
    return _check_fill_answer(check, raw, stem)


def _empty_answer_message(qtype):
    if qtype == "single":
        return _l("The answer is empty; write the letter of the correct option, e.g. B.")
    if qtype == "multiple":
        return _l("The answer is empty; write the letters of the correct options, e.g. ABD.")
    if qtype == "truefalse":
        return _l("The answer is empty; write one of %(accepted)s.", accepted=TRUTH_HELP)
    return _l("The answer is empty; write the answer of each blank, blanks separated by | and "
              "alternatives by ; (e.g. 十五日;15日|书面).")


def _check_choice_answer(check: _Check, qtype, raw, options, indefinite: bool = False):
    if isinstance(raw, (list, tuple)):
        raw = "".join(str(x) for x in raw if not isinstance(x, (list, dict, tuple)))
    letters = check.parse("answer", parse_choice_answer, raw)
    if letters is None:
        return None
    ok = True
    absent = [letter for letter in letters if options is not None
              and (_ALL_LETTERS.index(letter) >= len(options) or not options[_ALL_LETTERS.index(letter)])]
    if len(absent) == 1:
        check.add("answer", _l("The answer names %(letter)s, but option %(letter)s is empty; "
                               "fill option %(letter)s or correct the answer.", letter=absent[0]))
        ok = False
    elif absent:
        check.add("answer", _l("The answer names %(letters)s, but those options are empty; fill them "
                               "or correct the answer.", letters="、".join(absent)))
        ok = False
    if qtype == "single" and len(letters) > 1:
        check.add("answer", _l("A single-choice question has exactly one answer, but %(letters)s "
                               "were given; use type 多选 for several answers.",
                               letters="".join(letters)))
        ok = False
    if qtype == "multiple" and len(letters) < 2 and not indefinite:
        check.add("answer", _l("A multiple-choice question needs at least 2 correct answers, but "
                               "only %(letters)s was given; use type 单选 for one answer, or 不定项 "
                               "when one or more answers may be right.",
                               letters="".join(letters)))
        ok = False
    if not ok:
        return None
    return letters[0] if qtype == "single" else letters


def _check_fill_answer(check: _Check, raw, stem: str):
    if isinstance(raw, (list, tuple)):
        blanks = _structured_blanks(check, raw)
    else:
        blanks = check.parse("answer", parse_fill_answer, raw)
    if blanks is None:
        return None
    markers = count_blank_markers(stem)
    if markers and markers != len(blanks):
        check.add("answer", _l("The stem shows %(markers)s blank(s) (____) but the answer gives "
                               "%(blanks)s; give one answer per blank, separated by |.",
                               markers=markers, blanks=len(blanks)))
        return None
    return blanks


def _structured_blanks(check: _Check, raw):
    """A fill answer given as a list: each item one blank (a list of alternatives or a notation)."""
    blanks = []
    for number, item in enumerate(raw, start=1):
        if isinstance(item, (list, tuple)):
            alternatives = [clean_text(a) for a in item if not isinstance(a, (list, dict, tuple))]
        elif isinstance(item, dict):
            alternatives = []
        else:
            alternatives = [clean_text(a) for a in _ALTERNATIVE_SEPARATOR.split(str(item))]
        alternatives = [a for a in alternatives if a]
        if not alternatives:
            check.add("answer", _l("Blank %(n)s of the answer has no accepted answer; give at "
                                   "least one text for every blank.", n=number))
            return None
        blanks.append(alternatives)
    return blanks


def _unneutralise(text: str) -> str:
    """Undo tabular.neutralise: our own exports put one quote before a would-be formula."""
    return text[1:] if quoted_formula(text) else text


def validate_row(row: Mapping[str, str], headers: Mapping[str, str],
                 rownum: int) -> tuple[QuestionData | None, list[RowError]]:
    """A question, or every problem of the row, each naming the column header the file used."""
    cells = {key: _unneutralise(str(value)) for key, value in row.items() if value is not None}
    present = [i for i, letter in enumerate(_ALL_LETTERS) if f"option_{letter}" in cells]
    width = max(present) + 1 if present else 0
    fields = {key: cells.get(key, "") for key in
              ("type", "stem", "answer", "explanation", "points", "difficulty", "category",
               "knowledge_point", "basis", "status", *SUBJECTIVE_FIELDS)}
    fields["options"] = [cells.get(_option_key(i), "") for i in range(width)]

    def column(key: str) -> str:
        if key in headers:
            return headers[key]
        names = _READ_COLUMNS.get(key)
        return names[0] if names else key

    return check_fields(fields, rownum, column)


# --------------------------------------------------------------------------- whole files

@dataclass
class ParseResult:
    """What an upload yielded: good questions with their row numbers, and every problem found."""

    questions: list[tuple[int, QuestionData]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[RowError] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    format: str = ""
    #: The spreadsheet row the column headers were read from (None for other formats).
    header_row: int | None = None
    #: What the person should know though nothing is wrong (pictures that are not imported).
    notes: list[RowError] = field(default_factory=list)
    #: The dedup key of each good question by row number, worked out once (it is not cheap).
    keys: dict[int, str] = field(default_factory=dict, repr=False)
    #: Where each question came from in a Word or text bank ("paragraphs 45–49"), by row number.
    sources: dict[int, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        """Plain JSON (messages as text in the current language), for `from_json` in a later request."""
        def problems(found):
            return [[e.row, e.column, str(e.message)] for e in found]
        return {"questions": [[row, astuple(q)] for row, q in self.questions], "errors": problems(self.errors),
                "duplicates": problems(self.duplicates), "extra_columns": list(self.extra_columns),
                "rows_read": self.rows_read, "format": self.format,
                "keys": [[row, key] for row, key in self.keys.items()],
                "sources": [[row, where] for row, where in self.sources.items()],
                "header_row": self.header_row, "notes": problems(self.notes)}

    @classmethod
    def from_json(cls, data: dict) -> ParseResult:
        return cls(questions=[(row, QuestionData(*fields)) for row, fields in data["questions"]],
                   errors=[RowError(*e) for e in data["errors"]],
                   duplicates=[RowError(*e) for e in data["duplicates"]],
                   extra_columns=list(data["extra_columns"]), rows_read=data["rows_read"], format=data["format"],
                   keys={row: key for row, key in data["keys"]}, header_row=data.get("header_row"),
                   notes=[RowError(*e) for e in data.get("notes", [])],
                   sources={row: where for row, where in data.get("sources", [])})

    @property
    def counts_by_type(self) -> dict[str, int]:
        """How many good questions of each type (canonical type keys)."""
        return dict(Counter(q.qtype for _, q in self.questions))

    @property
    def counts_by_category(self) -> dict[str, int]:
        """How many good questions per 法律法规分类 ("" for none given)."""
        return dict(Counter(q.category for _, q in self.questions))


def collect(items: Iterable[tuple[int, QuestionData | None, list[RowError]]],
            result: ParseResult | None = None) -> ParseResult:
    """Gather checked items into a result, setting aside later copies of the same question."""
    result = result or ParseResult()
    first_row: dict[str, int] = {}
    for rownum, question, errors in items:
        result.rows_read += 1
        if errors or question is None:
            result.errors.extend(errors)
            continue
        key = dedup_key(question)
        if key in first_row:
            result.duplicates.append(RowError(rownum, None, _l(
                "The same question as row %(first)s; this copy was skipped.",
                first=first_row[key])))
            continue
        first_row[key] = rownum
        result.questions.append((rownum, question))
        result.keys[rownum] = key
    return result


def parse_frame(frame: pd.DataFrame, headers: Mapping[str, str],
                cell_errors: Mapping[int, list[RowError]] | None = None) -> ParseResult:
    """Validate every row of a mapped frame (index = spreadsheet row number). A row with a
    `cell_errors` entry (a formula without a value) is reported with it alone: its other
    messages would only describe the empty cell the reader saw."""
    columns = list(frame.columns)
    cell_errors = cell_errors or {}

    def items():
        # zip over columns: far quicker than to_dict/iterrows on a 20,000-row sheet
        for rownum, *values in zip(frame.index, *(frame[c].tolist() for c in columns)):
            if rownum in cell_errors:
                yield int(rownum), None, list(cell_errors[rownum])
                continue
            question, errors = validate_row(dict(zip(columns, values)), headers, int(rownum))
            yield int(rownum), question, errors

    return _name_duplicate_column(collect(items()), headers)


def _name_duplicate_column(result: ParseResult, headers: Mapping[str, str]) -> ParseResult:
    stem = headers.get("stem", QUESTION_COLUMNS["stem"][0])
    result.duplicates = [RowError(d.row, stem, d.message) for d in result.duplicates]
    return result


def parse_spreadsheet(data: bytes, filename: str, *, max_rows: int | None,
                      limits: SheetLimits | None = None) -> ParseResult:
    """Read an .xlsx/.xls/.csv question sheet; TableError for whole-file problems."""
    try:
        frame = read_table(data, filename, max_rows=max_rows, limits=limits)
    except (csv.Error, UnicodeError) as exc:
        # The CSV module refuses some hostile files (e.g. a giant field); still the file's fault.
        raise TableError(_l("The file cannot be read: %(reason)s", reason=str(exc)[:200])) from None
    columns = _question_columns(frame)
    result = parse_frame(columns.frame, columns.headers, columns.cell_errors)
    result.extra_columns = columns.extras
    result.format = PurePath(filename).suffix.lower().lstrip(".")
    result.header_row = columns.header_row
    result.notes = [_picture_note(row, cell) for row, cell in columns.pictures]
    return result


def _picture_note(row: int | None, cell: str) -> RowError:
    """A picture in a question's row is said of that question: questions carry text only."""
    if row is None:
        return RowError(None, None, str(_l("The picture at %(cell)s, above the questions, is not imported.",
                                           cell=cell)))
    return RowError(row, None, str(_l("this question has a picture (at %(cell)s) that is not imported: questions "
                                      "carry text only. Put what the picture shows into the stem or the "
                                      "options.", cell=cell)))


def rows_under_header(data: bytes, filename: str, limits: SheetLimits | None = None) -> pd.DataFrame:
    """The sheet's rows under its own header row, as the import found it (rejected rows are
    written back in the person's own columns)."""
    frame = read_table(data, filename, limits=limits)
    return under_header(frame, _question_columns(frame).header_row)


def _question_columns(frame: pd.DataFrame):
    """The sheet's known columns; 答案 is required unless 参考答案 holds the (subjective) answers."""
    try:
        return read_columns(frame, _READ_COLUMNS, REQUIRED_COLUMNS)
    except TableError as missing:
        try:
            return read_columns(frame, _READ_COLUMNS, SUBJECTIVE_REQUIRED_COLUMNS)
        except TableError:
            raise missing from None


def parse_upload(data: bytes, filename: str, *, max_rows: int, limits: SheetLimits | None = None) -> ParseResult:
    """Parse any accepted upload by its extension; only TableError escapes for a bad file.
    `limits` bounds a spreadsheet (tabular.limits_for("questions")); text formats are bounded
    by the upload's size."""
    extension = PurePath(filename or "").suffix.lower()
    if extension in (".docx", ".txt"):
        from . import word_import  # it builds on this module, so import it late

        if extension == ".docx" or word_import.is_layout_text(data):
            return word_import.parse_word_upload(data, extension, max_rows=max_rows, limits=limits)
    if extension in SPREADSHEET_EXTENSIONS:
        return parse_spreadsheet(data, filename, max_rows=max_rows, limits=limits)
    if extension in UPLOAD_EXTENSIONS:
        from . import formats  # formats imports this module, so import it late

        return formats.parse_text_upload(data, extension, max_rows=max_rows)
    raise TableError(_l("Unsupported file type %(ext)s: upload .xlsx, .xls, .csv, .json, .gift, .docx "
                        "or .txt.", ext=extension or "?"))
