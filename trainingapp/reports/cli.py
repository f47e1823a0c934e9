"""`flask --app run reports exam EXAM_ID -o FILE` and friends: the same numbers as the pages."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..exams.finalising import finalize_overdue
from ..exams.models import Exam
from ..platform.extensions import db
from . import exports
from .annual import finalize_overdue_of_year
from .exam_report import build
from .models import rate_denominator


@click.group(help="Export reports.")
def reports():
    pass


@reports.command("exam")
@click.argument("exam_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Target .xlsx or .csv file.")
@click.option("--category", help="Only this staff category code (e.g. staff).")
@click.option("--show-empty", is_flag=True, help="Also list departments without candidates (hidden by default).")
@with_appcontext
def exam_command(exam_id, output, category, show_empty):
    """Write the exam report (per department, per person, not-yet-taken) to a file."""
    exam = db.session.get(Exam, exam_id)
    if exam is None or not exam.is_published:
        raise click.ClickException(f"no published exam {exam_id}")
    if not exam.counts_officially:
        raise click.ClickException(f"exam {exam_id} is a mock exam: it counts in no report")
    suffix = output.suffix.lower()
    finalize_overdue(exam.id)  # abandoned attempts past their deadline count as submitted
    report = build(exam, denominator=rate_denominator(), category=category, show_empty=show_empty,
                   records=suffix == ".xlsx")
    if suffix == ".xlsx":
        output.write_bytes(exports.exam_xlsx(report))
    elif suffix == ".csv":
        output.write_bytes(exports.exam_csv(report))
    else:
        raise click.ClickException("the output must end in .xlsx or .csv")
    total = report.total
    waiting = f", awaiting marks {total.pending} (not final)" if total.pending else ""
    click.echo(f"{exam.title}: required {total.required}, participants {total.participants}, "
               f"passed {total.passed}, excellent {total.excellent}{waiting}; written to {output}")


@reports.command("training")
@click.option("--year", type=int, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Target .xlsx file.")
@with_appcontext
def training_command(year, output):
    """Write the training and outreach report of a year to an .xlsx file."""
    from datetime import date

    from .training_report import build as build_training
    report = build_training(date(year, 1, 1), date(year, 12, 31))
    output.write_bytes(exports.training_xlsx(report))
    click.echo(f"{year}: {report.total.sessions} sessions, {report.total.attendances} attendances, "
               f"{report.total.people} people, {report.events_total[0]} outreach events reaching "
               f"{report.events_total[1]}; written to {output}")


@reports.command("annual")
@click.option("--year", type=int, required=True)
@with_appcontext
def annual_command(year):
    """Print the annual summary paragraph of a year."""
    from .annual import build as build_annual
    finalize_overdue_of_year(year)  # the year's final exams count abandoned attempts as submitted
    click.echo(build_annual(year).text)
