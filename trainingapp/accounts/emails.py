"""E-mail addresses as people write them in forms and rosters (pure)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

#: A practical check, not RFC 5322: one @, a dotted domain, no spaces or angle brackets (which
#: would let an address smuggle a second recipient or header into a message).
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
MAX_LENGTH = 254


def normalise_email(text: str | None) -> tuple[str | None, str | None]:
    """The address as stored (trimmed, domain in lower case; None when empty), and a problem."""
    value = (text or "").strip()
    if not value:
        return None, None
    if len(value) > MAX_LENGTH or not _EMAIL_RE.match(value):
        return value, str(_l("\"%(v)s\" is not an e-mail address such as name@example.org", v=value))
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}", None
