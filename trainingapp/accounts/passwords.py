"""Password rules (ASVS 6.2): length, not the login name, not a common password."""
from __future__ import annotations

import math
import secrets
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128
# No 0/O, 1/l/I: generated passwords are read off paper by people typing on phones.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_DIGITS = sum(c.isdigit() for c in _ALPHABET)
#: 12 characters of 55: about 69 bits of entropy (see generated_entropy_bits), at least 64 as
#: docs/security.md requires of a password that is stored with a fast hash.
GENERATED_LENGTH = 12
#: The hash method of generated passwords (config GENERATED_PASSWORD_HASH_METHOD overrides it):
#: PBKDF2-HMAC-SHA256 with one iteration and a 16-character random salt. Key stretching protects
#: guessable passwords; a generated one has 69 random bits, out of reach of any guessing however
#: cheap each guess, and it must be changed at first sign-in, when the person's own password gets
#: PASSWORD_HASH_METHOD (Argon2id). Chosen initial passwords (a roster's 初始密码 column, an
#: administrator's) keep INITIAL_PASSWORD_HASH_METHOD. See docs/security.md.
GENERATED_HASH_METHOD = "pbkdf2:sha256:1"


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


def generated_entropy_bits(length: int = GENERATED_LENGTH) -> float:
    """Entropy of `generate_password(length)`: every string of the alphabet with at least one
    digit and one letter is equally likely."""
    letters = len(_ALPHABET) - _DIGITS
    return math.log2(len(_ALPHABET) ** length - letters ** length - _DIGITS ** length)


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password easy to read off a printed sheet (uniform over the strings of the
    alphabet with at least one digit and one letter)."""
    size = len(_ALPHABET)
    limit = 256 - 256 % size  # bytes below this map onto the alphabet evenly (rejection sampling)
    while True:
        # One read of the system's randomness per password, not one per character: a roster of
        # 50,000 new people needs 50,000 of them.
        chars = [_ALPHABET[byte % size] for byte in secrets.token_bytes(2 * length) if byte < limit][:length]
        if len(chars) < length:
            continue
        candidate = "".join(chars)
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate
