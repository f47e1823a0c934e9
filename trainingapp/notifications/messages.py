"""The wording of every notification, in one place.

Stored text is written once, in the platform's default language (Chinese), whoever triggers it
and whatever language their own pages are in: the same words reach the bell, the e-mail and the
group robot."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..platform.clock import to_local


@dataclass(frozen=True)
class Wording:
    """What a person reads (title, body) and what a department's group reads (`group`)."""

    title: str
    body: str
    group: str | None = None


def _when(moment: datetime) -> str:
    return f"{to_local(moment):%Y-%m-%d %H:%M}"


def _default_locale():
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh"))


def exam_published(title: str, closes_at: datetime, *, makeup: bool = False) -> Wording:
    with _default_locale():
        if makeup:
            return Wording(_("Make-up exam: %(title)s", title=title),
                           _("You are a candidate of the make-up exam “%(title)s”. Please take it before %(deadline)s.",
                             title=title, deadline=_when(closes_at)),
                           _("The make-up exam “%(title)s” is open until %(deadline)s; the candidates of this "
                             "department have been told.", title=title, deadline=_when(closes_at)))
        return Wording(_("New exam: %(title)s", title=title),
                       _("You are a candidate of the exam “%(title)s”. Please take it before %(deadline)s.",
                         title=title, deadline=_when(closes_at)),
                       _("The exam “%(title)s” is published and open until %(deadline)s; the candidates of "
                         "this department have been told.", title=title, deadline=_when(closes_at)))


def exam_closing(title: str, closes_at: datetime) -> Wording:
    with _default_locale():
        return Wording(_("Exam closing soon: %(title)s", title=title),
                       _("The exam “%(title)s” closes at %(deadline)s and you have not taken it yet. Please take "
                         "it in time.", title=title, deadline=_when(closes_at)),
                       _("The exam “%(title)s” closes at %(deadline)s; the candidates of this department who "
                         "have not taken it have been reminded.", title=title, deadline=_when(closes_at)))


def result_ready(title: str, *, certificate: bool) -> Wording:
    with _default_locale():
        body = (_("Your result of “%(title)s” is ready; you passed and can download your certificate.", title=title)
                if certificate else _("Your result of “%(title)s” is ready.", title=title))
        return Wording(_("Result ready: %(title)s", title=title), body)


def session_tomorrow(title: str, starts_at: datetime, place: str) -> Wording:
    with _default_locale():
        where = place or _("the place announced")
        return Wording(_("Training tomorrow: %(title)s", title=title),
                       _("The training session “%(title)s” starts at %(start)s at %(place)s; you are expected "
                         "there.", title=title, start=_when(starts_at), place=where),
                       _("The training session “%(title)s” starts at %(start)s at %(place)s; the people "
                         "expected from this department have been told.", title=title, start=_when(starts_at),
                         place=where))


def liaison_reminder(title: str, closes_at: datetime) -> Wording:
    with _default_locale():
        return Wording(_("Reminder: %(title)s", title=title),
                       _("Your liaison reminds you to take the exam “%(title)s” before %(deadline)s.",
                         title=title, deadline=_when(closes_at)),
                       _("Reminder: the exam “%(title)s” closes at %(deadline)s; those of this department "
                         "who have not taken it have been reminded.", title=title, deadline=_when(closes_at)))


def link_line(url: str) -> str:
    with _default_locale():
        return _("Open the platform: %(url)s", url=url)


def key_line(key: str) -> str:
    """The idempotency key as the last line of a robot message (a resent message shows the same)."""
    return f"`#{key}`"
