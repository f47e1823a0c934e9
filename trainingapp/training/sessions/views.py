"""Training sessions for trainers and admins (liaisons read), attendance, and cadres' self check-in."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse as parse_limit
from sqlalchemy import extract, select

from ...accounts.audience import display_order
from ...accounts.forms import ConfirmForm, choices
from ...accounts.models import User
from ...accounts.permissions import department_tree
from ...platform.clock import now
from ...platform.errors import DomainError, flash_refusal, returning_to
from ...platform.extensions import db, limiter
from ...platform.imports import StagedImport
from ...platform.params import int_arg, page_arg, text_arg, year_arg
from ...platform.tabular import to_xlsx
from . import checkin, services
from .forms import CheckinCodeForm, ExpectedForm, SessionForm, SigninUploadForm, WalkInForm
from .models import ATTENDANCE_STATUSES, SESSION_KINDS, TrainingSession
from .signin_sheet import signin_template_frame

bp = Blueprint("sessions", __name__)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Check-in attempts per person and minute (a brake on scripts; the real bound on guessing is
#: CHECKIN_WRONG_CODES_BEFORE_LOCK per person and session, kept in the database).
CHECKIN_LIMIT = "10 per minute"

CHECKIN_MESSAGES = {
    "checkin.too_early": _l("Check-in has not opened yet: it opens at %(opens)s, 30 minutes before the start."),
    "checkin.closed": _l("Check-in closed at %(closes)s, 30 minutes after the start. Ask the trainer to record "
                         "your attendance."),
    "checkin.wrong_code": _l("The code is wrong or has expired. Type the code the screen shows now."),
    "checkin.locked": _l("Your self check-in to this session is locked after too many wrong codes. Ask the "
                         "trainer in the room to record your attendance."),
    "checkin.already": _l("You have already checked in (%(status)s). There is nothing more to do."),
    "checkin.present": _l("You are checked in. Welcome!"),
    "checkin.late": _l("You are checked in, as late: the session started at %(starts)s."),
    "checkin.walk_in": _l("You are checked in as a walk-in: you were not on the list of expected attendees."),
}


def _session(session_id: int, *, manage: bool = False) -> TrainingSession:
    """The session, 404 when unknown, 403 when the person may not see (or manage) it."""
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        abort(404)
    allowed = services.can_manage(current_user, session) if manage else services.can_view(current_user, session)
    if not allowed:
        abort(403)
    return session


def _checked(form=None):
    if not (form or ConfirmForm()).validate_on_submit():
        abort(400)


def _department_choices():
    tree = department_tree()
    return [(dept_id, "\u3000" * depth + tree.names[dept_id]) for dept_id, depth in tree.walk()]


def _state(session, moment):
    """upcoming | checkin (window open) | running | finished, for badges."""
    opens, closes = services.window(session)
    if moment < opens:
        return "upcoming"
    if moment <= closes:
        return "checkin"
    return "running" if moment < session.ends_at else "finished"


# --- the list -----------------------------------------------------------------------------------

@bp.route("/sessions")
def list_sessions():
    year = year_arg("year", now().year, allow_all=True)
    kind = text_arg("kind")
    department_id = int_arg("department", 0, minimum=0)
    mine = request.args.get("mine", "") == "1"
    query = services.visible_sessions_query(current_user)
    if year:
        query = query.where(extract("year", TrainingSession.starts_at) == year)
    if kind in SESSION_KINDS:
        query = query.where(TrainingSession.kind == kind)
    if department_id:
        query = query.where(TrainingSession.department_id.in_(department_tree().subtree(department_id)))
    if mine:
        query = query.where((TrainingSession.created_by_id == current_user.id)
                            | (TrainingSession.trainer_id == current_user.id))
    everything = db.session.scalars(query).all()
    page = page_arg()
    shown = everything[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    expected = {s.id: services.expected_count(s) for s in shown}
    per_session, total = services.figures(everything, expected)
    # int(): PostgreSQL's EXTRACT gives a numeric.
    years = sorted({int(y) for (y,) in db.session.execute(select(extract("year", TrainingSession.starts_at))
                                                          .distinct()) if y} | {now().year}, reverse=True)
    return render_template("training/sessions/list.html", sessions=shown, figures=per_session, total=total,
                           expected=expected, page=page, pages=max((len(everything) + PAGE_SIZE - 1) // PAGE_SIZE, 1),
                           years=years, kinds=SESSION_KINDS, departments=_department_choices(), tree=department_tree(),
                           filters=dict(year=year, kind=kind, department=department_id, mine="1" if mine else ""),
                           now=now(), state=_state, can_manage=services.can_manage)


# --- creating and editing -----------------------------------------------------------------------

def _session_form(session=None):
    form = SessionForm(obj=session)
    form.department_id.choices = choices(_department_choices())
    trainers = db.session.execute(select(User.id, User.name).where(
        User.role.in_(("trainer", "admin")), User.status == "active").order_by(User.name)).all()
    form.trainer_id.choices = choices([(0, _("— an outside lecturer (type the name below) —")), *trainers])
    if request.method == "GET":
        if session is not None:
            form.load(session)
        else:
            for key, value in SessionForm.defaults(now()).items():
                getattr(form, key).data = value
            form.department_id.data = current_user.department_id
            form.trainer_id.data = current_user.id if current_user.role == "trainer" else 0
    return form


@bp.route("/sessions/new", methods=["GET", "POST"])
def create_session():
    form = _session_form()
    if form.validate_on_submit():
        try:
            session = services.save_session(current_user, None, form.fields_for_service())
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Session created. Now choose who is expected to attend."), "success")
            return redirect(url_for("sessions.edit_expected", session_id=session.id))
    return render_template("training/sessions/form.html", form=form, session=None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit_session(session_id):
    session = _session(session_id, manage=True)
    form = _session_form(session)
    if form.validate_on_submit():
        try:
            services.save_session(current_user, session, form.fields_for_service())
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("sessions.show_session", session_id=session.id))
    return render_template("training/sessions/form.html", form=form, session=session, confirm=ConfirmForm())


@bp.route("/sessions/<int:session_id>/delete", methods=["POST"])
def delete_session(session_id):
    session = _session(session_id, manage=True)
    _checked()
    title = session.title
    services.delete_session(current_user, session)
    flash(_("Session %(title)s deleted with its attendance records.", title=title), "success")
    return redirect(url_for("sessions.list_sessions"))


@bp.route("/sessions/<int:session_id>")
def show_session(session_id):
    session = _session(session_id)
    people = services.expected_people(session)
    records = services.records_by_user(session)
    extra = [r.user for r in records.values() if r.user_id not in {p.id for p in people}]
    return render_template("training/sessions/show.html", session=session, people=people, extra=extra,
                           records=records, figures=services.session_figures(session, len(people)),
                           statuses=ATTENDANCE_STATUSES, tree=department_tree(), confirm=ConfirmForm(),
                           manage=services.can_manage(current_user, session), state=_state(session, now()),
                           window=services.window(session))


@bp.route("/sessions/<int:session_id>/expected", methods=["GET", "POST"])
def edit_expected(session_id):
    session = _session(session_id, manage=True)
    form = ExpectedForm()
    if form.validate_on_submit():
        services.set_expected(session, form.audience())
        flash(_("Expected attendees saved: %(n)s people.", n=services.expected_count(session)), "success")
        return redirect(url_for("sessions.mark_attendance", session_id=session.id))
    if request.method == "POST":
        if "csrf_token" in form.errors:
            abort(400)
        for message in form.form_errors:
            flash(message, "danger")
    else:
        form.load(services.expected_audience(session))
    return render_template("training/sessions/expected.html", session=session, form=form, tree=department_tree(),
                           people=services.expected_people(session))


# --- marking attendance -------------------------------------------------------------------------

def _roster(session):
    """(expected people, people recorded but not expected, records by user id)."""
    people = services.expected_people(session)
    records = services.records_by_user(session)
    expected = {p.id for p in people}
    extra = sorted((r.user for r in records.values() if r.user_id not in expected),
                   key=display_order(department_tree()))
    return people, extra, records


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
def mark_attendance(session_id):
    session = _session(session_id, manage=True)
    submitted = None
    if request.method == "POST":
        _checked()
        ids = [int(i) for i in request.form.getlist("person") if i.isdigit()]
        marks = {i: (request.form.get(f"status-{i}", ""), request.form.get(f"reason-{i}", "")) for i in ids}
        try:
            changed = services.mark_attendance(current_user, session, marks)
        except DomainError as error:
            flash_refusal(error)
            submitted = marks
        else:
            flash(_("Attendance saved (records changed: %(n)s).", n=changed), "success")
            return redirect(url_for("sessions.mark_attendance", session_id=session.id))
    people, extra, records = _roster(session)
    return render_template("training/sessions/attendance.html", session=session, people=people, extra=extra,
                           records=records, submitted=submitted, statuses=ATTENDANCE_STATUSES,
                           tree=department_tree(), confirm=ConfirmForm(), walk_in=WalkInForm(),
                           checkin_locks=services.checkin_locks(session),
                           figures=services.session_figures(session, len(people))), 200 if submitted is None else 422


@bp.route("/sessions/<int:session_id>/checkin-locks/<int:person_id>/unlock", methods=["POST"])
def unlock_checkin(session_id, person_id):
    """Let a person locked out of self check-in (too many wrong codes) try again."""
    session = _session(session_id, manage=True)
    _checked()
    with returning_to(url_for("sessions.mark_attendance", session_id=session.id)):
        person = services.unlock_checkin(current_user, session, person_id)
    flash(_("%(name)s can check in with the code again.", name=person.name), "success")
    return redirect(url_for("sessions.mark_attendance", session_id=session.id))


@bp.route("/sessions/<int:session_id>/attendance/all-present", methods=["POST"])
def mark_all_present(session_id):
    session = _session(session_id, manage=True)
    _checked()
    added = services.mark_all_present(current_user, session)
    flash(_("%(n)s people marked present; records already made were kept.", n=added), "success")
    return redirect(url_for("sessions.mark_attendance", session_id=session.id))


@bp.route("/sessions/<int:session_id>/attendance/walk-in", methods=["POST"])
def add_walk_in(session_id):
    session = _session(session_id, manage=True)
    form = WalkInForm()
    if not form.validate_on_submit():
        flash(" ".join(form.login.errors) or _("Type the login of the person who came."), "danger")
    else:
        try:
            person, status = services.add_walk_in(current_user, session, form.login.data)
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("%(name)s recorded as %(status)s.", name=person.name, status=ATTENDANCE_STATUSES[status]),
                  "success")
    return redirect(url_for("sessions.mark_attendance", session_id=session.id))


# --- the projector ------------------------------------------------------------------------------

#: The projector's 已签到 count is at most this old (the screen asks the server again this often).
PROJECTOR_COUNT_SECONDS = 5


@bp.route("/sessions/<int:session_id>/projector")
def projector(session_id):
    session = _session(session_id, manage=True)
    moment = now()
    opens, closes = services.window(session)
    code = qr = None
    if opens <= moment <= closes:
        code = services.current_code(session, moment)
        qr = checkin.qr_svg(checkin.checkin_url_payload(request.host_url, session.id, code),
                            title=_("Scan to check in"))
        left = checkin.seconds_until_rotation(moment, session.rotate_seconds)
        # Reload just after the code changes, and every few seconds so the count follows check-ins.
        refresh = min(left + 1, PROJECTOR_COUNT_SECONDS) if left is not None else PROJECTOR_COUNT_SECONDS
    elif moment < opens:
        refresh = max(1, min(60, int((opens - moment).total_seconds()) + 1))
    else:
        refresh = None
    checked_in = sum(1 for r in session.attendance if r.status in ("present", "late", "walk_in"))
    return render_template("training/sessions/projector.html", session=session, code=code, qr=qr, refresh=refresh,
                           opens=opens, closes=closes, moment=moment, checked_in=checked_in,
                           expected=services.expected_count(session),
                           seconds_left=checkin.seconds_until_rotation(moment, session.rotate_seconds),
                           checkin_url=url_for("sessions.checkin_home", _external=True))


# --- printable sheet and exports ----------------------------------------------------------------

@bp.route("/sessions/<int:session_id>/sheet")
def signin_sheet(session_id):
    session = _session(session_id)
    people, extra, _records = _roster(session)
    tree = department_tree()
    groups: dict[str, list] = {}
    for person in sorted(people + extra, key=display_order(tree)):
        groups.setdefault(tree.path(person.department_id), []).append(person)
    return render_template("training/sessions/sheet.html", session=session, groups=groups, blank_rows=5,
                           manage=services.can_manage(current_user, session))


@bp.route("/sessions/<int:session_id>/attendance.xlsx")
def export_attendance(session_id):
    session = _session(session_id)
    import pandas as pd
    figures = services.session_figures(session, services.expected_count(session))
    summary = pd.DataFrame([
        ("培训名称", session.title), ("开始时间", services.to_local(session.starts_at).strftime("%Y-%m-%d %H:%M")),
        ("地点", session.place), ("学时", f"{session.hours:g}"), ("应到人数", figures.expected),
        ("人次", figures.totals.attendances), ("人数", figures.totals.people),
    ], columns=["项目", "数值"])
    content = to_xlsx({"签到记录": services.attendance_frame(session), "汇总": summary})
    return send_file(BytesIO(content), as_attachment=True, mimetype=XLSX,
                     download_name=f"attendance-{session.id}-{services.to_local(session.starts_at):%Y%m%d}.xlsx")


# --- importing a typed sign-in sheet ------------------------------------------------------------

class _SigninSheets(StagedImport):
    def authorize(self, file):
        """The session the sheet was uploaded for, if the person may still manage it."""
        return _session(int(file.options.get("session_id", 0)), manage=True)

    def back(self, session):
        if session is None:
            return url_for("sessions.list_sessions")
        return url_for("sessions.upload_signin", session_id=session.id)


SIGNIN = _SigninSheets("attendance", upload_endpoint="sessions.upload_signin",
                       preview_endpoint="sessions.preview_signin")


@bp.route("/sessions/<int:session_id>/attendance/import", methods=["GET", "POST"])
def upload_signin(session_id):
    session = _session(session_id, manage=True)
    form = SigninUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        return SIGNIN.stage(upload.filename, upload.read(), {"session_id": session.id})
    return render_template("training/sessions/import_upload.html", session=session, form=form)


@bp.route("/sessions/<int:session_id>/attendance/template.xlsx")
def signin_template(session_id):
    session = _session(session_id, manage=True)
    tree = department_tree()
    frame = signin_template_frame([(p.name, p.login, tree.path(p.department_id))
                                   for p in services.expected_people(session)])
    return send_file(BytesIO(to_xlsx({"签到表": frame})), as_attachment=True, mimetype=XLSX,
                     download_name=f"signin-sheet-{session.id}.xlsx")


@bp.route("/sessions/attendance/import/<token>")
def preview_signin(token):
    upload = SIGNIN.open(token)
    with returning_to(upload.back):
        plan = services.preview_signin(upload.context, upload.table)
    return render_template("training/sessions/import_preview.html", session=upload.context, plan=plan, token=token,
                           filename=upload.filename, form=ConfirmForm(), statuses=ATTENDANCE_STATUSES)


@bp.route("/sessions/attendance/import/<token>/confirm", methods=["POST"])
def confirm_signin(token):
    _checked()
    upload = SIGNIN.open(token)
    session = upload.context
    with returning_to(upload.back):
        plan = services.import_signin(current_user, session, upload.table, filename=upload.filename)
    SIGNIN.require_ok(upload, plan.ok)
    SIGNIN.finish(upload)
    flash(_("Sign-in sheet imported: %(new)s new records, %(changed)s changed, %(same)s unchanged.",
            new=len(plan.creates), changed=len(plan.updates), same=len(plan.unchanged)), "success")
    return redirect(url_for("sessions.mark_attendance", session_id=session.id))


# --- self check-in ------------------------------------------------------------------------------

def _checkin_key():
    # The person's id alone: a key with the session version (as the login cookie carries it)
    # started afresh at every sign-in (review finding 4).
    return f"checkin:{current_user.id if current_user.is_authenticated else request.remote_addr}"


def _address_budget():
    return parse_limit(current_app.config["CHECKIN_FAILURES_PER_ADDRESS"])


def _address_over_budget() -> bool:
    """This address has typed too many wrong codes (across every person) for now."""
    return not limiter.limiter.test(_address_budget(), "checkin-failures", get_remote_address() or "")


def _spend_address_budget() -> None:
    limiter.limiter.hit(_address_budget(), "checkin-failures", get_remote_address() or "")


def _message(decision: checkin.Decision, session: TrainingSession) -> str:
    opens, closes = services.window(session)
    values = {"opens": format_datetime(opens, "HH:mm"), "closes": format_datetime(closes, "HH:mm"),
              "starts": format_datetime(session.starts_at, "HH:mm"),
              "status": ATTENDANCE_STATUSES.get(decision.status, "")}
    return str(CHECKIN_MESSAGES[decision.message_key]) % values


def _result(decision, session, status=200):
    return render_template("training/sessions/checkin_result.html", decision=decision, session=session,
                           message=_message(decision, session)), status


@bp.route("/checkin", methods=["GET", "POST"])
@limiter.limit(CHECKIN_LIMIT, key_func=_checkin_key, methods=["POST"])
def checkin_home():
    """Type the code on the screen; today's sessions the person is expected at are listed."""
    form = CheckinCodeForm()
    if form.validate_on_submit():
        free_tries = not _address_over_budget()
        session = services.session_for_code(form.code.data, user=current_user)
        if session is not None:
            decision = services.self_check_in(current_user, session, form.code.data, free_tries=free_tries)
            if decision.outcome in ("wrong_code", "locked"):
                _spend_address_budget()
            return _result(decision, session, 200 if decision.outcome in ("ok", "already") else 422)
        _spend_address_budget()
        services.count_unmatched_code(current_user, free_tries=free_tries)
        form.code.errors.append(_("This code matches no session now: it is wrong or has expired. Type the code "
                                  "the screen shows now."))
    moment = now()
    sessions = services.todays_sessions(current_user, moment)
    records = {s.id: services.records_by_user(s).get(current_user.id) for s in sessions}
    locked = services.locked_session_ids(current_user, [s.id for s in sessions])
    return render_template("training/sessions/checkin.html", form=form, sessions=sessions, records=records,
                           window=services.window, moment=moment, locked=locked), 200 if not form.errors else 422


@bp.route("/checkin/<int:session_id>", methods=["GET", "POST"])
@limiter.limit(CHECKIN_LIMIT, key_func=_checkin_key, methods=["POST"])
def checkin_session(session_id):
    """From the QR code: a confirm page (GET changes nothing), then the check-in itself (POST)."""
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        abort(404)
    form = CheckinCodeForm()
    if form.validate_on_submit():
        decision = services.self_check_in(current_user, session, form.code.data, free_tries=not _address_over_budget())
        if decision.outcome in ("wrong_code", "locked"):
            _spend_address_budget()
        return _result(decision, session, 200 if decision.outcome in ("ok", "already") else 422)
    if request.method == "GET":
        form.code.data = text_arg("code")
    record = services.records_by_user(session).get(current_user.id)
    return render_template("training/sessions/checkin_confirm.html", form=form, session=session, record=record,
                           window=services.window(session), moment=now(),
                           expected=services.is_expected(current_user, session))
