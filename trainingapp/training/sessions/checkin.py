"""Self check-in to a training session: the window, present/late, short codes and the QR.

Pure functions over plain data (no Flask, no database), so every rule is unit-tested.

The room's projector shows a 6-digit code (and a QR code of the check-in URL with it).
The code is an HMAC-SHA256 of a per-session secret and, when it rotates, the current
time step, so a code sent to a friend outside the room stops working within a minute or
two. All datetimes are naive UTC (see `trainingapp.platform.clock`).
"""
from __future__ import annotations

import hashlib
import hmac
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import segno

CODE_DIGITS = 6

#: Every message_key a Decision can carry, for the view's translation table.
MESSAGE_KEYS = (
    "checkin.too_early",
    "checkin.closed",
    "checkin.wrong_code",
    "checkin.locked",
    "checkin.already",
    "checkin.present",
    "checkin.late",
    "checkin.walk_in",
)

_EPOCH = datetime(1970, 1, 1)
_CODE_RE = re.compile(r"[0-9]{%d}" % CODE_DIGITS)
_WHITESPACE_RE = re.compile(r"\s+")

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class Decision:
    """The answer to one check-in attempt.

    outcome: "too_early" | "closed" | "wrong_code" | "locked" | "already" | "ok";
    status: "present" | "late" | "walk_in" for "ok", the existing status for "already",
    otherwise None; message_key: one of MESSAGE_KEYS.
    """

    outcome: str
    status: str | None
    message_key: str


# --------------------------------------------------------------------------- window and status


def checkin_window(
    starts_at: datetime,
    ends_at: datetime,
    *,
    before: timedelta = timedelta(minutes=30),
    after: timedelta = timedelta(minutes=30),
) -> Window:
    """(opens, closes): from `before` ahead of the start until `after` past the START
    (not the end); both edges belong to the window (see `in_window`)."""
    if ends_at < starts_at:
        raise ValueError("a session cannot end before it starts")
    if before < timedelta(0) or after < timedelta(0):
        raise ValueError("before and after must not be negative")
    return starts_at - before, starts_at + after


def in_window(now: datetime, window: Window) -> bool:
    """True when opens <= now <= closes (both edges inclusive)."""
    opens, closes = window
    return opens <= now <= closes


def status_for_arrival(starts_at: datetime, arrived_at: datetime, *, late_after: timedelta = timedelta(0)) -> str:
    """"late" when arriving after starts_at + late_after, else "present" (on the dot is present)."""
    return "late" if arrived_at > starts_at + late_after else "present"


# --------------------------------------------------------------------------- codes


def _unix_seconds(moment: datetime) -> int:
    # Integer arithmetic on the timedelta: floor(ts / step) stays exact at step edges,
    # where a float timestamp could land on the wrong side.
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    delta = moment - _EPOCH
    return delta.days * 86400 + delta.seconds


def _check_rotation(rotate_seconds: int | None) -> None:
    if rotate_seconds is not None and (not isinstance(rotate_seconds, int) or rotate_seconds <= 0):
        raise ValueError("rotate_seconds must be a positive whole number of seconds or None")


def _code_for_message(secret: bytes, message: bytes) -> str:
    if not isinstance(secret, bytes | bytearray) or not secret:
        raise ValueError("the check-in secret must be non-empty bytes")
    digest = hmac.new(bytes(secret), message, hashlib.sha256).digest()
    # 64 bits modulo 10**6: the bias towards small codes is below 1e-13, irrelevant here.
    number = int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS
    return f"{number:0{CODE_DIGITS}d}"


def _step_code(secret: bytes, step: int | None, rotate_seconds: int | None) -> str:
    # Distinct messages for fixed and rotating codes (and per rotation length), so the
    # fixed code is never also the code of some time step.
    if step is None:
        return _code_for_message(secret, b"trainingapp-checkin:fixed")
    return _code_for_message(secret, f"trainingapp-checkin:{rotate_seconds}:{step}".encode("ascii"))


def current_step(moment: datetime, rotate_seconds: int | None) -> int | None:
    """floor(unix_ts / rotate_seconds) for rotating codes, None for a fixed code."""
    _check_rotation(rotate_seconds)
    if rotate_seconds is None:
        return None
    return _unix_seconds(moment) // rotate_seconds


def code_at(secret: bytes, moment: datetime, *, rotate_seconds: int | None) -> str:
    """The 6-digit code valid at `moment`: the same for every moment of one step (or of the
    whole session when rotate_seconds is None), derived only from the secret and the step."""
    return _step_code(secret, current_step(moment, rotate_seconds), rotate_seconds)


def normalise_code(typed) -> str | None:
    """The typed code as 6 ASCII digits (full-width digits and any spaces accepted), or None."""
    if not isinstance(typed, str):
        return None
    # NFKC turns full-width digits (１２３) and the ideographic space into ASCII ones;
    # people type codes on Chinese input methods.
    text = _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", typed))
    return text if _CODE_RE.fullmatch(text) else None


def verify_code(
    secret: bytes,
    code,
    now: datetime,
    *,
    rotate_seconds: int | None,
    window: Window | None,
    drift_steps: int = 1,
) -> bool:
    """True only inside `window` (when given) and when `code` matches the current step or one
    of the `drift_steps` previous ones; compared in constant time."""
    if drift_steps < 0:
        raise ValueError("drift_steps must not be negative")
    step = current_step(now, rotate_seconds)
    typed = normalise_code(code)
    if typed is None or (window is not None and not in_window(now, window)):
        return False
    steps = [None] if step is None else [step - back for back in range(drift_steps + 1)]
    matched = False
    for candidate in steps:
        # No early exit: the time taken does not reveal which step matched.
        expected = _step_code(secret, candidate, rotate_seconds)
        matched |= hmac.compare_digest(expected.encode("ascii"), typed.encode("ascii"))
    return matched


def seconds_until_rotation(now: datetime, rotate_seconds: int | None) -> int | None:
    """Whole seconds (1..rotate_seconds, rounded up) until the next code; None for a fixed code."""
    _check_rotation(rotate_seconds)
    if rotate_seconds is None:
        return None
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    # Integer microseconds, so the count agrees exactly with current_step at step edges.
    period = rotate_seconds * 1_000_000
    into = (now - _EPOCH) // timedelta(microseconds=1) % period
    return -(-(period - into) // 1_000_000)


# --------------------------------------------------------------------------- decision


def checkin_decision(
    now: datetime,
    window: Window,
    code_ok: bool,
    already: str | None,
    expected: bool,
    *,
    starts_at: datetime,
    late_after: timedelta = timedelta(0),
    locked: bool = False,
) -> Decision:
    """The outcome of one attempt. Checked in already wins over everything (checking in twice
    is harmless and keeps the first status); then a lock after too many wrong codes (whatever
    the code, so a locked person learns nothing more about codes); then the window; then the code."""
    if already is not None:
        return Decision("already", already, "checkin.already")
    if locked:
        return Decision("locked", None, "checkin.locked")
    opens, closes = window
    if now < opens:
        return Decision("too_early", None, "checkin.too_early")
    if now > closes:
        return Decision("closed", None, "checkin.closed")
    if not code_ok:
        return Decision("wrong_code", None, "checkin.wrong_code")
    if not expected:
        # Not on the list of expected attendees: recorded, but kept apart from present/late.
        return Decision("ok", "walk_in", "checkin.walk_in")
    status = status_for_arrival(starts_at, now, late_after=late_after)
    return Decision("ok", status, f"checkin.{status}")


# --------------------------------------------------------------------------- URL and QR


def checkin_url_payload(base_url: str, session_id: int, code: str | None) -> str:
    """The absolute URL a QR code encodes: {base}/checkin/{session_id}?code={code}."""
    url = f"{base_url.rstrip('/')}/checkin/{int(session_id)}"
    if code:
        url += f"?code={quote(code, safe='')}"
    return url


def qr_svg(text: str, *, title: str | None = None) -> str:
    """A standalone SVG fragment of a QR code for `text`: no XML declaration, no fixed size
    (viewBox only, so it scales to any projector), black modules on white, quiet zone kept."""
    # make_qr (never a Micro QR, which phone camera apps often fail to read); level M
    # survives a bit of glare or a dirty projector screen.
    qr = segno.make_qr(text, error="m")
    out = io.BytesIO()
    qr.save(
        out,
        kind="svg",
        xmldecl=False,
        omitsize=True,
        border=4,
        dark="#000",
        light="#fff",
        title=title,
        svgclass="qr",
        nl=False,
    )
    return out.getvalue().decode("utf-8")
