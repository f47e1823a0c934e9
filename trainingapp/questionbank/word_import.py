"""Word (.docx), text (.txt) and pasted question banks into the import's questions and problems.

The paragraphs come from trainingapp.platform.wordfile (a .docx, parsed in a bounded child) or
from the lines of a text; word_layout recognises the questions; every question then passes
through parsing.check_fields like a spreadsheet row, numbered by its place in the file, with
each problem naming the paragraph it came from ("第12题（第48段）").
"""
from __future__ import annotations

from pathlib import PurePath

import pandas as pd
from flask_babel import lazy_gettext as _l

from ..platform.tabular import RowError, SheetLimits, TableError, _parse_bounds
from ..platform.wordfile import Block, docx_blocks
from .formats import decode_text, detect_text_format
from .parsing import ParseResult, check_fields, dedup_key
from .word_layout import Layout, recognise, text_blocks

WORD_FORMATS = ("docx", "text")


def is_layout_text(data: bytes) -> bool:
    """Whether a .txt upload is a bank in the Word layouts rather than GIFT or Aiken."""
    try:
        text = decode_text(data)
    except TableError:
        return False  # the text readers say what is wrong with the encoding
    try:
        detect_text_format(text)
    except TableError:
        return True
    return False


def paragraph_label(first: int, last: int | None = None) -> str:
    """"paragraph 48" / "paragraphs 45–49" (第48段 / 第45–49段)."""
    if last is None or last == first:
        return str(_l("paragraph %(n)s", n=first))
    return str(_l("paragraphs %(first)s–%(last)s", first=first, last=last))


def parse_word_upload(data: bytes, extension: str, *, max_rows: int | None,
                      limits: SheetLimits | None = None) -> ParseResult:
    """A .docx or a text in the Word layouts; TableError for a whole-file problem."""
    return parse_layout(recognise(_blocks(data, extension, limits)), "docx" if extension == ".docx" else "text",
                        max_rows=max_rows)


def _blocks(data: bytes, extension: str, limits: SheetLimits | None) -> list[Block]:
    if extension == ".docx":
        if not data.startswith(b"PK\x03\x04"):
            raise TableError(_l("This is not a real .docx document (an old .doc or .wps file?). Save it from Word "
                                "or WPS as \"Word Document (*.docx)\", or upload the bank as .xlsx, .xls, .csv, "
                                ".json, .gift or .txt."))
        limits = limits or SheetLimits()
        return docx_blocks(data, max_unzipped_bytes=limits.max_unzipped_bytes, bounds=_sandbox_bounds())
    return text_blocks(decode_text(data))


def parse_text(text: str, *, max_rows: int | None) -> ParseResult:
    """Text (a .txt file or the paste box) in the Word layouts; lines are the paragraphs."""
    return parse_layout(recognise(text_blocks(text)), "text", max_rows=max_rows)


def _sandbox_bounds():
    try:
        import resource  # noqa: F401 - the sandbox needs per-process limits (not on Windows)
    except ImportError:
        return None
    return _parse_bounds()


def parse_layout(layout: Layout, fmt: str, *, max_rows: int | None) -> ParseResult:
    """Validate every recognised question like a spreadsheet row; later copies set aside."""
    if not layout.questions:
        raise TableError(_l("No question was found. Number the questions (1. 1、 （1） or Word's automatic "
                            "numbering), write the options as A. B. … and the answer as 答案：B or in an answer "
                            "key at the end; see the import instructions."))
    if max_rows is not None and len(layout.questions) > max_rows:
        raise TableError(_l("The file has %(n)s questions; at most %(max)s can be imported at once. "
                            "Split it into smaller files.", n=len(layout.questions), max=max_rows))
    result = ParseResult(format=fmt)
    first_of: dict[str, int] = {}
    for raw in layout.questions:
        result.rows_read += 1
        paragraphs = sorted(raw.paragraphs) or [0]
        result.sources[raw.ordinal] = paragraph_label(paragraphs[0], paragraphs[-1])
        if raw.pictures:
            # Questions carry no pictures: say so where the question is shown, rather than drop them unseen.
            result.sources[raw.ordinal] += str(_l("; the picture in paragraph %(n)s is not imported",
                                                  n="、".join(str(n) for n in raw.pictures)))

        def column(key: str, raw=raw, paragraphs=paragraphs) -> str:
            return paragraph_label(raw.source.get(key) or raw.source.get("stem") or paragraphs[0])

        question, errors = check_fields(raw.fields(), raw.ordinal, column)
        errors = errors + [RowError(raw.ordinal, paragraph_label(para), message) for para, message in raw.problems]
        if errors or question is None:
            result.errors.extend(errors)
            continue
        key = dedup_key(question)
        if key in first_of:
            result.duplicates.append(RowError(raw.ordinal, column("stem"), _l(
                "The same question as question %(first)s (%(where)s); this copy was skipped.",
                first=first_of[key], where=result.sources[first_of[key]])))
            continue
        first_of[key] = raw.ordinal
        result.questions.append((raw.ordinal, question))
        result.keys[raw.ordinal] = key
    result.errors.extend(RowError(None, paragraph_label(para), message) for para, message in layout.stray)
    return result


def rejected_frame(data: bytes, filename: str, errors: list[RowError], sources: dict[int, str],
                   limits: SheetLimits | None = None) -> pd.DataFrame:
    """The rejected questions as they were written, with where they stand and every reason, to
    fix and import again (copied into the paste box or the document)."""
    written: dict[int, str] = {}
    try:
        layout = recognise(_blocks(data, PurePath(filename).suffix.lower(), limits))
        written = {raw.ordinal: "\n".join(raw.original) for raw in layout.questions}
    except TableError:
        pass  # read once already; the sheet still lists where and why
    reasons: dict[int | None, list[RowError]] = {}
    for error in errors:
        reasons.setdefault(error.row, []).append(error)
    rows = []
    for row, found in sorted(reasons.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        where = sources.get(row, "") if row is not None else "、".join(e.column or "" for e in found)
        problems = "；".join(f"{e.column}: {e.message}" if e.column and row is not None else str(e.message)
                            for e in found)
        rows.append((row if row is not None else "", where, problems, written.get(row, "")))
    return pd.DataFrame(rows, columns=["题号", "位置", "错误", "原文"])
