"""Password rules (ASVS 6.2): length, not the login or the name (also in pinyin), not a common password."""
from __future__ import annotations

import math
import re
import secrets
import unicodedata
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from pypinyin import lazy_pinyin

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
    """The refused common passwords (about 33,000, lower case; see common_passwords_build.py)."""
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text("utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


#: Logins and names shorter than this are not looked for inside a password ("li" is in too many words).
_MIN_CONTAINED = 4
#: One Latin word with only digits and symbols around it ("Dragon2024!").
_WORD_WITH_DECORATION = re.compile(r"[0-9\W_]*([a-z]+)[0-9\W_]*")
_ONLY_DIGITS_OR_SYMBOLS = re.compile(r"[^a-z]*")


def _compact(text: str) -> str:
    """Lower case without spaces, dots, dashes: how a login or a name is hidden inside a password."""
    return re.sub(r"[\s._\-]+", "", unicodedata.normalize("NFKC", text).lower())


def name_forms(name: str) -> tuple[set[str], set[str]]:
    """(whole forms, initials) of a person's name: the characters and their toneless pinyin
    (张伟: {"张伟", "zhangwei", "weizhang"}, {"zw", "wz"}); a Latin name gives itself."""
    name = _compact(name)
    if not name:
        return set(), set()
    syllables = [s for s in lazy_pinyin(name, errors="ignore") if s.isascii() and s.isalpha()]
    wholes = {name} | ({"".join(syllables)} if syllables else set())
    initials = set()
    if len(syllables) >= 2:
        # Given name first is common too ("weizhang"); the initials ("zw") with a birthday
        # are the classic cadre password.
        wholes.add("".join(syllables[1:] + syllables[:1]))
        initials = {"".join(s[0] for s in syllables), "".join(s[0] for s in syllables[1:] + syllables[:1])}
    return {w for w in wholes if len(w) >= _MIN_CONTAINED or not w.isascii()}, initials


def password_problems(password: str, login: str = "", name: str = "") -> list[str]:
    """Every reason this password is not acceptable (ASVS 6.2.1, 6.2.11, 6.2.12); empty when it is.

    Refused: fewer than MIN_LENGTH or more than MAX_LENGTH characters; containing the login
    (a mobile or staff number) or the person's name, in characters or pinyin, either order;
    the name's pinyin initials with only digits or symbols around them; a password of the
    common list, also with digits or symbols added before or after it.
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("at least %(n)s characters", n=MIN_LENGTH)))
    if len(password) > MAX_LENGTH:
        problems.append(str(_l("at most %(n)s characters", n=MAX_LENGTH)))
    compact = _compact(password)
    login = _compact(login)
    if login and (compact == login or (len(login) >= _MIN_CONTAINED and login in compact)):
        problems.append(str(_l("must not contain the login name (the mobile or staff number)")))
    wholes, initials = name_forms(name)
    if any(whole in compact for whole in wholes):
        problems.append(str(_l("must not contain your name, in characters or in pinyin")))
    elif any(_ONLY_DIGITS_OR_SYMBOLS.fullmatch(compact.replace(initial, "", 1)) and initial in compact
             for initial in initials):
        problems.append(str(_l("must not be the initials of your name with digits or symbols")))
    common = common_passwords()
    lowered = password.strip().lower()
    decorated = _WORD_WITH_DECORATION.fullmatch(lowered)
    if lowered in common or compact in common:
        problems.append(str(_l("is one of the most common passwords")))
    elif decorated and len(decorated.group(1)) >= _MIN_CONTAINED and decorated.group(1) in common:
        # "Dragon2024!" is "dragon" with a year and a symbol: the first thing a guesser tries.
        problems.append(str(_l("is a common password with digits or symbols added")))
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
