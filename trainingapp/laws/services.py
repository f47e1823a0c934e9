"""Importing a law's text as a new version, making versions current, repealing, and reading the library."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import PurePath

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..accounts import audit
from ..platform.clock import now, to_local
from ..platform.errors import DomainError
from ..platform.extensions import db
from ..platform.signals import answers, law_changed
from ..platform.tabular import TableError, _parse_bounds, decode_text
from ..platform.wordfile import Para, Table, docx_blocks
from . import status as st
from .models import Article, Law, LawVersion
from .text_parser import ParsedLaw, parse_lines, parse_text

#: A law's text: the Civil Code is 0.3 MB as text and about 1 MB as .docx.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
#: The name pasted text is staged and recorded under.
PASTED_NAME = "pasted-law.txt"
EXCERPT_NOTE = "节选"


def today() -> date:
    """The day in the platform's time zone (effective dates are local days)."""
    return to_local(now()).date()


# --------------------------------------------------------------------------- reading a file

def read_law(data: bytes, filename: str) -> tuple[ParsedLaw, str]:
    """A .docx, a .txt (UTF-8 or GB18030) or pasted text, parsed; with the unit its problems are
    numbered in ("line", or "paragraph" for a .docx). TableError for a file that cannot be read."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise TableError(_l("The file is larger than %(n)s MB; a law's text is far smaller.",
                            n=MAX_UPLOAD_BYTES // 1024 // 1024))
    extension = PurePath(filename).suffix.lower()
    if extension == ".docx":
        return parse_lines(_docx_lines(data), "paragraph"), "paragraph"
    if extension == ".txt":
        return parse_text(decode_text(data)), "line"
    raise TableError(_l("Upload the law as a Word document (.docx) or a text file (.txt), or paste its text."))


def _docx_lines(data: bytes):
    try:
        import resource  # noqa: F401 - the sandbox needs per-process limits (not on Windows)
        bounds = _parse_bounds()
    except ImportError:
        bounds = None
    for block in docx_blocks(data, max_unzipped_bytes=MAX_UNZIPPED_BYTES, bounds=bounds):
        paras = [block] if isinstance(block, Para) else [p for row in block.rows for cell in row for p in cell]
        for para in paras:
            if isinstance(para, Table):  # pragma: no cover - wordfile flattens nested tables
                continue
            yield para.number, para.text


# --------------------------------------------------------------------------- import

@dataclass(frozen=True)
class LawMeta:
    """What the person confirms about the text (prefilled from it)."""

    title: str
    short_title: str = ""
    issuer: str = ""
    issued_on: date | None = None
    effective_on: date | None = None
    #: An excerpt (节选) may skip articles; its version carries the note 节选.
    excerpt: bool = False
    note: str = ""


def prefilled(parsed: ParsedLaw, given: LawMeta | None = None) -> LawMeta:
    """The metadata a text suggests, with whatever the person already gave taking precedence."""
    suggested = LawMeta(title=parsed.title, issuer=parsed.issuer, issued_on=parsed.version_date,
                        effective_on=parsed.effective_date)
    if given is None:
        return suggested
    return replace(given, title=given.title or suggested.title, issuer=given.issuer or suggested.issuer,
                   issued_on=given.issued_on or suggested.issued_on,
                   effective_on=given.effective_on or suggested.effective_on)


@dataclass
class ImportPlan:
    """What confirming would do: the structure, what blocks it, and where the version lands."""

    parsed: ParsedLaw
    unit: str
    meta: LawMeta
    #: Problems of the text that stop the import (errors, and gaps unless an excerpt).
    blocking: list = field(default_factory=list)
    #: Problems of the metadata (a missing date, the same effective date as an existing version).
    refusals: list[str] = field(default_factory=list)
    law: Law | None = None
    #: The status the new version will have today.
    status: str = st.NOT_YET

    @property
    def ok(self) -> bool:
        return not self.blocking and not self.refusals


def plan_import(parsed: ParsedLaw, unit: str, meta: LawMeta) -> ImportPlan:
    """Check the text and the metadata against the library; writes nothing."""
    plan = ImportPlan(parsed=parsed, unit=unit, meta=meta, blocking=parsed.blocking(meta.excerpt))
    title = meta.title.strip()
    if not title:
        plan.refusals.append(str(_l("Give the law's title.")))
    if meta.issued_on is None:
        plan.refusals.append(str(_l("Give the version's date (公布 or 修订/修正 date).")))
    if meta.effective_on is None:
        plan.refusals.append(str(_l("Give the date the version takes effect.")))
    if meta.issued_on and meta.effective_on and meta.effective_on < meta.issued_on:
        plan.refusals.append(str(_l("The version takes effect before its own date.")))
    plan.law = db.session.scalar(select(Law).where(Law.title == title)) if title else None
    if meta.short_title:
        holder = db.session.scalar(select(Law).where(Law.short_title == meta.short_title.strip()))
        if holder is not None and holder is not plan.law:
            plan.refusals.append(str(_l("The short title %(short)s already names 《%(title)s》.",
                                        short=meta.short_title.strip(), title=holder.title)))
    effective = [v.effective_on for v in plan.law.versions] if plan.law else []
    if meta.effective_on is not None:
        if meta.effective_on in effective:
            plan.refusals.append(str(_l("《%(title)s》 already has a version in effect from %(date)s. A new version "
                                        "needs its own effective date.", title=title,
                                        date=meta.effective_on.isoformat())))
        else:
            dates = sorted([*effective, meta.effective_on])
            plan.status = st.version_status(dates, dates.index(meta.effective_on),
                                            plan.law.repealed_on if plan.law else None, today())
    return plan


def import_law(actor, parsed: ParsedLaw, unit: str, meta: LawMeta, filename: str) -> LawVersion:
    """Store the text as a new version of its law (a new law for a new title), whole or not at all;
    it becomes current now if its effective date has come (sending law_changed)."""
    plan = plan_import(parsed, unit, meta)
    if not plan.ok:
        raise DomainError(_l("The text or its details have problems; nothing was imported."))
    law = plan.law
    if law is None:
        law = Law(title=meta.title.strip())
        db.session.add(law)
    if meta.short_title.strip():
        law.short_title = meta.short_title.strip()
    note = meta.note.strip() or (EXCERPT_NOTE if meta.excerpt else "")
    version = LawVersion(law=law, issuer=meta.issuer.strip()[:200], issued_on=meta.issued_on,
                         effective_on=meta.effective_on, source_filename=filename[:255], note=note[:200],
                         preamble=parsed.preamble, created_by_id=getattr(actor, "id", None))
    for position, article in enumerate(parsed.articles, start=1):
        version.articles.append(Article(number=article.number, suffix=article.suffix, position=position,
                                        heading=parsed.heading_path(article)[:500], text=article.text))
    db.session.add(version)
    db.session.flush()
    audit.record("law.import", actor=actor, subject=law.title, version_id=version.id,
                 effective_on=version.effective_on.isoformat(), articles=len(parsed.articles))
    _activate(law, today())
    db.session.commit()
    return version


# --------------------------------------------------------------------------- current versions

def current_version(law: Law, on: date | None = None) -> LawVersion | None:
    """The version in force on a day (today), whatever the repeal; None before the first takes effect."""
    index = st.current_index([v.effective_on for v in law.versions], on or today())
    return None if index is None else law.versions[index]


def shown_version(law: Law, on: date | None = None) -> LawVersion | None:
    """The version the library shows first: the one in force, else the first still to come."""
    return current_version(law, on) or (law.versions[0] if law.versions else None)


def status_of(version: LawVersion, on: date | None = None) -> str:
    law = version.law
    return st.version_status([v.effective_on for v in law.versions], law.versions.index(version),
                             law.repealed_on, on or today())


def law_status(law: Law, on: date | None = None) -> str:
    return st.law_status([v.effective_on for v in law.versions], law.repealed_on, on or today())


def _activate(law: Law, on: date) -> int | None:
    """Make the version in force on `on` the current one, once: law_changed is sent when an older
    version was current before it. The number of questions marked for review, or None if nothing
    changed. Caller commits."""
    version = current_version(law, on)
    if version is None or version.made_current_at is not None:
        return None
    earlier = [v for v in law.versions if v.made_current_at is not None and v.effective_on < version.effective_on]
    if not earlier and any(v.made_current_at is not None for v in law.versions):
        return None  # an older text imported after a newer one was in force: nothing changes
    version.made_current_at = now()
    if not earlier:
        return None  # the law's first text: no question can have cited an older one
    old = max(earlier, key=lambda v: v.effective_on)
    marked = _marked(answers(law_changed, law_id=law.id, old_version_id=old.id, new_version_id=version.id))
    audit.record("law.current", subject=law.title, version_id=version.id, old_version_id=old.id,
                 questions_marked=marked)
    return marked


def _marked(replies) -> int:
    """The questions marked for review, added up over law_changed's answers (none: nothing marked)."""
    return sum(reply for reply in replies if isinstance(reply, int))


def activate_due(on: date | None = None) -> list[tuple[Law, int]]:
    """Every version whose effective date has come becomes current, and every repeal whose day
    has come takes effect (the daily `laws activate`); returns the laws changed with the number
    of questions each marked for review."""
    day = on or today()
    changed = []
    laws = db.session.scalars(select(Law).where(Law.repeal_applied_at.is_(None))
                              .options(selectinload(Law.versions))).all()
    for law in laws:
        if law.repealed_on is not None and law.repealed_on <= day:
            changed.append((law, _apply_repeal(law)))
            continue
        marked = _activate(law, day)
        if marked is not None:
            changed.append((law, marked))
    db.session.commit()
    return changed


def repeal_law(actor, law: Law, on: date) -> int | None:
    """Mark the law 已废止 from `on`. From a day already come the repeal takes effect now:
    law_changed is sent with new_version_id=None and the number of questions marked for review
    is returned. From a later day the law stays in force until then, and so do the questions
    citing it: `laws activate` applies the repeal on that day; None is returned."""
    if law.repealed_on is not None:
        raise DomainError(_l("《%(title)s》 is already repealed (from %(date)s).", title=law.title,
                             date=law.repealed_on.isoformat()))
    if law.versions and on < law.versions[0].effective_on:
        raise DomainError(_l("A law cannot be repealed before its first version takes effect (%(date)s).",
                             date=law.versions[0].effective_on.isoformat()))
    law.repealed_on = on
    marked = _apply_repeal(law) if on <= today() else None
    audit.record("law.repeal", actor=actor, subject=law.title, repealed_on=on.isoformat(), questions_marked=marked)
    db.session.commit()
    return marked


def _apply_repeal(law: Law) -> int:
    """The repeal takes effect: law_changed is sent (new_version_id=None); the number of questions
    marked for review. Caller commits."""
    old = current_version(law, law.repealed_on) or shown_version(law, law.repealed_on)
    marked = _marked(answers(law_changed, law_id=law.id, old_version_id=old.id if old else None,
                             new_version_id=None))
    law.repeal_applied_at = now()
    audit.record("law.repealed", subject=law.title, repealed_on=law.repealed_on.isoformat(), questions_marked=marked)
    return marked


# --------------------------------------------------------------------------- the library

def list_laws(status: str | None = None) -> list[tuple[Law, str, int]]:
    """Every law with its status today and the number of articles of its shown version, by title."""
    laws = db.session.scalars(select(Law).options(selectinload(Law.versions)).order_by(Law.title)).all()
    shown = {law.id: shown_version(law) for law in laws}
    ids = [v.id for v in shown.values() if v is not None]
    counts = dict(db.session.execute(select(Article.version_id, func.count()).where(Article.version_id.in_(ids))
                                     .group_by(Article.version_id)).all()) if ids else {}
    rows = [(law, law_status(law), counts.get(getattr(shown[law.id], "id", None), 0)) for law in laws]
    return [row for row in rows if status is None or row[1] == status]


def other_versions(article: Article) -> list[tuple[LawVersion, Article | None]]:
    """The same article number in every version of its law (None where a version lacks it)."""
    law = article.version.law
    same = {a.version_id: a for a in db.session.scalars(
        select(Article).join(LawVersion).where(LawVersion.law_id == law.id, Article.number == article.number,
                                               Article.suffix == article.suffix))}
    return [(version, same.get(version.id)) for version in law.versions]
