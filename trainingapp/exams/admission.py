"""The admission limit of starts: at most START_CONCURRENCY starts run at once in one worker
process; the rest wait up to START_QUEUE_WAIT_SECONDS for a place and are then told, quickly,
where they stand instead of waiting for a timeout.

At an exam's opening minute every candidate presses start within seconds. Past a few starts at
once a process only shares its CPU among more of them, and every one gets slower until browsers
and proxies give up with an error page. So a start beyond the limit is answered 503 with a
`Retry-After` header and `Queued` (position, seconds to wait): the rules page shows
"排队中，第N位，约M秒" and presses start again by itself (static/js/start.js); the API answers
JSON {"queued": true, "position": N, "retry_after": M} (docs/api.md). A start is idempotent (a
retry finds the attempt already made: starting.start_attempt), so a retry is always safe.

The position is honest about what this process knows: the starts running or waiting in it
when this one was turned away, plus this one. Other processes and servers are not counted.
The wait is that many starts at the recent mean duration of one, shared among the places.
"""
from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager

from flask import current_app
from flask_babel import lazy_gettext as _l

from .taking import Refused

#: The longest wait a queue answer asks for (the page asks again then; so do API clients).
MOST_RETRY_SECONDS = 30


class Queued(Refused):
    """Turned away by a full start gate: come back in `retry_after` seconds."""

    def __init__(self, position: int, retry_after: int):
        super().__init__("queued", _l("In the queue: number %(n)s, about %(s)s seconds.", n=position, s=retry_after),
                         503)
        self.position, self.retry_after = position, retry_after

    def as_json(self) -> dict:
        return {"queued": True, "position": self.position, "retry_after": self.retry_after,
                "error": str(self.message), "code": self.code}


class StartGate:
    """Places for `limit` starts at once; a start waits up to `wait` seconds for one."""

    def __init__(self, limit: int, wait: float):
        self.limit, self.wait = max(1, limit), max(0.0, wait)
        self._places = threading.Condition(threading.Lock())
        self.running = 0
        self.waiting = 0
        #: Mean seconds of one start (exponentially weighted), for the wait a queue answer asks.
        self.mean_seconds = 0.2

    @contextmanager
    def admitted(self):
        """Hold a place for the body of the `with`; Queued if none came free in time."""
        with self._places:
            if self.running >= self.limit:
                self.waiting += 1
                try:
                    self._places.wait_for(lambda: self.running < self.limit, timeout=self.wait)
                finally:
                    self.waiting -= 1
                if self.running >= self.limit:
                    position = self.running + self.waiting + 1
                    seconds = math.ceil(position * self.mean_seconds / self.limit)
                    raise Queued(position, min(MOST_RETRY_SECONDS, max(1, seconds)))
            self.running += 1
        began = time.monotonic()
        try:
            yield
        finally:
            took = time.monotonic() - began
            with self._places:
                self.running -= 1
                self.mean_seconds = 0.8 * self.mean_seconds + 0.2 * took
                if self.waiting:
                    self._places.notify()


_gate_lock = threading.Lock()


def start_gate() -> StartGate:
    """This app's start gate (one per app and process, shared by its threads)."""
    gate = current_app.extensions.get("start_gate")
    if gate is None:
        with _gate_lock:
            gate = current_app.extensions.setdefault("start_gate", StartGate(
                int(current_app.config["START_CONCURRENCY"]), float(current_app.config["START_QUEUE_WAIT_SECONDS"])))
    return gate
