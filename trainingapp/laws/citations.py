"""Reading a question's 依据条款 into citations of laws and articles (pure: text in, data out).

What it reads: titles in book-title marks (《中华人民共和国行政处罚法》, 〈…〉, <…>) or bare ones
followed by an article (行政处罚法第六十四条), full or short; articles 第X条, 第X条之一, with
第X款 and 第X项; Chinese (六十四, 一百零五) or Arabic (64, full-width ６４) numerals; several
articles joined by 、 ， , 和 及 与 或 ("第六十三条、第六十四条", "第六十三条、六十四条", "第63、64条"),
a 款 or 项 alone after an article ("第六十四条第一款、第二款"); ranges with 至 到 - — ~
("第三十条至第三十二条"); several laws in one field. Whatever is not part of a citation comes back
as the remainder, so nothing written is lost. Which law a title names is decided elsewhere
(`laws.resolver`), against the titles in the library.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = r"[0-9零〇一二两三四五六七八九十百千]+"
_SP = r"[ \t\u3000]*"

#: The last characters of a bare title: 行政处罚法, 信访工作条例, 优化营商环境条例 …
_TITLE_ENDINGS = "法|条例|规定|办法|细则|规则|决定|解释|准则|规程"
_BRACKETED = re.compile(rf"[《〈<]{{1,2}}{_SP}(?P<title>[^《》〈〉<>\n]{{1,80}}?){_SP}[》〉>]{{1,2}}")
_BARE = re.compile(rf"(?P<title>[\u4e00-\u9fff()（）]{{1,60}}?(?:{_TITLE_ENDINGS})){_SP}(?=第)")
#: Words written before a bare title that are not part of it.
_LEADING = re.compile(r"^(?:根据|依据|依照|按照|参照|参见|详见|见|违反|适用|以及|及|和|与|并|《)+")
_TRAILING_WORDS = re.compile(r"(?:根据|依据|依照|按照|参照|参见|详见|见|违反|适用)+\s*$")

_ARTICLE = re.compile(
    rf"(?P<di>第)?{_SP}(?P<n>{_NUM}){_SP}条(?:{_SP}之{_SP}(?P<s>{_NUM}))?"
    rf"(?:{_SP}第?{_SP}(?P<p>{_NUM}){_SP}款)?(?:{_SP}第?{_SP}(?P<i>{_NUM}){_SP}项)?")
#: 第63、64条: several numbers under one 条.
_NUMBERS = re.compile(rf"第{_SP}(?P<ns>{_NUM}(?:{_SP}[、,]{_SP}{_NUM})+){_SP}条")
_PARAGRAPH = re.compile(rf"第{_SP}(?P<p>{_NUM}){_SP}款(?:{_SP}第?{_SP}(?P<i>{_NUM}){_SP}项)?")
_ITEM = re.compile(rf"第{_SP}(?P<i>{_NUM}){_SP}项")
_JOIN = re.compile(rf"{_SP}(?:、|,|以及|和|及|与|或者|或){_SP}")
_RANGE = re.compile(rf"{_SP}(?:至|到|-|–|—|~|～){_SP}")
#: What may be left between citations without being worth keeping as a remainder.
_FILLER = re.compile(r"^[\s,;:、。.()\[\]（）【】；：，／/|和及与]*$")

#: A range longer than this is not expanded (a typo such as 第3条至第300条 stays one citation each end).
MAX_RANGE = 50


def to_number(text: str) -> int:
    """An Arabic or Chinese numeral as an int (六十四 → 64, 一百零五 → 105, 十二 → 12); 0 if none."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char in _UNITS:
            total += (current or 1) * _UNITS[char]
            current = 0
    return total + current


@dataclass(frozen=True)
class ArticleRef:
    """第{number}条之{suffix} 第{paragraph}款 第{item}项 (suffix 0: no 之X; None: not named)."""

    number: int
    suffix: int = 0
    paragraph: int | None = None
    item: int | None = None

    @property
    def label(self) -> str:
        """第六十四条第一款 as people write it (Chinese numerals)."""
        return article_label(self.number, self.suffix, self.paragraph, self.item)


@dataclass(frozen=True)
class Citation:
    """One law as written (without book-title marks) and the articles cited from it, in the
    order written; no articles: the law as a whole. `text` is the span as written."""

    title: str
    articles: tuple[ArticleRef, ...]
    text: str


@dataclass(frozen=True)
class ParsedBasis:
    citations: tuple[Citation, ...]
    #: What is not part of any citation, pieces joined by "；" ("" when nothing is left).
    remainder: str


def chinese_numeral(n: int) -> str:
    """1..9999 in Chinese numerals as laws number articles: 十二, 六十四, 一百零五."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    parts, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and parts:
                parts.append("零")
            parts.append(digits[digit] + unit)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


def article_label(number: int, suffix: int = 0, paragraph: int | None = None, item: int | None = None) -> str:
    """第六十四条之一第一款第二项 (the parts given)."""
    label = f"第{chinese_numeral(number)}条"
    if suffix:
        label += f"之{chinese_numeral(suffix)}"
    if paragraph:
        label += f"第{chinese_numeral(paragraph)}款"
    if item:
        label += f"第{chinese_numeral(item)}项"
    return label


def normalize(text: str) -> str:
    """Full-width digits, letters and punctuation as half-width (NFKC), keeping 、 and 《》."""
    return unicodedata.normalize("NFKC", text or "")


def parse_basis(text: str) -> ParsedBasis:
    """Every citation in a 依据条款 field, and the remainder; never raises."""
    source = normalize(text)
    citations: list[Citation] = []
    leftovers: list[str] = []
    position = 0
    while position < len(source):
        found = _next_title(source, position)
        if found is None:
            break
        start, title_end, title = found
        articles, end = _articles(source, title_end)
        if not title:
            leftovers.append(source[position:end])
            position = end
            continue
        leftovers.append(source[position:start])
        citations.append(Citation(title, tuple(articles), source[start:end].strip()))
        position = end
    leftovers.append(source[position:])
    leftovers = [_TRAILING_WORDS.sub("", piece) for piece in leftovers]
    remainder = "；".join(piece.strip(" ,;；，、") for piece in leftovers if not _FILLER.match(piece))
    return ParsedBasis(tuple(citations), remainder)


def _next_title(source: str, position: int) -> tuple[int, int, str] | None:
    """(start, end, title) of the first title at or after `position`, bracketed or bare."""
    bracketed = _BRACKETED.search(source, position)
    bare = _BARE.search(source, position)
    if bare is not None and (bracketed is None or bare.start() < bracketed.start()):
        title = bare.group("title")
        stripped = _LEADING.sub("", title)
        if len(stripped) < 2 or stripped in _TITLE_ENDINGS.split("|"):
            return bare.start(), bare.end(), ""
        return bare.start() + len(title) - len(stripped), bare.end(), stripped
    if bracketed is not None:
        return bracketed.start(), bracketed.end(), bracketed.group("title").strip()
    return None


def _articles(source: str, position: int) -> tuple[list[ArticleRef], int]:
    """The articles written from `position` on, and where they end."""
    articles: list[ArticleRef] = []
    first = _one(source, position, None)
    if first is None:
        return articles, position
    refs, position = first
    articles.extend(refs)
    while True:
        join = _JOIN.match(source, position)
        span = _RANGE.match(source, position)
        if span is not None:
            following = _one(source, span.end(), articles[-1], bare_number=True)
            if following is None:
                break
            refs, position = following
            articles.extend(_expand(articles.pop(), refs[0]))
            articles.extend(refs[1:])
            continue
        if join is not None:
            following = _one(source, join.end(), articles[-1], bare_number=True)
            if following is None:
                break
            refs, position = following
            articles.extend(refs)
            continue
        break
    return _unique(articles), position


def _one(source: str, position: int, previous: ArticleRef | None,
         bare_number: bool = False) -> tuple[list[ArticleRef], int] | None:
    """One element of an article list at `position`: an article, several numbers under one 条,
    or (after an article) a 款 or 项 of the same article. None if there is none."""
    position += len(re.match(_SP, source[position:]).group())
    several = _NUMBERS.match(source, position)
    if several is not None:
        numbers = [to_number(n) for n in re.split(rf"{_SP}[、,]{_SP}", several.group("ns"))]
        if all(numbers):
            return [ArticleRef(n) for n in numbers], several.end()
    article = _ARTICLE.match(source, position)
    if article is not None and (article.group("di") or bare_number):
        number = to_number(article.group("n"))
        if number:
            return [ArticleRef(number, to_number(article.group("s") or "0"), _maybe(article.group("p")),
                               _maybe(article.group("i")))], article.end()
    if previous is not None:
        paragraph = _PARAGRAPH.match(source, position)
        if paragraph is not None:
            return [ArticleRef(previous.number, previous.suffix, to_number(paragraph.group("p")),
                               _maybe(paragraph.group("i")))], paragraph.end()
        item = _ITEM.match(source, position)
        if item is not None:
            return [ArticleRef(previous.number, previous.suffix, previous.paragraph,
                               to_number(item.group("i")))], item.end()
    return None


def _maybe(text: str | None) -> int | None:
    return to_number(text) if text else None


def _expand(first: ArticleRef, last: ArticleRef) -> list[ArticleRef]:
    """第三十条至第三十二条: 30, 31, 32 (the ends as written, the articles between whole)."""
    if last.number <= first.number or last.number - first.number > MAX_RANGE:
        return [first, last]
    return [first, *(ArticleRef(n) for n in range(first.number + 1, last.number)), last]


def _unique(articles: list[ArticleRef]) -> list[ArticleRef]:
    seen, result = set(), []
    for article in articles:
        if article not in seen:
            seen.add(article)
            result.append(article)
    return result
