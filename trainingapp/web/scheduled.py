"""The scheduled jobs of docs/deploy.md section 6, run inside the embedded server, which has no cron.

Under gunicorn cron runs `exams finalize`, `notifications send`, `exams prepare --all-upcoming`,
`reminders schedule`, `laws activate` and the nightly backup. A town on `python run.py` has no
cron, and without these its overdue attempts stay open, its e-mails and group-robot messages wait
in the outbox for ever, its exam reminders never go out, a law version never becomes current and
nothing is backed up. So run.py starts `start_jobs`: one daemon thread runs each job when it is
due, each pass in an app context of its own. Every job is idempotent (the cron jobs are run on
several servers), so a pass more or less changes nothing; a failing job is logged and tried again
at its next turn, and never stops the others.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import Flask, current_app

from ..exams.finalising import finalize_overdue
from ..exams.preparing import exams_to_prepare, prepare_papers
from ..laws.services import activate_due, today
from ..notifications.sending import send_due
from ..platform.backup import backup_to
from ..platform.extensions import db
from .reminders import schedule

#: Daily backups are named by their day: trainingapp-2026-12-08.sqlite3 (or .dump on PostgreSQL).
BACKUP_NAME = re.compile(r"^trainingapp-(\d{4}-\d{2}-\d{2})\.(?:sqlite3|dump)$")


@dataclass(frozen=True)
class Job:
    name: str
    #: Seconds between two runs.
    every: float
    #: Runs inside an app context; what it returns is logged when it is not empty.
    run: Callable[[], object]


def prepare_upcoming() -> int:
    """`exams prepare --all-upcoming`: the papers drawn (only missing ones)."""
    return sum(prepare_papers(exam) for exam in exams_to_prepare())


def daily_backup(folder: Path, keep_days: int, day: date) -> Path | None:
    """Today's backup into `folder` unless it is there already, and the backups older than
    `keep_days` days removed; the file written, or None."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    suffix = "sqlite3" if db.engine.dialect.name == "sqlite" else "dump"
    target = folder / f"trainingapp-{day.isoformat()}.{suffix}"
    written = None
    if not target.exists():
        backup_to(target)
        written = target
    oldest = day - timedelta(days=keep_days - 1)
    for path in folder.iterdir():
        found = BACKUP_NAME.match(path.name)
        if found and date.fromisoformat(found.group(1)) < oldest:
            path.unlink()
    return written


def _backup() -> Path | None:
    config = current_app.config
    folder = Path(config["EMBEDDED_BACKUP_FOLDER"] or Path(current_app.instance_path) / "backups")
    return daily_backup(folder, int(config["EMBEDDED_BACKUP_DAYS"]), today())


def jobs_of(app: Flask) -> list[Job]:
    """The embedded server's jobs, as often as docs/deploy.md's cron runs them (the daily ones
    hourly: each does its day's work once, whenever in the day it first runs)."""
    config = app.config
    found = [Job("finalize", float(config["FINALIZE_EVERY_SECONDS"]), finalize_overdue),
             Job("notifications", 60.0, send_due),
             Job("prepare", 300.0, prepare_upcoming),
             Job("reminders", 3600.0, schedule),
             Job("laws", 3600.0, activate_due)]
    if int(config["EMBEDDED_BACKUP_DAYS"]) > 0:
        found.append(Job("backup", 3600.0, _backup))
    for job in found:
        if job.every <= 0:
            raise ValueError(f"the embedded job {job.name!r} needs a positive interval")
    return found


def due(jobs: list[Job], last_runs: dict[str, float], moment: float) -> list[Job]:
    """The jobs to run at `moment` (monotonic seconds): never run yet, or their interval is over."""
    return [job for job in jobs if job.name not in last_runs or moment - last_runs[job.name] >= job.every]


def run_job(app: Flask, job: Job) -> object:
    """One run of `job` in an app context of its own."""
    with app.app_context():
        try:
            return job.run()
        finally:
            db.session.remove()


def run_due(app: Flask, jobs: list[Job], last_runs: dict[str, float], moment: float) -> None:
    """Run every due job in turn, noting when; a failure is logged and waits for the job's next turn."""
    for job in due(jobs, last_runs, moment):
        last_runs[job.name] = moment
        try:
            outcome = run_job(app, job)
        except Exception:
            app.logger.exception("the scheduled job %r failed; it runs again in %s s", job.name, job.every)
            continue
        if outcome:
            app.logger.info("scheduled job %r: %s", job.name, outcome)


def start_jobs(app: Flask) -> threading.Thread:
    """A daemon thread that runs every job at once and then each at its interval, for the life of
    the process."""
    jobs = jobs_of(app)
    last_runs: dict[str, float] = {}

    def loop() -> None:
        while True:
            run_due(app, jobs, last_runs, time.monotonic())
            next_at = min(last_runs[job.name] + job.every for job in jobs)
            time.sleep(max(1.0, next_at - time.monotonic()))

    thread = threading.Thread(target=loop, name="scheduled-jobs", daemon=True)
    thread.start()
    return thread
