"""Subjective questions (简答题, 案例分析题): the shape of their key, and its checks. Pure.

A subjective question is marked by a person, not matched against a key. It is stored in the
same columns as every question:

- ``options``: for 案例分析 (``case``) the sub-questions' texts in order (the case text itself
  is the stem); for 简答 (``short``) empty.
- ``answer``: one *part* per sub-question (a short answer has exactly one part)::

      [{"reference": "参考答案…", "marks": 6.0,
        "rubric": [{"point": "评分要点一", "marks": 3.0}, {"point": "…", "marks": 3.0}]}, …]

  ``rubric`` (评分要点) may be empty: the marker then gives the part's total only. When it is
  not empty its marks add up to the part's marks.
- ``points``: the sum of the parts' marks.

A candidate's response is a string for ``short`` and a list of strings, one per sub-question,
for ``case``; at most `MAX_ANSWER_CHARS` characters each. In a paper the item's ``b`` (blank
count) is the number of parts, as for a fill-in's blanks.

An exam may give the question other points than the bank: the marker awards marks in the
paper's points, so the parts and rubric are scaled (`scaled_parts`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

SUBJECTIVE_TYPES = ("short", "case")
#: Longest text a candidate may write for one (sub-)question; the exam page says so.
MAX_ANSWER_CHARS = 5000
#: Longest reference answer or scoring point the bank keeps.
MAX_REFERENCE_CHARS = 5000
MAX_PARTS = 10
MAX_RUBRIC_POINTS = 20


@dataclass(frozen=True)
class RubricPoint:
    point: str
    marks: float


@dataclass(frozen=True)
class Part:
    """One (sub-)question to mark: its text (empty for a short answer), reference, marks."""

    stem: str
    reference: str
    marks: float
    rubric: tuple[RubricPoint, ...] = ()


def is_subjective(qtype: str) -> bool:
    return qtype in SUBJECTIVE_TYPES


def make_key(parts: list[Part]) -> list[dict]:
    """The stored ``answer`` of a subjective question from its parts."""
    return [{"reference": p.reference, "marks": float(p.marks),
             "rubric": [{"point": r.point, "marks": float(r.marks)} for r in p.rubric]} for p in parts]


def parts_of(qtype: str, options, answer) -> list[Part]:
    """The parts of a stored subjective question (tolerant: a malformed key gives fewer parts)."""
    if not isinstance(answer, list):
        return []
    stems = list(options or []) if qtype == "case" else [""]
    parts = []
    for index, raw in enumerate(answer):
        if not isinstance(raw, dict):
            continue
        rubric = tuple(RubricPoint(str(r.get("point", "")), _number(r.get("marks")))
                       for r in raw.get("rubric") or [] if isinstance(r, dict))
        parts.append(Part(stem=stems[index] if index < len(stems) else "",
                          reference=str(raw.get("reference", "")), marks=_number(raw.get("marks")),
                          rubric=rubric))
    return parts


def key_problems(qtype: str, options, answer) -> list[str]:
    """What is wrong with a subjective key, in English sentences (empty: nothing)."""
    parts = parts_of(qtype, options, answer)
    if not isinstance(answer, list) or len(parts) != len(answer) or not parts:
        return ["the key must be a list of parts, each with a reference answer and marks"]
    problems = []
    if qtype == "short" and len(parts) != 1:
        problems.append("a short-answer question has exactly one part")
    if qtype == "case" and len(parts) != len(options or []):
        problems.append(f"a case analysis has one part per sub-question: {len(options or [])} "
                        f"sub-question(s), {len(parts)} part(s)")
    if len(parts) > MAX_PARTS:
        problems.append(f"at most {MAX_PARTS} sub-questions")
    for number, part in enumerate(parts, start=1):
        if part.marks <= 0:
            problems.append(f"part {number}: its marks must be more than 0")
        if len(part.reference) > MAX_REFERENCE_CHARS:
            problems.append(f"part {number}: the reference answer is longer than {MAX_REFERENCE_CHARS} characters")
        if len(part.rubric) > MAX_RUBRIC_POINTS:
            problems.append(f"part {number}: at most {MAX_RUBRIC_POINTS} scoring points")
        if part.rubric and abs(sum(r.marks for r in part.rubric) - part.marks) > 0.005:
            problems.append(f"part {number}: the scoring points add up to "
                            f"{_fmt(sum(r.marks for r in part.rubric))}, not the part's {_fmt(part.marks)}")
        if any(r.marks <= 0 or not r.point.strip() for r in part.rubric):
            problems.append(f"part {number}: every scoring point needs a text and marks more than 0")
    return problems


def total_marks(qtype: str, options, answer) -> float:
    return round(sum(p.marks for p in parts_of(qtype, options, answer)), 2)


def scaled_parts(parts: list[Part], item_points: float) -> list[Part]:
    """The parts in a paper's points: each part's and scoring point's marks times
    item points / the question's own total (unchanged when they agree)."""
    own = sum(p.marks for p in parts)
    if own <= 0 or abs(own - item_points) < 0.005:
        return list(parts)
    factor = item_points / own
    return [Part(p.stem, p.reference, round(p.marks * factor, 2),
                 tuple(RubricPoint(r.point, round(r.marks * factor, 2)) for r in p.rubric)) for p in parts]


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _fmt(value: float) -> str:
    return f"{value:g}"


# --------------------------------------------------------------------------- notations
#
# How trainers write a subjective key in one spreadsheet cell, a Word paragraph or a GIFT
# feedback (question_bank/FORMAT.md, 简答题与案例分析题):
#
# - 评分要点 (scoring points): each point followed by its marks in brackets, separated by ；
#   or written one a line, optionally numbered: "要点一（3分）；要点二（2分）" or
#   "1. 要点一（3分）\n2. 要点二（2分）". Unbracketed "…，3分" / "…得3分" at a line's end too.
# - a case's sub-questions, reference answers and scoring points: numbered （1）（2）… in
#   order, each sub-question optionally ending with its marks "（6分）".
# - a case's sub-questions may follow the case text in the stem after "问题：".

_MARKS = r"(\d{1,3}(?:\.\d{1,2})?)\s*分"
_BRACKETED_MARKS = re.compile(r"[（(【\[]\s*(?:共|计|得)?\s*" + _MARKS + r"\s*[）)】\]]")
TRAILING_MARKS = re.compile(r"[（(【\[]\s*(?:共|计|得)?\s*" + _MARKS + r"\s*[）)】\]]\s*[。.；;]?\s*$")
_LOOSE_MARKS = re.compile(r"[，,：:\s]*(?:得|计|给|共)?\s*" + _MARKS + r"\s*[。.；;]?\s*$")
_POINT_NUMBER = re.compile(r"^\s*(?:\d{1,2}\s*[.、．)）]|[（(]\s*\d{1,2}\s*[）)]|[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]|"
                           r"[（(]?[一二三四五六七八九十]{1,2}[、.．)）]|要点\s*[\d一二三四五六七八九十]{1,2}\s*[:：、.．]?)\s*")
_SUB_NUMBER = re.compile(r"[（(]\s*(\d{1,2})\s*[）)]")
QUESTIONS_LABEL = re.compile(r"(?:^|\n)\s*(?:【?\s*(?:问题|提问|请回答|请问|试问|设问)\s*】?\s*[:：]|"
                              r"【\s*问题\s*】)\s*")
_SEPARATORS = " \t\u3000\n；;"


class NotationError(ValueError):
    """A notation that cannot be read; args[0] is the message for people."""


def _marks_value(text: str) -> float:
    return float(text)


def strip_marks(text: str) -> tuple[str, float | None]:
    """"甲的行为是否合法？（6分）" -> ("甲的行为是否合法？", 6.0); no marks -> (text, None)."""
    found = TRAILING_MARKS.search(text)
    if not found:
        return text.strip(), None
    return text[:found.start()].rstrip(), _marks_value(found.group(1))


def parse_rubric(text: str) -> list[RubricPoint]:
    """Scoring points from "要点一（3分）；要点二（2分）" or one a line "1. …（3分）";
    NotationError naming the point without marks."""
    from flask_babel import lazy_gettext as _l

    points: list[RubricPoint] = []
    for line in (text or "").replace("\r", "\n").split("\n"):
        rest = line.strip(_SEPARATORS)
        while rest:
            found = _BRACKETED_MARKS.search(rest)
            if found:
                piece, marks, rest = rest[:found.start()], found.group(1), rest[found.end():].lstrip(_SEPARATORS)
            else:
                loose = _LOOSE_MARKS.search(rest)
                if not loose or not rest[:loose.start()].strip(_SEPARATORS):
                    raise NotationError(_l("Scoring point \"%(text)s\" has no marks; end each point with its "
                                           "marks in brackets, e.g. 要点一（3分）；要点二（2分）.",
                                           text=_cut(rest)))
                piece, marks, rest = rest[:loose.start()], loose.group(1), ""
            piece = piece.strip(_SEPARATORS)
            piece = _POINT_NUMBER.sub("", piece, count=1).strip(_SEPARATORS) or piece
            if not piece:
                raise NotationError(_l("The marks (%(marks)s分) stand without a scoring point before them.",
                                       marks=marks))
            points.append(RubricPoint(piece, _marks_value(marks)))
    return points


def format_rubric(rubric, *, one_a_line: bool = False) -> str:
    """The notation `parse_rubric` reads: "要点一（3分）；要点二（2分）" (or one a line, numbered)."""
    if one_a_line:
        return "\n".join(f"{n}. {r.point}（{_fmt(r.marks)}分）" for n, r in enumerate(rubric, start=1))
    return "；".join(f"{r.point}（{_fmt(r.marks)}分）" for r in rubric)


def split_numbered(text: str, limit: int | None = None) -> list[tuple[int, str]] | None:
    """"（1）甲…（2）乙…" -> [(1, "甲…"), (2, "乙…")], taking the markers （n） that run 1, 2, 3…
    in order (at most `limit` of them); None when the text does not start with （1）."""
    text = text or ""
    markers, want, pos = [], 1, 0
    while limit is None or len(markers) < limit:
        found = next((m for m in _SUB_NUMBER.finditer(text, pos) if int(m.group(1)) == want), None)
        if found is None:
            break
        markers.append(found)
        want, pos = want + 1, found.end()
    if not markers or text[:markers[0].start()].strip(_SEPARATORS):
        return None
    pieces = []
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
        pieces.append((index + 1, text[marker.end():end].strip(_SEPARATORS)))
    return pieces


def split_by_subquestion(text: str, count: int) -> list[tuple[int, str]] | None:
    """A case's reference answers (or scoring points) "（1）…（2）…" cut into at most `count`
    sub-questions' texts, as `split_numbered`. A sub-question's own text may number its points
    （1）（2）… too ("（1）违法。理由：（1）未告知……（2）未听取……"): then only the markers that begin a
    line count, when they run 1, 2, 3… to `count` once each; NotationError when it cannot be told
    where a sub-question's text begins. None when the text does not start with （1）."""
    from flask_babel import lazy_gettext as _l

    text = text or ""
    markers = [m for m in _SUB_NUMBER.finditer(text) if 1 <= int(m.group(1)) <= count]
    numbers = [int(m.group(1)) for m in markers]
    repeated = next((n for index, n in enumerate(numbers) if n in numbers[:index]), None)
    if repeated is None:
        return split_numbered(text, limit=count)
    starts = [m for m in markers if not text[text.rfind("\n", 0, m.start()) + 1:m.start()].strip(" \t\r\u3000")]
    if ([int(m.group(1)) for m in starts] == list(range(1, count + 1))
            and not text[:starts[0].start()].strip(_SEPARATORS)):
        return [(index + 1, text[marker.end():starts[index + 1].start() if index + 1 < len(starts) else len(text)]
                 .strip(_SEPARATORS)) for index, marker in enumerate(starts)]
    raise NotationError(_l("（%(n)s） appears more than once, so it is unclear where each sub-question's text begins: "
                           "start each sub-question's text on a line of its own with its number （1）（2）…, or "
                           "number the points inside it ①② or 1. 2.", n=repeated))


def format_numbered(texts: list[str]) -> str:
    """"（1）…\\n（2）…" (what `split_numbered` reads)."""
    return "\n".join(f"（{n}）{t}" for n, t in enumerate(texts, start=1))


def split_case_stem(stem: str) -> tuple[str, str]:
    """(case text, sub-questions) of a stem written "案例材料……\\n问题：（1）…（2）…"; ("stem", "")
    when the stem has no "问题：" label followed by numbered sub-questions."""
    for found in reversed(list(QUESTIONS_LABEL.finditer(stem or ""))):
        rest = stem[found.end():]
        if split_numbered(rest) or _numbered_lines(rest):
            return stem[:found.start()].rstrip(), rest.strip()
    return stem, ""


_LINE_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.、．]\s*")


def _numbered_lines(text: str) -> list[str] | None:
    """Sub-questions written "1. …" one a line, numbered 1, 2, 3…; None when they are not."""
    lines = [line for line in (text or "").split("\n") if line.strip()]
    found = [_LINE_NUMBER.match(line) for line in lines]
    if not lines or not found[0] or int(found[0].group(1)) != 1:
        return None
    items: list[str] = []
    for line, number in zip(lines, found):
        if number and int(number.group(1)) == len(items) + 1:
            items.append(line[number.end():].strip())
        else:
            items[-1] += "\n" + line.strip()
    return items


def parse_subquestions(text: str) -> list[str] | None:
    """The sub-questions of "（1）…（2）…" (or "1. …" one a line); None when not numbered so."""
    numbered = split_numbered(text)
    if numbered is not None:
        return [piece for _, piece in numbered]
    return _numbered_lines(text)


def case_stem_text(stem: str, parts: list[Part]) -> str:
    """A case's stem with its sub-questions and their marks, as files write it:
    "案例材料……\\n问题：\\n（1）…（6分）\\n（2）…（4分）"."""
    questions = format_numbered([f"{p.stem}（{_fmt(p.marks)}分）" for p in parts])
    return f"{stem}\n问题：\n{questions}"


def _cut(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


_LABEL = re.compile(r"(?m)^[ \t\u3000]*(?:【\s*(参考答案|答案要点|评分要点|评分标准|解析|答案解析)\s*】|"
                    r"(参考答案|答案要点|评分要点|评分标准|解析|答案解析)\s*[:：])[ \t\u3000]*")
_LABEL_FIELDS = {"参考答案": "reference", "答案要点": "reference", "评分要点": "rubric", "评分标准": "rubric",
                 "解析": "explanation", "答案解析": "explanation"}


def split_labelled(text: str) -> dict[str, str] | None:
    """{"reference", "rubric", "explanation"} of a text written "参考答案：…\\n评分要点：…\\n解析：…"
    (labels at line starts, any order); None when it has no 参考答案 label."""
    found = list(_LABEL.finditer(text or ""))
    fields = {"reference": "", "rubric": "", "explanation": ""}
    for index, label in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        name = _LABEL_FIELDS[label.group(1) or label.group(2)]
        fields[name] = text[label.end():end].strip()
    if not found or not fields["reference"] or text[:found[0].start()].strip():
        return None
    return fields


def key_texts(qtype: str, options, answer) -> dict[str, str]:
    """The reference answer, scoring points and sub-questions in the notations files use
    (what check_fields reads back): a short answer's points one a line; a case's parts
    numbered （1）（2）…, each sub-question with its marks."""
    parts = parts_of(qtype, options, answer)
    if qtype == "short":
        part = parts[0] if parts else Part("", "", 0)
        return {"reference": part.reference, "rubric": format_rubric(part.rubric, one_a_line=True),
                "subquestions": ""}
    rubric = format_numbered([format_rubric(p.rubric) for p in parts]) if any(p.rubric for p in parts) else ""
    return {"reference": format_numbered([p.reference for p in parts]), "rubric": rubric,
            "subquestions": format_numbered([f"{p.stem}（{_fmt(p.marks)}分）" for p in parts])}


def labelled_text(qtype: str, options, answer, explanation: str = "") -> str:
    """"参考答案：…\\n评分要点：…\\n解析：…" (what `split_labelled` reads)."""
    texts = key_texts(qtype, options, answer)
    lines = [f"参考答案：{_block(texts['reference'])}"]
    if texts["rubric"]:
        lines.append(f"评分要点：{_block(texts['rubric'])}")
    if explanation:
        lines.append(f"解析：{explanation}")
    return "\n".join(lines)


def _block(text: str) -> str:
    """A multi-line text after a label starts on the next line."""
    return "\n" + text if "\n" in text else text
