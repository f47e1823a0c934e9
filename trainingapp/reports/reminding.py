"""A liaison's reminder to the candidates of their subtree who have not taken an open exam
(POST /notifications/remind/<exam_id>, endpoint `notifications.remind_not_taken`).

The people are the follow-up list's own (`followup_report.build`: same candidates, scope and
status rule as the report): for an exam, its 未参考 entries; for a make-up, the main exam's
entries who have not taken the make-up and are its candidates. Each person is reminded at most
once per exam and day (the notification's key holds the local date). The route sits on the
notifications blueprint (its name and path are what pages link to) but lives here, where the
follow-up list may be read; create_app imports this module before registering that blueprint.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..accounts import audit
from ..exams.models import Exam, ExamCandidate
from ..notifications import bp as notifications_bp
from ..notifications import messages
from ..notifications import services as notifications
from ..platform.clock import now, to_local
from ..platform.errors import DomainError
from ..platform.extensions import db
from ..platform.params import safe_next
from . import queries
from .followup_report import build, finalize_overdue_of


def not_taken(exam: Exam, *, root_id: int | None, scope: set[int] | None) -> list[int]:
    """Who in the subtree `root_id` (within `scope`) has not taken `exam`, as the follow-up list says."""
    main = exam if exam.makeup_of_id is None else db.session.get(Exam, exam.makeup_of_id)
    if main is None:
        return []
    finalize_overdue_of([main])
    listing = build([main], moment=now(), root_id=root_id, scope=scope)
    if exam.id == main.id:
        return [row.entry.user_id for row in listing.rows if row.entry.status == "absent"]
    candidates = set(db.session.scalars(select(ExamCandidate.user_id).where(
        ExamCandidate.exam_id == exam.id, ExamCandidate.removed.is_(False), ExamCandidate.exempt_reason.is_(None))))
    return [row.entry.user_id for row in listing.rows if not row.entry.took_makeup and row.entry.user_id in candidates]


def remind_not_taken(actor, exam: Exam, *, root_id: int | None, scope: set[int] | None) -> tuple[int, int]:
    """Remind the people who have not taken the open exam; (reminded, skipped because already
    reminded today). Audited; committed."""
    moment = now()
    if not exam.is_published or not exam.counts_officially or not exam.opens_at <= moment < exam.closes_at:
        raise DomainError(_l("Reminders go out only while the exam is open."))
    people = not_taken(exam, root_id=root_id, scope=scope)
    day = f"{to_local(moment):%Y%m%d}"
    reminded = notifications.notify(people, "reminder", messages.liaison_reminder(exam.title, exam.closes_at),
                                    key=f"reminder:{exam.id}:{day}",
                                    link=notifications.path_for("exams.exam_rules", exam_id=exam.id))
    audit.record("notifications.remind", actor=actor, subject=exam.title, exam_id=exam.id, reminded=reminded,
                 skipped=len(people) - reminded)
    db.session.commit()
    return reminded, len(people) - reminded


@notifications_bp.route("/remind/<int:exam_id>", methods=["POST"], endpoint="remind_not_taken")
def remind_not_taken_view(exam_id):
    """Remind those of the caller's subtree (a liaison) or of everyone (an admin) who have not taken it."""
    exam, _makeup = queries.exam_and_makeup(exam_id)
    if exam is None:
        abort(404)
    tree = queries.department_tree()
    scope = tree.subtree(current_user.department_id) if current_user.role == "liaison" else None
    root = current_user.department_id if current_user.role == "liaison" else None
    reminded, skipped = remind_not_taken(current_user, exam, root_id=root, scope=scope)
    flash(_("Reminded %(reminded)s person(s); %(skipped)s skipped (already reminded today).",
            reminded=reminded, skipped=skipped), "success")
    main_id = exam.makeup_of_id or exam.id
    return redirect(safe_next(request.form.get("next"), url_for("reports.exam_followup", exam_id=main_id)))

