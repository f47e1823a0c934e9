"""Reading and writing the spreadsheets people really have.

Every import (rosters, question banks, sign-in sheets) reads through `read_table`, and
every export writes through `to_xlsx` / `to_csv`, so encodings, Excel's habit of turning
cells into numbers and dates, and formula injection are handled in one place.
"""
from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath
from xml.sax.saxutils import escape

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


#: Frames longer than this have their rows written straight into the sheet's XML, as a stream,
#: instead of through openpyxl's cell objects (about 30 times faster, and little memory).
STREAM_ROWS = 1000
_STREAMABLE = (str, int, float, bool, type(None), np.integer, np.floating, np.bool_)


def to_xlsx(sheets: dict[str, pd.DataFrame], *, widths: dict[str, int] | None = None,
            keep: Iterable[str] = (), finish: Callable | None = None) -> bytes:
    """A workbook with one sheet per frame, cells neutralised, columns sized to their content.

    `finish(workbook)` may style the openpyxl workbook before it is saved (number formats,
    charts); it sees every sheet named in `keep` in full, the long ones only with their header.
    """
    return b"".join(xlsx_chunks(sheets, keep=keep, finish=finish))


def xlsx_chunks(sheets: dict[str, pd.DataFrame], *, keep: Iterable[str] = (),
                finish: Callable | None = None) -> Iterator[bytes]:
    """The workbook of `to_xlsx` as a stream of bytes, for a download that starts at once.

    Short sheets (and those in `keep`) go through openpyxl as always. A long sheet is written
    there with its header row only, and its rows are then streamed into that sheet's XML while
    the zip is written: numbers as numbers, text as inline strings, empty cells left out, the
    same neutralisation of formulas. A frame holding other values (dates, for instance) is
    written by openpyxl whatever its length.
    """
    kept = {name[:31] for name in keep}
    streamed = {name[:31]: frame for name, frame in sheets.items()
                if len(frame) > STREAM_ROWS and name[:31] not in kept and _streamable(frame)}
    skeleton = _workbook(sheets, streamed, finish)
    if not streamed:
        yield skeleton
        return
    yield from _stream_workbook(skeleton, streamed)


def _streamable(frame: pd.DataFrame) -> bool:
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            continue
        if values.dtype != object:
            if pd.api.types.is_string_dtype(values):
                continue  # text and missing values only
            return False
        if not all(issubclass(kind, _STREAMABLE) for kind in set(map(type, values.tolist()))):
            return False
    return True


def _workbook(sheets: dict[str, pd.DataFrame], streamed: dict[str, pd.DataFrame], finish) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            title = name[:31]
            _safe(frame.head(0) if title in streamed else frame).to_excel(writer, sheet_name=title, index=False)
            sheet = writer.sheets[title]
            for index, column in enumerate(frame.columns, start=1):
                values = [str(column)] + [str(v) for v in frame[column].head(200)]
                longest = max(sum(2 if ord(ch) > 127 else 1 for ch in v) for v in values)
                letter = sheet.cell(row=1, column=index).column_letter
                sheet.column_dimensions[letter].width = min(max(8, longest + 2), 60)
            sheet.freeze_panes = "A2"
        if finish is not None:
            finish(writer.book)
    return buffer.getvalue()


class _Sink(io.RawIOBase):
    """An unseekable file that keeps what is written until it is taken (zipfile then writes
    each entry's sizes after its data, as streaming zip writers do)."""

    def __init__(self):
        super().__init__()
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> its part in the archive, from the workbook and its relationships."""
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    relation = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    targets = {rel.get("Id"): rel.get("Target")
               for rel in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))}  # noqa: S314  # nosec B314
    paths = {}
    # Both parts come from the workbook openpyxl has just written here, never from a user.
    for sheet in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter(f"{main}sheet"):  # noqa: S314  # nosec B314
        target = targets[sheet.get(relation)]
        paths[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return paths


def _stream_workbook(skeleton: bytes, streamed: dict[str, pd.DataFrame]) -> Iterator[bytes]:
    from openpyxl.utils import get_column_letter

    source = zipfile.ZipFile(io.BytesIO(skeleton))
    paths = _sheet_paths(source)
    frames = {paths[title]: frame for title, frame in streamed.items()}
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=3) as archive:
        for info in source.infolist():
            data = source.read(info)
            frame = frames.get(info.filename)
            if frame is None:
                archive.writestr(info, data)
                yield sink.take()
                continue
            last = f"{get_column_letter(max(len(frame.columns), 1))}{len(frame) + 1}"
            text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', data.decode("utf-8"), count=1)
            text = text.replace("<sheetData/>", "<sheetData></sheetData>")
            head, _end, tail = text.partition("</sheetData>")
            with archive.open(info.filename, "w") as entry:
                entry.write(head.encode("utf-8"))
                for chunk in _rows_xml(frame, 2):
                    entry.write(chunk)
                    if sink.size >= 1 << 18:
                        yield sink.take()
                entry.write(("</sheetData>" + tail).encode("utf-8"))
            if sink.size:
                yield sink.take()
    yield sink.take()


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _rows_xml(frame: pd.DataFrame, first_row: int) -> Iterator[bytes]:
    """<row> elements of the frame's cells from `first_row` on, about 2,000 rows per chunk."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(index) for index in range(1, len(frame.columns) + 1)]
    columns = [frame[column].tolist() for column in frame.columns]  # plain values: iterating pandas is slow
    rows: list[str] = []
    for number, values in enumerate(zip(*columns), start=first_row):
        cells = []
        for letter, value in zip(letters, values):
            if value is None or value is pd.NA:
                continue
            if isinstance(value, str):
                if not value:
                    continue
                if formula_like(value):
                    value = "'" + value
                if "&" in value or "<" in value or ">" in value:
                    value = escape(value)
                if _ILLEGAL_XML.search(value):
                    value = _ILLEGAL_XML.sub("", value)
                cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>')
            elif isinstance(value, (bool, np.bool_)):
                cells.append(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, np.integer)):
                cells.append(f'<c r="{letter}{number}" t="n"><v>{int(value)}</v></c>')
            elif math.isfinite(value):
                cells.append(f'<c r="{letter}{number}" t="n"><v>{float(value)!r}</v></c>')
            elif not math.isnan(value):
                infinity = "inf" if value > 0 else "-inf"
                cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{infinity}</t></is></c>')
        rows.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(rows) >= 2000:
            yield "".join(rows).encode("utf-8")
            rows = []
    if rows:
        yield "".join(rows).encode("utf-8")


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on Chinese Windows opens it with the right characters."""
    return _safe(frame).to_csv(index=False).encode("utf-8-sig")
