"""The one clock of the platform.

Every decision about time (exam windows, deadlines, check-in windows, study credit)
asks `now()`, never the browser and never `datetime.now()` directly, so tests can move
time. Times are naive UTC in the database on both SQLite and PostgreSQL; pages convert
them to the configured time zone for display.
"""
from datetime import datetime, timedelta, timezone

_frozen_at = None
_offset = timedelta(0)


def now() -> datetime:
    """The current time as naive UTC (moved or frozen in tests)."""
    if _frozen_at is not None:
        return _frozen_at
    return datetime.now(timezone.utc).replace(tzinfo=None) + _offset


def freeze(at: datetime) -> None:
    """Stop the clock at `at` (naive UTC) until `unfreeze()`."""
    global _frozen_at
    _frozen_at = at


def advance(delta: timedelta) -> None:
    """Move the clock forward (or back) by `delta`, frozen or running."""
    global _frozen_at, _offset
    if _frozen_at is not None:
        _frozen_at = _frozen_at + delta
    else:
        _offset = _offset + delta


def reset() -> None:
    """Return to real time."""
    global _frozen_at, _offset
    _frozen_at = None
    _offset = timedelta(0)


def isoformat(moment: datetime) -> str:
    """ISO 8601 with an explicit UTC offset, for JSON."""
    return moment.replace(tzinfo=timezone.utc).isoformat()


def local_zone():
    """The platform's display time zone (TIMEZONE, default Asia/Shanghai) as a zoneinfo zone."""
    from zoneinfo import ZoneInfo

    from flask import current_app
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def to_utc(local: datetime | None) -> datetime | None:
    """A wall-clock time typed in the platform's time zone, as naive UTC for storage."""
    if local is None:
        return None
    return local.replace(tzinfo=local_zone()).astimezone(timezone.utc).replace(tzinfo=None)


def to_local(utc: datetime | None) -> datetime | None:
    """A stored naive UTC time as naive wall-clock time in the platform's time zone."""
    if utc is None:
        return None
    return utc.replace(tzinfo=timezone.utc).astimezone(local_zone()).replace(tzinfo=None)
