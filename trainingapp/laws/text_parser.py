"""A law's text in the official layout → its title, 题注, headings and articles, with problems by line.

The layout (as the NPC database and the official gazettes print it):

    中华人民共和国某某法                                   title lines
    （2021年1月22日第十三届全国人民代表大会常务委员会第二十五次会议修订）   题注: dates and body
    目录  第一章 总则  …                                   table of contents, skipped
    第一编 总则 / 第二章 … / 第三节 …                         headings: the article's path
    第一条　为了……                                         an article (also 第十二条之一, 第12条)
    （一）……  / 下一款……                                     items and paragraphs stay in the article

Pure: lines in (text or paragraphs of a .docx, each with its number), a `ParsedLaw` out; no
database, no request. Problems are errors (the text cannot be imported), or gaps in the
numbering, which an excerpt (节选) may have and a whole text may not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from ..platform.wordfile import format_number

#: Whitespace a pasted or converted text carries: full-width and no-break spaces besides ASCII.
SPACES = " \t\u3000\u00a0\u2002\u2003\u2009\ufeff"
_NUMERAL = r"[零〇一二两三四五六七八九十百千\d０-９]+"
LEVELS = ("编", "分编", "章", "节")
_HEADING = re.compile(rf"^第({_NUMERAL})(分编|编|章|节)(?:[{SPACES}]*)(.*)$")
#: "第十二条之一　text": the separator after 条 is a space (or nothing, checked against the numbering).
_ARTICLE = re.compile(rf"^第({_NUMERAL})条(?:之({_NUMERAL}))?([{SPACES}]+|$)(.*)$")
_ARTICLE_LOOSE = re.compile(rf"^第({_NUMERAL})条(?:之({_NUMERAL}))?(.*)$")
#: 2021年1月22日, ２０２１年１月２２日 or 二〇二一年一月二十二日 (older texts and some gazettes).
_MONTH_OR_DAY = r"(\d{1,2}|[０-９]{1,2}|[一二三四五六七八九十]{1,3})"
_DATE_TEXT = rf"(\d{{4}}|[０-９]{{4}}|[〇零一二三四五六七八九]{{4}})\s*年\s*{_MONTH_OR_DAY}\s*月\s*{_MONTH_OR_DAY}\s*日"
_DATE = re.compile(_DATE_TEXT)
_EFFECTIVE = re.compile(r"自\s*" + _DATE_TEXT + r"起\s*施行")
#: A year's digits one by one: 二〇二一 → 2021 (not a numeral with units).
_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九０１２３４５６７８９", "00123456789" "0123456789")
_FROM_ISSUE = re.compile(r"自(?:公布|发布|印发)之日起\s*施行")
_ISSUER = re.compile(r"第[^第届]{1,6}届(.+?)第[^第次]{1,6}次(?:会议|全体会议)")
_BODY_SESSION = re.compile(r"\s*([^\s第（）()，,。、]{2,30}?)第[^第次]{1,6}次")
_OPEN, _CLOSE = "（(", "）)"
#: What follows "第五条" when a paragraph cites an article rather than starting one.
_CONTINUATIONS = tuple("规的、，,和与及或至中所第款项（(；。")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def to_number(numeral: str) -> int | None:
    """一千二百六十 → 1260, 十二 → 12, 一百零五 → 105, 12 / １２ → 12; None when not a numeral."""
    numeral = numeral.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if numeral.isdigit():
        return int(numeral)
    total, digit = 0, None
    for char in numeral:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


def chinese_numeral(n: int) -> str:
    """12 → 十二, 1260 → 一千二百六十 (as laws number their articles)."""
    return format_number(n, "chineseCounting")


def article_label(number: int, suffix: int = 0) -> str:
    """第十二条 / 第十二条之一."""
    return f"第{chinese_numeral(number)}条" + (f"之{chinese_numeral(suffix)}" if suffix else "")


def place(number: int, unit: str) -> str:
    """"line 12" / "paragraph 12" (第12行 / 第12段)."""
    return str(_l("paragraph %(n)s", n=number) if unit == "paragraph" else _l("line %(n)s", n=number))


@dataclass(frozen=True)
class Problem:
    """One problem at one line (None: the whole text). `kind` is "error" or "gap"."""

    line: int | None
    message: str
    kind: str = "error"

    def describe(self, unit: str = "line") -> str:
        """"line 12: message", or the message alone for the whole text."""
        return f"{place(self.line, unit)}: {self.message}" if self.line is not None else self.message


@dataclass
class Heading:
    """第二章 行政处罚的种类和设定: its level (编, 分编, 章, 节), label, line and the articles under it."""

    level: str
    label: str
    line: int
    depth: int
    articles: int = 0


@dataclass
class ParsedArticle:
    number: int
    suffix: int
    line: int
    #: Indexes into ParsedLaw.headings, outermost first.
    headings: tuple[int, ...]
    paragraphs: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return article_label(self.number, self.suffix)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class ParsedLaw:
    """What the text holds; `problems` in the order of the lines."""

    title: str = ""
    #: The 题注 as written, without its brackets.
    note: str = ""
    #: The latest date of the 题注 (the version's 公布/修订/修正 date).
    version_date: date | None = None
    #: From the closing article (自2021年7月15日起施行; 自公布之日起施行 → the version date).
    effective_date: date | None = None
    #: The body that adopted the latest version, from the 题注 (全国人民代表大会常务委员会).
    issuer: str = ""
    headings: list[Heading] = field(default_factory=list)
    articles: list[ParsedArticle] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: The 序言 (the Constitution's preamble): its paragraphs, one per line ("" for none).
    preamble: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "error"]

    @property
    def gaps(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "gap"]

    def heading_path(self, article: ParsedArticle) -> str:
        """"第一编 总则 / 第二章 …" for the article ("" for none)."""
        return " / ".join(self.headings[i].label for i in article.headings)

    def blocking(self, excerpt: bool) -> list[Problem]:
        """The problems that stop an import: every error, and the gaps unless it is an excerpt."""
        return [p for p in self.problems if p.kind == "error" or (p.kind == "gap" and not excerpt)]


def clean(line: str) -> str:
    return line.strip(SPACES + "\r\n")


def _heading(line: str):
    if re.sub(f"[{SPACES}]", "", line) == "附则":  # the Civil Code's closing heading has no number
        return "编", "附则"
    match = _HEADING.match(line)
    if not match or to_number(match.group(1)) is None:
        return None
    level, title = match.group(2), re.sub(f"[{SPACES}]+", "", match.group(3))
    if len(title) > 60 or title.endswith(("。", "；", "：")):  # a sentence, not a heading
        return None
    return level, f"第{match.group(1)}{level}" + (f" {title}" if title else "")


def _date(match) -> date | None:
    month, day = to_number(match.group(2)), to_number(match.group(3))
    try:
        return date(int(match.group(1).translate(_YEAR_DIGITS)), month or 0, day or 0)
    except ValueError:
        return None


class _Parser:
    def __init__(self, unit: str):
        self.unit = unit
        self.law = ParsedLaw()
        self.stack: list[int] = []  # indexes of the open headings, outermost first
        self.article: ParsedArticle | None = None
        self.title_lines: list[str] = []
        self.preamble_done = False  # after the 题注, the 目录 or a heading no title line may follow
        self.note_lines: list[str] | None = None  # a 题注 still open
        self.toc: list[str] | None = None  # the entries of a 目录 while it is read
        self.seen: dict[tuple[int, int], int] = {}
        self.preamble: list[str] | None = None  # the 序言's paragraphs while it is read

    def problem(self, line, message, kind="error"):
        self.law.problems.append(Problem(line, str(message), kind))

    def feed(self, number: int, raw: str) -> None:
        line = clean(raw)
        if not line:
            return
        if self.note_lines is not None:
            self.note_lines.append(line)
            if line.endswith(tuple(_CLOSE)):
                self._end_note()
            return
        if self.toc is not None and self._in_toc(line):
            return
        heading = _heading(line)
        if heading:
            self._open_heading(number, *heading)
            return
        if self._article_start(number, line):
            return
        if self.article is not None:
            self.article.paragraphs.append(line)
            return
        if self.preamble is not None and not self.law.headings and not self.law.articles:
            self.preamble.append(line)
            return
        if re.sub(f"[{SPACES}]", "", line) == "序言" and not self.law.headings and not self.law.articles:
            self.preamble, self.preamble_done = [], True  # paragraphs up to the first heading or article
            return
        if not self.law.articles and line.startswith(tuple(_OPEN)) and not self.law.note and not self.preamble_done:
            self.note_lines = [line]
            if line.endswith(tuple(_CLOSE)):
                self._end_note()
            return
        if re.sub(f"[{SPACES}]", "", line) == "目录":
            self.toc, self.preamble_done = [], True
            return
        if not self.preamble_done and not self.law.headings:
            self.title_lines.append(line)
            return
        self.problem(number, _l("This text stands before the first article and is neither a heading "
                                "(第一章 …) nor the note in brackets under the title."))

    def _in_toc(self, line: str) -> bool:
        """Whether the line is an entry of the 目录 (which ends where its first entry comes again)."""
        key = re.sub(f"[{SPACES}]", "", line)
        if self.toc and key == self.toc[0]:
            self.toc = None
            return False
        if _heading(line) or (len(key) <= 12 and not _ARTICLE_LOOSE.match(key)):  # 附则, 附录 …
            self.toc.append(key)
            return True
        self.toc = None
        return False

    def _end_note(self):
        note = "".join(self.note_lines)
        self.note_lines = None
        self.preamble_done = True
        body = note[1:-1] if note[-1:] in _CLOSE else note[1:]
        self.law.note = clean(body)
        dated = [(d, m.end()) for m in _DATE.finditer(body) if (d := _date(m))]
        if dated:
            latest, at = max(dated)
            self.law.version_date = latest
            issuer = _ISSUER.search(body, at)
            if issuer and issuer.start() - at < 12:
                self.law.issuer = issuer.group(1)
            elif other := _BODY_SESSION.match(body, at):  # 示例镇人民政府第二十次常务会议
                self.law.issuer = other.group(1)

    def _open_heading(self, number: int, level: str, label: str):
        self.preamble_done = True
        self.article = None
        depth = LEVELS.index(level)
        self.stack = [i for i in self.stack if self.law.headings[i].depth < depth]
        self.law.headings.append(Heading(level, label, number, depth))
        self.stack.append(len(self.law.headings) - 1)

    def _article_start(self, number: int, line: str) -> bool:
        match = _ARTICLE.match(line)
        strict = match is not None
        match = match or _ARTICLE_LOOSE.match(line)
        if not match:
            return False
        value, suffix = to_number(match.group(1)), to_number(match.group(2)) if match.group(2) else 0
        if not value or suffix is None:
            return False
        rest = clean(match.group(4) if strict else match.group(3))
        if not strict and ((value, suffix) not in (self._next_after(), (self._last()[0] + 1, 0))
                           or rest.startswith(_CONTINUATIONS)):
            return False  # "第五条规定的…" inside a paragraph, not a new article
        self._close_article()
        self.preamble_done = True
        self._check_number(number, value, suffix)
        self.article = ParsedArticle(value, suffix, number, tuple(self.stack), [rest] if rest else [])
        self.law.articles.append(self.article)
        for i in self.stack:
            self.law.headings[i].articles += 1
        return True

    def _last(self) -> tuple[int, int]:
        last = self.law.articles[-1] if self.law.articles else None
        return (last.number, last.suffix) if last else (0, 0)

    def _next_after(self) -> tuple[int, int]:
        number, suffix = self._last()
        return number, suffix + 1

    def _check_number(self, line: int, value: int, suffix: int):
        label = article_label(value, suffix)
        previous = self._last()
        if (value, suffix) in self.seen:
            self.problem(line, _l("%(article)s again (the first is at %(first)s).", article=label,
                                  first=place(self.seen[(value, suffix)], self.unit)))
        elif (value, suffix) < previous:
            self.problem(line, _l("%(article)s comes after %(previous)s: the articles are out of order.",
                                  article=label, previous=article_label(*previous)))
        elif suffix and value != previous[0]:
            self.problem(line, _l("%(article)s follows %(previous)s, not %(base)s.", article=label,
                                  previous=article_label(*previous) if previous[0] else "—",
                                  base=article_label(value)), "gap")
        elif suffix and suffix != previous[1] + 1:
            self.problem(line, _l("%(article)s follows %(previous)s: an article between them is missing.",
                                  article=label, previous=article_label(*previous)), "gap")
        elif not suffix and value != previous[0] + 1:
            missing = (article_label(previous[0] + 1) if value == previous[0] + 2 else
                       f"{article_label(previous[0] + 1)}–{article_label(value - 1)}")
            if previous == (0, 0):
                self.problem(line, _l("The text starts at %(article)s: %(missing)s are missing.",
                                      article=label, missing=missing), "gap")
            else:
                self.problem(line, _l("%(article)s follows %(previous)s: %(missing)s is missing.",
                                      article=label, previous=article_label(*previous), missing=missing), "gap")
        self.seen.setdefault((value, suffix), line)

    def _close_article(self):
        if self.article is not None and not self.article.paragraphs:
            self.problem(self.article.line, _l("%(article)s has no text.", article=self.article.label))
        self.article = None

    def finish(self) -> ParsedLaw:
        if self.note_lines is not None:
            self.problem(None, _l("The note in brackets under the title is never closed with “）”."))
            self._end_note()
        self._close_article()
        law = self.law
        law.title = "".join(self.title_lines)[:200]
        law.preamble = "\n".join(self.preamble or [])
        if self.preamble is not None and not self.preamble:
            self.problem(None, _l("The 序言 (preamble) has no text."))
        if law.headings:
            for article in law.articles:
                if not article.headings:
                    self.problem(article.line, _l("%(article)s stands outside any chapter, while the text has "
                                                  "chapters.", article=article.label))
        if not law.articles:
            self.problem(None, _l("No article was found: each article starts with 第一条, 第二条 … followed by a "
                                  "space, on a line of its own."))
        law.problems.sort(key=lambda p: (p.line is not None, p.line or 0))
        law.effective_date = _effective(law)
        return law


def _effective(law: ParsedLaw) -> date | None:
    for article in reversed(law.articles[-3:]):
        match = _EFFECTIVE.search(article.text)
        if match:
            return _date(match)
        if _FROM_ISSUE.search(article.text):
            return law.version_date
    return None


def parse_lines(lines, unit: str = "line") -> ParsedLaw:
    """Parse (number, text) pairs: a text's lines (unit "line") or a .docx's paragraphs ("paragraph")."""
    parser = _Parser(unit)
    for number, text in lines:
        for part in text.split("\n"):
            parser.feed(number, part)
    return parser.finish()


def parse_text(text: str) -> ParsedLaw:
    """Parse a pasted text or a decoded .txt; line numbers count from 1."""
    return parse_lines(enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1))
