"""Closing overdue attempts inside the embedded server, which has no cron.

Under gunicorn a cron job runs `flask --app run exams finalize`; `python run.py` starts
`start_finalizer` instead, so an abandoned attempt is graded and closed within a minute of
its deadline plus grace even when nobody opens a page that would close it lazily.
"""
from __future__ import annotations

import threading
import time

from flask import Flask

from ..platform.extensions import db
from .finalising import finalize_overdue


def finalize_due(app: Flask) -> int:
    """One pass in an app context of its own: every attempt past its deadline and grace is closed
    (auto-submitted at its deadline and graded); returns how many were closed."""
    with app.app_context():
        try:
            return finalize_overdue()
        finally:
            db.session.remove()


def start_finalizer(app: Flask, every_seconds: float | None = None) -> threading.Thread:
    """A daemon thread that runs `finalize_due` at once and then every `every_seconds`
    (FINALIZE_EVERY_SECONDS) for the life of the process. A failed pass (say, the database
    briefly unreachable) is logged and the next one runs on time."""
    interval = float(every_seconds if every_seconds is not None else app.config["FINALIZE_EVERY_SECONDS"])
    if interval <= 0:
        raise ValueError("FINALIZE_EVERY_SECONDS must be a positive number of seconds")

    def loop() -> None:
        while True:
            try:
                closed = finalize_due(app)
                if closed:
                    app.logger.info("closed %d attempts past their deadline", closed)
            except Exception:
                app.logger.exception("closing overdue attempts failed; trying again in %s s", interval)
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="finalize-overdue", daemon=True)
    thread.start()
    return thread
