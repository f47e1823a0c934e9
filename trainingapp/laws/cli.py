"""`flask --app run laws import FILE [--dry-run] …` and `laws activate` (daily)."""
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..accounts.models import User
from ..platform import staged
from ..platform.errors import DomainError
from ..platform.extensions import db
from . import services
from .text_parser import ParsedLaw


@click.group(help="Import law texts and make new versions current.")
def laws():
    pass


def print_structure(parsed: ParsedLaw, unit: str) -> None:
    """The headings with their article counts, the total, and every problem by line."""
    if parsed.title:
        click.echo(f"title: {parsed.title}")
    if parsed.version_date:
        click.echo(f"version date: {parsed.version_date.isoformat()}")
    if parsed.effective_date:
        click.echo(f"effective: {parsed.effective_date.isoformat()}")
    top = min((h.depth for h in parsed.headings), default=0)
    for heading in parsed.headings:
        click.echo(f"{'  ' * (heading.depth - top)}{heading.label}: {heading.articles}")
    click.echo(f"articles: {len(parsed.articles)}")
    for problem in parsed.problems:
        click.echo(("gap: " if problem.kind == "gap" else "error: ") + problem.describe(unit))


def _date(value):
    from datetime import date
    return date.fromisoformat(value) if value else None


@laws.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the text and print its structure; import nothing.")
@click.option("--title", help="The law's title (default: the title lines of the text).")
@click.option("--short-title", default="", help="How people cite it, e.g. 行政处罚法.")
@click.option("--issuer", help="The issuing body (default: from the note under the title).")
@click.option("--issued", help="The version's date, YYYY-MM-DD (default: the latest date of the note).")
@click.option("--effective", help="The effective date, YYYY-MM-DD (default: from the closing article).")
@click.option("--excerpt", is_flag=True, help="The text is an excerpt (节选): gaps in the numbering are allowed.")
@with_appcontext
def import_command(file, dry_run, title, short_title, issuer, issued, effective, excerpt):
    """Import FILE (.docx or .txt in UTF-8 or GB18030) as a new version of its law.

    Exit status 0 only for a clean text (no error, no gap in the numbering; an --excerpt may have
    gaps) whose details are complete: then, without --dry-run, it is imported.
    """
    try:
        parsed, unit = services.read_law(file.read_bytes(), file.name)
    except DomainError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    print_structure(parsed, unit)
    try:
        given = services.LawMeta(title=title or "", short_title=short_title, issuer=issuer or "",
                                 issued_on=_date(issued), effective_on=_date(effective), excerpt=excerpt)
    except ValueError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    meta = services.prefilled(parsed, given)
    staged.end_read()
    plan = services.plan_import(parsed, unit, meta)
    for refusal in plan.refusals:
        click.echo(f"error: {refusal}")
    if not plan.ok:
        click.echo("nothing was imported" if not dry_run else "this text cannot be imported as it is")
        sys.exit(1)
    if dry_run:
        click.echo(f"would import 《{meta.title}》 in effect from {meta.effective_on.isoformat()}")
        sys.exit(0)
    actor = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    version = services.import_law(actor, parsed, unit, meta, file.name)
    click.echo(f"imported 《{version.law.title}》 version {version.id}: {len(version.articles)} articles, "
               f"in effect from {version.effective_on.isoformat()}")


@laws.command("activate")
@with_appcontext
def activate_command():
    """Make current every version whose effective date has come, and apply every repeal whose day
    has come (run daily, e.g. from cron)."""
    changed = services.activate_due()
    for law, marked in changed:
        what = "repealed" if law.repeal_applied_at is not None else "new version in force"
        click.echo(f"《{law.title}》: {what}; {marked} questions to review")
    click.echo(f"{len(changed)} laws changed")
