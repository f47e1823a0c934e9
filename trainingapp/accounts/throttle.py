"""Sign-in throttling (ASVS 6.3.1): per login a delay that doubles, never a lock for good.

Pure rules over plain numbers (no Flask, no database); services.authenticate keeps the
counts in the login_throttle table (one atomic upsert per failure, so parallel guesses are all
counted), so they hold across sign-outs, restarts, processes and servers.

- Per login (the name typed, the same for existing and unknown logins): the first
  `free` wrong passwords cost nothing; the failure that reaches `free` starts a delay of
  `first` seconds, each further one (made after the delay) doubles it, up to `cap`. During a
  delay no password is checked: the answer says when to try again. After it a right password
  signs in and forgets the count; so does an administrator's "clear" on the person's page.
  A login without a failure for `memory` seconds starts from zero again.
- Per address (counted by the caller, failures only): an address over its budget of failed
  sign-ins, across every login it tried (password spraying), gets no free tries any more: each
  of its failures starts or doubles that login's delay at once. A right password from the
  same address still signs in, so a hall behind one NAT address keeps working while someone
  in it guesses.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Policy:
    """How many failures are free, the first and the longest delay, how long failures are remembered."""

    free: int = 5
    first: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(minutes=30)
    memory: timedelta = timedelta(hours=24)

    def __post_init__(self):
        if self.free < 1:
            raise ValueError("at least one failure must be free")
        if not timedelta(0) < self.first <= self.cap:
            raise ValueError("the first delay must be positive and at most the longest one")


def delay(failures: int, policy: Policy) -> timedelta | None:
    """The wait after the `failures`-th failure: None while free, then first, 2x first, 4x … up to cap."""
    if failures < policy.free:
        return None
    doublings = min(failures - policy.free, 32)  # 2**32 minutes is far past any cap
    return min(policy.first * (2 ** doublings), policy.cap)
