"""待复核: questions citing a law that was amended or repealed wait for a trainer's look.

When laws makes a new version current (or repeals a law) it sends `law_changed`; the receiver
here marks every active question citing that law 待复核 (one QuestionReview per question and law,
kept open until confirmed). A question under review is never drawn into a new paper (exams reads
`pending_question_ids` when it publishes and when it draws a paper), nor put on a fixed paper.
Confirming (确认无误) keeps the question and makes it cite the version in force now; papers drawn
before are never touched.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from ..accounts import audit
from ..laws.citations import article_label
from ..laws.models import Article, Law, LawVersion
from ..laws.textdiff import side_by_side
from ..platform.clock import now
from ..platform.errors import DomainError
from ..platform.extensions import db
from ..platform.signals import law_changed
from . import citing
from .models import Question, QuestionCitation, QuestionReview


@law_changed.connect
def _flag_on_law_change(sender, *, law_id: int, old_version_id: int | None = None,
                        new_version_id: int | None = None, **extra) -> int:
    """Answer to laws: mark the questions citing the law 待复核; the sender commits."""
    return flag_citing_questions(law_id, old_version_id, new_version_id)


def flag_citing_questions(law_id: int, old_version_id: int | None, new_version_id: int | None) -> int:
    """Mark 待复核 every active question citing the law (one open review per question and law:
    a second amendment before the confirmation moves its new version on); how many were marked.
    Flushes, does not commit (it is part of the law's change)."""
    _cite_newly_known(law_id, old_version_id)
    question_ids = list(db.session.scalars(citing.citing_questions(law_id)))
    if not question_ids:
        return 0
    cited = dict(db.session.execute(
        select(QuestionCitation.question_id, QuestionCitation.version_id)
        .where(QuestionCitation.law_id == law_id, QuestionCitation.question_id.in_(question_ids),
               QuestionCitation.version_id.is_not(None))).all())
    open_reviews = {review.question_id: review for review in db.session.scalars(
        select(QuestionReview).where(QuestionReview.law_id == law_id, QuestionReview.confirmed_at.is_(None),
                                     QuestionReview.question_id.in_(question_ids)))}
    moment = now()
    for question_id in question_ids:
        review = open_reviews.get(question_id)
        if review is not None:
            review.new_version_id = new_version_id
            continue
        db.session.add(QuestionReview(question_id=question_id, law_id=law_id,
                                      old_version_id=cited.get(question_id, old_version_id),
                                      new_version_id=new_version_id, flagged_at=moment))
    db.session.flush()
    return len(question_ids)


def _cite_newly_known(law_id: int, old_version_id: int | None) -> None:
    """Questions whose basis names this law but was read before the library had it (or before
    citations existed) are read now, as citing the version in force before the change."""
    stale = citing.stale_question_ids()
    if not stale:
        return
    old = db.session.get(LawVersion, old_version_id) if old_version_id else None
    resolver = citing.Resolver(old.effective_on if old is not None else None)
    ids = [question_id for question_id, basis in db.session.execute(
           select(Question.id, Question.basis).where(Question.id.in_(stale), Question.is_active.is_(True)))
           if any(cited.law_id == law_id for cited in resolver.resolve(basis))]
    if ids:
        citing.rebuild(ids, resolver)


def pending_question_ids(question_ids=None) -> set[int]:
    """Ids of the questions 待复核 (among `question_ids` when given)."""
    query = select(QuestionReview.question_id).distinct().where(QuestionReview.confirmed_at.is_(None))
    if question_ids is not None:
        wanted = list(question_ids)
        if not wanted:
            return set()
        query = query.where(QuestionReview.question_id.in_(wanted))
    return set(db.session.scalars(query))


def refuse_pending(question_ids) -> None:
    """DomainError naming the questions 待复核 among these (a fixed paper may not take them)."""
    pending = sorted(pending_question_ids(question_ids))
    if pending:
        raise DomainError(_l("Questions %(ids)s are awaiting review (待复核) after a change of the law they cite: "
                             "confirm them in the question bank first.", ids=", ".join(f"#{i}" for i in pending)))


@dataclass(frozen=True)
class ArticleChange:
    """One cited article in the version the question cited and in the new one, diffed."""

    label: str
    old: Markup
    new: Markup
    #: The article is missing in the new version (deleted or renumbered), or the law was repealed.
    missing_new: bool
    changed: bool


@dataclass(frozen=True)
class ReviewEntry:
    question: Question
    review: QuestionReview
    changes: list[ArticleChange]


@dataclass
class LawReviews:
    law: Law
    old_version: LawVersion | None
    new_version: LawVersion | None
    entries: list[ReviewEntry]
    #: Questions of this law under review, shown or not (a page shows at most PER_LAW of them).
    total: int = 0

    @property
    def repealed(self) -> bool:
        return self.new_version is None


#: Questions shown per law on the review page: each is diffed, and confirming them shows the next.
PER_LAW = 50


def pending_reviews(question_id: int | None = None) -> list[LawReviews]:
    """The open reviews by law (title order), each question (at most PER_LAW per law) with its
    cited articles diffed."""
    query = (select(QuestionReview, Question, Law).join(Question, Question.id == QuestionReview.question_id)
             .join(Law, Law.id == QuestionReview.law_id).where(QuestionReview.confirmed_at.is_(None))
             .order_by(Law.title, QuestionReview.question_id))
    if question_id is not None:
        query = query.where(QuestionReview.question_id == question_id)
    grouped: dict[int, LawReviews] = {}
    for review, question, law in db.session.execute(query):
        if law.id not in grouped:
            grouped[law.id] = LawReviews(law, db.session.get(LawVersion, review.old_version_id)
                                         if review.old_version_id else None,
                                         db.session.get(LawVersion, review.new_version_id)
                                         if review.new_version_id else None, [])
        group = grouped[law.id]
        group.total += 1
        if len(group.entries) < PER_LAW:
            group.entries.append(ReviewEntry(question, review, _changes(question.id, review)))
    return list(grouped.values())


def _article(version_id: int | None, number: int, suffix: int) -> Article | None:
    if version_id is None:
        return None
    return db.session.scalar(select(Article).where(Article.version_id == version_id, Article.number == number,
                                                   Article.suffix == suffix))


def _changes(question_id: int, review: QuestionReview) -> list[ArticleChange]:
    changes, seen = [], set()
    for citation in db.session.scalars(select(QuestionCitation).where(
            QuestionCitation.question_id == question_id, QuestionCitation.law_id == review.law_id,
            QuestionCitation.article_number.is_not(None)).order_by(QuestionCitation.position)):
        key = (citation.article_number, citation.article_suffix)
        if key in seen:
            continue
        seen.add(key)
        old = _article(review.old_version_id, *key)
        new = _article(review.new_version_id, *key)
        old_text, new_text = (old.text if old else ""), (new.text if new else "")
        left, right = side_by_side(old_text, new_text)
        changes.append(ArticleChange(article_label(*key), left, right, new is None, old_text != new_text))
    return changes


def confirm(actor, question: Question) -> int:
    """确认无误: close the question's open reviews, make it cite the versions in force now, audit;
    how many reviews were closed."""
    reviews = db.session.scalars(select(QuestionReview).where(QuestionReview.question_id == question.id,
                                                              QuestionReview.confirmed_at.is_(None))).all()
    if not reviews:
        raise DomainError(_l("Question #%(id)s is not awaiting review.", id=question.id))
    moment = now()
    for review in reviews:
        review.confirmed_at, review.confirmed_by_id = moment, actor.id
    law_ids = sorted({review.law_id for review in reviews})
    citing.rebuild([question.id])
    audit.record("question.review_confirm", actor=actor, subject=f"#{question.id} {question.stem}"[:200],
                 question_id=question.id, law_ids=law_ids)
    db.session.commit()
    return len(reviews)
