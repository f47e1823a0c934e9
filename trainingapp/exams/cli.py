"""`flask --app run exams finalize`: close attempts past their deadline (for a cron job)."""
import click
from flask.cli import with_appcontext

from .finalising import finalize_overdue


@click.group(help="Exam maintenance.")
def exams():
    pass


@exams.command("finalize")
@click.option("--exam", "exam_id", type=int, help="Only this exam.")
@with_appcontext
def finalize_command(exam_id):
    """Submit every attempt whose deadline and grace period have passed (run it every minute)."""
    closed = finalize_overdue(exam_id)
    click.echo(f"finalized {closed} attempts")
