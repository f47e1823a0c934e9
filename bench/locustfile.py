"""Locust users for bench/rush.py (started by it; not meant to be run by hand).

Everything goes through the real HTTP interface with CSRF on: the login form's token,
then the token of the signed-in session from a page's hidden input, sent back in the
`X-CSRFToken` header of every API write.

Parameters come from BENCH_* environment variables set by bench/rush.py. Each process
records every request (name, end time, latency, ok) and, for the no-lost-answer check,
the last acknowledged answer per attempt and question; both are written to BENCH_OUT
when the process quits.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

ENV = os.environ
OUT = Path(ENV.get("BENCH_OUT", "/tmp/bench-out"))  # noqa: S108 - rush.py always sets it
PROCESS = int(ENV.get("BENCH_PROCESS", "0"))
PROCESSES = int(ENV.get("BENCH_PROCESSES", "1"))
HOSTS = [h for h in ENV.get("BENCH_HOSTS", "").split(",") if h]
PASSWORD = ENV.get("BENCH_PASSWORD", "")
LOGIN_PREFIX = ENV.get("BENCH_LOGIN_PREFIX", "b")
CANDIDATES = int(ENV.get("BENCH_CANDIDATES", "0"))
EXAM_ID = int(ENV.get("BENCH_EXAM_ID", "0"))
T0 = float(ENV.get("BENCH_T0", "0"))                    # epoch: the login window starts
LOGIN_WINDOW = float(ENV.get("BENCH_LOGIN_WINDOW", "0"))
OPENS_AT = float(ENV.get("BENCH_OPENS_AT", "0"))        # epoch: the exam opens
START_SPREAD = float(ENV.get("BENCH_START_SPREAD", "60"))
THINK = float(ENV.get("BENCH_THINK", "15"))
SUBMIT_SPREAD = float(ENV.get("BENCH_SUBMIT_SPREAD", "60"))
NO_SUBMIT = float(ENV.get("BENCH_NO_SUBMIT", "0.1"))
RESUBMIT = float(ENV.get("BENCH_RESUBMIT", "0.15"))
SEED = int(ENV.get("BENCH_SEED", "2026"))
#: "close": a new connection per request, as nginx talks to gunicorn by default (and no race
#: between a client reusing an idle connection and gunicorn's 2-s keep-alive closing it).
CONNECTION = {"Connection": "close"} if ENV.get("BENCH_KEEPALIVE", "1") == "0" else {}
STEPS = [int(s) for s in ENV.get("BENCH_STEPS", "").split(",") if s]   # users per step (this process)
GO = float(ENV.get("BENCH_GO", "0"))                    # epoch: the first step begins
STEP_SECONDS = float(ENV.get("BENCH_STEP_SECONDS", "30"))
PEER_LOGINS = [x for x in ENV.get("BENCH_PEER_LOGINS", "").split(",") if x]   # the peer's (FlaskBB's) users
PEER_TOPICS = [int(x) for x in ENV.get("BENCH_PEER_TOPICS", "").split(",") if x]  # one topic per user

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')

#: (name, end time, milliseconds, ok) of every request of this process.
SAMPLES: list[tuple[str, float, float, bool]] = []
#: attempt id -> question id -> [answer, seq] of the newest acknowledged save.
ACKS: dict[int, dict[int, list]] = {}
#: attempt id -> what submit answered.
SUBMITS: dict[int, dict] = {}
#: attempt id -> login, for every attempt this process started.
STARTED: dict[int, str] = {}
#: Starts answered "in the queue" (503 queued, exams/admission.py) and then retried.
QUEUED = {"answers": 0}
#: Each candidate's start as they live it: from the first press to the paper, queue retries included.
START_NAME = "start: first press to paper"
_local_index = itertools.count()
_first_host = itertools.count()
_finished = {"users": 0}
#: Replies the peer acknowledged (a redirect to the new post).
PEER_ACKS = {"replies": 0}
_test = {"start": None}


@events.test_start.add_listener
def _started(environment, **_kw):
    _test["start"] = time.time()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_kw):
    SAMPLES.append((name, time.time(), response_time, exception is None))


@events.quitting.add_listener
def _dump(environment, **_kw):
    OUT.mkdir(parents=True, exist_ok=True)
    document = {"test_start": _test["start"], "samples": SAMPLES, "acks": ACKS, "submits": SUBMITS, "started": STARTED,
                "peer_replies": PEER_ACKS["replies"], "queued": QUEUED["answers"]}
    (OUT / f"client-{PROCESS}.json").write_text(json.dumps(document))


def _epoch(iso: str) -> float:
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _sleep_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        gevent.sleep(delay)


def _random_answer(question: dict, rng: random.Random):
    """A valid answer of the question's shape, keys as the API names them."""
    keys = [option["key"] for option in question["options"]]
    if question["type"] == "single":
        return rng.choice(keys)
    if question["type"] == "multiple":
        return sorted(rng.sample(keys, rng.randint(1, len(keys))))
    if question["type"] == "truefalse":
        return rng.random() < 0.5
    return [rng.choice(["十五日", "书面", "不知道"]) for _ in range(question["blanks"])]


class Candidate(FastHttpUser):
    """Common steps: sign in through the form, read the session's CSRF token, alternate hosts."""

    abstract = True
    connection_timeout = 60.0
    network_timeout = 120.0
    host = HOSTS[0] if HOSTS else None

    def on_start(self):
        # Consecutive candidates begin on different servers, so no server gets every sign-in.
        self._turn = itertools.count(next(_first_host) % max(len(HOSTS), 1))
        self.token = None
        self.headers = dict(CONNECTION)

    def url(self, path: str) -> str:
        """Requests of one candidate alternate between the app servers (one server: always it)."""
        return HOSTS[next(self._turn) % len(HOSTS)] + path

    def _check(self, response, expected: tuple[int, ...]):
        if response.status_code not in expected:
            response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
            return False
        response.success()
        return True

    def sign_in(self, login: str) -> bool:
        # Names the candidate to the proxy's access log, so a run behind nginx can show that one
        # candidate's requests reached several servers.
        self.headers = {**CONNECTION, "X-Bench-User": login}
        with self.client.get(self.url("/login"), name="GET /login", headers=self.headers, catch_response=True) as page:
            if not self._check(page, (200,)):
                return False
            found = TOKEN.search(page.text)
        form = {"csrf_token": found.group(1) or found.group(2), "login": login, "password": PASSWORD, "next": ""}
        with self.client.post(self.url("/login"), data=form, name="POST /login", allow_redirects=False,
                              headers=self.headers, catch_response=True) as answer:
            if not self._check(answer, (302,)):
                return False
        # The session was renewed at sign-in: its CSRF token is on every page (hidden inputs).
        with self.client.get(self.url("/my/exams"), name="GET /my/exams", headers=self.headers,
                             catch_response=True) as page:
            if not self._check(page, (200,)):
                return False
            found = TOKEN.search(page.text)
            self.token = found.group(1) or found.group(2)
        return True

    def api(self, method: str, path: str, name: str, expected=(200,), body=None):
        """A JSON API call; the decoded body, or None when the status was not expected."""
        headers = {**self.headers, **({"X-CSRFToken": self.token} if method != "GET" else {})}
        with self.client.request(method, self.url(path), name=name, json=body, headers=headers,
                                 catch_response=True) as response:
            if not self._check(response, expected):
                return None
            try:
                return response.json()
            except ValueError:
                response.failure("not JSON")
                return None

    def start_attempt(self, exam_id: int) -> dict | None:
        """The paper, after as many queue answers as the server gives (each: wait, then retry,
        as the exam page does); None on an error. Records the whole wait as START_NAME."""
        began = time.time()
        headers = {**self.headers, "X-CSRFToken": self.token}
        while True:
            with self.client.request("POST", self.url(f"/api/exams/{exam_id}/attempts"),
                                     name="POST /api/exams/[id]/attempts", headers=headers,
                                     catch_response=True) as response:
                body = None
                if response.status_code in (200, 201, 503):
                    try:
                        body = response.json()
                    except ValueError:
                        body = None
                if response.status_code == 503 and body is not None and body.get("queued"):
                    response.success()  # an answer, not an error: the candidate waits and presses again
                    QUEUED["answers"] += 1
                    wait = float(body["retry_after"]) + random.random()
                elif response.status_code in (200, 201) and body is not None:
                    response.success()
                    SAMPLES.append((START_NAME, time.time(), (time.time() - began) * 1000, True))
                    return body
                else:
                    response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
                    SAMPLES.append((START_NAME, time.time(), (time.time() - began) * 1000, False))
                    return None
            gevent.sleep(wait)

    def save(self, attempt_id: int, question: dict, answer, seq: int) -> bool:
        result = self.api("PUT", f"/api/attempts/{attempt_id}/answers/{question['id']}",
                          "PUT /api/attempts/[a]/answers/[q]", body={"answer": answer, "seq": seq})
        if result is None:
            return False
        known = ACKS.setdefault(attempt_id, {}).get(question["id"])
        if known is None or seq > known[1]:
            ACKS[attempt_id][question["id"]] = [answer, seq]
        return True

    def done(self):
        _finished["users"] += 1
        if _finished["users"] >= self.environment.runner.target_user_count:
            gevent.spawn_later(0.5, self.environment.runner.quit)
        raise StopUser()


class RushCandidate(Candidate):
    """One candidate's whole exam: sign in during the login window, start within the start
    spread, answer one question per think time (some answers changed again), submit in the
    last SUBMIT_SPREAD seconds, or (a NO_SUBMIT share) never submit."""

    wait_time = constant(0)

    @task
    def exam(self):
        index = next(_local_index) * PROCESSES + PROCESS
        if index >= CANDIDATES:
            self.done()
        rng = random.Random(SEED * 100_003 + index)
        login = f"{LOGIN_PREFIX}{index + 1:05d}"
        _sleep_until(T0 + rng.random() * LOGIN_WINDOW)
        if not self.sign_in(login):
            self.done()
        exams = self.api("GET", "/api/exams", "GET /api/exams")
        if exams is None or not any(e["id"] == EXAM_ID for e in exams["exams"]):
            self.done()
        _sleep_until(OPENS_AT + 0.5 + rng.random() * START_SPREAD)
        paper = self.start_attempt(EXAM_ID)
        if paper is None:
            self.done()
        attempt_id = paper["attempt_id"]
        STARTED[attempt_id] = login
        deadline = _epoch(paper["deadline"])
        submits = rng.random() >= NO_SUBMIT
        stop_at = deadline - rng.random() * SUBMIT_SPREAD if submits else deadline - 2.0
        questions, answered, seq = paper["questions"], [], 0
        while True:
            next_at = time.time() + THINK * (0.5 + rng.random())
            if next_at >= stop_at - 1.0:
                break
            _sleep_until(next_at)
            if answered and (rng.random() < RESUBMIT or len(answered) == len(questions)):
                question = rng.choice(answered)       # a change of mind
            else:
                question = questions[len(answered)]
                answered.append(question)
            seq += 1
            self.save(attempt_id, question, _random_answer(question, rng), seq)
        if submits:
            _sleep_until(stop_at)
            result = self.api("POST", f"/api/attempts/{attempt_id}/submit", "POST /api/attempts/[a]/submit")
            if result is not None:
                SUBMITS[attempt_id] = result
        self.done()


def _stepped(user) -> bool:
    """Closed-loop steps without logins inside them: every user is spawned (and signed in) before
    GO; from GO on, step s lasts STEP_SECONDS and only the first STEPS[s] users of each process
    work. False once the last step is over."""
    moment = time.time()
    if moment < GO:
        gevent.sleep(GO - moment)
        return True
    step = int((moment - GO) // STEP_SECONDS)
    if step >= len(STEPS):
        return False
    if user.local >= STEPS[step]:
        gevent.sleep(GO + (step + 1) * STEP_SECONDS - moment)
        return True
    return None


class Saver(Candidate):
    """Save-capacity: sign in and start before GO, then save answers back to back (no think time)."""

    wait_time = constant(0)

    def on_start(self):
        super().on_start()
        self.local = next(_local_index)
        index = self.local * PROCESSES + PROCESS
        self.rng = random.Random(SEED * 7 + index)
        if not self.sign_in(f"{LOGIN_PREFIX}{index % CANDIDATES + 1:05d}"):
            raise StopUser()
        paper = self.start_attempt(EXAM_ID)
        if paper is None:
            raise StopUser()
        self.attempt_id, self.questions = paper["attempt_id"], paper["questions"]
        STARTED[self.attempt_id] = str(index)
        self.seq = 0

    @task
    def save_one(self):
        state = _stepped(self)
        if state is False:
            self.done()
        if state is None:
            question = self.rng.choice(self.questions)
            self.seq += 1
            self.save(self.attempt_id, question, _random_answer(question, self.rng), self.seq)


class Health(FastHttpUser):
    """The framework ceiling: /healthz (one `SELECT 1`, no session) back to back, in the same steps."""

    wait_time = constant(0)
    host = HOSTS[0] if HOSTS else None

    def on_start(self):
        self.local = next(_local_index)

    @task
    def healthz(self):
        state = _stepped(self)
        if state is False:
            Candidate.done(self)
        if state is None:
            with self.client.get("/healthz", name="GET /healthz", headers=CONNECTION,
                                 catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")


class PeerReplier(FastHttpUser):
    """The peer (FlaskBB, bench/peer_flaskbb.py): sign in through its form, then reply to one's own
    topic back to back (a signed-in, CSRF-checked POST storing one row), in the same steps as Saver."""

    wait_time = constant(0)
    host = HOSTS[0] if HOSTS else None

    def on_start(self):
        self.local = next(_local_index)
        index = self.local * PROCESSES + PROCESS
        self.topic = PEER_TOPICS[index % len(PEER_TOPICS)]
        with self.client.get("/auth/login", name="GET /auth/login", catch_response=True) as page:
            found = TOKEN.search(page.text or "")
            if page.status_code != 200 or not found:
                page.failure(f"HTTP {page.status_code}")
                raise StopUser()
        form = {"csrf_token": found.group(1) or found.group(2), "login": PEER_LOGINS[index % len(PEER_LOGINS)],
                "password": PASSWORD}
        with self.client.post("/auth/login", data=form, name="POST /auth/login", allow_redirects=False,
                              catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"HTTP {answer.status_code}")
                raise StopUser()
        with self.client.get(f"/topic/{self.topic}/post/new", name="GET /topic/[t]/post/new",
                             catch_response=True) as page:
            found = TOKEN.search(page.text or "")
            if page.status_code != 200 or not found:
                page.failure(f"HTTP {page.status_code}")
                raise StopUser()
            self.token = found.group(1) or found.group(2)
        self.n = 0

    @task
    def reply(self):
        state = _stepped(self)
        if state is False:
            Candidate.done(self)
        if state is None:
            self.n += 1
            form = {"csrf_token": self.token, "content": f"回复 {self.n}：基准测试的一条回复。"}
            with self.client.post(f"/topic/{self.topic}/post/new", data=form, name="POST /topic/[t]/post/new",
                                  allow_redirects=False, catch_response=True) as response:
                if response.status_code == 302 and "/post/" in response.headers.get("Location", ""):
                    PEER_ACKS["replies"] += 1
                    response.success()
                else:
                    response.failure(f"HTTP {response.status_code}")
