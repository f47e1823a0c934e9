"""Tab switches during an attempt: counted, and past the exam's limit the attempt is submitted."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..platform.clock import now
from ..platform.extensions import db
from .finalising import close_attempt
from .models import AttemptEvent
from .taking import Refused, own_attempt


def record_event(user, attempt_id: int, kind: str) -> dict:
    """Record a tab switch ("hidden"/"visible"); past the exam's limit the attempt is submitted."""
    if kind not in ("hidden", "visible"):
        raise Refused("invalid", _l("type must be \"hidden\" or \"visible\"."), 422)
    attempt = own_attempt(user, attempt_id, lock="update")
    if attempt.is_finished:
        raise Refused("finished", _l("This attempt is already finished."))
    db.session.add(AttemptEvent(attempt_id=attempt.id, kind=kind))
    submitted = False
    if kind == "hidden":
        attempt.tab_switches += 1
        limit = attempt.exam.tab_switch_limit
        if limit is not None and attempt.tab_switches > limit:
            close_attempt(attempt, "auto_submitted", now(), "tab_limit")
            submitted = True
    db.session.commit()
    return {"tab_switches": attempt.tab_switches, "limit": attempt.exam.tab_switch_limit, "submitted": submitted}
