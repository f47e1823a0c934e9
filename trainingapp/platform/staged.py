"""Files kept between two requests: uploads awaiting confirmation and one-time downloads.

They live in the database, not on local disk, so the two steps of an import may land on
different application servers.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import ForeignKey, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from .clock import now
from .database import commit_keeping_loaded
from .extensions import db

KEEP_FOR = timedelta(hours=6)


class StagedFile(db.Model):
    __tablename__ = "staged_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: "roster", "questions", "attendance": an upload awaiting confirm; "download": one-time file.
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    #: Extra choices made with the upload (e.g. the target session), as JSON.
    options: Mapped[dict] = mapped_column(db.JSON, default=dict)
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)


def stage(user_id: int, kind: str, filename: str, content: bytes, options: dict | None = None) -> str:
    """Keep a file for this person; returns the token that names it. Caller commits."""
    _purge_expired()
    token = secrets.token_urlsafe(24)
    db.session.add(StagedFile(token=token, user_id=user_id, kind=kind, filename=filename,
                              content=content, options=options or {}))
    return token


def fetch(token: str, user_id: int, kind: str) -> StagedFile | None:
    """The staged file, only for the person who staged it and while it is fresh."""
    staged = db.session.scalar(select(StagedFile).where(StagedFile.token == token))
    if staged is None or staged.user_id != user_id or staged.kind != kind:
        return None
    if staged.created_at < now() - KEEP_FOR:
        return None
    return staged


def discard(staged: StagedFile) -> None:
    db.session.delete(staged)


def _purge_expired() -> None:
    db.session.execute(delete(StagedFile).where(StagedFile.created_at < now() - KEEP_FOR))


def end_read() -> None:
    """End the request's transaction, keeping what it loaded, before a file is parsed.

    A parse takes seconds; on SQLite every transaction holds the database's write lock, and
    on PostgreSQL an idle transaction holds its snapshot (and is ended by the server after
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS). Only reads may be pending here: a caller that wrote
    must commit first, so nothing is committed half-way by accident.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a file must not be parsed in a transaction with unsaved changes")
    if session.in_transaction():
        commit_keeping_loaded(db.session)
