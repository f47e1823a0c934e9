"""Which law, version and article a written citation names (laws.citations reads the text)."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from ..platform.extensions import db
from .citations import normalize
from .models import Article, Law, LawVersion

#: The prefix a full title may be cited with or without.
PRC = "中华人民共和国"


def title_key(title: str) -> str:
    """A title as compared: half-width, no spaces, no book-title marks."""
    return re.sub(r"[\s《》〈〉<>]", "", normalize(title))


def law_index() -> dict[str, int]:
    """Every name a law is cited by (full title, with and without 中华人民共和国, short title) -> law id."""
    names: dict[str, int] = {}
    for law_id, title, short in db.session.execute(select(Law.id, Law.title, Law.short_title)):
        full = title_key(title)
        names[full] = law_id
        if full.startswith(PRC) and len(full) > len(PRC):
            names.setdefault(full[len(PRC):], law_id)
        if short:
            names[title_key(short)] = law_id
    return names


def resolve_title(title: str, index: dict[str, int]) -> int | None:
    """The law a cited title names: exactly, with 中华人民共和国 added or left out, or (for words
    written before a bare title) its longest ending of at least three characters that names one."""
    key = title_key(title)
    for candidate in (key, PRC + key, key.removeprefix(PRC)):
        if candidate in index:
            return index[candidate]
    for start in range(1, len(key) - 2):
        if key[start:] in index:
            return index[key[start:]]
    return None


def version_at(law_id: int, day: date) -> LawVersion | None:
    """The version in force on `day` (the latest effective by then), else the earliest one."""
    versions = db.session.scalars(select(LawVersion).where(LawVersion.law_id == law_id)
                                  .order_by(LawVersion.effective_on)).all()
    current = [v for v in versions if v.effective_on <= day]
    return current[-1] if current else (versions[0] if versions else None)


def find_article(version_id: int | None, number: int, suffix: int = 0) -> Article | None:
    """第{number}条之{suffix} of one version, if it has it."""
    if version_id is None:
        return None
    return db.session.scalar(select(Article).where(Article.version_id == version_id, Article.number == number,
                                                   Article.suffix == suffix))
