"""Password rules (ASVS 6.2): length, not the login name, not a common password."""
from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128
# No 0/O, 1/l/I: generated passwords are read off paper by people typing on phones.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text("utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problems(password: str, login: str = "") -> list[str]:
    """Every reason this password is not acceptable; empty when it is."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("at least %(n)s characters", n=MIN_LENGTH)))
    if len(password) > MAX_LENGTH:
        problems.append(str(_l("at most %(n)s characters", n=MAX_LENGTH)))
    if login and password.strip().lower() == login.strip().lower():
        problems.append(str(_l("must not be the login name")))
    if password.lower() in common_passwords():
        problems.append(str(_l("is one of the most common passwords")))
    return problems


def generate_password(length: int = 10) -> str:
    """A random password easy to read off a printed sheet."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate
