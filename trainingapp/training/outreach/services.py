"""Use cases of outreach events and responsibility lists: one public function per action, one commit each."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, select

from ...accounts.permissions import department_tree, managed_department_ids
from ...platform.clock import now
from ...platform.errors import DomainError
from ...platform.extensions import db
from ...platform.uploads import DOCUMENTS, IMAGES, UploadError, delete_stored, store_upload
from ..figures import EventRecord, EventTotals, Progress, event_totals, responsibility_progress
from .models import EventFile, OutreachEvent, ResponsibilityItem

STAFF_ROLES = ("admin", "trainer", "liaison")
FILE_KINDS = IMAGES | DOCUMENTS


# --- who may do what --------------------------------------------------------------------------

def department_scope(user) -> set[int] | None:
    """Departments whose events and lists the person may see and record: None means all
    (admins and trainers, who run 普法 for the whole town); a liaison their subtree."""
    if user.role in ("admin", "trainer"):
        return None
    if user.role == "liaison":
        return managed_department_ids(user)
    return set()


def in_scope(user, department_id: int) -> bool:
    scope = department_scope(user)
    return scope is None or department_id in scope


def can_view_event(user, event: OutreachEvent) -> bool:
    return user.role in STAFF_ROLES and in_scope(user, event.department_id)


def can_edit_event(user, event: OutreachEvent) -> bool:
    """Admins edit every event; liaisons those of their subtree; trainers those they recorded."""
    if user.role == "admin":
        return True
    if user.role == "liaison":
        return in_scope(user, event.department_id)
    return user.role == "trainer" and event.created_by_id == user.id


# --- events -----------------------------------------------------------------------------------

EVENT_FIELDS = ("title", "kind", "target", "theme", "held_on", "department_id", "place", "audience", "description")


def save_event(actor, event: OutreachEvent | None, fields: dict) -> OutreachEvent:
    """Create (event None) or update an event; only a 六进 event has a target, only a theme day a theme."""
    if not in_scope(actor, fields["department_id"]):
        raise DomainError(_l("You can only record events of the departments you manage."))
    if fields["kind"] == "six_into" and not fields.get("target"):
        raise DomainError(_l("Choose where the \"six into\" event went (agencies, villages, …)."))
    if fields["kind"] == "theme_day" and not fields.get("theme"):
        raise DomainError(_l("Choose which theme day the event belongs to."))
    if fields["audience"] < 0:
        raise DomainError(_l("The number of people reached cannot be negative."))
    fields = dict(fields, target=fields.get("target") if fields["kind"] == "six_into" else None,
                  theme=fields.get("theme") if fields["kind"] == "theme_day" else None)
    if event is None:
        event = OutreachEvent(created_by_id=actor.id)
        db.session.add(event)
    for key in EVENT_FIELDS:
        setattr(event, key, fields[key])
    db.session.commit()
    return event


def delete_event(actor, event: OutreachEvent) -> None:
    """Delete an event with its files (from the database, then from disk)."""
    names = [f.stored_name for f in event.files]
    db.session.delete(event)
    db.session.commit()
    for name in names:
        delete_stored(name)


def add_files(actor, event: OutreachEvent, uploads) -> list[EventFile]:
    """Keep photos and documents of an event; one bad file keeps none of this batch."""
    uploads = [u for u in uploads if u and u.filename]
    if not uploads:
        raise DomainError(_l("Choose one or more photos (.jpg, .png) or documents (.pdf, .doc, .docx, .ppt, .pptx)."))
    stored = []
    max_bytes = current_app.config.get("MAX_CONTENT_LENGTH") or 20 * 1024 * 1024
    try:
        for upload in uploads:
            stored.append(store_upload(upload, kinds=FILE_KINDS, max_bytes=max_bytes))
    except UploadError as error:
        for kept in stored:
            delete_stored(kept.name)
        raise DomainError(_l("%(file)s: %(problem)s", file=upload.filename, problem=error.message)) from None
    files = [EventFile(event_id=event.id, stored_name=s.name, original_name=s.original_name, mimetype=s.mimetype,
                       size=s.size, uploaded_by_id=actor.id) for s in stored]
    db.session.add_all(files)
    db.session.commit()
    return files


def delete_file(actor, event_file: EventFile) -> None:
    name = event_file.stored_name
    db.session.delete(event_file)
    db.session.commit()
    delete_stored(name)


def events_query(user, *, year: int | None = None, kind: str = "", department_id: int | None = None):
    """Events the person may see, filtered; a department includes everything below it."""
    query = select(OutreachEvent)
    scope = department_scope(user)
    departments = department_tree().subtree(department_id) if department_id else None
    if scope is not None:
        departments = scope if departments is None else departments & scope
    if departments is not None:
        query = query.where(OutreachEvent.department_id.in_(departments))
    if year:
        query = query.where(extract("year", OutreachEvent.held_on) == year)
    if kind:
        query = query.where(OutreachEvent.kind == kind)
    return query


def event_records(events) -> list[EventRecord]:
    return [EventRecord(e.id, e.kind, e.held_on.month, e.department_id, e.audience) for e in events]


def totals_by_kind(records: list[EventRecord]) -> tuple[dict[str, EventTotals], EventTotals]:
    """(events, 惠及人次) per kind and over all."""
    by_kind = event_totals(records, by="kind")
    return by_kind, EventTotals(sum(t.events for t in by_kind.values()), sum(t.audience for t in by_kind.values()))


# --- responsibility lists ---------------------------------------------------------------------

def save_item(actor, item: ResponsibilityItem | None, *, department_id: int, year: int, law: str,
              planned_events: int) -> ResponsibilityItem:
    """Add or change a line of a department's responsibility list; one line per law and year."""
    if not in_scope(actor, department_id):
        raise DomainError(_l("You can only keep the responsibility lists of the departments you manage."))
    law = law.strip()
    clash = db.session.scalar(select(ResponsibilityItem.id).where(
        ResponsibilityItem.department_id == department_id, ResponsibilityItem.year == year,
        ResponsibilityItem.law == law))
    if clash is not None and (item is None or clash != item.id):
        raise DomainError(_l("%(law)s is already on this department's list for %(year)s; change that line instead.",
                             law=law, year=year))
    if item is None:
        item = ResponsibilityItem()
        db.session.add(item)
    item.department_id, item.year, item.law, item.planned_events = department_id, year, law, planned_events
    db.session.commit()
    return item


def delete_item(actor, item: ResponsibilityItem) -> None:
    if not in_scope(actor, item.department_id):
        raise DomainError(_l("You can only keep the responsibility lists of the departments you manage."))
    db.session.delete(item)
    db.session.commit()


def progress(user, year: int) -> dict[int, Progress]:
    """Per department in the person's scope: events planned on its list and events it recorded in the year."""
    scope = department_scope(user)
    query = select(ResponsibilityItem.department_id, ResponsibilityItem.planned_events).where(
        ResponsibilityItem.year == year)
    planned: dict[int, int] = {}
    for department_id, count in db.session.execute(query).all():
        if scope is None or department_id in scope:
            planned[department_id] = planned.get(department_id, 0) + count
    events = db.session.scalars(events_query(user, year=year)).all()
    return responsibility_progress(planned, event_records(events))


def items(department_id: int, year: int) -> list[ResponsibilityItem]:
    return db.session.scalars(select(ResponsibilityItem).where(
        ResponsibilityItem.department_id == department_id, ResponsibilityItem.year == year)
        .order_by(ResponsibilityItem.law)).all()


def event_years() -> list[int]:
    """Years that hold events or lists, newest first (for the filters)."""
    years = {d.year for d in db.session.scalars(select(OutreachEvent.held_on)).all()}
    years |= set(db.session.scalars(select(ResponsibilityItem.year).distinct()).all())
    years.add(now().year)
    return sorted(years, reverse=True)
