"""A law, its versions (each amendment imported beside the older text) and their articles."""
from __future__ import annotations

from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..platform.clock import now
from ..platform.extensions import db


class Law(db.Model):
    """A law or regulation as a work (《中华人民共和国行政处罚法》), whatever its version.

    Its status (现行有效 / 已修改 / 已废止 / 尚未施行) is not stored: a version is 尚未施行 before
    its effective date, 已修改 once a later version is in effect, 现行有效 otherwise, and every
    version is 已废止 once the law is repealed (`repealed_on`)."""

    __tablename__ = "law"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The full title without book-title marks: 中华人民共和国行政处罚法
    title: Mapped[str] = mapped_column(String(200), unique=True)
    #: How people cite it: 行政处罚法 (unique where given, so a short citation names one law).
    short_title: Mapped[str | None] = mapped_column(String(100), unique=True)
    #: 已废止 from this day (None: not repealed).
    repealed_on: Mapped[object | None] = mapped_column(db.Date)
    #: When the repeal took effect here (questions citing the law marked for review): at once for
    #: a day already come, else by the daily `laws activate` on that day.
    repeal_applied_at: Mapped[object | None] = mapped_column(db.DateTime)
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    versions: Mapped[list[LawVersion]] = relationship(back_populates="law", order_by="LawVersion.effective_on",
                                                      cascade="all, delete-orphan")


class LawVersion(db.Model):
    """One text of a law: as issued or as amended on `issued_on`, in force from `effective_on`."""

    __tablename__ = "law_version"
    __table_args__ = (UniqueConstraint("law_id", "effective_on", name="uq_law_version_effective"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("law.id", ondelete="CASCADE"), index=True)
    #: The issuing body: 全国人民代表大会常务委员会
    issuer: Mapped[str] = mapped_column(String(200), default="")
    #: The version's date (公布 or 修订/修正 date).
    issued_on: Mapped[object] = mapped_column(db.Date)
    effective_on: Mapped[object] = mapped_column(db.Date)
    #: Set when this version became the current one (at its import, or by `laws activate` on its
    #: effective date); law_changed was sent then if an older version had been current before it.
    #: None: not current yet, or an older text imported after a newer one was in force.
    made_current_at: Mapped[object | None] = mapped_column(db.DateTime)
    source_filename: Mapped[str] = mapped_column(String(255), default="")
    #: The 序言 before the first chapter (the Constitution's), paragraphs one per line.
    preamble: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: A note shown with the text (e.g. "节选，仅供演示").
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    law: Mapped[Law] = relationship(back_populates="versions")
    articles: Mapped[list[Article]] = relationship(back_populates="version", order_by="Article.position",
                                                   cascade="all, delete-orphan")


class Article(db.Model):
    """第十二条之一 of one version: its place among the headings and its whole text (款 and 项
    kept, one paragraph per line)."""

    __tablename__ = "law_article"
    __table_args__ = (
        UniqueConstraint("version_id", "number", "suffix", name="uq_law_article_number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("suffix >= 0", name="suffix_not_negative"),
        Index("ix_law_article_version_position", "version_id", "position"),
        # The library's search is a LIKE for each word: on PostgreSQL a trigram index serves it
        # (the migration creates pg_trgm, or leaves the index out where it cannot: see deploy.md).
        Index("ix_law_article_text_trgm", "text", postgresql_using="gin", postgresql_ops={"text": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("law_version.id", ondelete="CASCADE"))
    #: 第十二条之一: number 12, suffix 1 (0: no 之X).
    number: Mapped[int]
    suffix: Mapped[int] = mapped_column(default=0)
    #: Order in the text.
    position: Mapped[int]
    #: The headings it stands under, e.g. "第一编 总则 / 第二章 行政处罚的种类和设定" ("" for none).
    heading: Mapped[str] = mapped_column(String(500), default="")
    #: The article's text without "第X条", paragraphs (款) and items (项) one per line.
    text: Mapped[str] = mapped_column(Text)

    version: Mapped[LawVersion] = relationship(back_populates="articles")


# A schema built from the models (the tests) needs the extension before the trigram index.
event.listen(Article.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
