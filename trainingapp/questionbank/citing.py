"""What questions cite: their 依据条款 read into citations of laws and articles, rebuilt whenever
the field is saved or imported, and the cited articles' texts for the pages that show them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, insert, select

from ..laws.citations import article_label, parse_basis
from ..laws.models import Article, Law, LawVersion
from ..laws.resolver import law_index, resolve_title
from ..platform.clock import now
from ..platform.extensions import db
from .models import Question, QuestionCitation

_CHUNK = 500


@dataclass(frozen=True)
class Resolved:
    """One cited article (or law) of a basis field, resolved or not: what a row of
    QuestionCitation holds, before it is stored."""

    text: str
    title: str
    law_id: int | None
    version_id: int | None
    article_number: int | None
    article_suffix: int
    paragraph: int | None
    item: int | None
    resolved: bool
    #: 《行政处罚法》第六十四条: how the page names it.
    label: str


class Resolver:
    """Resolves basis fields against the library as it is now; reads each law's versions and
    article numbers once, however many questions are resolved (an import of 20,000)."""

    def __init__(self, day: date | None = None):
        self.day = day or now().date()
        self.index = law_index()
        self._laws: dict[int, tuple[str, int | None, set]] = {}

    def _law(self, law_id: int) -> tuple[str, int | None, set]:
        """(short name, the version in force on the day, its (number, suffix) articles)."""
        if law_id not in self._laws:
            law = db.session.get(Law, law_id)
            versions = db.session.scalars(select(LawVersion).where(LawVersion.law_id == law_id)
                                          .order_by(LawVersion.effective_on)).all()
            current = [v for v in versions if v.effective_on <= self.day] or versions[:1]
            version_id = current[-1].id if current else None
            numbers = set(db.session.execute(select(Article.number, Article.suffix)
                                             .where(Article.version_id == version_id)).all()) if version_id else set()
            self._laws[law_id] = (law.short_title or law.title, version_id, numbers)
        return self._laws[law_id]

    def resolve(self, basis: str) -> list[Resolved]:
        """Every article the field cites, in the order written (a law cited as a whole: one entry)."""
        found: list[Resolved] = []
        for citation in parse_basis(basis).citations:
            law_id = resolve_title(citation.title, self.index)
            name, version_id, numbers = self._law(law_id) if law_id else (citation.title, None, set())
            if not citation.articles:
                found.append(Resolved(citation.text[:200], citation.title[:100], law_id, version_id, None, 0, None,
                                      None, law_id is not None, f"《{name}》"))
            for article in citation.articles:
                ok = law_id is not None and (article.number, article.suffix) in numbers
                found.append(Resolved(citation.text[:200], citation.title[:100], law_id, version_id, article.number,
                                      article.suffix, article.paragraph, article.item, ok,
                                      f"《{name}》{article.label}"))
        return found


def rebuild(question_ids: list[int], resolver: Resolver | None = None) -> None:
    """Replace the citations of these questions by what their basis fields cite now (no commit)."""
    resolver = resolver or Resolver()
    for start in range(0, len(question_ids), _CHUNK):
        chunk = question_ids[start:start + _CHUNK]
        db.session.execute(delete(QuestionCitation).where(QuestionCitation.question_id.in_(chunk)))
        rows = []
        for question_id, basis in db.session.execute(select(Question.id, Question.basis)
                                                     .where(Question.id.in_(chunk))):
            for position, cited in enumerate(resolver.resolve(basis or "")):
                rows.append(dict(question_id=question_id, position=position, text=cited.text, title=cited.title,
                                 law_id=cited.law_id, version_id=cited.version_id,
                                 article_number=cited.article_number, article_suffix=cited.article_suffix,
                                 paragraph=cited.paragraph, item=cited.item, resolved=cited.resolved))
        if rows:
            db.session.execute(insert(QuestionCitation), rows)
    db.session.expire_all()


@dataclass(frozen=True)
class CitedArticle:
    """A cited article as a page shows it: the text of the version the question cites."""

    label: str
    text: str
    heading: str
    article_id: int | None
    law_id: int | None
    #: A newer version of the law is in force than the one cited.
    newer: bool
    repealed: bool
    resolved: bool


def cited_articles(question_ids) -> dict[int, list[CitedArticle]]:
    """Per question id, its citations with the cited version's article text ([] for none)."""
    ids = sorted(set(question_ids))
    result: dict[int, list[CitedArticle]] = {qid: [] for qid in ids}
    if not ids:
        return result
    today = now().date()
    rows = db.session.execute(
        select(QuestionCitation, Law, Article)
        .outerjoin(Law, Law.id == QuestionCitation.law_id)
        .outerjoin(Article, (Article.version_id == QuestionCitation.version_id)
                   & (Article.number == QuestionCitation.article_number)
                   & (Article.suffix == QuestionCitation.article_suffix))
        .where(QuestionCitation.question_id.in_(ids))
        .order_by(QuestionCitation.question_id, QuestionCitation.position, QuestionCitation.id)).all()
    current = _current_versions({law.id for _c, law, _a in rows if law is not None}, today)
    for citation, law, article in rows:
        name = (law.short_title or law.title) if law is not None else citation.title
        label = (f"《{name}》" + (article_label(citation.article_number, citation.article_suffix, citation.paragraph,
                                              citation.item) if citation.article_number else ""))
        result[citation.question_id].append(CitedArticle(
            label=label if citation.resolved else citation.text, text=article.text if article is not None else "",
            heading=article.heading if article is not None else "",
            article_id=article.id if article is not None else None, law_id=citation.law_id,
            newer=(law is not None and citation.version_id is not None
                   and current.get(law.id) not in (None, citation.version_id)),
            repealed=law is not None and law.repealed_on is not None and law.repealed_on <= today,
            resolved=citation.resolved))
    return result


def _current_versions(law_ids: set[int], day: date) -> dict[int, int]:
    """law id -> the id of its version in force on `day`."""
    found: dict[int, int] = {}
    if law_ids:
        for law_id, version_id, effective_on in db.session.execute(
                select(LawVersion.law_id, LawVersion.id, LawVersion.effective_on)
                .where(LawVersion.law_id.in_(law_ids)).order_by(LawVersion.effective_on)):
            if effective_on <= day or law_id not in found:
                found[law_id] = version_id
    return found


def unresolved(limit: int = 500) -> list[tuple[QuestionCitation, Question]]:
    """Citations of active questions that name no known law or article, by question."""
    return db.session.execute(
        select(QuestionCitation, Question).join(Question, Question.id == QuestionCitation.question_id)
        .where(QuestionCitation.resolved.is_(False), Question.is_active.is_(True))
        .order_by(QuestionCitation.question_id, QuestionCitation.position).limit(limit)).all()


def citing_questions(law_id: int, *, active_only: bool = True):
    """A select of the ids of questions citing the law (an article of it that the cited version
    lacks included: the question still cites the law)."""
    query = select(QuestionCitation.question_id).distinct().where(QuestionCitation.law_id == law_id)
    if active_only:
        query = query.join(Question, Question.id == QuestionCitation.question_id).where(Question.is_active.is_(True))
    return query


def law_choices() -> list[tuple[int, str]]:
    """(law id, name) of every law in the library, by title: what a rule may draw by."""
    return [(law_id, short or title) for law_id, title, short in
            db.session.execute(select(Law.id, Law.title, Law.short_title).order_by(Law.title))]


@dataclass(frozen=True)
class ArticleTally:
    """An article cited by some of the given questions, and their weight (e.g. mistakes made)."""

    label: str
    article_id: int | None
    law_id: int
    questions: int
    weight: int


def most_cited(weights: dict[int, int], limit: int = 10) -> list[ArticleTally]:
    """The articles the given questions cite (resolved citations naming an article), heaviest
    first: `weights` is question id -> weight; a question citing an article twice counts once."""
    if not weights:
        return []
    tallies: dict[tuple, list] = {}
    ids = sorted(weights)
    for start in range(0, len(ids), _CHUNK):
        rows = db.session.execute(
            select(QuestionCitation.question_id, QuestionCitation.law_id, QuestionCitation.article_number,
                   QuestionCitation.article_suffix, Law.title, Law.short_title,
                   Article.id)
            .join(Law, Law.id == QuestionCitation.law_id)
            .outerjoin(Article, (Article.version_id == QuestionCitation.version_id)
                       & (Article.number == QuestionCitation.article_number)
                       & (Article.suffix == QuestionCitation.article_suffix))
            .where(QuestionCitation.question_id.in_(ids[start:start + _CHUNK]), QuestionCitation.resolved.is_(True),
                   QuestionCitation.article_number.is_not(None)))
        for question_id, law_id, number, suffix, title, short, article_id in rows:
            key = (law_id, number, suffix)
            entry = tallies.setdefault(key, [f"《{short or title}》{article_label(number, suffix)}", article_id, law_id,
                                             set()])
            entry[3].add(question_id)
    found = [ArticleTally(label, article_id, law_id, len(questions), sum(weights[q] for q in questions))
             for label, article_id, law_id, questions in tallies.values()]
    return sorted(found, key=lambda tally: (-tally.weight, -tally.questions, tally.label))[:limit]


def stale_question_ids() -> list[int]:
    """Questions whose citations may resolve better now: a basis with no citations read yet
    (questions older than citations) or with a citation not found."""
    unresolved_ids = select(QuestionCitation.question_id).where(QuestionCitation.resolved.is_(False))
    any_ids = select(QuestionCitation.question_id)
    return list(db.session.scalars(select(Question.id).where(
        Question.basis != "", (Question.id.in_(unresolved_ids)) | (Question.id.not_in(any_ids)))
        .order_by(Question.id)))
