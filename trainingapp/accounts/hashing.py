"""Password hashes: Argon2id for what people choose, any werkzeug method still readable.

Method strings are "argon2id:<memory KiB>:<passes>:<lanes>" or a werkzeug method
("scrypt", "pbkdf2:sha256:600000", …). The default, argon2id with 9 MiB and 4 passes, is one
of OWASP's equivalent minimum settings; of those it is the cheapest on a small server
(the memory fits the CPU cache) and it needs a quarter of the memory of werkzeug's scrypt
default (32 MiB), which matters when hundreds of cadres sign in the minutes before an exam.

A password check is the only CPU- and memory-heavy thing a sign-in does, so each process
runs at most PASSWORD_CHECKS_AT_ONCE of them together: a burst of sign-ins queues for a few
tens of milliseconds instead of multiplying a worker's memory.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import secrets
import threading

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

_ARGON2 = "argon2id"
_M_MMAP_THRESHOLD = -3


def _release_big_blocks_to_the_os() -> None:
    """Serve allocations of 1 MiB and more from mmap, which free() returns to the OS at once.

    glibc otherwise raises its mmap threshold after the first 9 MiB Argon2 block is freed and
    keeps later ones in each thread's heap: a worker with 8 threads grew by 70 MiB for good
    after a burst of sign-ins. Elsewhere than glibc this does nothing.
    """
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(_M_MMAP_THRESHOLD, 1 << 20)
    except (OSError, AttributeError):
        pass


_release_big_blocks_to_the_os()
_hashers: dict[str, PasswordHasher] = {}
_gate_lock = threading.Lock()


def _argon2(method: str) -> PasswordHasher:
    """The hasher for "argon2id:m:t:p" (cached: building one per check would be wasteful)."""
    if method not in _hashers:
        try:
            memory, passes, lanes = (int(part) for part in method.split(":")[1:])
        except ValueError:
            raise ValueError(f"Expected argon2id:<memory KiB>:<passes>:<lanes>, got {method!r}") from None
        _hashers[method] = PasswordHasher(time_cost=passes, memory_cost=memory, parallelism=lanes, type=Type.ID)
    return _hashers[method]


def checks_at_once() -> threading.BoundedSemaphore:
    """This app's bound on concurrent password checks (one per app, shared by its threads)."""
    gate = current_app.extensions.get("password_checks")
    if gate is None:
        with _gate_lock:
            size = max(1, int(current_app.config["PASSWORD_CHECKS_AT_ONCE"]))
            gate = current_app.extensions.setdefault("password_checks", threading.BoundedSemaphore(size))
    return gate


def hash_password(password: str, method: str) -> str:
    if method.split(":")[0] == _ARGON2:
        return _argon2(method).hash(password)
    return generate_password_hash(password, method=method)


_dummies: dict[str, str] = {}


def dummy_hash(method: str) -> str:
    """A hash of a random password made with `method`, one per method and process.

    Verifying a typed password against it costs what verifying a real password costs, so a
    sign-in with an unknown login takes as long as one with a wrong password (review finding 10:
    31 ms against 9 ms told which logins exist).
    """
    if method not in _dummies:
        _dummies[method] = hash_password(secrets.token_urlsafe(16), method)
    return _dummies[method]


def verify_password(stored: str, password: str) -> bool:
    """True when the password matches the stored hash, whichever supported method made it."""
    with checks_at_once():
        if stored.startswith(f"${_ARGON2}$"):
            try:
                return PasswordHasher().verify(stored, password)  # parameters are read from the hash
            except (VerificationError, InvalidHashError):
                return False
        return check_password_hash(stored, password)


def is_current(stored: str, method: str) -> bool:
    """Whether a hash was made with this method and these parameters (else rehash at sign-in)."""
    if method.split(":")[0] == _ARGON2:
        return stored.startswith(f"${_ARGON2}$") and not _argon2(method).check_needs_rehash(stored)
    name, _sep, _rest = stored.partition("$")
    return name == method or name.startswith(f"{method}:")  # "scrypt" writes "scrypt:32768:8:1"
