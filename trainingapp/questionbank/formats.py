"""Question files that are not spreadsheets (JSON, GIFT, Aiken), every export, and the template.

Imports end in `parsing.check_fields`, so a JSON item or a GIFT question is held to exactly
the rules of a spreadsheet row. Exports are written so that `parsing.parse_upload` reads them
back into equal `QuestionData`.
"""
from __future__ import annotations

import html as html_module
import json
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd
from flask_babel import lazy_gettext as _l

from ..platform.tabular import RowError, TableError, decode_text, quoted_formula, to_csv, to_xlsx
from .parsing import (
    BLANK_MARKER,
    OPTION_LETTERS,
    ParseResult,
    QuestionData,
    check_fields,
    collect,
    option_letter,
)
from .subjective import (
    SUBJECTIVE_TYPES,
    case_stem_text,
    key_texts,
    labelled_text,
    parts_of,
    split_case_stem,
    split_labelled,
)

TYPE_NAMES = {"single": "单选", "multiple": "多选", "truefalse": "判断", "fill": "填空", "short": "简答",
              "case": "案例分析"}
#: A multiple-choice question with a single key is written as 不定项, the one type word that allows it.
INDEFINITE_NAME = "不定项"


def type_name(q: QuestionData) -> str:
    """The type word a file gets for the question: 不定项 for multiple choice with one key."""
    if q.qtype == "multiple" and len(q.answer) == 1:
        return INDEFINITE_NAME
    return TYPE_NAMES[q.qtype]
DIFFICULTY_NAMES = {"easy": "易", "medium": "中", "hard": "难"}
MIN_EXPORT_OPTIONS = 4
EXPORT_FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv", "csv"),  # Werkzeug adds "; charset=utf-8" to text types
    "json": ("application/json", "json"),
    "gift": ("text/plain", "gift"),
}
_JSON_KEYS = {"type", "stem", "options", "answer", "explanation", "points", "difficulty",
              "category", "knowledge_point", "basis", "status", "reference", "rubric", "subquestions"}
#: Names our own data classes use, accepted so a dump of QuestionData imports too.
_JSON_ALIASES = {"qtype": "type", "is_active": "status"}


# --------------------------------------------------------------------------- reading text

def parse_text_upload(data: bytes, extension: str, *, max_rows: int | None) -> ParseResult:
    """Parse a .json, .gift or .txt (GIFT or Aiken, told apart by content) upload."""
    text = decode_text(data)
    if extension == ".json":
        return parse_json(text, max_rows=max_rows)
    if extension == ".gift" or detect_text_format(text) == "gift":
        return parse_gift(text, max_rows=max_rows)
    return parse_aiken(text, max_rows=max_rows)


def detect_text_format(text: str) -> str:
    """"gift" or "aiken" for a .txt question file; TableError when it is neither."""
    has_block = re.search(r"(?<!\\)\{", text) is not None
    if re.search(r"(?mi)^\s*ANSWER\s*[:：]", text) and not has_block:
        return "aiken"
    if has_block:
        return "gift"
    raise TableError(_l("This text file is neither GIFT (answers in {…}) nor Aiken (options "
                        "A. … and an ANSWER: line); see the import instructions."))


def _check_count(count: int, max_rows: int | None) -> None:
    if max_rows is not None and count > max_rows:
        raise TableError(_l("The file has %(n)s questions; at most %(max)s can be imported at "
                            "once. Split it into smaller files.", n=count, max=max_rows))


def _name_duplicates(result: ParseResult, column: str | None) -> ParseResult:
    result.duplicates = [RowError(d.row, column, d.message) for d in result.duplicates]
    return result


# --------------------------------------------------------------------------- JSON

def parse_json(text: str, *, max_rows: int | None = None) -> ParseResult:
    """A JSON list of question objects (or {"questions": [...]}); errors name item and key."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TableError(_l("The file is not valid JSON (line %(line)s, column %(col)s): "
                            "%(reason)s", line=exc.lineno, col=exc.colno, reason=exc.msg)) from None
    except (ValueError, RecursionError):
        raise TableError(_l("The file is not valid JSON.")) from None
    if isinstance(data, dict) and "questions" in data:
        data = data["questions"]
    if not isinstance(data, list):
        raise TableError(_l("A JSON question file must be a list of questions, or an object "
                            "whose \"questions\" key holds that list."))
    _check_count(len(data), max_rows)
    extras: set[str] = set()
    items = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            error = RowError(number, None, _l("Item %(n)s is not an object {\"type\": …, "
                                              "\"stem\": …, \"answer\": …}.", n=number))
            items.append((number, None, [error]))
            continue
        fields = {_JSON_ALIASES.get(k, k): v for k, v in item.items()}
        extras.update(str(k) for k in fields if k not in _JSON_KEYS)
        question, errors = check_fields(fields, number, _json_column)
        items.append((number, question, errors))
    result = collect(items)
    result.extra_columns = sorted(extras)
    result.format = "json"
    return _name_duplicates(result, "stem")


def _json_column(key: str) -> str:
    return "options" if key.startswith("option_") else key


def _number(points: float):
    """Points as written out: 2 rather than 2.0, so files look like what people typed."""
    return int(points) if float(points).is_integer() else points


def question_to_dict(q: QuestionData) -> dict:
    """The JSON object for one question (the shape parse_json reads)."""
    return {
        "type": "indefinite" if type_name(q) == INDEFINITE_NAME else q.qtype,
        "stem": q.stem,
        "options": list(q.options),
        "answer": q.answer,
        "explanation": q.explanation,
        "points": _number(q.points),
        "difficulty": q.difficulty,
        "category": q.category,
        "knowledge_point": q.knowledge_point,
        "basis": q.basis,
        "status": "active" if q.is_active else "inactive",
    }


# --------------------------------------------------------------------------- GIFT

# Escaped characters are swapped for private-use code points before parsing, so the parser
# can split on ~ = # { } : freely, and swapped back (unescaped) afterwards - as Moodle does.
_ESCAPES = {ch: chr(0xF0000 + i) for i, ch in enumerate("\\~=#{}:n")}
_RESTORE = {ord(v): ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_PLACEHOLDERS = {ord(v): None for v in _ESCAPES.values()}
_FORMAT_PREFIX = re.compile(r"\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_META = re.compile(r"//\s*trainingapp:\s*(.*)$")
GIFT_BLANK = "____"


class _GiftError(Exception):
    """A problem that makes one GIFT question unreadable."""


def _protect(text: str) -> str:
    text = text.translate(_PLACEHOLDERS)
    return re.sub(r"\\([\\~=#{}:n])", lambda m: _ESCAPES[m.group(1)], text)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


@dataclass
class _GiftChunk:
    line: int
    lines: list[str] = field(default_factory=list)
    category: str = ""
    meta: tuple[int, str] | None = None  # (line, text) of our "// trainingapp:" comment


def _category_name(path: str) -> str:
    """The last segment of a Moodle category path; the course/system roots mean none."""
    segments = [s.strip() for s in path.strip().split("/") if s.strip()]
    segments = [s for s in segments if s not in ("$course$", "$system$", "$module$", "$cat1$",
                                                 "top")]
    return segments[-1] if segments else ""


def _gift_chunks(text: str) -> list[_GiftChunk]:
    chunks: list[_GiftChunk] = []
    current: _GiftChunk | None = None
    category, pending = "", None
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            current = None
            continue
        if stripped.startswith("//"):
            match = _META.match(stripped)
            if match:
                pending = (number, match.group(1))
            continue
        if current is None and stripped.startswith("$CATEGORY:"):
            category = _category_name(stripped[len("$CATEGORY:"):])
            continue
        if current is None:
            current = _GiftChunk(line=number, category=category, meta=pending)
            pending = None
            chunks.append(current)
        current.lines.append(line)
    return chunks


def parse_gift(text: str, *, max_rows: int | None = None) -> ParseResult:
    """Moodle GIFT plus our extensions; each error names the question's first line as `row`."""
    chunks = _gift_chunks(text)
    _check_count(len(chunks), max_rows)
    items = []
    for chunk in chunks:
        question, errors = _gift_question(chunk)
        items.append((chunk.line, question, errors))
    result = collect(items)
    result.format = "gift"
    return result


def _gift_question(chunk: _GiftChunk) -> tuple[QuestionData | None, list[RowError]]:
    meta, errors = _gift_meta(chunk)
    try:
        fields = _gift_fields(_protect("\n".join(chunk.lines)).strip(), meta)
    except _GiftError as exc:
        return None, [*errors, RowError(chunk.line, None, exc.args[0])]
    fields.setdefault("category", chunk.category)
    question, problems = check_fields(fields, chunk.line, lambda key: None)
    if errors:
        return None, [*errors, *problems]
    return question, problems


def _gift_meta(chunk: _GiftChunk) -> tuple[dict, list[RowError]]:
    if chunk.meta is None:
        return {}, []
    _, raw = chunk.meta
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError):
        meta = None
    if not isinstance(meta, dict):
        return {}, [RowError(chunk.line, None, _l(
            "The comment \"// trainingapp: …\" above this question must hold a JSON object "
            "such as {\"points\": 2}."))]
    return meta, []


def _split_blocks(text: str) -> tuple[list[str], list[str]]:
    """Text pieces and answer blocks, alternating: texts[0] {blocks[0]} texts[1] …"""
    texts, blocks, pos = [], [], 0
    while True:
        opening, closing = text.find("{", pos), text.find("}", pos)
        if opening < 0 or 0 <= closing < opening:
            if closing >= 0:
                raise _GiftError(_l("A closing } has no opening {; write a literal brace as \\}."))
            texts.append(text[pos:])
            return texts, blocks
        closing = text.find("}", opening + 1)
        if closing < 0:
            raise _GiftError(_l("The answer block { is never closed with }."))
        if 0 <= text.find("{", opening + 1) < closing:
            raise _GiftError(_l("An answer block cannot contain another {; write a literal "
                                "brace as \\{."))
        texts.append(text[pos:opening])
        blocks.append(text[opening + 1:closing])
        pos = closing + 1


def _gift_fields(text: str, meta: dict) -> dict:
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise _GiftError(_l("The question title ::…:: is not closed; write a literal colon "
                                "as \\:."))
        text = text[end + 2:].strip()
    texts, blocks = _split_blocks(text)
    if not blocks:
        raise _GiftError(_l("No answer block {…} was found; descriptions without an answer are "
                            "not imported."))
    # Moodle: answers and feedback default to the format of the question text.
    prefix = _FORMAT_PREFIX.match(texts[0].lstrip())
    html = bool(prefix) and prefix.group(1) == "html"
    explanation = ""
    parsed = []
    for block in blocks:
        cut = block.rfind("####")
        if cut >= 0:
            explanation = _formatted(block[cut + 4:], html) or explanation
            block = block[:cut]
        if not block.strip() and len(blocks) == 1:
            return _gift_essay(texts, explanation, meta)
        parsed.append(_gift_block(block.strip(), html))
    kinds = {kind for kind, _ in parsed}
    if len(parsed) > 1 and kinds != {"fill"}:
        raise _GiftError(_l("Only fill-in blanks {=…} may appear more than once in a question; "
                            "a choice or true/false question has exactly one answer block."))
    kind = parsed[0][0]
    fields = {"type": kind, "explanation": explanation, **_meta_fields(meta)}
    fields["stem"] = _gift_stem(texts, kind, meta)
    if kind == "fill":
        fields["answer"] = [alternatives for _, alternatives in parsed]
    elif kind == "truefalse":
        fields["answer"] = parsed[0][1]
    else:
        options, letters, qtype = parsed[0][1]
        if meta.get("type") == "indefinite" and qtype == "single" and "=" not in blocks[0]:
            qtype = INDEFINITE_NAME
        fields.update(type=qtype, options=options, answer=letters)
    return fields


def _gift_essay(texts: list[str], feedback: str, meta: dict) -> dict:
    """An essay {} (or {####…}): 简答, or 案例分析 when our comment says so or the stem lists
    sub-questions after 问题：. The general feedback holds "参考答案：…\n评分要点：…\n解析：…";
    without those labels all of it is the reference answer (a Moodle essay's feedback)."""
    if not feedback.strip():
        raise _GiftError(_l("An essay question {} is imported as 简答 or 案例分析 and needs its reference answer in "
                            "the general feedback: {####参考答案：…}."))
    stem = _gift_stem(texts, "essay", meta)
    qtype = meta.get("type") if meta.get("type") in SUBJECTIVE_TYPES else None
    if qtype is None:
        qtype = "case" if split_case_stem(stem)[1] else "short"
    labelled = split_labelled(feedback) or {"reference": feedback, "rubric": "", "explanation": ""}
    return {"type": qtype, "stem": stem, "options": [], "answer": labelled["reference"],
            "rubric": labelled["rubric"], "explanation": labelled["explanation"], **_meta_fields(meta)}


def _meta_fields(meta: dict) -> dict:
    keys = ("difficulty", "knowledge_point", "basis", "points", "status", "category")
    return {k: meta[k] for k in keys if k in meta}


def _gift_stem(texts: list[str], kind: str, meta: dict) -> str:
    markers = [GIFT_BLANK] * (len(texts) - 1)
    if len(texts) == 2 and not _restore(texts[1]).strip():
        markers = [""]  # Moodle: an answer block after the whole text leaves no blank
    blanks = meta.get("blanks")
    if (kind == "fill" and isinstance(blanks, list) and len(blanks) == len(markers)
            and all(isinstance(b, str) for b in blanks)):
        markers = blanks
    stem = texts[0]
    for marker, piece in zip(markers, texts[1:]):
        stem += _protect_literal(marker) + piece
    return _formatted(stem, False)


def _formatted(text: str, html: bool) -> str:
    """Unescaped text without its [format] marker; HTML (Moodle's usual export) as plain text."""
    text = text.strip()
    prefix = _FORMAT_PREFIX.match(text)
    if prefix:
        html = prefix.group(1) == "html"
        text = text[prefix.end():]
    text = _restore(text).strip()
    return _html_to_text(text) if html else text


def _html_to_text(text: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|li|h[1-6])\s*>", "\n", text)
    text = html_module.unescape(re.sub(r"<[^>]*>", "", text)).replace("\xa0", " ")
    text = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _protect_literal(text: str) -> str:
    """Literal text spliced into protected text: only needs its own placeholders removed."""
    return text.translate(_PLACEHOLDERS)


def _gift_block(block: str, html: bool):
    if not block:
        raise _GiftError(_l("An empty answer block {} (an essay question) is not supported."))
    if block.startswith("#"):
        raise _GiftError(_l("Numerical questions {#…} are not supported."))
    if "~" in block:
        return "choice", _gift_choice(block, html)
    if _is_matching(block):
        raise _GiftError(_l("Matching questions {=… -> …} are not supported."))
    head = block.split("#", 1)[0].strip().upper()
    if head in ("T", "TRUE", "F", "FALSE"):
        return "truefalse", head.startswith("T")
    return "fill", _gift_short_answers(block)


def _is_matching(block: str) -> bool:
    """Moodle matching: two or more =pairs, every one with ->."""
    pairs = [p for p in block.split("=") if p.strip()]
    return len(pairs) >= 2 and all("->" in p for p in pairs)


def _gift_item(part: str, html: bool | None = None) -> tuple[str, float | None]:
    """One answer after its = or ~: (text without feedback, weight or None).

    `html` None: a short answer, which Moodle never reads a [format] marker in."""
    body = part.strip()
    weight = None
    match = _WEIGHT.match(body)
    if match:  # a "%" that does not form %number% is ordinary text
        weight = float(match.group(1))
        body = body[match.end():]
    text = body.split("#", 1)[0]
    return (_restore(text).strip() if html is None else _formatted(text, html)), weight


def _gift_answer(mark: str, text: str, *, choice: bool) -> str:
    """An answer after its mark; text that looks like a weight gets an explicit one first.

    Only choice answers can carry a [format] marker; short answers are taken literally."""
    if _WEIGHT.match(text):
        mark += "%100%" if mark == "=" else "%0%"
    return mark + (_gift_text(text) if choice else _gift_escape(text))


def _gift_choice(block: str, html: bool):
    parts = block.replace("=", "~=").split("~")
    if parts[0].strip():
        raise _GiftError(_l("Text \"%(text)s\" stands before the first ~ or = of the answer "
                            "block; start every answer with = (right) or ~ (wrong).",
                            text=_restore(parts[0]).strip()[:40]))
    options, right_marked, weighted = [], [], []
    for index, part in enumerate(parts[1:]):
        marked = part.startswith("=")
        text, weight = _gift_item(part[1:] if marked else part, html)
        options.append(text)
        if marked:
            right_marked.append(index)
        elif weight is not None and weight > 0:
            weighted.append(index)
    if right_marked:
        # Moodle: an "=" makes it single choice; partial-credit ~%n% answers count as wrong here.
        if len(right_marked) > 1:
            raise _GiftError(_l("A single-choice block has exactly one =answer; for several "
                                "correct answers write %(example)s.",
                                example="{~%50%A ~%50%B ~%-100%C}"))
        correct, qtype = right_marked, "single"
    else:
        if not weighted:
            raise _GiftError(_l("No correct answer: mark it with = or, for multiple choice, give "
                                "each correct answer a positive weight such as %(example)s.",
                                example="~%50%"))
        correct, qtype = weighted, "multiple" if len(weighted) > 1 else "single"
    letters = [option_letter(i) for i in correct]
    return options, letters, qtype


def _gift_short_answers(block: str) -> list[str]:
    parts = block.split("=")
    pieces = parts if parts[0].strip() else parts[1:]
    alternatives = []
    for part in pieces:
        text, weight = _gift_item(part)
        # Partial-credit answers (=%50%…) have no counterpart here: only full marks are kept.
        if text and (weight is None or weight >= 100):
            alternatives.append(text)
    if not alternatives:
        raise _GiftError(_l("The blank {=…} has no accepted answer with full marks."))
    return alternatives


def _gift_escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for ch in "~=#{}:":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _gift_title(stem: str) -> str:
    return _gift_escape(" ".join(stem.split())[:40])


def _gift_text(text: str) -> str:
    """Escaped text; one that itself starts with [html] etc. is kept from reading as a marker."""
    escaped = _gift_escape(text)
    return "[moodle]" + escaped if _FORMAT_PREFIX.match(text) else escaped


def _gift_meta_line(q: QuestionData, blanks: list[str] | None) -> str:
    meta = {"difficulty": q.difficulty, "knowledge_point": q.knowledge_point, "basis": q.basis,
            "points": _number(q.points), "status": "active" if q.is_active else "inactive",
            "category": q.category}
    if blanks is not None:
        meta["blanks"] = blanks
    if type_name(q) == INDEFINITE_NAME:
        meta["type"] = "indefinite"  # GIFT reads one weighted answer as single choice
    if q.qtype in SUBJECTIVE_TYPES:
        meta["type"] = q.qtype
    return "// trainingapp: " + json.dumps(meta, ensure_ascii=False)


def _feedback(q: QuestionData) -> str:
    return "####" + _gift_text(q.explanation) if q.explanation else ""


def question_to_gift(q: QuestionData) -> str:
    """One question in GIFT, preceded by our metadata comment (no trailing blank line)."""
    head = f"::{_gift_title(q.stem)}::"
    blanks = None
    if q.qtype == "truefalse":
        body = f"{_gift_text(q.stem)}{{{'TRUE' if q.answer else 'FALSE'}{_feedback(q)}}}"
    elif q.qtype in ("single", "multiple"):
        body = _gift_text(q.stem) + _gift_choices(q)
    elif q.qtype in SUBJECTIVE_TYPES:
        body = _gift_essay_text(q)
    else:
        body, blanks = _gift_fill(q)
    return f"{_gift_meta_line(q, blanks)}\n{head}{body}"


def _gift_essay_text(q: QuestionData) -> str:
    """An essay {}: a case's sub-questions after 问题： in the text; the reference answer,
    scoring points and explanation in the general feedback ####, labelled."""
    stem = case_stem_text(q.stem, parts_of(q.qtype, q.options, q.answer)) if q.qtype == "case" else q.stem
    feedback = labelled_text(q.qtype, q.options, q.answer, q.explanation)
    return f"{_gift_text(stem)}{{####{_gift_text(feedback)}}}"


def _gift_choices(q: QuestionData) -> str:
    right = [q.answer] if q.qtype == "single" else list(q.answer)
    lines = ["{"]
    for letter, option in zip(OPTION_LETTERS, q.options):
        if q.qtype == "single":
            lines.append("\t" + _gift_answer("=" if letter in right else "~", option,
                                                choice=True))
        else:
            weight = f"{100 / len(right):.5f}".rstrip("0").rstrip(".")
            mark = f"~%{weight}%" if letter in right else "~%-100%"
            lines.append(f"\t{mark}{_gift_text(option)}")
    if q.explanation:
        lines.append("\t" + _feedback(q))
    lines.append("}")
    return "\n".join(lines)


def _gift_fill(q: QuestionData) -> tuple[str, list[str]]:
    groups = ["{" + " ".join(_gift_answer("=", a, choice=False) for a in alternatives) for alternatives
              in q.answer]
    groups[-1] += _feedback(q)
    groups = [g + "}" for g in groups]
    markers = list(BLANK_MARKER.finditer(q.stem))
    if len(markers) != len(groups):
        # No blank shown in the stem: the answers follow the text, as Moodle short answers do.
        return _gift_text(q.stem) + "".join(groups), [""] * len(groups)
    pieces, pos = [], 0
    for marker, group in zip(markers, groups):
        pieces.append(_gift_escape(q.stem[pos:marker.start()]) + group)
        pos = marker.end()
    pieces.append(_gift_escape(q.stem[pos:]))
    text = "".join(pieces)
    if _FORMAT_PREFIX.match(q.stem):
        text = "[moodle]" + text
    return text, [m.group(0) for m in markers]


def questions_to_gift(questions: list[QuestionData]) -> str:
    """A GIFT file: $CATEGORY lines where the category changes, a blank line between questions."""
    parts, category = [], ""
    for q in questions:
        if q.category and q.category != category:
            parts.append("$CATEGORY: " + " ".join(q.category.split()))
        category = q.category
        parts.append(question_to_gift(q))
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------- Aiken

_AIKEN_OPTION = re.compile(r"^([A-Za-zＡ-Ｚａ-ｚ])\s*[.)）．、]\s*(.*)$")
_AIKEN_ANSWER = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)


@dataclass
class _AikenQuestion:
    line: int
    stem: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    broken: RowError | None = None


def parse_aiken(text: str, *, max_rows: int | None = None) -> ParseResult:
    """Moodle Aiken (single choice only): stem, `A. text` lines, `ANSWER: B`; errors name lines."""
    items, current = [], None
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        answer = _AIKEN_ANSWER.match(stripped)
        if answer:
            items.append(_aiken_finish(current, number, answer.group(1)))
            current = None
            continue
        option = _AIKEN_OPTION.match(stripped)
        if current is not None and option and _aiken_option(current, number, option):
            continue
        if current is not None and current.options:
            # Text after the options without an ANSWER line: the previous question is unfinished.
            items.append((current.line, None, [RowError(current.line, None, _l(
                "The question starting on this line has no \"ANSWER: letter\" line after its "
                "options."))]))
            current = None
        if current is None:
            current = _AikenQuestion(line=number)
        current.stem.append(stripped)
    if current is not None:
        items.append((current.line, None, [RowError(current.line, None, _l(
            "The question starting on this line has no \"ANSWER: letter\" line after its "
            "options."))]))
    _check_count(len(items), max_rows)
    result = collect(items)
    result.format = "aiken"
    return result


def _aiken_option(current: _AikenQuestion, number: int, match: re.Match) -> bool:
    """Record an option line; False when the line is really stem text."""
    letter = unicodedata.normalize("NFKC", match.group(1)).upper()
    if letter == option_letter(len(current.options)):
        current.options.append(match.group(2))
        return True
    if not current.options:
        return False  # "B超……" before any option is stem text, not an option
    if current.broken is None:
        current.broken = RowError(number, None, _l(
            "Option %(letter)s follows option %(previous)s; options go A, B, C… in order.",
            letter=letter, previous=option_letter(len(current.options) - 1)))
    return True


def _aiken_finish(current: _AikenQuestion | None, number: int, answer: str):
    if current is None:
        return number, None, [RowError(number, None, _l(
            "This ANSWER line has no question and options before it."))]
    if current.broken is not None:
        return current.line, None, [current.broken]
    fields = {"type": "single", "stem": "\n".join(current.stem), "options": current.options,
              "answer": answer}
    question, errors = check_fields(fields, current.line, lambda key: None)
    return current.line, question, errors


# --------------------------------------------------------------------------- export

EXPORT_HEADERS_BEFORE = ["题型", "题干"]
EXPORT_HEADERS_AFTER = ["答案", "解析", "分值", "难度", "法律法规分类", "知识点", "依据条款", "状态"]
#: Written after 答案 when the export holds 简答 or 案例分析 questions.
SUBJECTIVE_HEADERS = ["小题", "参考答案", "评分要点"]


def answer_notation(q: QuestionData) -> str:
    """The answer as typed in a spreadsheet: B, ABD, 对/错, or 十五日;15日|书面."""
    if q.qtype == "single":
        return str(q.answer)
    if q.qtype == "multiple":
        return "".join(q.answer)
    if q.qtype == "truefalse":
        return "对" if q.answer else "错"
    if q.qtype in SUBJECTIVE_TYPES:
        return key_texts(q.qtype, q.options, q.answer)["reference"]
    return "|".join(";".join(alternatives) for alternatives in q.answer)


def quote_quoted(value):
    """Text already shaped like a neutralised cell ('=…) gets one more quote, as the import
    drops exactly one; everything else is left to tabular.neutralise."""
    if isinstance(value, str) and quoted_formula(value):
        return "'" + value
    return value


def questions_to_frame(questions: list[QuestionData]) -> pd.DataFrame:
    """The questions under the Chinese template headers, option columns A…D at least; with
    subjective questions also 小题, 参考答案 and 评分要点 (their reference answer goes there,
    not in 答案)."""
    subjective = any(q.qtype in SUBJECTIVE_TYPES for q in questions)
    width = max([MIN_EXPORT_OPTIONS, *(len(q.options) for q in questions if q.qtype not in SUBJECTIVE_TYPES)])
    option_headers = [f"选项{letter}" for letter in OPTION_LETTERS[:width]]
    rows = []
    for q in questions:
        extra = []
        if q.qtype in SUBJECTIVE_TYPES:
            options, answer = [""] * width, ""
            texts = key_texts(q.qtype, q.options, q.answer)
            extra = [texts["subquestions"], texts["reference"], texts["rubric"]]
        else:
            options, answer = list(q.options) + [""] * (width - len(q.options)), answer_notation(q)
            extra = ["", "", ""]
        rows.append([type_name(q), q.stem, *options, answer, *(extra if subjective else []), q.explanation,
                     _number(q.points), DIFFICULTY_NAMES[q.difficulty], q.category,
                     q.knowledge_point, q.basis, "启用" if q.is_active else "停用"])
    after = list(EXPORT_HEADERS_AFTER)
    if subjective:
        after[1:1] = SUBJECTIVE_HEADERS
    columns = [*EXPORT_HEADERS_BEFORE, *option_headers, *after]
    return pd.DataFrame([[quote_quoted(v) for v in r] for r in rows], columns=columns,
                        dtype=object)


def export_questions(questions: list[QuestionData], fmt: str) -> tuple[bytes, str, str]:
    """(file bytes, mimetype, extension without dot) for fmt xlsx/csv/json/gift; ValueError else."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    mimetype, extension = EXPORT_FORMATS[fmt]
    if fmt == "xlsx":
        data = to_xlsx({"题目": questions_to_frame(questions)})
    elif fmt == "csv":
        data = to_csv(questions_to_frame(questions))
    elif fmt == "json":
        payload = [question_to_dict(q) for q in questions]
        data = json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")
    else:
        data = questions_to_gift(questions).encode("utf-8")
    return data, mimetype, extension


# --------------------------------------------------------------------------- template

TEMPLATE_EXAMPLES = [
    QuestionData(
        qtype="single",
        stem="根据《中华人民共和国行政处罚法》，行政机关拟作出较大数额罚款的行政处罚决定，"
             "应当告知当事人有要求（  ）的权利。",
        options=["复议", "听证", "诉讼", "申诉"], answer="B",
        explanation="行政机关拟作出较大数额罚款等行政处罚决定的，应当告知当事人有要求听证的权利。",
        points=2, difficulty="easy", category="行政处罚法", knowledge_point="听证程序",
        basis="《中华人民共和国行政处罚法》第六十三条"),
    QuestionData(
        qtype="multiple",
        stem="根据《中华人民共和国行政处罚法》，下列属于行政处罚种类的有（  ）。",
        options=["警告、通报批评", "罚款、没收违法所得、没收非法财物", "行政拘留", "记过"],
        answer=["A", "B", "C"],
        explanation="记过属于政务处分或者处分，不是行政处罚。",
        points=3, difficulty="medium", category="行政处罚法", knowledge_point="行政处罚的种类",
        basis="《中华人民共和国行政处罚法》第九条"),
    QuestionData(
        qtype="truefalse",
        stem="初次违法且危害后果轻微并及时改正的，行政机关应当不予行政处罚。",
        options=[], answer=False,
        explanation="法律规定的是“可以不予行政处罚”，而不是“应当”。",
        points=2, difficulty="medium", category="行政处罚法", knowledge_point="不予处罚的情形",
        basis="《中华人民共和国行政处罚法》第三十三条第一款"),
    QuestionData(
        qtype="fill",
        stem="公民、法人或者其他组织认为行政行为侵犯其合法权益的，可以自知道或者应当知道该行政行为"
             "之日起____日内提出____申请。",
        options=[], answer=[["六十", "60"], ["行政复议"]],
        explanation="法律规定的申请期限超过六十日的除外。",
        points=2, difficulty="hard", category="行政复议法", knowledge_point="申请期限",
        basis="《中华人民共和国行政复议法》第二十条"),
]

_INSTRUCTIONS = [
    ("题型", "必填", "单选、多选、判断、填空、简答、案例分析之一。也可写 单选题、单项选择题、多选题、"
     "多项选择题、判断题、填空题，或英文 single、multiple、truefalse、fill。不定项选择题写 不定项"
     "（按多选题导入，可以只有一个正确答案）。简答题也可写 问答题，案例分析题也可写 案例题。", "单选"),
    ("题干", "必填", "题目文字。单元格内可以换行（Alt+Enter），换行会保留。填空题用两个以上的"
     "下划线 ____ 或空括号（  ）标出每个空的位置，空的个数必须与答案中的空数一致；"
     "不标空位也可以。", "……之日起____日内提出____申请。"),
    ("选项A～选项H", "单选、多选必填", "每个选项一列。单选题、多选题至少填写 A、B 两个选项，"
     "最多 8 个（A～H），必须从 A 开始连续填写，中间不能留空。判断题和填空题不填选项。"
     "表头也可以写作 A、B、C… 或 option A。", "听证"),
    ("答案", "必填", "单选题：一个字母，如 B。多选题：两个或以上字母，如 ABD，也可写作 A,B,D、"
     "A，B，D、A、B、D 或 A B D，顺序不限，大小写、全角半角均可。判断题：对 或 错"
     "（也接受 正确/错误、√/×、T/F、TRUE/FALSE、是/否、Y/N、1/0）。填空题：各空之间用竖线 | "
     "分隔，同一空的多个可接受答案用分号 ; 分隔（全角｜；也可以）。", "六十;60|行政复议"),
    ("解析", "选填", "答案解析，考试结束后展示给学员。", "记过属于处分，不是行政处罚。"),
    ("参考答案", "简答、案例分析必填", "主观题的参考答案（也可以写在“答案”列）。案例分析题按小题编号：（1）……（2）……",
     "（1）不合法……（2）可以申请行政复议……"),
    ("评分要点", "选填", "主观题的评分要点，每个要点后用括号写分值，用分号分隔或每行一个；案例分析题按小题编号。"
     "各要点分值之和必须等于本题（小题）分值。", "答出不合法（2分）；答出应当告知听证权利（4分）"),
    ("小题", "案例分析必填", "案例分析题的小题，按（1）（2）编号，末尾可写分值；"
     "也可以写在题干的案例材料之后、“问题：”后面。题干只写案例材料。",
     "（1）该局的做法是否合法？（6分）（2）甲公司可以如何救济？（4分）"),
    ("分值", "选填", "大于 0、不超过 100 的数，最多两位小数。留空时按题型取默认分值："
     "单选 2 分，多选 3 分，判断 2 分，填空 2 分，简答 10 分，案例分析 20 分。"
     "简答题、案例分析题写了评分要点或小题分值的，分值为其合计。", "2.5"),
    ("难度", "选填", "易、中、难（也接受 较易/容易/简单、中等/一般/适中、较难/困难、1/2/3、"
     "easy/medium/hard）。留空为“中”。", "易"),
    ("法律法规分类", "选填", "题目所属的法律法规，用于分类统计和组卷。也可写作 分类。", "行政处罚法"),
    ("知识点", "选填", "题目考查的知识点。", "听证程序"),
    ("依据条款", "选填", "题目依据的法律条款或出处。也可写作 出处。",
     "《中华人民共和国行政处罚法》第六十三条"),
    ("状态", "选填", "启用 或 停用（也接受 是/否、1/0、active/inactive）。留空为启用；"
     "停用的题目导入后不参与组卷。", "启用"),
    ("通用说明", "", "表头请勿删除；表头上方可以有标题行和说明行（前 10 行内），列的顺序不限，"
     "不认识的列会被忽略并提示。"
     "每行一道题，空行会被跳过。同一文件中重复的题目只导入第一次出现的一道。"
     "出错时会列出所有问题，并指明行号（与 Excel 左侧行号一致）和列名。"
     "支持 .xlsx、.xls、.csv（UTF-8 或 GB18030 编码）文件，也支持 JSON、GIFT 和 Aiken 格式。", ""),
]


def build_template() -> bytes:
    """The downloadable .xlsx: sheet 题目 (headers and one example per type), sheet 填写说明."""
    examples = questions_to_frame(TEMPLATE_EXAMPLES)
    instructions = pd.DataFrame(_INSTRUCTIONS, columns=["列名", "是否必填", "填写说明", "示例"],
                                dtype=object)
    return to_xlsx({"题目": examples, "填写说明": instructions})
