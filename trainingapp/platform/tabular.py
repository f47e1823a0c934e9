"""Reading and writing the spreadsheets people really have.

Every import (rosters, question banks, sign-in sheets) reads through `read_table`, and
every export writes through `to_xlsx` / `xlsx_chunks` (XlsxWriter) / `to_csv`, so encodings, Excel's habit of turning
cells into numbers and dates, and formula injection are handled in one place.
"""
from __future__ import annotations

import csv
import io
import math
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
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


def _read_csv(data: bytes, limits: SheetLimits) -> pd.DataFrame:
    text = _decode_csv(data)
    rows, cells, width = [], 0, 0
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
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
    return "ok", _tidy(frame)


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


def header_key(header: str) -> str:
    """How headers compare: case, spaces and full-width parentheses do not matter."""
    text = clean_cell(header).lower()
    for a, b in (("（", "("), ("）", ")"), ("：", ":")):
        text = text.replace(a, b)
    return "".join(text.split())


def map_columns(frame: pd.DataFrame, aliases: dict[str, list[str]],
                required: list[str] = ()) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Rename known headers to canonical keys.

    `aliases` maps a canonical key to the headers people write for it (the first is the
    one named in messages). Returns the frame with canonical columns only, the header each
    key came from (for messages) and the extra headers that were ignored. Raises
    TableError naming the first missing required column, or a column given twice.
    """
    lookup = {}
    for key, names in aliases.items():
        for name in [key, *names]:
            lookup[header_key(name)] = key
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
    for key in required:
        if key not in found:
            raise TableError(_l("The required column \"%(column)s\" is missing. The first row must "
                                "hold the column headers.", column=aliases[key][0]))
    selected = frame[[found[k] for k in found]].copy()
    selected.columns = list(found)
    return selected, found, extras


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
