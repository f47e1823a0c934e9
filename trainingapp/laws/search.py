"""Searching the articles by Chinese words, the same on PostgreSQL and SQLite.

Chinese has no spaces between words, so a full-text search by words needs a segmenter; what a
cadre types (罚款 听证, 行政机关) is matched instead as substrings: every word of the query must
occur in the article's text, its headings or its law's title. On PostgreSQL the LIKE is served
by a trigram (pg_trgm) GIN index on the text where the migration could create it, and is a plain
scan elsewhere: the results are the same, only the speed differs. Ranking (in Python, so both
databases agree): articles whose law title or headings hold a word first, then by the number of
times the words occur in the text, then in the order of the law.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from ..platform.extensions import db
from .models import Article, Law, LawVersion

MAX_WORDS = 5
MAX_WORD_LENGTH = 40
#: Rows read to rank; a query matching more shows the best of these and says there are more.
MAX_CANDIDATES = 2000
_SEPARATORS = re.compile(r"[\s,，、;；。.!！?？:：\"“”'‘’()（）《》<>\[\]【】]+")


def words_of(query: str) -> list[str]:
    """The words of a query, in order, without repeats (at most MAX_WORDS)."""
    words: list[str] = []
    for word in _SEPARATORS.split(query or ""):
        word = word[:MAX_WORD_LENGTH]
        if word and word.lower() not in (w.lower() for w in words):
            words.append(word)
    return words[:MAX_WORDS]


@dataclass(frozen=True)
class Hit:
    article: Article
    #: A word occurs in the law's title or the article's headings.
    in_title: bool
    #: How often the words occur in the text.
    count: int


@dataclass(frozen=True)
class SearchResult:
    words: list[str]
    hits: list[Hit]
    #: More articles matched than were ranked (narrow the query).
    truncated: bool


def search_articles(query: str, version_ids: list[int] | None, *, limit: int = 50) -> SearchResult:
    """Articles holding every word of `query` (in the text, the headings or the law's title), best
    first; only in `version_ids` unless None (every version)."""
    words = words_of(query)
    if not words:
        return SearchResult(words, [], False)
    conditions = [or_(Article.text.icontains(w, autoescape=True), Article.heading.icontains(w, autoescape=True),
                      Law.title.icontains(w, autoescape=True), Law.short_title.icontains(w, autoescape=True))
                  for w in words]
    statement = (select(Article).join(Article.version).join(LawVersion.law)
                 .options(contains_eager(Article.version).contains_eager(LawVersion.law))
                 .where(and_(*conditions)).order_by(Law.id, LawVersion.effective_on, Article.position)
                 .limit(MAX_CANDIDATES + 1))
    if version_ids is not None:
        statement = statement.where(Article.version_id.in_(version_ids or [-1]))
    articles = db.session.scalars(statement).unique().all()
    truncated = len(articles) > MAX_CANDIDATES
    hits = [_hit(article, words) for article in articles[:MAX_CANDIDATES]]
    order = {id(hit): i for i, hit in enumerate(hits)}
    hits.sort(key=lambda hit: (not hit.in_title, -hit.count, order[id(hit)]))
    return SearchResult(words, hits[:limit], truncated or len(hits) > limit)


def _hit(article: Article, words: list[str]) -> Hit:
    law = article.version.law
    titles = " ".join((law.title, law.short_title or "", article.heading)).lower()
    text = article.text.lower()
    return Hit(article, any(w.lower() in titles for w in words), sum(text.count(w.lower()) for w in words))


def highlight(text: str, words: list[str], *, around: int | None = None) -> Markup:
    """The text, escaped, with every occurrence of the words in <mark>; with `around`, only that
    many characters either side of the first occurrence (… marks the cut)."""
    if not words:
        return escape(text[: (around or len(text)) * 2] if around else text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    if around is not None:
        first = pattern.search(text)
        start = max(0, (first.start() if first else 0) - around)
        end = min(len(text), (first.end() if first else 0) + around)
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    parts, at = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[at:match.start()]))
        parts.append(Markup("<mark>%s</mark>") % match.group(0))
        at = match.end()
    parts.append(escape(text[at:]))
    return Markup("").join(parts)
