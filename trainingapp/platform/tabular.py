"""Reading and writing the spreadsheets people really have.

Every import (rosters, question banks, sign-in sheets) reads through `read_table`, and
every export writes through `to_xlsx` / `xlsx_chunks` (XlsxWriter) / `to_csv`, so encodings, Excel's habit of turning
cells into numbers and dates, and formula injection are handled in one place.
"""
from __future__ import annotations

import csv
import html
import io
import math
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import BinaryIO

import numpy as np
import pandas as pd
from flask_babel import lazy_gettext as _l

from .errors import DomainError

#: Formula injection (ASVS 1.2.10): text Excel or WPS may run as a formula, a tab or CR first,
#: or = + - @ after any leading whitespace. Excel and WPS drop an indentation (spaces, U+3000
#: ideographic spaces, tabs, line breaks, zero-width characters) before evaluating, so
#: "\u3000=HYPERLINK(...)" is a formula.
_FORMULA_LIKE = re.compile(r"[\t\r]|[\s\u200b-\u200d\u2060\ufeff]*[=+\-@]")
MAX_COLUMNS = 200
SPACES = " \t\r\n\u3000\u00a0\ufeff"

SPREADSHEET_EXTENSIONS = {".xlsx", ".xls", ".csv"}


@dataclass(frozen=True)
class SheetLimits:
    """What one kind of import may read (ASVS 5.2.3): rows with content, cells (read or, for a
    workbook, spanned by its first sheet) and bytes once the workbook is unzipped."""

    max_rows: int | None = None
    max_cells: int = 3_000_000
    max_unzipped_bytes: int = 100 * 1024 * 1024


#: Cells a row may have on average: a roster from HR has its 序号, 性别, 身份证号 ... besides ours.
CELLS_PER_ROW = 30
#: (rows, unzipped MB) settings of each kind of import; see config.py.
IMPORT_KINDS = {"roster": ("ROSTER_MAX_ROWS", "ROSTER_MAX_UNZIPPED_MB"),
                "questions": ("QUESTION_IMPORT_MAX_ROWS", "QUESTION_IMPORT_MAX_UNZIPPED_MB"),
                "attendance": ("SIGNIN_MAX_ROWS", "SIGNIN_MAX_UNZIPPED_MB")}


def limits_for(kind: str) -> SheetLimits:
    """The limits of one kind of import ("roster", "questions", "attendance") in this app's configuration."""
    from flask import current_app
    rows_key, megabytes_key = IMPORT_KINDS[kind]
    rows = int(current_app.config[rows_key])
    return SheetLimits(max_rows=rows, max_cells=rows * CELLS_PER_ROW,
                       max_unzipped_bytes=int(current_app.config[megabytes_key]) * 1024 * 1024)


def _parse_bounds():
    from flask import current_app, has_app_context

    from .sandbox import Bounds
    config = current_app.config if has_app_context() else {}
    return Bounds(memory_mb=int(config.get("UPLOAD_PARSE_MEMORY_MB", 1024)),
                  seconds=float(config.get("UPLOAD_PARSE_SECONDS", 60)),
                  at_once=int(config.get("UPLOAD_PARSES_AT_ONCE", 2)))


class TableError(DomainError):
    """A problem with the whole file (unreadable, wrong type, a missing column)."""


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: spreadsheet row (header = 1), column header, message."""

    row: int | None
    column: str | None
    message: str

    def __str__(self):
        if self.row is not None and self.column:
            return str(_l("row %(row)s, column %(column)s: %(message)s", row=self.row, column=self.column,
                          message=self.message))
        if self.row is not None:
            return str(_l("row %(row)s: %(message)s", row=self.row, message=self.message))
        if self.column:
            return str(_l("column %(column)s: %(message)s", column=self.column, message=self.message))
        return str(self.message)


def clean_cell(value) -> str:
    """A cell as trimmed text: numbers Excel made from codes lose their `.0`, dates lose 00:00."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (pd.Timestamp, datetime)):
        if value.time() == time(0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S") if value.second else value.strftime("%H:%M")
    if value is pd.NaT:
        return ""
    text = str(value).strip(SPACES)
    if text.startswith("'") and formula_like(text[1:]):
        # Undo our own export's neutralisation, so files round-trip; the indentation it kept
        # is trimmed as it would have been from a cell without the quote.
        return text[1:].strip(SPACES)
    return text


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_l("The file is neither UTF-8 nor GB18030 text. Save it from Excel as "
                        "\"CSV UTF-8\" or as an .xlsx workbook."))


def decode_text(data: bytes) -> str:
    """The file as text (UTF-8 with or without BOM, else GB18030), line breaks unified to \\n."""
    if not data:
        raise TableError(_l("The file is empty."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError(_l("The file is neither UTF-8 nor GB18030 text; save it as UTF-8."))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}" if size >= 10 * 1024 * 1024 else f"{size / 1024 / 1024:.1f}"


def _check_xlsx(data: bytes, limits: SheetLimits) -> None:
    """Refuse, before any parsing, a workbook that is not one or is far larger inside than the
    import can need: its size unzipped, and the cells its first sheet says it spans."""
    if not data.startswith(b"PK\x03\x04"):
        raise TableError(_l("This is not a real .xlsx workbook. Open it in Excel and save it as "
                            "\"Excel Workbook (*.xlsx)\"."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            inflated = sum(info.file_size for info in archive.infolist())
            if "[Content_Types].xml" not in names:
                raise TableError(_l("This is not a real .xlsx workbook."))
            if inflated > limits.max_unzipped_bytes:
                raise TableError(_l("The workbook unpacks to %(size)s MB; at most %(max)s MB are accepted for "
                                    "this import. Remove what is not needed (other sheets, pictures, "
                                    "formatting) or split the file.",
                                    size=_mb(inflated), max=_mb(limits.max_unzipped_bytes)))
            spanned = _first_sheet_span(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, ValueError):
        raise TableError(_l("The .xlsx workbook is damaged and cannot be opened.")) from None
    if spanned is not None and spanned[0] > limits.max_cells:
        raise TableError(_l("The first sheet spans %(cells)s cells (%(range)s); at most %(max)s are read "
                            "for this import. Delete the rows and columns that are not needed, or split "
                            "the file.", cells=f"{spanned[0]:,}", range=spanned[1], max=f"{limits.max_cells:,}"))


_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\s(?:\w+:)?id="([^"]+)"')
_RELATION = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'\s(Id|Target)="([^"]*)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?"')


def _head(archive: zipfile.ZipFile, name: str, size: int = 1 << 16) -> bytes:
    """The first bytes of a part: only they are inflated, whatever the part's size."""
    with archive.open(name) as part:
        return part.read(size)


def _first_sheet_span(archive: zipfile.ZipFile) -> tuple[int, str] | None:
    """(cells, range) the first sheet's <dimension> claims, or None when it claims nothing.

    Only a hint for a clear early message: a file may lie here, and the parse's own bounds
    (trainingapp.platform.sandbox) hold whatever it claims.
    """
    sheet = _SHEET.search(_head(archive, "xl/workbook.xml", 1 << 20))
    if sheet is None or "xl/_rels/workbook.xml.rels" not in archive.namelist():
        return None
    target = None
    for relation in _RELATION.finditer(_head(archive, "xl/_rels/workbook.xml.rels", 1 << 20)):
        attributes = dict(_ATTRIBUTE.findall(relation.group(0)))
        if attributes.get(b"Id") == sheet.group(1):
            target = attributes.get(b"Target", b"").decode("utf-8", "replace")
            break
    if not target:
        return None
    part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    if part not in archive.namelist():
        return None
    dimension = _DIMENSION.search(_head(archive, part))
    if dimension is None:
        return None
    first_col, first_row, last_col, last_row = dimension.groups()
    if last_col is None:
        return 1, first_col.decode() + first_row.decode()
    from openpyxl.utils import column_index_from_string
    rows = abs(int(last_row) - int(first_row)) + 1
    columns = abs(column_index_from_string(last_col.decode()) - column_index_from_string(first_col.decode())) + 1
    return rows * columns, dimension.group(0).split(b'"')[1].decode()


#: Separators a CSV may use: Excel writes ";" where the decimal comma is the custom, and
#: "tab-separated text" is what copying a sheet gives.
CSV_SEPARATORS = (",", ";", "\t")
#: Records looked at to tell the separator.
_SNIFF_RECORDS = 50


def detect_separator(text: str) -> str:
    """The separator of a CSV text: the one whose most common record width (> 1 fields) covers
    the most cells of its first records (records agreeing × their width). Text cells holding
    another separator (a fill answer's ";", an explanation's ",") split a few records into a few
    fields; and a quoted cell spanning lines, split by the wrong separator, makes many short
    records, not wide ones. A tie or nothing goes to ","."""
    best, best_score = ",", 0
    for separator in CSV_SEPARATORS:
        counts = []
        try:
            for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=separator)):
                if number >= _SNIFF_RECORDS:
                    break
                if any(cell.strip() for cell in record):
                    counts.append(len(record))
        except csv.Error:
            continue
        if not counts:
            continue
        width, agreeing = max(((w, counts.count(w)) for w in set(counts)), key=lambda pair: (pair[1], pair[0]))
        score = agreeing * width if width > 1 else 0
        if score > best_score:
            best, best_score = separator, score
    return best


def _read_csv(data: bytes, limits: SheetLimits) -> pd.DataFrame:
    text = _decode_csv(data)
    rows, cells, width = [], 0, 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=detect_separator(text)):
            cells += max(1, len(row))  # an empty line costs a row too
            if cells > limits.max_cells:
                raise TableError(_l("The file has more than %(max)s cells, the most read for this import. "
                                    "Split it into smaller files.", max=f"{limits.max_cells:,}"))
            if len(row) > width:
                width = len(row)
                if width > MAX_COLUMNS:
                    raise TableError(_l("The file has %(n)s columns; at most %(max)s are read.",
                                        n=width, max=MAX_COLUMNS))
            rows.append(row)
    except csv.Error as error:
        raise TableError(_l("The CSV file is malformed (%(reason)s); save it again from Excel.",
                            reason=str(error)[:120])) from None
    if not rows:
        raise TableError(_l("The file is empty."))
    rows = [r + [""] * (width - len(r)) for r in rows]
    return pd.DataFrame(rows[1:], columns=rows[0], dtype=object)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as trimmed text, numbered as in the spreadsheet, entirely empty rows dropped."""
    headers = [clean_cell(h) for h in frame.columns]
    headers = ["" if h.startswith("Unnamed:") else h for h in headers]
    frame.columns = headers
    frame = frame.map(clean_cell) if len(frame) else frame.astype(object)
    frame.index = range(2, len(frame) + 2)
    if len(frame):
        frame = frame[(frame != "").any(axis=1)]
    return frame


def parse_workbook(data: bytes, max_cells: int) -> tuple[str, object]:
    """The first sheet of an .xlsx/.xls, tidied: ("ok", frame), ("cells", n), ("columns", n) or
    ("unreadable", reason). Runs in a sandbox child (trainingapp.platform.sandbox), so it speaks in
    plain values rather than translated errors."""
    try:
        # calamine (Rust) reads both .xlsx and .xls, several times faster than openpyxl.
        frame = pd.read_excel(io.BytesIO(data), engine="calamine", dtype=object, header=0)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's fault
        return "unreadable", str(exc)[:200]
    if frame.shape[1] > MAX_COLUMNS:
        return "columns", frame.shape[1]
    if frame.size > max_cells:
        return "cells", frame.size
    frame = _tidy(frame)
    if data.startswith(b"PK"):
        frame.attrs.update(_sheet_marks(data))
    return "ok", frame


#: Cells of one kind named at most (each becomes a message of its own).
MAX_MARKS = 20_000
# The inner parts never run past the next cell's (or anchor's) tag, so a file whose tags are
# not closed costs one pass, not one pass per cell.
_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(?<!/)>((?:(?!</?(?:\w+:)?c[\s>]).)*)</(?:\w+:)?c>', re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_FORMULA = re.compile(rb'<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)', re.S)
_VALUE = re.compile(rb'<(?:\w+:)?v\b[^>]*>(.+?)</(?:\w+:)?v>', re.S)
_ANCHOR = re.compile(rb'<(?:\w+:)?(?:two|one)CellAnchor\b(?:(?!CellAnchor).)*CellAnchor>', re.S)
_FROM = re.compile(rb'<(?:\w+:)?from>\s*<(?:\w+:)?col>(\d+)</(?:\w+:)?col>.*?<(?:\w+:)?row>(\d+)</(?:\w+:)?row>', re.S)
_DRAWING = re.compile(rb'<(?:\w+:)?drawing\b[^>]*?\s(?:\w+:)?id="([^"]+)"')


def _sheet_marks(data: bytes) -> dict:
    """What the cell values alone do not tell about the first sheet of an .xlsx:

    - "formulas": {(row, column index): (cell, formula)} of formula cells with no stored value.
      A workbook written by a program (not saved by Excel or WPS) keeps only the formula, and
      every reader, ours included, then sees an empty cell.
    - "pictures": [(row, column index, cell)] where a picture is anchored (a drawing on the
      sheet, a WPS DISPIMG picture in a cell, an Excel "place in cell" picture).

    Read with regular expressions over the sheet's XML rather than a second full parse: a
    sheet without "<f" or a drawing costs one substring search.
    """
    from openpyxl.utils import column_index_from_string

    marks: dict = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            part = _first_sheet_part(archive)
            if part is None:
                return marks
            sheet = archive.read(part)
            formulas, pictures = {}, []
            if b"<f" in sheet or b":f>" in sheet or b":f " in sheet or b' vm="' in sheet:
                for cell in _CELL.finditer(sheet):
                    attributes, inner = cell.groups()
                    ref = _CELL_REF.search(attributes)
                    if ref is None:
                        continue
                    position = (int(ref.group(2)), column_index_from_string(ref.group(1).decode()) - 1)
                    name = (ref.group(1) + ref.group(2)).decode()
                    formula = _FORMULA.search(inner)
                    text = html.unescape((formula.group(1) or b"").decode("utf-8", "replace")) if formula else ""
                    if b' vm="' in attributes or "DISPIMG" in text.upper():
                        if len(pictures) < MAX_MARKS:
                            pictures.append((*position, name))
                    elif formula is not None and _VALUE.search(inner) is None and len(formulas) < MAX_MARKS:
                        formulas[position] = (name, text)
            pictures.extend(_drawing_pictures(archive, part, sheet))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - the values were read; marks are a courtesy a damaged part may not allow
        return marks
    if formulas:
        marks["formulas"] = formulas
    if pictures:
        marks["pictures"] = pictures[:MAX_MARKS]
    return marks


def _first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    sheet = _SHEET.search(_head(archive, "xl/workbook.xml", 1 << 20))
    if sheet is None or "xl/_rels/workbook.xml.rels" not in archive.namelist():
        return None
    return _target(archive, "xl/_rels/workbook.xml.rels", "xl", sheet.group(1))


def _target(archive: zipfile.ZipFile, rels: str, folder: str, relation_id: bytes) -> str | None:
    """The part a relationship of `rels` points to, as a name in the archive."""
    for relation in _RELATION.finditer(_head(archive, rels, 1 << 20)):
        attributes = dict(_ATTRIBUTE.findall(relation.group(0)))
        if attributes.get(b"Id") == relation_id:
            target = attributes.get(b"Target", b"").decode("utf-8", "replace")
            if not target:
                return None
            part = target.lstrip("/") if target.startswith("/") else str(PurePath(folder, target))
            parts: list[str] = []
            for piece in part.split("/"):  # resolve "../drawings/drawing1.xml"
                if piece == "..":
                    parts = parts[:-1]
                elif piece not in ("", "."):
                    parts.append(piece)
            part = "/".join(parts)
            return part if part in archive.namelist() else None
    return None


def _drawing_pictures(archive: zipfile.ZipFile, sheet_part: str, sheet: bytes) -> list[tuple[int, int, str]]:
    """(row, column index, cell) of each picture the sheet's drawing anchors."""
    from openpyxl.utils import get_column_letter

    folder, name = sheet_part.rsplit("/", 1)
    rels = f"{folder}/_rels/{name}.rels"
    if rels not in archive.namelist():
        return []
    found = []
    # <drawing> follows the cells: search only after them.
    for drawing in _DRAWING.finditer(sheet, max(sheet.rfind(b"sheetData>"), 0)):
        part = _target(archive, rels, folder, drawing.group(1))
        if part is None:
            continue
        for anchor in _ANCHOR.finditer(archive.read(part)):
            block = anchor.group(0)
            start = _FROM.search(block)
            if start is None or b"pic>" not in block and b"<pic" not in block and b":pic" not in block:
                continue
            column, row = int(start.group(1)), int(start.group(2)) + 1
            found.append((row, column, f"{get_column_letter(column + 1)}{row}"))
    return found


def _read_workbook(data: bytes, extension: str, limits: SheetLimits) -> pd.DataFrame:
    try:
        from .sandbox import SandboxLimit, run
    except ImportError:  # no per-process resource limits on this system (Windows)
        run = None

        class SandboxLimit(Exception):  # never raised: nothing runs in a sandbox here
            reason = ""
    if extension == ".xlsx":
        _check_xlsx(data, limits)
    elif extension == ".xls":
        if not data.startswith(b"\xd0\xcf\x11\xe0"):
            raise TableError(_l("This is not a real .xls workbook."))
    else:
        raise TableError(_l("Unsupported file type %(ext)s: upload .xlsx, .xls or .csv.",
                            ext=extension or "?"))
    bounds = _parse_bounds() if run is not None else None
    try:
        if run is None:
            # Only the unzipped-size and cell caps checked above bound this parse.
            kind, value = parse_workbook(data, limits.max_cells)
        else:
            kind, value = run(parse_workbook, data, limits.max_cells, bounds=bounds)
    except SandboxLimit as limit:
        if limit.reason == "busy":
            raise TableError(_l("Other large files are being read right now; try again in a minute.")) from None
        raise TableError(_l("The workbook could not be read within the limits of an upload (%(mb)s MB of "
                            "memory, %(seconds)s seconds): it is far larger inside than a real sheet of "
                            "this kind. It was refused.", mb=bounds.memory_mb, seconds=f"{bounds.seconds:g}")
                         ) from None
    if kind == "unreadable":
        raise TableError(_l("The workbook cannot be read: %(reason)s", reason=value))
    if kind == "columns":
        raise TableError(_l("The file has %(n)s columns; at most %(max)s are read.", n=value, max=MAX_COLUMNS))
    if kind == "cells":
        raise TableError(_l("The first sheet spans %(cells)s cells; at most %(max)s are read for this import. "
                            "Delete the rows and columns that are not needed, or split the file.",
                            cells=f"{value:,}", max=f"{limits.max_cells:,}"))
    return value


def read_table(data: bytes, filename: str, *, max_rows: int | None = None,
               limits: SheetLimits | None = None) -> pd.DataFrame:
    """Every cell as trimmed text; the index is the spreadsheet row number (header = 1).

    Entirely empty rows are dropped but keep their numbers out of the index, so an error
    message names the row the person sees in Excel. Raises TableError for a whole-file problem,
    among them a file beyond `limits` (rows, cells, size unzipped: limits_for(kind)). A workbook
    is parsed in a bounded child process (trainingapp.platform.sandbox); the caller must not hold a
    database transaction meanwhile (staged.end_read).
    """
    limits = limits or SheetLimits(max_rows=max_rows)
    max_rows = max_rows if max_rows is not None else limits.max_rows
    extension = PurePath(filename or "").suffix.lower()
    if not data:
        raise TableError(_l("The file is empty."))
    if extension == ".csv":
        frame = _tidy(_read_csv(data, limits))
    else:
        frame = _read_workbook(data, extension, limits)
    if max_rows is not None and len(frame) > max_rows:
        raise TableError(_l("The file has %(n)s rows; at most %(max)s can be imported at once. "
                            "Split it into smaller files.", n=len(frame), max=max_rows))
    return frame


def match_key(text) -> str:
    """How names and words from a sheet compare with ours: full-width and half-width forms
    alike (（）/(), ，/,, Ａ/A, １/1: NFKC), case and every space ignored. Only for comparing:
    what is stored keeps the spelling it had."""
    return "".join(unicodedata.normalize("NFKC", clean_cell(text)).casefold().split())


#: Marks a template puts on a header: "题型（必填）", "*姓名", "答案(选填)", "【必填】账号".
_HEADER_MARK = re.compile(r"[(\[【〔<《]\s*(?:必填项?|选填项?|非必填|可选填?|必选|可不填|required|optional)"
                          r"\s*[)\]】〕>》]|[*※]", re.IGNORECASE)


def header_key(header) -> str:
    """How headers compare: as `match_key`, without marks such as （必填）, * or (选填)."""
    return _HEADER_MARK.sub("", match_key(header))


#: The header row is looked for in this many first rows (title rows, notes, blank rows above it).
HEADER_SEARCH_ROWS = 10
#: Characters that, in the header of a file read as a single column, show another separator.
_SEPARATOR_HINTS = (";", ",", "\t", "|", "；", "，", "｜")


@dataclass
class Columns:
    """A sheet's rows under canonical column keys, and what was learnt reading its header."""

    frame: pd.DataFrame
    #: Canonical key -> the header the file wrote for it (for messages).
    headers: dict[str, str]
    #: Headers that mean nothing here (ignored, and shown in the preview).
    extras: list[str]
    #: The spreadsheet row the headers were taken from (1 unless title rows stand above).
    header_row: int = 1
    #: Row number -> problems of cells the values cannot tell (formulas without a value).
    cell_errors: dict[int, list[RowError]] = field(default_factory=dict)
    #: (row, cell) of each picture in the sheet, row None above the data: none is imported.
    pictures: list[tuple[int | None, str]] = field(default_factory=list)

    def picture_notes(self) -> list[RowError]:
        """One note per picture, in general words (an import may word its own)."""
        return [RowError(row, None, str(_l("the picture at %(cell)s is not imported: only the text of the "
                                             "cells is read", cell=cell))) for row, cell in self.pictures]


def _recognised(cells, lookup: dict[str, str]) -> set[str]:
    return {lookup[key] for key in (header_key(cell) for cell in cells) if key in lookup}


def _header_row(frame: pd.DataFrame, lookup: dict[str, str], required) -> int:
    """The first of the first HEADER_SEARCH_ROWS rows holding every required header and at
    least one known one; failing that, the one with the most known headers (row 1 on a tie),
    so that the message names what is missing under the headers the person meant."""
    candidates = [(1, list(frame.columns))]
    for row in frame.index[:HEADER_SEARCH_ROWS]:
        if row > HEADER_SEARCH_ROWS:
            break
        candidates.append((int(row), frame.loc[row].tolist()))
    best, best_count = 1, 0
    for row, cells in candidates:
        found = _recognised(cells, lookup)
        if found and all(key in found for key in required):
            return row
        if len(found) > best_count:
            best, best_count = row, len(found)
    return best


def under_header(frame: pd.DataFrame, row: int) -> pd.DataFrame:
    """The rows below spreadsheet row `row`, under that row's cells as headers."""
    if row == 1:
        return frame
    position = frame.index.get_loc(row)
    body = frame.iloc[position + 1:].copy()
    body.columns = [str(cell) for cell in frame.iloc[position].tolist()]
    return body


def read_columns(frame: pd.DataFrame, aliases: dict[str, list[str]], required=()) -> Columns:
    """Find the header row (see `_header_row`) and rename known headers to canonical keys.

    `aliases` maps a canonical key to the headers people write for it (the first is the one
    named in messages); headers compare by `header_key`. Raises TableError naming the first
    missing required column, a column given twice, or a file whose single column's header
    holds a separator (values that were never split into columns).
    """
    lookup = {}
    for key, names in aliases.items():
        for name in [key, *names]:
            lookup[header_key(name)] = key
    marks = dict(frame.attrs)
    header_row = _header_row(frame, lookup, required)
    frame = under_header(frame, header_row)
    found: dict[str, str] = {}
    extras = []
    for header in frame.columns:
        key = lookup.get(header_key(header))
        if key is None:
            if header:
                extras.append(header)
            continue
        if key in found:
            raise TableError(_l("Columns \"%(a)s\" and \"%(b)s\" mean the same thing; keep one.",
                                a=found[key], b=header))
        found[key] = header
    missing = [key for key in required if key not in found]
    if missing:
        _refuse_unsplit(frame)
        raise TableError(_l("The required column \"%(column)s\" is missing. One of the first %(rows)s rows must "
                            "hold the column headers (read from row %(row)s: %(headers)s).",
                            column=aliases[missing[0]][0], rows=HEADER_SEARCH_ROWS, row=header_row,
                            headers="、".join(h for h in frame.columns if h)[:200] or "—"))
    selected = frame[[found[k] for k in found]].copy()
    selected.columns = list(found)
    columns = Columns(selected, found, extras, header_row)
    _place_marks(columns, frame, marks)
    return columns


def _refuse_unsplit(frame: pd.DataFrame) -> None:
    named = [h for h in frame.columns if h]
    if len(named) != 1:
        return
    for separator in _SEPARATOR_HINTS:
        if separator in named[0]:
            shown = {"\t": "Tab"}.get(separator, separator)
            raise TableError(_l("The file was read as a single column whose header \"%(header)s\" holds the "
                                "separator \"%(separator)s\": its values were not split into columns. Save it "
                                "from Excel as an .xlsx workbook or as CSV separated by commas, semicolons or "
                                "tabs.", header=named[0][:80], separator=shown))


def _place_marks(columns: Columns, frame: pd.DataFrame, marks: dict) -> None:
    """Turn the reader's marks (formulas without a value, pictures) into messages by row and
    column: a formula counts only in a column the import reads, below the header row."""
    from openpyxl.utils import get_column_letter

    read = set(columns.headers.values())
    header_at = {index: header for index, header in enumerate(frame.columns) if header in read}
    for (row, index), (cell, formula) in sorted(marks.get("formulas", {}).items()):
        if row > columns.header_row and index in header_at:
            columns.cell_errors.setdefault(row, []).append(RowError(row, header_at[index], str(_l(
                "cell %(cell)s holds a formula (=%(formula)s) that Excel did not save a value for; open the file "
                "in Excel or WPS and save it again, or paste the column as values",
                cell=cell, formula=formula[:60]))))
    for row, index, cell in sorted(marks.get("pictures", [])):
        columns.pictures.append((row if row > columns.header_row else None,
                                 cell or f"{get_column_letter(index + 1)}{row}"))


def map_columns(frame: pd.DataFrame, aliases: dict[str, list[str]],
                required: list[str] = ()) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """`read_columns` as (frame with canonical columns, header of each key, ignored headers)."""
    columns = read_columns(frame, aliases, required)
    return columns.frame, columns.headers, columns.extras


def formula_like(text: str) -> bool:
    """True when a spreadsheet could run the text as a formula (see _FORMULA_LIKE)."""
    return _FORMULA_LIKE.match(text) is not None


def quoted_formula(text: str) -> bool:
    """True for text one or more quotes before formula-like text: what `neutralise` (or the
    question export's extra quote) wrote; an import drops exactly one quote from it."""
    return text.startswith("'") and formula_like(text.lstrip("'"))


def neutralise(value):
    """Make a cell safe to open in Excel or WPS: text that could run as a formula, even after
    an indentation of spaces, U+3000, tabs or line breaks, gets a quote in front."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe


#: A download is sent in pieces of this size, read back from the finished workbook's file.
CHUNK_BYTES = 1 << 16
DATETIME_FORMAT = "YYYY-MM-DD HH:MM:SS"  # as pandas wrote them
DATE_FORMAT = "YYYY-MM-DD"
#: Characters XML 1.0 cannot hold at all; Excel would refuse the file, so they are dropped.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Columns are sized from their header and this many first values.
WIDTH_SAMPLE = 200

#: Sheet title -> column header -> Excel number format of that column's cells.
NumberFormats = Mapping[str, Mapping[str, str]]


def to_xlsx(sheets: dict[str, pd.DataFrame], *, formats: NumberFormats | None = None,
            finish: Callable | None = None) -> bytes:
    """A workbook with one sheet per frame, cells neutralised, columns sized to their content,
    the header row frozen. See `xlsx_chunks`."""
    return b"".join(xlsx_chunks(sheets, formats=formats, finish=finish))


def xlsx_chunks(sheets: dict[str, pd.DataFrame], *, formats: NumberFormats | None = None,
                finish: Callable | None = None) -> Iterator[bytes]:
    """The workbook of `to_xlsx` as a stream of bytes, for a download of any length.

    XlsxWriter writes it in constant-memory mode: each row goes to a temporary file as it is
    written, so memory does not grow with the rows, and the finished workbook is sent from
    its own temporary file in CHUNK_BYTES pieces. `formats` gives columns a number format
    (percentages, thousands); `finish(workbook, worksheets)` may add what needs the rows
    written first (charts), with XlsxWriter's API, `worksheets` by sheet title.
    """
    with tempfile.TemporaryFile() as file:
        write_xlsx(file, sheets, formats=formats, finish=finish)
        file.seek(0)
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


def write_xlsx(file: BinaryIO, sheets: dict[str, pd.DataFrame], *, formats: NumberFormats | None = None,
               finish: Callable | None = None) -> None:
    """Write the workbook of `to_xlsx` into `file`."""
    import xlsxwriter

    # Only write_string/write_number are called, so no text is ever turned into a formula,
    # number or link behind our back; constant_memory writes inline strings, row by row.
    workbook = xlsxwriter.Workbook(file, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_numbers": False, "strings_to_urls": False})
    styles = _Styles(workbook)
    worksheets = {}
    for name, frame in sheets.items():
        title = name[:31]
        sheet = workbook.add_worksheet(title)
        worksheets[title] = sheet
        _write_sheet(sheet, frame, styles, (formats or {}).get(title, {}))
    if finish is not None:
        finish(workbook, worksheets)
    workbook.close()


class _Styles:
    """The workbook's cell formats, each made once (XlsxWriter keeps one record per format)."""

    def __init__(self, workbook):
        self.workbook = workbook
        self.datetime = workbook.add_format({"num_format": DATETIME_FORMAT})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.days = workbook.add_format({"num_format": "0"})
        self.numbers: dict[str, object] = {}

    def number(self, number_format: str | None):
        if number_format is None:
            return None
        if number_format not in self.numbers:
            self.numbers[number_format] = self.workbook.add_format({"num_format": number_format})
        return self.numbers[number_format]


def column_width(header, values) -> int:
    """Characters wide enough for the header and the first values; a CJK character counts two."""
    texts = [str(header)] + [str(v) for v in values[:WIDTH_SAMPLE]]
    longest = max(sum(2 if ord(ch) > 127 else 1 for ch in text) for text in texts)
    return min(max(8, longest + 2), 60)


def _write_sheet(sheet, frame: pd.DataFrame, styles: _Styles, formats: Mapping[str, str]) -> None:
    columns = [frame[column].tolist() for column in frame.columns]  # plain values: iterating pandas is slow
    cell_styles = [styles.number(formats.get(str(column))) for column in frame.columns]
    for index, (header, values) in enumerate(zip(frame.columns, columns)):
        # In pixels, 7 per character: the width openpyxl stored before (set_column would add
        # Excel's 5-pixel cell padding on top).
        sheet.set_column_pixels(index, index, 7 * column_width(header, values))
        sheet.write_string(0, index, _text(neutralise(str(header))))
    sheet.freeze_panes(1, 0)
    write_string, write_number = sheet.write_string, sheet.write_number
    for row, values in enumerate(zip(*columns), start=1):
        for column, value in enumerate(values):
            if isinstance(value, str):
                if value:
                    write_string(row, column, _text(neutralise(value)), cell_styles[column])
            elif isinstance(value, (bool, np.bool_)):
                sheet.write_boolean(row, column, bool(value), cell_styles[column])
            elif isinstance(value, (int, np.integer)):
                write_number(row, column, int(value), cell_styles[column])
            elif isinstance(value, (float, np.floating)):
                if math.isfinite(value):
                    write_number(row, column, float(value), cell_styles[column])
                elif not math.isnan(value):  # as pandas wrote them, Excel has no infinity
                    write_string(row, column, "inf" if value > 0 else "-inf", cell_styles[column])
            else:
                _write_other(sheet, row, column, value, styles, cell_styles[column])


def _write_other(sheet, row: int, column: int, value, styles: _Styles, style) -> None:
    """Values other than text and numbers, as pandas' `to_excel` wrote them."""
    if value is None or (not isinstance(value, (list, tuple, dict, set)) and pd.isna(value)):
        return  # None, NaT, NA: an empty cell
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("Excel has no time zones: convert to local time before writing.")
        sheet.write_datetime(row, column, value, styles.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(row, column, value, styles.date)
    elif isinstance(value, timedelta):
        sheet.write_number(row, column, value.total_seconds() / 86400, styles.days)
    elif isinstance(value, Decimal):
        sheet.write_number(row, column, float(value), style)
    else:
        text = str(value)
        if text:
            sheet.write_string(row, column, _text(neutralise(text)), style)


def _text(value: str) -> str:
    return _ILLEGAL_XML.sub("", value) if _ILLEGAL_XML.search(value) else value


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on Chinese Windows opens it with the right characters."""
    return _safe(frame).to_csv(index=False).encode("utf-8-sig")
