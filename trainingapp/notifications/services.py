"""Creating notifications (in-app, e-mail, group robots), reading and marking them, a person's
e-mail opt-out, departments' webhooks, and the outbox an admin looks after.

`notify` is the one door: exams, training and the reminder commands call it with an event key;
each person is notified of an event once (the notification's unique `dedup_key`), and every
message it queues carries an idempotency key derived from it.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts import audit
from ..accounts.models import User
from ..platform.clock import now
from ..platform.errors import DomainError
from ..platform.extensions import db
from . import messages, webhooks
from .messages import Wording
from .models import DepartmentWebhook, Notification, NotificationPreference, OutboxMessage

_CHUNK = 500


def _insert(model):
    """INSERT … ON CONFLICT DO NOTHING for this database (both take it; concurrent creators of
    the same key neither fail nor duplicate)."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def absolute_url(path: str | None) -> str:
    """The platform address of a path: PUBLIC_URL, else the address of the current request."""
    path = path or "/"
    base = current_app.config.get("PUBLIC_URL")
    if not base and has_request_context():
        base = request.host_url.rstrip("/")
    return f"{base}{path}" if base else path


def path_for(endpoint: str, **values) -> str:
    """The path of a page, with or without a request (commands, background passes)."""
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    return current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)


def notify(user_ids: Iterable[int], kind: str, wording: Wording, *, key: str, link: str | None,
           group: bool = True) -> int:
    """Notify these people of one event (`key`, e.g. "published:12") in the bell; queue an e-mail
    to each newly notified person with an address who did not turn e-mails off (when MAIL_SERVER
    is set); and, when `group`, one message per department with a webhook among them. People
    already notified of the event are skipped. Part of the caller's transaction; returns how
    many people were newly notified."""
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return 0
    moment = now()
    created: list[int] = []
    for start in range(0, len(ids), _CHUNK):
        rows = [{"user_id": uid, "kind": kind, "title": wording.title[:200], "body": wording.body, "link": link,
                 "created_at": moment, "read_at": None, "dedup_key": f"{key}:{uid}"}
                for uid in ids[start:start + _CHUNK]]
        statement = (_insert(Notification).values(rows).on_conflict_do_nothing(index_elements=["dedup_key"])
                     .returning(Notification.user_id))
        created.extend(db.session.scalars(statement).all())
    if not created:
        return 0
    url = absolute_url(link)
    people = []
    for start in range(0, len(created), _CHUNK):
        people.extend(db.session.execute(
            select(User.id, User.department_id, User.email, NotificationPreference.email_off)
            .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
            .where(User.id.in_(created[start:start + _CHUNK]))).all())
    outgoing = []
    if current_app.config.get("MAIL_SERVER"):
        body = f"{wording.body}\n\n{messages.link_line(url)}\n"
        outgoing += [{"channel": "email", "recipient": email, "subject": wording.title[:200], "body": body,
                      "key": f"email:{key}:{uid}"} for uid, _dept, email, off in people if email and not off]
    if group and wording.group:
        departments = sorted({dept for _uid, dept, _email, _off in people})
        hooks = db.session.execute(select(DepartmentWebhook.department_id, DepartmentWebhook.kind)
                                   .where(DepartmentWebhook.department_id.in_(departments))).all()
        for department_id, hook_kind in hooks:
            message_key = f"{hook_kind}:{key}:d{department_id}"
            text = f"{wording.group}\n\n[{messages.link_line(url)}]({url})\n\n{messages.key_line(message_key)}"
            outgoing.append({"channel": hook_kind, "recipient": str(department_id), "subject": wording.title[:200],
                             "body": text, "key": message_key})
    if outgoing:
        _queue(outgoing, moment)
    return len(created)


def _queue(entries: list[dict], moment) -> None:
    rows = [{"channel": e["channel"], "recipient": e["recipient"], "subject": e["subject"], "body": e["body"],
             "idempotency_key": e["key"][:160], "state": "queued", "attempts": 0, "next_try_at": moment,
             "last_error": None, "created_at": moment, "sent_at": None} for e in entries]
    for start in range(0, len(rows), _CHUNK):
        db.session.execute(_insert(OutboxMessage).values(rows[start:start + _CHUNK])
                           .on_conflict_do_nothing(index_elements=["idempotency_key"]))


# --- the bell ---------------------------------------------------------------------------------

def unread_count(user_id: int) -> int:
    """The bell's number: one COUNT over the (user_id, read_at) index."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def recent(user_id: int, limit: int = 100) -> list[Notification]:
    """A person's latest notifications, newest first."""
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(user, notification_id: int) -> Notification | None:
    """Mark one of the person's own notifications read (None: not theirs or unknown); committed."""
    note = db.session.scalar(select(Notification).where(Notification.id == notification_id,
                                                        Notification.user_id == user.id))
    if note is not None and note.read_at is None:
        note.read_at = now()
        db.session.commit()
    return note


def mark_all_read(user) -> int:
    """Mark all the person's unread notifications read; committed; returns how many."""
    result = db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                           Notification.read_at.is_(None)).values(read_at=now()))
    db.session.commit()
    return result.rowcount or 0


# --- a person's choice ------------------------------------------------------------------------

def email_off(user_id: int) -> bool:
    return bool(db.session.scalar(select(NotificationPreference.email_off)
                                  .where(NotificationPreference.user_id == user_id)))


def set_email_off(user, off: bool) -> None:
    """Turn the person's e-mail reminders off (or on again); in-app notifications stay. Committed;
    e-mails already queued for them still go."""
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None:
        preference = NotificationPreference(user_id=user.id)
        db.session.add(preference)
    preference.email_off = off
    db.session.commit()


# --- departments' group robots ----------------------------------------------------------------

def webhook_of(department_id: int) -> DepartmentWebhook | None:
    return db.session.get(DepartmentWebhook, department_id)


def set_webhook(actor, department_id: int, kind: str, url: str, secret: str | None) -> DepartmentWebhook:
    """Set (or replace) a department's group robot; only the services' documented https robot
    addresses are accepted. Audited without the URL or secret (they are credentials); committed."""
    url, secret = url.strip(), (secret or "").strip() or None
    problem = (webhooks.url_problem(kind, url, current_app.config.get("ROBOT_BASE_URLS"))
               or webhooks.secret_problem(kind, secret))
    if problem:
        raise DomainError(problem)
    hook = webhook_of(department_id) or DepartmentWebhook(department_id=department_id)
    hook.kind, hook.url, hook.secret = kind, url, secret
    db.session.add(hook)
    audit.record("notifications.webhook_set", actor=actor, subject=str(department_id), kind=kind)
    db.session.commit()
    return hook


def remove_webhook(actor, department_id: int) -> None:
    """Remove a department's group robot; messages still queued for it fail when due. Committed."""
    hook = webhook_of(department_id)
    if hook is not None:
        db.session.delete(hook)
        audit.record("notifications.webhook_removed", actor=actor, subject=str(department_id))
        db.session.commit()


# --- the outbox -------------------------------------------------------------------------------

def outbox(states=("failed", "queued"), limit: int = 200) -> list[OutboxMessage]:
    """Messages not sent yet, failed first, oldest first."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.state.in_(states))
                                   .order_by(OutboxMessage.state, OutboxMessage.id).limit(limit)))


def outbox_counts() -> dict[str, int]:
    return dict(db.session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())


def retry(actor, message_id: int) -> OutboxMessage:
    """Queue a failed (or waiting) message to be sent at the next run, with fresh tries. Committed."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.state == "sent":
        raise DomainError(_l("This message is not waiting to be sent."))
    message.state, message.attempts, message.next_try_at = "queued", 0, now()
    audit.record("notifications.retry", actor=actor, subject=message.idempotency_key, channel=message.channel)
    db.session.commit()
    return message
