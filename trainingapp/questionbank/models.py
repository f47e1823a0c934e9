"""Questions and the imports they came from."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..platform.clock import now
from ..platform.extensions import db
from .parsing import DIFFICULTIES, OPTION_TEXT_TYPES, QTYPES, QuestionData, dedup_key


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class QuestionImport(db.Model):
    """One confirmed import of a file, so questions can be traced back and filtered by it."""

    __tablename__ = "question_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(10))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    imported: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)

    created_by = relationship("User")


class Question(db.Model):
    __tablename__ = "question"
    __table_args__ = (
        CheckConstraint(_in("qtype", QTYPES), name="qtype_known"),
        CheckConstraint(_in("difficulty", DIFFICULTIES), name="difficulty_known"),
        CheckConstraint("points > 0", name="points_positive"),
        # Paper rules draw by category x type x difficulty among active questions.
        Index("ix_question_draw", "category", "qtype", "difficulty", "is_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    qtype: Mapped[str] = mapped_column(String(10))
    stem: Mapped[str] = mapped_column(Text)
    #: Option texts in order A, B, C...; a case analysis's sub-questions; empty for true/false,
    #: fill-in and short answer.
    options: Mapped[list] = mapped_column(db.JSON, default=list)
    #: Canonical key: "B"; ["A", "B"]; true/false; [["十五日", "15日"], ["书面"]] per blank;
    #: for 简答 and 案例分析 the parts with reference answers and scoring points (subjective.py).
    answer: Mapped[object] = mapped_column(db.JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[float] = mapped_column(db.Numeric(6, 2, asdecimal=False))
    difficulty: Mapped[str] = mapped_column(String(10), default="medium")
    #: 法律法规分类, e.g. 行政处罚法
    category: Mapped[str] = mapped_column(String(50), default="", index=True)
    knowledge_point: Mapped[str] = mapped_column(String(100), default="")
    #: 依据条款, e.g. 《行政处罚法》第三十六条
    basis: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    #: The same for the same question written with other spacing or widths (see parsing.dedup_key).
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("question_import.id", ondelete="SET NULL"),
                                                  index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    updated_at: Mapped[object] = mapped_column(db.DateTime, default=now, onupdate=now)

    created_by = relationship("User")
    source = relationship(QuestionImport)

    def to_data(self) -> QuestionData:
        return QuestionData(qtype=self.qtype, stem=self.stem, options=list(self.options or []),
                            answer=self.answer, explanation=self.explanation, points=float(self.points),
                            difficulty=self.difficulty, category=self.category,
                            knowledge_point=self.knowledge_point, basis=self.basis, is_active=self.is_active)

    def apply(self, data: QuestionData) -> None:
        """Copy validated plain data onto this row."""
        self.qtype, self.stem = data.qtype, data.stem
        self.options = list(data.options) if data.qtype in OPTION_TEXT_TYPES else []
        self.answer, self.explanation, self.points = data.answer, data.explanation, data.points
        self.difficulty, self.category = data.difficulty, data.category
        self.knowledge_point, self.basis, self.is_active = data.knowledge_point, data.basis, data.is_active
        self.dedup_key = dedup_key(data)

    @property
    def option_keys(self) -> list[str]:
        return [chr(ord("A") + i) for i in range(len(self.options or []))]


class QuestionCitation(db.Model):
    """One article (or a whole law) a question's 依据条款 cites, as read by laws.citations and
    resolved against the library when the question was saved or imported (or confirmed after
    an amendment). An unresolved one keeps only what was written."""

    __tablename__ = "question_citation"
    __table_args__ = (
        CheckConstraint("NOT resolved OR law_id IS NOT NULL", name="resolved_has_law"),
        Index("ix_question_citation_law", "law_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: The citation as written: 《行政处罚法》第六十三条、第六十四条
    text: Mapped[str] = mapped_column(String(200))
    #: The title as written, without book-title marks.
    title: Mapped[str] = mapped_column(String(100), default="")
    law_id: Mapped[int | None] = mapped_column(ForeignKey("law.id", ondelete="CASCADE"))
    #: The version current when the question cited it (None: unresolved, or the law has no text yet).
    version_id: Mapped[int | None] = mapped_column(ForeignKey("law_version.id", ondelete="SET NULL"))
    #: 第{article_number}条之{article_suffix}; None: the law as a whole.
    article_number: Mapped[int | None]
    article_suffix: Mapped[int] = mapped_column(default=0)
    paragraph: Mapped[int | None]  # 款
    item: Mapped[int | None]  # 项
    #: The law is known and, if an article is named, the cited version has it.
    resolved: Mapped[bool] = mapped_column(default=False)

    question = relationship(Question, backref=db.backref("citations", order_by="QuestionCitation.position",
                                                         cascade="all, delete-orphan", passive_deletes=True))


class QuestionReview(db.Model):
    """待复核: the question cites a law that got a new current version (or was repealed); until a
    trainer confirms it (confirmed_at), it is not drawn into new papers."""

    __tablename__ = "question_review"
    __table_args__ = (Index("ix_question_review_pending", "confirmed_at", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("law.id", ondelete="CASCADE"))
    #: The version the question cited, and the new current one (None: the law was repealed).
    old_version_id: Mapped[int | None] = mapped_column(ForeignKey("law_version.id", ondelete="SET NULL"))
    new_version_id: Mapped[int | None] = mapped_column(ForeignKey("law_version.id", ondelete="SET NULL"))
    flagged_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    confirmed_at: Mapped[object | None] = mapped_column(db.DateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    question = relationship(Question)
    confirmed_by = relationship("User")

    @property
    def is_pending(self) -> bool:
        return self.confirmed_at is None
