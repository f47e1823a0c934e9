"""`flask --app run users import FILE [--dry-run]` and `users create-admin LOGIN`."""
import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..platform.errors import DomainError
from ..platform.extensions import db
from ..platform.tabular import TableError, limits_for, read_table, to_xlsx
from . import services
from .models import User
from .permissions import department_tree


@click.group(help="Manage people and rosters.")
def users():
    pass


def _print_plan(plan):
    click.echo(f"create: {len(plan.creates)}  update: {len(plan.updates)}  unchanged: {len(plan.unchanged)}  "
               f"errors: {len(plan.errors)}")
    if plan.header_row > 1:
        click.echo(f"column headers read from row {plan.header_row}")
    for extra in plan.extra_columns:
        click.echo(f"ignored column: {extra}")
    for note in plan.notes:
        click.echo(f"note: {note}")
    for error in plan.errors:
        click.echo(str(error))


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and print what would change; change nothing.")
@click.option("--passwords-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write generated initial passwords (.xlsx). Default: next to FILE.")
@with_appcontext
def import_users(file, dry_run, passwords_out):
    """Import a roster FILE (.xlsx, .xls, .csv); exit 0 only when the file is clean.

    Generated initial passwords go to a new file readable by its owner only (mode 0600); an
    existing file of that name is never overwritten (it may hold an earlier import's passwords).
    """
    target = passwords_out or file.with_name(file.stem + "-initial-passwords.xlsx")
    if not dry_run and target.exists():
        raise click.ClickException(f"{target} already exists (it may hold earlier initial passwords): move it "
                                   "away or name another file with --passwords-out")
    try:
        frame = read_table(file.read_bytes(), file.name, limits=limits_for("roster"))
        admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
        if admin is None:
            raise click.ClickException("Create an administrator first: flask --app run users create-admin LOGIN")
        tree = department_tree()
        if dry_run:
            plan, generated = services.preview_roster(admin, frame, tree, None), []
        else:
            plan, generated = services.import_roster(admin, frame, tree, None, filename=file.name)
    except TableError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(1)
    _print_plan(plan)
    if not plan.ok:
        click.echo("nothing was imported" if not dry_run else "the file has errors")
        sys.exit(1)
    if generated:
        import pandas as pd
        content = to_xlsx({"初始密码": pd.DataFrame(generated, columns=["姓名", "账号", "初始密码"])})
        target = _write_owner_only(target, content)
        click.echo(f"generated initial passwords written to {target} (readable by you only)")


def _write_owner_only(target: Path, content: bytes) -> Path:
    """Write `content` to a new file created with mode 0600, so that not even for an instant can
    another account read it (a chmod after creating would leave that instant). Should `target`
    have appeared since the check, a sibling name is used: the people were already imported and
    their passwords must not be lost."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for attempt in range(100):
        path = target if attempt == 0 else target.with_name(f"{target.stem}-{attempt}{target.suffix}")
        try:
            descriptor = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        return path
    raise click.ClickException(f"could not create a new file next to {target}")


@users.command("create-admin")
@click.argument("login")
@click.option("--name", default="管理员", show_default=True)
@click.option("--password", help="Initial password (changed at first sign-in). Default: generated and printed.")
@with_appcontext
def create_admin(login, name, password):
    """Create an administrator (in the first top-level department, created if none exists)."""
    try:
        person, password = services.create_administrator(login, name=name, password=password)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"administrator {person.login} created; initial password: {password} (change it at first sign-in)")
