"""Reading the Word files people really have: a .docx as numbered paragraphs and tables.

Only the body is read: headers, footers (page numbers), text boxes, deleted revisions and
field codes never reach the caller, so they can never be taken for questions. Word/WPS
automatic numbering (`w:numPr`, where "1." and "A." are not in the text at all) is resolved
against numbering.xml and put back in front of the text, as Word shows it. A soft line
break (Shift+Enter) splits a paragraph into lines that keep the paragraph's number.

A .docx is a zip of XML a person chose: `check_docx` refuses, before parsing, one that is not
a .docx or unpacks to more than the import's cap, and `read_docx` runs in a bounded child
process (trainingapp.platform.sandbox) like a workbook does. python-docx's XML parser does
not resolve entities, so an entity bomb stays a few bytes.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

import docx
from flask_babel import lazy_gettext as _l

from .tabular import TableError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
VML = "urn:schemas-microsoft-com:vml"


class WordFileError(TableError):
    """The whole file cannot be read as a Word document."""


@dataclass(frozen=True, slots=True)
class Para:
    """One non-empty paragraph of the body: its 1-based number among the non-empty paragraphs,
    its lines (soft breaks split them), and whether it holds a picture."""

    number: int
    lines: tuple[str, ...]
    picture: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the body: rows of cells, each cell the paragraphs it holds (in order)."""

    rows: tuple[tuple[tuple[Para, ...], ...], ...]

    @property
    def number(self) -> int:
        for row in self.rows:
            for cell in row:
                if cell:
                    return cell[0].number
        return 0


Block = Para | Table


# --------------------------------------------------------------------------- numbering

_CHINESE_DIGITS = "零一二三四五六七八九"
_TRADITIONAL = "甲乙丙丁戊己庚辛壬癸"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _letters(n: int, upper: bool) -> str:
    # Word repeats the letter past Z: AA, BB, … (not AA, AB like a spreadsheet).
    if n <= 0:
        return str(n)
    letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
    return letter if upper else letter.lower()


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = []
    for value, symbol in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out.append(symbol)
            n -= value
    return "".join(out)


def _chinese(n: int) -> str:
    """一, 十, 十一, 二十, 一百零五 … as Word's chineseCounting writes them (up to 9999)."""
    if n <= 0 or n > 9999:
        return str(n)
    if n < 10:
        return _CHINESE_DIGITS[n]
    if n < 20:
        return "十" + (_CHINESE_DIGITS[n % 10] if n % 10 else "")
    parts, zero = [], False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit % 10
        if digit:
            if zero:
                parts.append("零")
            parts.append(_CHINESE_DIGITS[digit] + name)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


def format_number(n: int, fmt: str) -> str | None:
    """A counter in one of Word's number formats; None for a bullet (no number to restore)."""
    if fmt in ("bullet", "none"):
        return None if fmt == "bullet" else ""
    if fmt == "upperLetter":
        return _letters(n, True)
    if fmt == "lowerLetter":
        return _letters(n, False)
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "japaneseCounting",
               "taiwaneseCounting", "ideographLegalTraditional"):
        return _chinese(n)
    if fmt == "ideographDigital":
        return "".join(_CHINESE_DIGITS[int(d)] for d in str(n)).replace("零", "〇")
    if fmt == "ideographTraditional":
        return _TRADITIONAL[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate({ord(d): chr(0xFF10 + int(d)) for d in "0123456789"})
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)  # decimal and anything unknown: the digits are the best guess


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""


@dataclass
class _Numbering:
    """numbering.xml read once: the levels of every list instance, and the running counters."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)
    starts: dict[str, dict[int, int]] = field(default_factory=dict)
    counters: dict[str, list[int]] = field(default_factory=dict)

    def label(self, num_id: str, ilvl: int) -> str | None:
        """The label Word shows for the next paragraph of list `num_id` at level `ilvl`."""
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels or not 0 <= ilvl < 9:
            return None
        counters = self.counters.get(num_id)
        if counters is None:
            overrides = self.starts.get(num_id, {})
            counters = [overrides.get(i, levels[i].start if i in levels else 1) - 1 for i in range(9)]
            self.counters[num_id] = counters
        counters[ilvl] += 1
        for deeper in range(ilvl + 1, 9):  # a higher level counting on restarts the ones below it
            level = levels.get(deeper)
            counters[deeper] = (level.start if level else 1) - 1
        level = levels[ilvl]
        if level.fmt == "bullet":
            return None
        text = level.text
        for index in range(ilvl, -1, -1):
            placeholder = f"%{index + 1}"
            if placeholder in text:
                other = levels.get(index, _Level())
                shown = format_number(max(counters[index], levels.get(index, _Level()).start), other.fmt)
                text = text.replace(placeholder, shown or "")
        return text.strip() or None


def _val(element, tag: str, default: str | None = None) -> str | None:
    child = element.find(W + tag) if element is not None else None
    return child.get(W + "val", default) if child is not None else default


def _read_level(lvl) -> _Level:
    start = _val(lvl, "start", "1")
    return _Level(start=int(start) if (start or "").lstrip("-").isdigit() else 1,
                  fmt=_val(lvl, "numFmt", "decimal") or "decimal", text=_val(lvl, "lvlText", "") or "")


def _read_numbering(document) -> _Numbering:
    numbering = _Numbering()
    try:
        root = document.part.numbering_part.element
    # python-docx raises NotImplementedError (or KeyError) when the package has no numbering part:
    # a document without lists, as many plain-text banks saved from WPS are.
    except (KeyError, NotImplementedError, AttributeError):
        return numbering
    abstract = {}
    for node in root.iter(W + "abstractNum"):
        abstract[node.get(W + "abstractNumId")] = {
            int(lvl.get(W + "ilvl", "0")): _read_level(lvl) for lvl in node.iter(W + "lvl")
            if (lvl.get(W + "ilvl", "0")).isdigit()}
    for node in root.iter(W + "num"):
        num_id = node.get(W + "numId")
        levels = dict(abstract.get(_val(node, "abstractNumId"), {}))
        starts = {}
        for override in node.iter(W + "lvlOverride"):
            ilvl = int(override.get(W + "ilvl", "0")) if override.get(W + "ilvl", "0").isdigit() else 0
            start = _val(override, "startOverride")
            if start is not None and start.isdigit():
                starts[ilvl] = int(start)
            lvl = override.find(W + "lvl")
            if lvl is not None:
                levels[ilvl] = _read_level(lvl)
        numbering.levels[num_id] = levels
        numbering.starts[num_id] = starts
    return numbering


def _style_numbering(document) -> dict[str, tuple[str, int]]:
    """(numId, ilvl) of each paragraph style that numbers its paragraphs (e.g. 列表编号)."""
    found: dict[str, tuple[str, int]] = {}
    try:
        root = document.styles.element
    # The same for a package without a styles part (written by some converters): no list styles.
    except (KeyError, NotImplementedError, AttributeError):
        return found
    based_on, own = {}, {}
    for style in root.iter(W + "style"):
        style_id = style.get(W + "styleId")
        based_on[style_id] = _val(style, "basedOn")
        num_pr = style.find(f"{W}pPr/{W}numPr")
        if num_pr is not None and _val(num_pr, "numId"):
            ilvl = _val(num_pr, "ilvl", "0")
            own[style_id] = (_val(num_pr, "numId"), int(ilvl) if ilvl.isdigit() else 0)
    for style_id in based_on:
        seen, current = set(), style_id
        while current and current not in own and current not in seen:
            seen.add(current)
            current = based_on.get(current)
        if current in own:
            found[style_id] = own[current]
    return found


# --------------------------------------------------------------------------- text

#: Parts of a paragraph that are not its text as printed: deleted revisions, text boxes and
#: shapes (their text is not in the flow of the questions), field codes, alternative renderings.
_SKIPPED = {W + "del", W + "txbxContent", W + "instrText", W + "delText", MC + "Fallback",
            W + "pPr", W + "rPr", W + "footnoteReference", W + "endnoteReference"}
_PICTURES = {W + "drawing", W + "pict", W + "object"}


def _paragraph_text(p) -> tuple[str, bool]:
    """The printed text of a paragraph (soft breaks as \n, tabs as spaces) and whether it has a picture."""
    out: list[str] = []
    picture = False
    stack = [iter(p)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        tag = node.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag in _PICTURES:
            # A text box is a drawing too; only a drawing without one is a picture.
            if not any(True for _ in node.iter(W + "txbxContent")):
                picture = True
            continue
        if tag == W + "t":
            out.append(node.text or "")
        elif tag in (W + "tab", W + "ptab"):
            out.append(" ")
        elif tag in (W + "br", W + "cr"):
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        else:
            stack.append(iter(node))
    return "".join(out), picture


class _Reader:
    def __init__(self, document):
        self.numbering = _read_numbering(document)
        self.styles = _style_numbering(document)
        self.count = 0

    def paragraph(self, p) -> Para | None:
        text, picture = _paragraph_text(p)
        label = self._label(p)
        lines = [" ".join(line.split()) for line in text.split("\n")]
        lines = [line for line in lines if line]
        if label and lines:
            lines[0] = f"{label} {lines[0]}"
        if not lines and not picture:
            return None
        self.count += 1
        return Para(self.count, tuple(lines), picture)

    def _label(self, p) -> str | None:
        ppr = p.find(W + "pPr")
        num_id, ilvl = None, 0
        num_pr = ppr.find(W + "numPr") if ppr is not None else None
        if num_pr is not None:
            num_id = _val(num_pr, "numId")
            level = _val(num_pr, "ilvl", "0")
            ilvl = int(level) if level.isdigit() else 0
        elif ppr is not None and _val(ppr, "pStyle") in self.styles:
            num_id, ilvl = self.styles[_val(ppr, "pStyle")]
        if not num_id or num_id == "0":
            return None
        return self.numbering.label(num_id, ilvl)

    def blocks(self, parent) -> list[Block]:
        found: list[Block] = []
        for child in parent:
            if child.tag == W + "p":
                para = self.paragraph(child)
                if para is not None:
                    found.append(para)
            elif child.tag == W + "tbl":
                found.append(self.table(child))
            elif child.tag == W + "sdt":  # a content control: its content is body text
                content = child.find(W + "sdtContent")
                if content is not None:
                    found.extend(self.blocks(content))
        return found

    def table(self, tbl) -> Table:
        rows = []
        for tr in tbl.iter(W + "tr"):
            if tr.getparent() is not tbl:
                continue  # rows of a nested table are read with their cell
            cells = []
            for tc in tr.findall(W + "tc"):
                paras = []
                for block in self.blocks(tc):
                    if isinstance(block, Para):
                        paras.append(block)
                    else:  # a table inside a cell: its paragraphs, in order
                        paras.extend(p for row in block.rows for cell in row for p in cell)
                cells.append(tuple(paras))
            rows.append(tuple(cells))
        return Table(tuple(rows))


def read_docx(data: bytes) -> tuple[str, object]:
    """("ok", [Para | Table, …]) for the body of a .docx, or ("unreadable", reason). Runs in a
    sandbox child (trainingapp.platform.sandbox), so it speaks in plain values."""
    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's fault
        return "unreadable", str(exc)[:200]
    return "ok", _Reader(document).blocks(document.element.body)


def check_docx(data: bytes, max_unzipped_bytes: int) -> None:
    """Refuse, before any parsing, a file that is not a .docx or unpacks to more than allowed."""
    if not data.startswith(b"PK\x03\x04"):
        raise WordFileError(_l("This is not a real .docx document (an old .doc or .wps file?). Open it in Word "
                               "or WPS and save it as \"Word Document (*.docx)\"."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            # zipfile never inflates a member past its declared size, so the sum bounds the parse.
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise WordFileError(_l("The .docx document is damaged and cannot be opened.")) from None
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise WordFileError(_l("This is not a real .docx document. Open it in Word or WPS and save it as "
                               "\"Word Document (*.docx)\"."))
    if inflated > max_unzipped_bytes:
        raise WordFileError(_l("The document unpacks to %(size)s MB; at most %(max)s MB are accepted for this "
                               "import. Remove pictures or split the file.",
                               size=f"{inflated / 1048576:.0f}", max=f"{max_unzipped_bytes / 1048576:.0f}"))


def docx_blocks(data: bytes, *, max_unzipped_bytes: int, bounds=None) -> list[Block]:
    """The body of a .docx as paragraphs and tables, parsed in a bounded child process when
    `bounds` (sandbox.Bounds) are given; WordFileError for a file that cannot be read."""
    check_docx(data, max_unzipped_bytes)
    if bounds is None:
        kind, value = read_docx(data)
    else:
        from .sandbox import SandboxLimit, run
        try:
            kind, value = run(read_docx, data, bounds=bounds)
        except SandboxLimit as limit:
            if limit.reason == "busy":
                raise WordFileError(_l("Other large files are being read right now; try again in a minute.")
                                    ) from None
            raise WordFileError(_l("The document could not be read within the limits of an upload (%(mb)s MB of "
                                   "memory, %(seconds)s seconds): it is far larger inside than a real question "
                                   "bank. It was refused.", mb=bounds.memory_mb, seconds=f"{bounds.seconds:g}")
                                ) from None
    if kind != "ok":
        raise WordFileError(_l("The .docx document cannot be read: %(reason)s", reason=value))
    return value
