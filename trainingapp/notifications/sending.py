"""Sending the outbox (`flask --app run notifications send`, from cron every minute).

Each run claims the due messages, sends them one by one and marks each: sent, or queued again
after a back-off (NOTIFY_BACKOFF_SECONDS × 2^(tries-1)), or failed after NOTIFY_MAX_TRIES tries.

At least once, never a different duplicate: claiming commits a lease (next try in
NOTIFY_LEASE_SECONDS) before anything is sent, so two senders never send the same message
at once (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED; SQLite: every write transaction is
BEGIN IMMEDIATE, a single writer), and a sender that dies between sending and marking leaves
the message queued: it goes again when the lease ends, carrying the same idempotency key (the
e-mail's Message-ID, the last line of a robot message) so the receiver can tell it is the same.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_mailman import EmailMessage
from sqlalchemy import select

from ..platform.clock import now
from ..platform.extensions import db, mail
from . import webhooks
from .models import DepartmentWebhook, OutboxMessage


@dataclass(frozen=True)
class Claimed:
    """A claimed message, read before sending (no database object is held while sending)."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    key: str
    attempts: int


class SendFailed(Exception):
    """The receiver refused or could not be reached; the message is tried again later."""


def claim(limit: int) -> list[Claimed]:
    """Lease up to `limit` due queued messages to this sender (committed before sending)."""
    moment = now()
    query = (select(OutboxMessage).where(OutboxMessage.state == "queued", OutboxMessage.next_try_at <= moment)
             .order_by(OutboxMessage.next_try_at, OutboxMessage.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    lease = timedelta(seconds=current_app.config["NOTIFY_LEASE_SECONDS"])
    claimed = []
    for message in db.session.scalars(query).all():
        message.attempts += 1
        message.next_try_at = moment + lease
        claimed.append(Claimed(message.id, message.channel, message.recipient, message.subject, message.body,
                               message.idempotency_key, message.attempts))
    db.session.commit()
    return claimed


def due(limit: int) -> list[OutboxMessage]:
    """What a run would send now, without claiming anything (--dry-run)."""
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.state == "queued", OutboxMessage.next_try_at <= now())
        .order_by(OutboxMessage.next_try_at, OutboxMessage.id).limit(limit)))


def _message_id(key: str) -> str:
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or "localhost"
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    return f"<{key.replace(':', '.')}@{domain}>"


def send_email(message: Claimed) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise SendFailed("MAIL_SERVER is not set")
    connection = mail.get_connection(
        backend="smtp", host=config["MAIL_SERVER"], port=config["MAIL_PORT"], username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"), use_tls=config.get("MAIL_USE_TLS", False),
        use_ssl=config.get("MAIL_USE_SSL", False), timeout=config.get("MAIL_TIMEOUT"))
    email = EmailMessage(subject=message.subject, body=message.body, from_email=config.get("MAIL_DEFAULT_SENDER"),
                         to=[message.recipient], connection=connection,
                         headers={"Message-ID": _message_id(message.key), "X-Idempotency-Key": message.key})
    try:
        email.send(fail_silently=False)
    except OSError as error:  # refused, unreachable, timed out, SMTP errors (smtplib's are OSErrors)
        raise SendFailed(f"{type(error).__name__}: {error}") from error


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A robot address answers itself: a redirect could lead the server anywhere (SSRF)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: dict, timeout: float) -> dict:
    """POST JSON to a robot address (checked by `robot_url`: https on the services' hosts) and read
    its JSON answer; redirects are not followed."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",  # noqa: S310 - checked robot addresses only
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        # nosec B310: the address is a checked robot address (robot_url), never file: or a custom scheme
        with _OPENER.open(req, timeout=timeout) as response:  # nosec B310
            return json.loads(response.read(65536) or b"{}")
    except (OSError, ValueError) as error:  # URLError, HTTPError, timeouts are OSErrors; bad JSON ValueError
        raise SendFailed(f"{type(error).__name__}: {error}") from error


def robot_url(hook: DepartmentWebhook) -> str:
    """The address to post to: the stored one, checked again (ROBOT_BASE_URLS may have changed),
    with 钉钉's timestamp and signature when the robot has a secret."""
    problem = webhooks.url_problem(hook.kind, hook.url, current_app.config.get("ROBOT_BASE_URLS"))
    if problem:
        raise SendFailed(f"webhook address refused: {problem}")
    return webhooks.signed_url(hook.url, hook.secret if hook.kind == "dingtalk" else None, int(time.time() * 1000))


def send_robot(message: Claimed) -> None:
    hook = db.session.get(DepartmentWebhook, int(message.recipient))
    db.session.rollback()  # read only: hold no transaction while waiting for the robot
    if hook is None or hook.kind != message.channel:
        raise SendFailed("the department has no such group robot any more")
    answer = post_json(robot_url(hook), webhooks.payload(hook.kind, message.subject, message.body),
                       current_app.config["WEBHOOK_TIMEOUT"])
    if answer.get("errcode", 0) != 0:
        raise SendFailed(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:500])


SENDERS = {"email": send_email, "wecom": send_robot, "dingtalk": send_robot}


def mark(message: Claimed, error: str | None) -> str:
    """Record the outcome of one try (committed); returns the new state."""
    row = db.session.get(OutboxMessage, message.id)
    if row is None:
        return "gone"
    moment = now()
    if error is None:
        row.state, row.sent_at, row.last_error = "sent", moment, None
    else:
        row.last_error = error[:500]
        if row.attempts >= current_app.config["NOTIFY_MAX_TRIES"]:
            row.state = "failed"
        else:
            delay = current_app.config["NOTIFY_BACKOFF_SECONDS"] * 2 ** (row.attempts - 1)
            row.next_try_at = moment + timedelta(seconds=delay)
    state = row.state
    db.session.commit()
    return state


def send_due(limit: int = 200) -> dict[str, int]:
    """Claim, send and mark up to `limit` due messages; returns how many ended in each state."""
    outcome = {"sent": 0, "queued": 0, "failed": 0}
    for message in claim(limit):
        try:
            SENDERS[message.channel](message)
            error = None
        except SendFailed as failure:
            error = str(failure)
        state = mark(message, error)
        outcome[state] = outcome.get(state, 0) + 1
    return outcome
