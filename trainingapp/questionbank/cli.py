"""`flask --app run questions import FILE [--dry-run] [--valid-only] [--category NAME]` and `questions export`."""
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..accounts.models import User
from ..platform import staged
from ..platform.errors import DomainError
from ..platform.extensions import db
from . import citing, services
from .formats import EXPORT_FORMATS


@click.group(help="Import and export question banks.")
def questions():
    pass


def _print_preview(preview, imported=None):
    new = len(preview.new) if imported is None else imported
    click.echo(f"imported: {new}  duplicates: {len(preview.duplicates)}  rejected: {len(preview.rejected_rows)}"
               if imported is not None else
               f"new: {new}  duplicates: {len(preview.duplicates)}  rejected: {len(preview.rejected_rows)}")
    if preview.header_row and preview.header_row > 1:
        click.echo(f"column headers read from row {preview.header_row}")
    for column in preview.extra_columns:
        click.echo(f"ignored column: {column}")
    for note in preview.notes:
        click.echo(f"note: {note}")
    for error in preview.errors:
        click.echo(f"error: {error}")
    for duplicate in preview.duplicates:
        click.echo(f"duplicate: {duplicate}")


@questions.command("cite")
@click.option("--all", "everything", is_flag=True, help="Read every question's legal basis again, not only "
              "those never read or with a citation not found.")
@with_appcontext
def cite_questions(everything):
    """Read the legal basis (依据条款) of questions into citations of the law library's articles."""
    ids = (list(db.session.scalars(select(services.Question.id).where(services.Question.basis != "")))
           if everything else citing.stale_question_ids())
    citing.rebuild(ids)
    db.session.commit()
    click.echo(f"questions read: {len(ids)}")


@questions.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and print what would happen; import nothing.")
@click.option("--valid-only", is_flag=True,
              help="Import the valid questions of a file with errors; the rejected rows, with why, are "
                   "written next to FILE as FILE-rejected.xlsx (what the web import offers for download).")
@click.option("--category", help="Law category for every question of the file (overrides the column).")
@with_appcontext
def import_command(file, dry_run, valid_only, category):
    """Import FILE (.xlsx .xls .csv .json .gift, or .txt in GIFT or Aiken).

    Exit status 0 when no row has an error (duplicates are skipped and allowed); a file with
    errors imports nothing, unless --valid-only, where the exit status is 0 when the valid
    questions were imported.
    """
    data = file.read_bytes()
    limit = current_app.config["QUESTION_IMPORT_MAX_ROWS"]
    try:
        if dry_run:
            preview = services.preview_import(data, file.name, max_rows=limit, category=category)
            _print_preview(preview)
        else:
            actor = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
            if actor is None:
                raise click.ClickException("create an administrator first: flask --app run users create-admin LOGIN")
            staged.end_read()  # the parse must not hold SQLite's write lock against a running platform
            outcome = services.import_questions(actor, data, file.name, max_rows=limit, category=category,
                                                valid_only=valid_only)
            preview = outcome.preview
            _print_preview(preview, outcome.imported)
            if outcome.rejected_sheet is not None:
                rejected = file.with_name(f"{file.stem}-rejected.xlsx")
                rejected.write_bytes(outcome.rejected_sheet)
                click.echo(f"the rejected rows, with why, are in {rejected}")
            elif preview.errors:
                click.echo("nothing was imported: fix the errors and run again"
                           + ("" if valid_only else ", or use --valid-only"))
    except DomainError as error:  # a TableError too
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    imported = valid_only and not dry_run and outcome.imported > 0
    sys.exit(1 if preview.errors and not imported else 0)


@questions.command("export")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Target file; the format follows its extension: " + ", ".join(EXPORT_FORMATS) + ".")
@click.option("--category", help="Only this law category.")
@with_appcontext
def export_command(output, category):
    """Export the bank (or one category) to a file that imports back unchanged."""
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise click.ClickException(f"unknown format .{fmt}: use one of " + ", ".join(EXPORT_FORMATS))
    content, _mimetype, _ext = services.export(None, services.Filters(category=category or ""), fmt)
    output.write_bytes(content)
    click.echo(f"wrote {output}")
