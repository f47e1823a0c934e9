"""`flask --app run notifications send [--dry-run] [--limit N]` (cron: every minute)."""
import click
from flask.cli import with_appcontext

from . import sending


@click.group()
def notifications():
    """E-mail and group-robot messages waiting in the outbox."""


@notifications.command("send")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and change nothing.")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True,
              help="Messages to send in this run at most.")
@with_appcontext
def send_command(dry_run, limit):
    """Send the due messages; failures are retried later with back-off, then marked failed."""
    if dry_run:
        waiting = sending.due(limit)
        for message in waiting:
            click.echo(f"{message.channel}\t{message.recipient}\t{message.idempotency_key}\t{message.subject}")
        click.echo(f"{len(waiting)} message(s) would be sent (dry run: nothing sent).")
        return
    outcome = sending.send_due(limit)
    click.echo(f"sent {outcome.get('sent', 0)}, to retry {outcome.get('queued', 0)}, failed {outcome.get('failed', 0)}")
