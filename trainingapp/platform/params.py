"""Request parameters read safely: bounded integers and numbers, dates, JSON bodies, and
local redirect targets.

What a person or a crafted link puts in a query string is parsed here, in one place. A
malformed or absurd value answers 400 with a message naming the parameter, never a 500 from
the database (an integer beyond 64 bits, a NUL character) or from date arithmetic (year 0);
a redirect target that could leave the site is replaced by the page's default.
"""
from __future__ import annotations

import math
import re
from datetime import date
from urllib.parse import urlsplit

from flask import abort, request
from flask_babel import gettext as _

#: The largest id a table can hand out (PostgreSQL `integer`); no row has a larger one.
MAX_ID = 2**31 - 1
#: More pages than any list here will ever have; beyond it the offset would be absurd.
MAX_PAGE = 100_000
#: Years the platform reports on; outside them a date cannot be built or means nothing.
MIN_YEAR, MAX_YEAR = 2000, 2100
#: Longest text value a filter or search accepts.
MAX_TEXT = 200

_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")


def refuse(name: str, message: str):
    """Abort the request with 400 and a message naming the parameter."""
    abort(400, description=_("The parameter “%(name)s” is not valid: %(problem)s", name=name, problem=message))


def int_arg(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """The query parameter as an int within [minimum, maximum]; `default` when it is absent or
    empty; 400 with a message when it is not a whole number or out of range."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return default
    raw = raw.strip()
    # ASCII digits only: int() would also take "١٢" or "1_000", which no link of ours sends.
    if not _INTEGER.fullmatch(raw):
        refuse(name, _("a whole number is expected."))
    value = int(raw)
    if not minimum <= value <= maximum:
        refuse(name, _("it must be between %(low)s and %(high)s.", low=minimum, high=maximum))
    return value


def page_arg(name: str = "page") -> int:
    """The page number of a list: 1 when absent, 400 when not in 1..MAX_PAGE."""
    return int_arg(name, 1, minimum=1, maximum=MAX_PAGE)


def year_arg(name: str = "year", default: int | None = None, *, allow_all: bool = False) -> int | None:
    """A calendar year within MIN_YEAR..MAX_YEAR; `default` when absent; with `allow_all`,
    0 too (the lists' "all years" choice)."""
    if allow_all and request.args.get(name, "").strip() == "0":
        return 0
    return int_arg(name, default, minimum=MIN_YEAR, maximum=MAX_YEAR)


def float_arg(name: str, default: float, *, minimum: float, maximum: float) -> float:
    """A finite number within [minimum, maximum]; `default` when absent; 400 otherwise."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        refuse(name, _("a number is expected."))
    if not math.isfinite(value) or not minimum <= value <= maximum:
        refuse(name, _("it must be between %(low)s and %(high)s.", low=f"{minimum:g}", high=f"{maximum:g}"))
    return value


def date_arg(name: str) -> date | None:
    """An ISO date (2026-03-08) within the platform's years; None when absent; 400 otherwise."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        refuse(name, _("a date such as 2026-03-08 is expected."))
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        refuse(name, _("the year must be between %(low)s and %(high)s.", low=MIN_YEAR, high=MAX_YEAR))
    return value


def text_arg(name: str, default: str = "") -> str:
    """A short text filter, stripped: 400 when it holds control characters (a NUL cannot be
    stored or searched by PostgreSQL) or is longer than MAX_TEXT."""
    raw = request.args.get(name)
    if raw is None:
        return default
    value = raw.strip()
    if len(value) > MAX_TEXT:
        refuse(name, _("it is longer than %(n)s characters.", n=MAX_TEXT))
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        refuse(name, _("it contains control characters."))
    return value


def json_object() -> dict | None:
    """The request's JSON body when it is an object; None for anything else, including
    malformed or absurdly nested JSON (which would otherwise raise RecursionError)."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        return None
    return body if isinstance(body, dict) else None


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default`.

    Accepted: a relative path starting with exactly one "/" (with an optional query). Refused:
    "//host" and "/\\host" (browsers read both as another host), any backslash, a scheme or a
    host, and control characters or spaces (browsers drop tabs and newlines, so "/\\t/host"
    would become "//host").
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    if any(ord(char) < 33 or ord(char) == 127 for char in target) or "\\" in target:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def refuse_nul_in_forms() -> None:
    """Before every request: a posted form field holding a NUL character answers 400 naming the
    field (PostgreSQL cannot store one, and the sign-in form writes what was typed to the
    throttle and the audit log before anything else could refuse it)."""
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if "\x00" in value:
                refuse(name, _("it contains control characters."))
