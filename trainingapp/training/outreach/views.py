"""Outreach events (普法活动) with their photos and files, and responsibility lists (普法责任清单)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ...accounts.forms import ConfirmForm, choices
from ...accounts.permissions import department_tree
from ...platform.clock import now
from ...platform.errors import DomainError, flash_refusal
from ...platform.extensions import db
from ...platform.params import int_arg, page_arg, text_arg, year_arg
from ...platform.uploads import send_stored
from . import services
from .forms import EventFilesForm, EventForm, ResponsibilityItemForm
from .models import EVENT_KINDS, TARGETS, THEMES, EventFile, OutreachEvent, ResponsibilityItem

bp = Blueprint("outreach", __name__)

PAGE_SIZE = 50


def _event(event_id: int, *, edit: bool = False) -> OutreachEvent:
    """The event, 404 when unknown, 403 when outside the person's departments (or not theirs to edit)."""
    event = db.session.get(OutreachEvent, event_id)
    if event is None:
        abort(404)
    allowed = services.can_edit_event(current_user, event) if edit else services.can_view_event(current_user, event)
    if not allowed:
        abort(403)
    return event


def _checked():
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _department_choices():
    tree = department_tree()
    scope = services.department_scope(current_user)
    return [(dept_id, "\u3000" * depth + tree.names[dept_id]) for dept_id, depth in tree.walk()
            if scope is None or dept_id in scope]


def _year_arg():
    return year_arg("year", now().year, allow_all=True)


# --- events -------------------------------------------------------------------------------------

@bp.route("/outreach")
def list_events():
    year = _year_arg()
    kind = text_arg("kind")
    kind = kind if kind in EVENT_KINDS else ""
    department_id = int_arg("department", 0, minimum=0)
    if department_id and not services.in_scope(current_user, department_id):
        abort(403)
    query = services.events_query(current_user, year=year or None, kind=kind, department_id=department_id or None)
    everything = db.session.scalars(query.order_by(OutreachEvent.held_on.desc(), OutreachEvent.id.desc())).all()
    by_kind, total = services.totals_by_kind(services.event_records(everything))
    page = page_arg()
    photos = dict(db.session.execute(select(EventFile.event_id, func.count(EventFile.id))
                                     .group_by(EventFile.event_id)).all())
    return render_template("training/outreach/list.html", events=everything[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
                           total=total, by_kind=by_kind, kinds=EVENT_KINDS, years=services.event_years(),
                           departments=_department_choices(), tree=department_tree(), files=photos, page=page,
                           pages=max((len(everything) + PAGE_SIZE - 1) // PAGE_SIZE, 1),
                           filters=dict(year=year, kind=kind, department=department_id),
                           can_edit=services.can_edit_event)


def _event_form(event=None):
    form = EventForm(obj=event)
    form.department_id.choices = choices(_department_choices())
    if request.method == "GET" and event is None:
        form.held_on.data = now().date()
        form.department_id.data = current_user.department_id
    if request.method == "GET" and event is not None:
        form.target.data, form.theme.data = event.target or "", event.theme or ""
    return form


@bp.route("/outreach/new", methods=["GET", "POST"])
def create_event():
    form = _event_form()
    if form.validate_on_submit():
        try:
            event = services.save_event(current_user, None, form.fields_for_service())
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Event recorded. Add its photos and documents below."), "success")
            return redirect(url_for("outreach.show_event", event_id=event.id))
    return render_template("training/outreach/form.html", form=form, event=None, targets=TARGETS, themes=THEMES)


@bp.route("/outreach/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id):
    event = _event(event_id, edit=True)
    form = _event_form(event)
    if form.validate_on_submit():
        try:
            services.save_event(current_user, event, form.fields_for_service())
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("outreach.show_event", event_id=event.id))
    return render_template("training/outreach/form.html", form=form, event=event, confirm=ConfirmForm())


@bp.route("/outreach/<int:event_id>/delete", methods=["POST"])
def delete_event(event_id):
    event = _event(event_id, edit=True)
    _checked()
    services.delete_event(current_user, event)
    flash(_("Event deleted with its photos and documents."), "success")
    return redirect(url_for("outreach.list_events"))


@bp.route("/outreach/<int:event_id>")
def show_event(event_id):
    event = _event(event_id)
    return render_template("training/outreach/show.html", event=event, tree=department_tree(),
                           files_form=EventFilesForm(), confirm=ConfirmForm(),
                           editable=services.can_edit_event(current_user, event))


@bp.route("/outreach/<int:event_id>/files", methods=["POST"])
def upload_files(event_id):
    event = _event(event_id, edit=True)
    form = EventFilesForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        added = services.add_files(current_user, event, request.files.getlist(form.files.name))
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(_("%(n)s files added.", n=len(added)), "success")
    return redirect(url_for("outreach.show_event", event_id=event.id))


def _file(file_id) -> EventFile:
    event_file = db.session.get(EventFile, file_id)
    if event_file is None:
        abort(404)
    return event_file


@bp.route("/outreach/files/<int:file_id>")
def download_file(file_id):
    """Photos inline, documents as downloads; only for staff who may see the event."""
    event_file = _file(file_id)
    _event(event_file.event_id)
    try:
        return send_stored(event_file.stored_name, event_file.original_name)
    except FileNotFoundError:
        abort(404)


@bp.route("/outreach/files/<int:file_id>/delete", methods=["POST"])
def delete_file(file_id):
    event_file = _file(file_id)
    event = _event(event_file.event_id, edit=True)
    _checked()
    services.delete_file(current_user, event_file)
    flash(_("File deleted."), "success")
    return redirect(url_for("outreach.show_event", event_id=event.id))


# --- responsibility lists -----------------------------------------------------------------------

@bp.route("/outreach/responsibilities", methods=["GET", "POST"])
def responsibilities():
    """Each department's plan for the year against the events it recorded; one department's list."""
    year = _year_arg() or now().year
    department_id = int_arg("department", 0, minimum=0)
    if department_id and not services.in_scope(current_user, department_id):
        abort(403)
    form = ResponsibilityItemForm()
    if department_id and form.validate_on_submit():
        try:
            services.save_item(current_user, None, department_id=department_id, year=year, law=form.law.data,
                               planned_events=form.planned_events.data)
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Added to the list."), "success")
            return redirect(url_for("outreach.responsibilities", year=year, department=department_id))
    tree = department_tree()
    return render_template("training/outreach/responsibilities.html", year=year, department_id=department_id,
                           progress=services.progress(current_user, year), tree=tree,
                           items=services.items(department_id, year) if department_id else [],
                           departments=_department_choices(), years=services.event_years(), form=form,
                           confirm=ConfirmForm()), 200 if not form.errors else 422


def _item(item_id) -> ResponsibilityItem:
    item = db.session.get(ResponsibilityItem, item_id)
    if item is None:
        abort(404)
    if not services.in_scope(current_user, item.department_id):
        abort(403)
    return item


@bp.route("/outreach/responsibilities/<int:item_id>", methods=["GET", "POST"])
def edit_item(item_id):
    item = _item(item_id)
    form = ResponsibilityItemForm(obj=item)
    if form.validate_on_submit():
        try:
            services.save_item(current_user, item, department_id=item.department_id, year=item.year,
                               law=form.law.data, planned_events=form.planned_events.data)
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("outreach.responsibilities", year=item.year, department=item.department_id))
    return render_template("training/outreach/item_form.html", form=form, item=item, tree=department_tree())


@bp.route("/outreach/responsibilities/<int:item_id>/delete", methods=["POST"])
def delete_item(item_id):
    item = _item(item_id)
    _checked()
    year, department_id = item.year, item.department_id
    services.delete_item(current_user, item)
    flash(_("Removed from the list."), "success")
    return redirect(url_for("outreach.responsibilities", year=year, department=department_id))
