"""`flask --app run exams finalize` and `exams prepare` (for cron jobs; docs/deploy.md)."""
import click
from flask.cli import with_appcontext

from .finalising import finalize_overdue
from .preparing import exams_to_prepare, prepare_papers


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


@exams.command("prepare")
@click.argument("exam_id", type=int, required=False)
@click.option("--all-upcoming", is_flag=True, help="Every published exam that has not closed yet.")
@with_appcontext
def prepare_command(exam_id, all_upcoming):
    """Draw every candidate's first paper in advance, so a start at the opening minute is one
    insert (run it after publishing, or every few minutes from cron; only missing papers are drawn)."""
    if (exam_id is None) == (not all_upcoming):
        raise click.UsageError("Name one EXAM_ID or pass --all-upcoming.")
    found = exams_to_prepare(exam_id)
    if exam_id is not None and not found:
        raise click.ClickException(f"Exam {exam_id} is not a published exam.")
    for exam in found:
        click.echo(f"exam {exam.id}: prepared {prepare_papers(exam)} papers")
