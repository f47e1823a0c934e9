"""The exam rush and the save-capacity benchmark (never part of the test suite).

    python -m bench.rush rush --candidates 1000 --login-window 120 --duration 5
    python -m bench.rush burst --db postgres --candidates 5000      (the synchronized start)
    python -m bench.rush capacity --db postgres --steps 8,16,32,64
    python -m bench.rush --help          (every parameter, with its default)

Each run builds its own data in a fresh database (PostgreSQL `bench_*`, or SQLite in the
run's folder) through the real services, starts the app under gunicorn (pinned with
`taskset`), drives it with locust headless through the HTTP interface (pinned too), and
writes report.md and report.json into --out. The rush then runs `flask --app run exams
finalize` after the last deadline and checks the database: every acknowledged answer
stored with its value, every attempt finished, every score equal to a regrade. The exit
status is 0 only when the pass conditions hold (no lost answer, no error).

Every virtual user comes from 127.0.0.1; successful sign-ins are never limited per address
(only failures are counted), and REDIS_URL is set so every worker and server shares the
counts.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import os
import re
import secrets
import signal
import sqlite3
import statistics
import subprocess  # noqa: S404 - starts gunicorn, locust and flask with arguments we build
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench import wrk_saves

ROOT = Path(__file__).resolve().parent.parent
#: The application under test: this checkout, or --app-dir (e.g. `git archive` of one commit).
APP = {"dir": ROOT}
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PASSWORD = "bench-pass-2026"  # noqa: S105 - the bench candidates' password, bench databases only
LOGIN_PREFIX = "b"
RULES = [{"qtype": "single", "category": None, "difficulty": None, "count": 20, "points": 2},
         {"qtype": "multiple", "category": None, "difficulty": None, "count": 10, "points": 3},
         {"qtype": "truefalse", "category": None, "difficulty": None, "count": 10, "points": 3}]


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


# --- the database and its data --------------------------------------------------------------

def fresh_postgres(base_url: str, name: str) -> str:
    """Drop and create database `name` (bench_* only); its SQLAlchemy URL."""
    import psycopg
    if not re.fullmatch(r"bench_[a-z0-9_]+", name):
        raise SystemExit("--db-name must look like bench_something (lower case)")
    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return f"{base_url}/{name}"


def make_app(database_url: str | None, instance: Path):
    os.environ["INSTANCE_PATH"] = str(instance)
    sys.path.insert(0, str(APP["dir"]))
    from trainingapp import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-build"})


def build_data(app, candidates: int) -> dict:
    """Schema, departments, candidates (one precomputed hash), the sample question banks."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from trainingapp.accounts.hashing import hash_password
    from trainingapp.accounts.models import Department, User
    from trainingapp.platform.clock import now
    from trainingapp.platform.extensions import db
    from trainingapp.questionbank.services import import_questions
    with app.app_context():
        upgrade()
        root = Department(name="基准县", position=0)
        db.session.add(root)
        db.session.flush()
        departments = []
        for position in range(20):
            department = Department(name=f"基准单位{position + 1:02d}", parent_id=root.id, position=position)
            db.session.add(department)
            departments.append(department)
        db.session.flush()
        # One hash for every account, with the production method: one hash per person would take minutes.
        hashed = hash_password(PASSWORD, app.config["PASSWORD_HASH_METHOD"])
        stamp = now()
        db.session.add(User(login="benchtrainer", name="基准讲师", department_id=root.id, category="staff",
                            role="trainer", password_hash=hashed, must_change_password=False))
        rows = [{"login": f"{LOGIN_PREFIX}{n:05d}", "name": f"考生{n:05d}",
                 "department_id": departments[n % len(departments)].id, "category": "staff", "post": "科员",
                 "role": "cadre", "status": "active", "password_hash": hashed, "must_change_password": False,
                 "session_version": 1, "created_at": stamp, "updated_at": stamp}
                for n in range(1, candidates + 1)]
        for chunk in range(0, len(rows), 5000):
            db.session.execute(insert(User), rows[chunk:chunk + 5000])
        db.session.commit()
        trainer = db.session.scalar(select(User).where(User.login == "benchtrainer"))
        imported = 0
        for path in sorted((APP["dir"] / "question_bank").glob("bank_*.csv")):
            imported += import_questions(trainer, path.read_bytes(), path.name,
                                         max_rows=app.config["QUESTION_IMPORT_MAX_ROWS"]).imported
        return {"root_department": root.id, "trainer": trainer.id, "questions": imported, "candidates": candidates}


def publish_exam(app, data: dict, opens_at: datetime, closes_at: datetime, duration_minutes: int,
                 grace_seconds: int) -> tuple[int, int]:
    """A rule-drawn 40-question exam (20 single × 2, 10 multiple × 3, 10 true/false × 3) for everyone."""
    from trainingapp.accounts.audience import Audience
    from trainingapp.accounts.models import User
    from trainingapp.exams import authoring
    from trainingapp.platform.extensions import db
    with app.app_context():
        trainer = db.session.get(User, data["trainer"])
        exam = authoring.save_exam(trainer, None, dict(
            title="基准测试：年度学法考试", description="bench/rush.py", year=opens_at.year, opens_at=opens_at,
            closes_at=closes_at, latest_start_at=None, duration_minutes=duration_minutes, attempts_allowed=1,
            counting="best", pass_mark=60, excellent_mark=90, multiple_scoring="all_or_nothing",
            shuffle_questions=True, shuffle_options=True, review_policy="score", tab_switch_limit=None,
            required_credits=None, makeup_of_id=None, grace_seconds=grace_seconds))
        authoring.set_rules(exam, RULES)
        authoring.set_audience(exam, Audience.of([data["root_department"]], ["staff"], removed=[data["trainer"]]))
        count = authoring.publish(trainer, exam)
        return exam.id, count


# --- processes ---------------------------------------------------------------------------------

class Processes:
    """Everything this run started, each in its own process group, stopped by its own id."""

    def __init__(self, nice: int = 0):
        self.started: list[subprocess.Popen] = []
        self.nice = nice

    def start(self, command: list[str], env: dict, log_path: Path,
              autogroup_nice: int | None = None) -> subprocess.Popen:
        """Start `command` in a session of its own; `autogroup_nice` (default: the run's --nice) weights
        that session against the others when the kernel schedules by autogroup."""
        handle = open(log_path, "ab")  # noqa: SIM115 - closed when the process is reaped
        process = subprocess.Popen(command, cwd=APP["dir"], env=env, stdout=handle, stderr=subprocess.STDOUT,  # noqa: S603
                                   start_new_session=True)
        self.started.append(process)
        nice = self.nice if autogroup_nice is None else autogroup_nice
        if nice:
            try:
                Path(f"/proc/{process.pid}/autogroup").write_text(str(nice))
            except OSError as error:
                log(f"could not set the autogroup nice of {command[0]}: {error}")
        return process

    def stop(self, process: subprocess.Popen, grace: float = 10.0) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=grace)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.stop(process)


def niced(args) -> list[str]:
    """`nice -n N` in front of the servers and the load tool (negative N needs root). With the kernel's
    autogroup scheduling a process's nice only counts inside its session, so Processes.start also sets
    the session's autogroup nice (/proc/PID/autogroup)."""
    return ["nice", "-n", str(args.nice)] if args.nice else []


AUTOGROUP_SWITCH = Path("/proc/sys/kernel/sched_autogroup_enabled")


@contextlib.contextmanager
def sched_autogroup(setting: str):
    """--sched-autogroup off: the kernel stops grouping tasks by session for the run (root only), so
    that every PostgreSQL backend (each calls setsid, so each is a session) no longer weighs as much as
    all of gunicorn. Only tasks created afterwards are placed by the new setting: call this before the
    servers start; the backends are forked when the app first connects. The earlier value comes back."""
    if setting == "keep" or not AUTOGROUP_SWITCH.exists():
        yield
        return
    before = AUTOGROUP_SWITCH.read_text().strip()
    AUTOGROUP_SWITCH.write_text("0")
    log(f"kernel.sched_autogroup_enabled {before} -> 0 for this run")
    try:
        yield
    finally:
        AUTOGROUP_SWITCH.write_text(before)


def server_env(args, database_url: str | None, instance: Path, secret: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLASK_APP")}
    env.update({"INSTANCE_PATH": str(instance), "SECRET_KEY": secret, "REDIS_URL": args.redis_url,
                "PYTHONUNBUFFERED": "1"})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def gunicorn_command(args, python: str, port: int, app: str, parser: bool = True) -> list[str]:
    """gunicorn as the bench runs every server (ours and the peer), pinned to --server-cpus;
    `parser`: pass --http-parser (the peer's gunicorn may predate it)."""
    kind = ["-k", "gthread", "--threads", str(args.threads)] if args.worker_class == "gthread" else ["-k", "sync"]
    return [*niced(args), "taskset", "-c", args.server_cpus, python, "-m", "gunicorn",
            "-w", str(args.workers), *kind, "-b", f"127.0.0.1:{port}",
            *(["--http-parser", args.http_parser] if parser else []),
            # As docs/deploy.md: longer than nginx keeps an idle upstream connection.
            "--keep-alive", "75", "--timeout", "120", "--log-level", "warning", app]


def wait_until_up(process: subprocess.Popen, url: str, seconds: float, failure: str) -> None:
    """Poll `url` until it answers 200; SystemExit(failure) if the process exits or time runs out."""
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.time() > deadline:
            raise SystemExit(failure)
        time.sleep(0.3)


def embedded_command(args, port: int) -> list[str]:
    """`python run.py` exactly as a town starts it (waitress + SQLite, run.py's own settings and
    background finaliser), pinned to --server-cpus; --threads only when given."""
    threads = ["--threads", str(args.threads)] if args.threads else []
    return [*niced(args), "taskset", "-c", args.server_cpus, sys.executable, "run.py", "--no-demo",
            "--host", "127.0.0.1", "--port", str(port), *threads]


def start_servers(args, procs: Processes, env: dict, out: Path) -> list[tuple[subprocess.Popen, str]]:
    if args.server == "embedded":
        # One process, memory rate-limit storage: what `python run.py` does, so no Redis.
        embedded_env = {k: v for k, v in env.items() if k != "REDIS_URL"}
        process = procs.start(embedded_command(args, args.port), embedded_env, out / f"run-py-{args.port}.log",
                              args.server_autogroup_nice)
        host = f"http://127.0.0.1:{args.port}"
        wait_until_up(process, host + "/healthz", 120, f"python run.py at {host} did not come up: see {out}")
        log(f"embedded server up: python run.py (waitress + SQLite), "
            f"{args.threads or 'run.py default'} threads, pinned to CPU {args.server_cpus}")
        return [(process, host)]
    if args.threads is None:
        args.threads = 8
    servers = []
    for n in range(args.servers):
        port = args.port + n
        command = gunicorn_command(args, sys.executable, port, "trainingapp:create_app()")
        process = procs.start(command, env, out / f"gunicorn-{port}.log", args.server_autogroup_nice)
        servers.append((process, f"http://127.0.0.1:{port}"))
    for process, host in servers:
        wait_until_up(process, host + "/healthz", 60, f"gunicorn at {host} did not come up: see {out}")
    log(f"{args.servers} server(s) up: {args.workers} {args.worker_class} workers × "
        f"{args.threads if args.worker_class == 'gthread' else 1} threads each, "
        f"pinned to CPU {args.server_cpus}")
    return servers


#: The proxy of docs/deploy.md section 5 without TLS and the sign-in zone (every virtual user
#: has one address), plus an access log naming the candidate and the server that answered.
NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 16384; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    log_format bench '$msec $http_x_bench_user $upstream_addr $status';
    access_log {dir}/access.log bench buffer=256k flush=5s;
    upstream trainingapp {{
{servers}
        keepalive 32;
        keepalive_timeout 60s;
    }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        keepalive_timeout 75s;
        keepalive_requests 100000;
        client_max_body_size 20m;
        proxy_read_timeout 120s;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_next_upstream error timeout;
        location / {{ proxy_pass http://trainingapp; }}
    }}
}}
"""


def start_proxy(args, procs: Processes, out: Path, hosts: list[str]) -> tuple[subprocess.Popen, str]:
    """nginx (Debian's) round-robin over the app servers, pinned with them; its address."""
    folder = out / "nginx"
    folder.mkdir(exist_ok=True)
    servers = "\n".join(f"        server {h.removeprefix('http://')} max_fails=3 fail_timeout=10s;" for h in hosts)
    config = folder / "nginx.conf"
    config.write_text(NGINX_CONF.format(dir=folder, servers=servers, port=args.proxy_port))
    process = procs.start([*niced(args), "taskset", "-c", args.proxy_cpus or args.server_cpus, args.nginx,
                           "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
                          dict(os.environ), folder / "nginx.log")
    host = f"http://127.0.0.1:{args.proxy_port}"
    wait_until_up(process, host + "/healthz", 30, f"nginx did not come up: see {folder}")
    log(f"nginx on {host} in front of {len(hosts)} server(s), upstream keep-alive")
    return process, host


def proxy_spread(out: Path) -> dict:
    """From nginx's access log: requests per app server, and how many candidates reached each number of servers."""
    path = out / "nginx" / "access.log"
    if not path.exists():
        return {}
    per_server: dict[str, int] = {}
    per_candidate: dict[str, set[str]] = {}
    statuses: dict[str, int] = {}
    for line in path.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        _moment, candidate, upstream, status = parts
        per_server[upstream] = per_server.get(upstream, 0) + 1
        statuses[status] = statuses.get(status, 0) + 1
        if candidate != "-":
            per_candidate.setdefault(candidate, set()).add(upstream)
    reached: dict[int, int] = {}
    for upstreams in per_candidate.values():
        reached[len(upstreams)] = reached.get(len(upstreams), 0) + 1
    return {"requests_per_server": dict(sorted(per_server.items())), "statuses": dict(sorted(statuses.items())),
            "candidates": len(per_candidate),
            "candidates_by_servers_reached": {str(k): v for k, v in sorted(reached.items())}}


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process and its reaped children, in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15])
    except OSError:
        return 0


def machine_busy_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Monitor(threading.Thread):
    """Samples the RSS of every gunicorn worker, and CPU use of the servers, the load tool and the machine."""

    def __init__(self, masters: list[int], clients: list[int] | None = None, interval: float = 1.0,
                 database: str | None = None):
        super().__init__(daemon=True)
        self.database = database
        self.masters, self.clients, self.interval = masters, clients or [], interval
        self.series: list[tuple[float, dict[int, int]]] = []
        self.stopped = threading.Event()
        self.marks: dict[str, dict] = {}
        self.seen: dict[int, int] = {}
        self.all_clients: list[int] = []
        self.backends: set[int] = set()
        self.proxies: list[int] = []
        self.pending: list[tuple[float, str]] = []

    def schedule(self, name: str, at: float) -> None:
        """Take mark `name` at epoch `at` (from the sampling thread)."""
        self.pending.append((at, name))

    def _ticks(self, pids: list[int], with_children: bool) -> int:
        """CPU ticks of these processes (and their workers) so far; exited ones keep their last reading."""
        for pid in pids:
            ticks = cpu_ticks(pid) + (sum(cpu_ticks(c) for c in children(pid)) if with_children else 0)
            self.seen[pid] = max(self.seen.get(pid, 0), ticks)
        return sum(self.seen.get(pid, 0) for pid in pids)

    def _backends(self) -> list[int]:
        """PostgreSQL backends serving the bench database ("postgres: 15/main: postgres bench_x ...")."""
        if not self.database:
            return []
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if f" {self.database} " in (entry / "cmdline").read_bytes().decode(errors="replace"):
                        found.append(int(entry.name))
                except OSError:
                    continue
        self.backends.update(found)
        return found

    def mark(self, name: str) -> None:
        busy, total = machine_busy_ticks()
        self._ticks(self._backends(), False)
        self.marks[name] = {"t": time.time(), "busy": busy, "total": total,
                            "server": self._ticks(self.masters, True),
                            "client": sum(self.seen.get(p, 0) for p in self.all_clients),
                            "db": sum(self.seen.get(p, 0) for p in self.backends),
                            "proxy": self._ticks(self.proxies, True)}

    def cpu_between(self, first: str, last: str) -> dict:
        """Cores used on average between two marks: machine, servers, load tool, everything else."""
        a, b = self.marks[first], self.marks[last]
        seconds = max(b["t"] - a["t"], 1e-9)
        hz = os.sysconf("SC_CLK_TCK")
        cores = os.cpu_count() or 1
        machine = (b["busy"] - a["busy"]) / max(b["total"] - a["total"], 1) * cores
        server = (b["server"] - a["server"]) / hz / seconds
        client = (b["client"] - a["client"]) / hz / seconds
        database = (b["db"] - a["db"]) / hz / seconds
        proxy = (b["proxy"] - a["proxy"]) / hz / seconds
        return {"machine_cores": round(machine, 2), "server_cores": round(server, 2),
                "postgres_cores": round(database, 2), "load_tool_cores": round(client, 2),
                "proxy_cores": round(proxy, 2),
                "other_cores": round(max(machine - server - client - database - proxy, 0), 2),
                "seconds": round(seconds, 1)}

    def run(self):
        while not self.stopped.wait(min(self.interval, 0.25)):
            for at, name in list(self.pending):
                if time.time() >= at:
                    self.pending.remove((at, name))
                    self.mark(name)
            if self.series and time.time() - self.series[-1][0] < self.interval:
                continue
            self._ticks(self.clients, False)
            self._ticks(self.masters, True)
            self._ticks(self.proxies, True)
            self._ticks(self._backends(), False)
            sample = {}
            for master in self.masters:
                # gunicorn's workers are its children; the embedded server is one process.
                for worker in children(master) or [master]:
                    sample[worker] = rss_kib(worker)
            self.series.append((time.time(), sample))

    def peak_mib(self, since: float = 0.0, until: float = float("inf")) -> dict:
        per_worker: dict[int, int] = {}
        for moment, sample in self.series:
            if since <= moment <= until:
                for pid, kib in sample.items():
                    per_worker[pid] = max(per_worker.get(pid, 0), kib)
        if not per_worker:
            return {}
        first = next((s for m, s in self.series if m >= since and s), {})
        last = next((s for m, s in reversed(self.series) if m <= until and s), {})
        return {"workers": len(per_worker), "peak_mib": round(max(per_worker.values()) / 1024, 1),
                "start_mib": round(max(first.values()) / 1024, 1) if first else None,
                "end_mib": round(max(last.values()) / 1024, 1) if last else None}


def run_locust(args, procs: Processes, out: Path, user_class: str, hosts: list[str], bench_env: dict,
               users: int, runtime: float, tag: str, monitor: Monitor | None = None) -> list[dict]:
    """Start --client-processes locust processes (users split between them), wait, load their records."""
    record_dir = out / f"records-{tag}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.update({k: str(v) for k, v in bench_env.items()})
    env.update({"BENCH_OUT": str(record_dir), "BENCH_HOSTS": ",".join(hosts), "BENCH_PASSWORD": PASSWORD,
                "BENCH_LOGIN_PREFIX": LOGIN_PREFIX, "BENCH_PROCESSES": str(args.client_processes),
                "BENCH_KEEPALIVE": "1" if args.keep_alive == "on" else "0"})
    started = []
    for k in range(args.client_processes):
        share = users // args.client_processes + (1 if k < users % args.client_processes else 0)
        command = [*niced(args), "taskset", "-c", args.client_cpus, sys.executable, "-m", "locust",
                   "-f", str(LOCUSTFILE), "--headless", "-u", str(max(share, 1)), "-r", str(args.spawn_rate),
                   "-t", f"{int(runtime)}s", "--host", hosts[0], "--stop-timeout", "10", "--only-summary",
                   "--loglevel", "WARNING", user_class]
        started.append(procs.start(command, {**env, "BENCH_PROCESS": str(k)}, out / f"locust-{tag}-{k}.log"))
    if monitor is not None:
        monitor.clients = [p.pid for p in started]
        monitor.all_clients.extend(monitor.clients)
    for process in started:
        try:
            process.wait(timeout=runtime + 90)
        except subprocess.TimeoutExpired:
            procs.stop(process)
    records = []
    for k in range(args.client_processes):
        path = record_dir / f"client-{k}.json"
        if path.exists():
            records.append(json.loads(path.read_text()))
        else:
            log(f"locust process {k} left no record (see {out}/locust-{tag}-{k}.log)")
    return records


# --- statistics --------------------------------------------------------------------------------

def endpoint_stats(samples, since: float = 0.0, until: float = float("inf"), span: float | None = None) -> dict:
    """Per endpoint: count, errors, req/s (over `span` or the endpoint's own active span), peak 10-s req/s,
    p50/p95/p99/max latency in ms."""
    import numpy as np
    by_name: dict[str, list] = {}
    for name, end, ms, ok in samples:
        if since <= end <= until:
            by_name.setdefault(name, []).append((end, ms, ok))
    result = {}
    for name, rows in sorted(by_name.items()):
        ends = np.array([r[0] for r in rows])
        latency = np.array([r[1] for r in rows])
        errors = sum(1 for r in rows if not r[2])
        active = span if span else max(ends.max() - ends.min(), 1.0)
        buckets = np.bincount(((ends - ends.min()) // 10).astype(int))
        p50, p95, p99 = np.percentile(latency, [50, 95, 99])
        result[name] = {"count": len(rows), "errors": errors, "rps": round(len(rows) / active, 1),
                        "peak_10s_rps": round(buckets.max() / 10, 1), "p50_ms": round(float(p50), 1),
                        "p95_ms": round(float(p95), 1), "p99_ms": round(float(p99), 1),
                        "max_ms": round(float(latency.max()), 1)}
    return result


def stats_table(stats: dict, title: str) -> str:
    lines = [f"**{title}**", "", "| endpoint | requests | errors | req/s | peak 10 s req/s | p50 ms | p95 ms | "
             "p99 ms | max ms |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, s in stats.items():
        lines.append(f"| `{name}` | {s['count']} | {s['errors']} | {s['rps']} | {s['peak_10s_rps']} | {s['p50_ms']} | "
                     f"{s['p95_ms']} | {s['p99_ms']} | {s['max_ms']} |")
    return "\n".join(lines) + "\n"


def step_stats(samples, test_start: float, steps: list[int], step_seconds: float, warmup: float,
               name: str) -> list[dict]:
    """Closed-loop steps: throughput and latency of `name` after each step's warm-up."""
    rows = []
    for index, users in enumerate(steps):
        since = test_start + index * step_seconds + warmup
        until = test_start + (index + 1) * step_seconds
        stats = endpoint_stats(samples, since, until, span=until - since).get(name)
        if stats:
            rows.append({"users": users, **stats})
    return rows


def steps_table(rows: list[dict], title: str, p95_limit: float | None = None) -> str:
    lines = [f"**{title}**", "", "| users | requests | errors | req/s | p50 ms | p95 ms | p99 ms | server CPU "
             "ms/req | PostgreSQL CPU ms/req | cores: server / PostgreSQL / locust / other |"
             + (" p95 < limit |" if p95_limit else ""),
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |" + (" --- |" if p95_limit else "")]
    for r in rows:
        extra = (" yes |" if r["p95_ms"] < p95_limit and not r["errors"] else " no |") if p95_limit else ""
        cpu = r.get("cpu", {})
        cores = (f"{cpu.get('server_cores')} / {cpu.get('postgres_cores')} / {cpu.get('load_tool_cores')} / "
                 f"{cpu.get('other_cores')}")
        lines.append(f"| {r['users']} | {r['count']} | {r['errors']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | "
                     f"{r['p99_ms']} | {r.get('server_cpu_ms_per_request')} | "
                     f"{r.get('postgres_cpu_ms_per_request')} | {cores} |{extra}")
    return "\n".join(lines) + "\n"


# --- the database check -----------------------------------------------------------------------

def check_database(app, exam_id: int, records: list[dict]) -> dict:
    """Every acknowledged answer stored with its value; every attempt finished; every score a regrade."""
    from sqlalchemy import select

    from trainingapp.exams import grading
    from trainingapp.exams.models import Answer, Attempt, Exam
    from trainingapp.platform.extensions import db
    from trainingapp.questionbank.models import Question
    acks: dict[int, dict[int, list]] = {}
    submits: dict[int, dict] = {}
    started: set[int] = set()
    for record in records:
        for attempt_id, answers in record["acks"].items():
            mine = acks.setdefault(int(attempt_id), {})
            for question_id, (answer, seq) in answers.items():
                if int(question_id) not in mine or seq > mine[int(question_id)][1]:
                    mine[int(question_id)] = [answer, seq]
        submits.update({int(a): r for a, r in record["submits"].items()})
        started.update(int(a) for a in record["started"])
    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        attempts = {a.id: a for a in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam_id))}
        stored = {(a.attempt_id, a.question_id): a for a in db.session.scalars(
            select(Answer).where(Answer.attempt_id.in_(list(attempts) or [0])))}
        keys = dict(db.session.execute(select(Question.id, Question.answer)).all())
        lost, newer, acknowledged = [], 0, 0
        for attempt_id, answers in acks.items():
            for question_id, (answer, seq) in answers.items():
                acknowledged += 1
                row = stored.get((attempt_id, question_id))
                if row is None or row.seq < seq or (row.seq == seq and row.response != answer):
                    lost.append({"attempt": attempt_id, "question": question_id, "acknowledged": [answer, seq],
                                 "stored": None if row is None else [row.response, row.seq]})
                elif row.seq > seq:
                    newer += 1  # a save whose acknowledgement never arrived, stored all the same
        regrade_mismatch, answer_score_mismatch, submit_mismatch = [], 0, []
        for attempt in attempts.values():
            total = 0.0
            for item in attempt.paper:
                row = stored.get((attempt.id, item["q"]))
                if row is None:
                    continue
                score = grading.grade(item["t"], keys[item["q"]], row.response, item["p"],
                                      partial=item["t"] in exam.partial_types)
                total += score
                if attempt.is_finished and (row.score is None or abs(float(row.score) - score) > 0.005):
                    answer_score_mismatch += 1
            if attempt.is_finished and (attempt.score is None or abs(float(attempt.score) - round(total, 2)) > 0.005):
                regrade_mismatch.append({"attempt": attempt.id, "stored": attempt.score, "regrade": round(total, 2)})
            told = submits.get(attempt.id)
            if told is not None and (told.get("score") != attempt.score or told.get("receipt") != attempt.receipt):
                submit_mismatch.append(attempt.id)
        # Every paper is the one its stored seed gives (the burst's prepared papers included).
        from trainingapp.exams import starting
        from trainingapp.exams.models import PreparedPaper
        inputs = starting.draw_inputs(exam)
        not_from_seed = [a.id for a in attempts.values() if starting.draw_paper(exam, inputs, a.seed) != a.paper]
        prepared = dict(db.session.execute(select(PreparedPaper.user_id, PreparedPaper.seed)
                                           .where(PreparedPaper.exam_id == exam_id)).all())
        from_prepared = sum(1 for a in attempts.values() if a.number == 1 and prepared.get(a.user_id) == a.seed)
        statuses: dict[str, int] = {}
        for attempt in attempts.values():
            statuses[attempt.status] = statuses.get(attempt.status, 0) + 1
        return {
            "attempts": len(attempts), "attempts_started_by_clients": len(started),
            "attempts_unknown_to_clients": len(set(attempts) - started),
            "statuses": statuses, "unfinished": statuses.get("in_progress", 0),
            "finish_reasons": _count(a.finish_reason or "submitted" for a in attempts.values() if a.is_finished),
            "acknowledged_answers": acknowledged, "stored_answers": len(stored), "lost_answers": len(lost),
            "lost_examples": lost[:5], "stored_newer_than_acknowledged": newer,
            "regrade_mismatches": len(regrade_mismatch), "regrade_examples": regrade_mismatch[:5],
            "answer_score_mismatches": answer_score_mismatch,
            "submit_responses_checked": len(submits), "submit_response_mismatches": len(submit_mismatch),
            "papers_checked": len(attempts), "papers_not_from_seed": len(not_from_seed),
            "papers_from_prepared": from_prepared, "prepared_papers": len(prepared),
        }


def _count(values) -> dict:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def run_finalize(env: dict) -> tuple[str, float]:
    began = time.time()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "run", "exams", "finalize"],  # noqa: S603
                          cwd=APP["dir"], env=env, capture_output=True, text=True, timeout=600)
    return (done.stdout + done.stderr).strip(), round(time.time() - began, 2)


def run_prepare(env: dict, exam_id: int) -> tuple[str, float]:
    """`flask --app run exams prepare EXAM_ID` as an operator runs it before the window opens."""
    began = time.time()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "run", "exams", "prepare", str(exam_id)],  # noqa: S603
                          cwd=APP["dir"], env=env, capture_output=True, text=True, timeout=1800)
    return (done.stdout + done.stderr).strip(), round(time.time() - began, 2)


# --- the runs -----------------------------------------------------------------------------------

def prepare(args, out: Path, candidates: int):
    """A fresh database with the data; (app, database URL or None for SQLite, instance folder, data)."""
    instance = out / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    if args.db == "postgres":
        database_url = fresh_postgres(args.pg_url, args.db_name)
    else:
        database_url = None
        for leftover in instance.glob("trainingapp.sqlite3*"):
            leftover.unlink()
    began = time.time()
    app = make_app(database_url, instance)
    data = build_data(app, candidates)
    log(f"{args.db}: {candidates} candidates and {data['questions']} questions built in {time.time() - began:.1f} s")
    return app, database_url, instance, data


def stepped_run(args, procs, out, user_class, hosts, bench_env, steps, step_seconds, ready_seconds, tag,
                monitor, name) -> tuple[list[dict], list[dict]]:
    """Closed-loop steps: every user spawned and ready within `ready_seconds`, then the steps.
    Each step's row has its throughput, latency, CPU use and server CPU milliseconds per request."""
    per_process = [max(s // args.client_processes, 1) for s in steps]
    go = time.time() + ready_seconds
    for index in range(len(steps)):
        monitor.schedule(f"{tag}{index}_from", go + index * step_seconds + args.warmup)
        monitor.schedule(f"{tag}{index}_to", go + (index + 1) * step_seconds)
    env = {**bench_env, "BENCH_STEPS": ",".join(map(str, per_process)), "BENCH_STEP_SECONDS": step_seconds,
           "BENCH_GO": go}
    records = run_locust(args, procs, out, user_class, hosts, env, per_process[-1],
                         ready_seconds + len(steps) * step_seconds + 10, tag, monitor)
    samples = [s for r in records for s in r["samples"]]
    rows = step_stats(samples, go, steps, step_seconds, args.warmup, name)
    for index, row in enumerate(rows):
        _cpu_row(row, monitor, f"{tag}{index}")
    return rows, records


def healthz_run(args, procs, out, hosts, monitor, tag) -> list[dict]:
    steps = [int(s) for s in args.healthz_steps.split(",")]
    rows, _records = stepped_run(args, procs, out, "Health", hosts[:1], {}, steps, args.healthz_step_seconds, 8,
                                 tag, monitor, "GET /healthz")
    return rows


def run_rush(args) -> int:
    out = Path(args.out or ROOT / "bench" / "results"
               / f"{args.command}-{args.db}-{args.candidates}-{args.servers}s").resolve()
    out.mkdir(parents=True, exist_ok=True)
    procs = Processes(args.nice)
    try:
        app, database_url, instance, data = prepare(args, out, args.candidates)
        env = server_env(args, database_url, instance, secrets.token_hex(32))
        servers = start_servers(args, procs, env, out)
        hosts = [host for _p, host in servers]
        monitor = Monitor([p.pid for p, _h in servers], database=args.db_name if args.db == "postgres" else None)
        proxy = None
        if args.proxy == "nginx":
            proxy, proxy_host = start_proxy(args, procs, out, hosts)
            hosts = [proxy_host]
            monitor.proxies = [proxy.pid]
        monitor.start()
        lead = 15 + args.candidates / (args.spawn_rate * args.client_processes)
        t0 = time.time() + lead
        opens = t0 + args.login_window
        opens_at = datetime.fromtimestamp(opens, timezone.utc).replace(tzinfo=None, microsecond=0)
        closes_at = opens_at + timedelta(seconds=args.start_spread + args.duration * 60 + 300)
        exam_id, count = publish_exam(app, data, opens_at, closes_at, args.duration, args.grace)
        prepared = None
        if args.command == "burst" and args.prepare == "yes":
            output, seconds = run_prepare(env, exam_id)
            prepared = {"output": output, "seconds": seconds}
            log(f"flask --app run exams prepare {exam_id}: {output} ({seconds} s)")
            # The window moves by the time preparing took, so the sign-ins keep their whole window.
            shift = timedelta(seconds=math.ceil(time.time() + lead - t0))
            t0 += shift.total_seconds()
            opens_at, closes_at = opens_at + shift, closes_at + shift
            with app.app_context():
                from trainingapp.exams.models import Exam
                from trainingapp.platform.extensions import db
                exam = db.session.get(Exam, exam_id)
                exam.opens_at, exam.closes_at = opens_at, closes_at
                db.session.commit()
        opens = opens_at.replace(tzinfo=timezone.utc).timestamp()
        log(f"exam {exam_id} published for {count} candidates; logins from {datetime.fromtimestamp(t0):%H:%M:%S}, "
            f"opens {datetime.fromtimestamp(opens):%H:%M:%S}, {args.duration} min")
        runtime = (opens - time.time()) + args.start_spread + args.duration * 60 + 30
        monitor.mark("rush_start")
        monitor.schedule("starts_from", opens)
        monitor.schedule("starts_to", opens + args.start_spread)
        records = run_locust(args, procs, out, "RushCandidate", hosts, {
            "BENCH_CANDIDATES": args.candidates, "BENCH_EXAM_ID": exam_id, "BENCH_T0": t0,
            "BENCH_LOGIN_WINDOW": args.login_window, "BENCH_OPENS_AT": opens, "BENCH_START_SPREAD": args.start_spread,
            "BENCH_THINK": args.think, "BENCH_SUBMIT_SPREAD": args.submit_spread, "BENCH_NO_SUBMIT": args.no_submit,
            "BENCH_RESUBMIT": args.resubmit, "BENCH_SEED": args.seed}, args.candidates, runtime, "rush", monitor)
        monitor.mark("rush_end")
        rush_end = time.time()
        samples = [s for r in records for s in r["samples"]]
        log(f"rush over: {len(samples)} requests")
        # /healthz with the same servers while the unsubmitted attempts run out their grace.
        health = healthz_run(args, procs, out, hosts, monitor, "healthz")
        monitor.mark("healthz_end")
        with app.app_context():
            from sqlalchemy import func, select

            from trainingapp.exams.models import Attempt
            from trainingapp.platform.extensions import db
            last = db.session.scalar(select(func.max(Attempt.deadline_at)).where(Attempt.exam_id == exam_id))
        if last is not None:
            wait = last.replace(tzinfo=timezone.utc).timestamp() + args.grace + 2 - time.time()
            if wait > 0:
                log(f"waiting {wait:.0f} s for the last deadline plus grace")
                time.sleep(wait)
        if args.server == "embedded":
            # No cron under `python run.py`: its own finaliser closes the rest within a pass
            # (FINALIZE_EVERY_SECONDS, 60 s), so the command below should find nothing left.
            log("waiting 65 s for the embedded server's finaliser")
            time.sleep(65)
        finalize_output, finalize_seconds = run_finalize(env)
        log(f"flask --app run exams finalize: {finalize_output} ({finalize_seconds} s)")
        monitor.stopped.set()
        check = check_database(app, exam_id, records)
        report = {
            "kind": "rush", "date": datetime.now().isoformat(timespec="seconds"), "argv": sys.argv[1:],
            "parameters": vars(args), "machine": machine(), "exam_id": exam_id, "candidates": count,
            "endpoints": endpoint_stats(samples), "healthz_steps": health,
            "cpu_during_rush": monitor.cpu_between("rush_start", "rush_end"),
            "cpu_during_starts": monitor.cpu_between("starts_from", "starts_to")
            if {"starts_from", "starts_to"} <= monitor.marks.keys() else None,
            "worker_rss_during_rush": monitor.peak_mib(until=rush_end),
            "worker_rss_whole_run": monitor.peak_mib(),
            "finalize": {"output": finalize_output, "seconds": finalize_seconds}, "check": check,
            "prepare": prepared, "queue_answers": sum(r.get("queued", 0) for r in records),
        }
        errors = sum(s["errors"] for s in report["endpoints"].values())
        report["pass"] = (check["lost_answers"] == 0 and check["unfinished"] == 0 and errors == 0
                          and check["papers_not_from_seed"] == 0
                          and check["regrade_mismatches"] == 0 and check["answer_score_mismatches"] == 0
                          and check["submit_response_mismatches"] == 0 and check["attempts"] == args.candidates)
        if proxy is not None:
            procs.stop(proxy)  # flushes its access log
            report["proxy"] = proxy_spread(out)
        write_report(out, report, rush_markdown(report))
        return 0 if report["pass"] else 1
    finally:
        procs.stop_all()


def peer_run(args, procs: Processes, out: Path, monitor: Monitor, steps: list[int]) -> dict:
    """The peer (FlaskBB, see bench/peer_flaskbb.py) under the same gunicorn settings and CPUs, the same
    closed-loop steps, its reply endpoint in place of our answer save. SQLite: FlaskBB 2.2.0 fails on
    PostgreSQL with psycopg 3 (it compares users.id with a string)."""
    folder = out / "peer"
    folder.mkdir(exist_ok=True)
    database = folder / "flaskbb.sqlite"
    database.unlink(missing_ok=True)
    setup = subprocess.run([args.peer_python, str(ROOT / "bench" / "peer_flaskbb.py"), "--folder", str(folder),  # noqa: S603
                            "--database-url", f"sqlite:///{database}", "--secret", secrets.token_hex(16),
                            "--users", str(max(steps))], capture_output=True, text=True, cwd=folder, timeout=600)
    if setup.returncode != 0:
        raise SystemExit(f"the peer's setup failed:\n{setup.stderr[-3000:]}")
    data = json.loads(setup.stdout.strip().splitlines()[-1])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = str(folder)
    port = args.port + 100
    command = gunicorn_command(args, args.peer_python, port, f"flaskbb:create_app('{data['config']}')",
                               parser=False)
    server = procs.start(command, env, out / f"peer-gunicorn-{port}.log", args.server_autogroup_nice)
    host = f"http://127.0.0.1:{port}"
    wait_until_up(server, host + "/auth/login", 60, f"the peer did not come up: see {out}/peer-gunicorn-{port}.log")
    log(f"peer (FlaskBB) up on {host}, {args.workers} workers × {args.threads} threads, CPU {args.server_cpus}")
    monitor.masters, monitor.database = [server.pid], None
    rows, records = stepped_run(args, procs, out, "PeerReplier", [host],
                                {"BENCH_PEER_LOGINS": ",".join(data["logins"]),
                                 "BENCH_PEER_TOPICS": ",".join(map(str, data["topics"]))},
                                steps, args.step_seconds, args.ready_seconds, "peer", monitor,
                                "POST /topic/[t]/post/new")
    procs.stop(server)
    with sqlite3.connect(database) as connection:
        stored = connection.execute("SELECT count(*) FROM posts").fetchone()[0] - len(data["topics"])
    acknowledged = sum(r.get("peer_replies", 0) for r in records)
    holding = [r for r in rows if r["p95_ms"] < 100 and not r["errors"]]
    return {"name": "FlaskBB 2.2.0 (PyPI), reply to a topic, SQLite", "steps": rows,
            "best_under_100ms": max(holding, key=lambda r: r["rps"]) if holding else None,
            "best_any": max(rows, key=lambda r: r["rps"]) if rows else None,
            "acknowledged_replies": acknowledged, "stored_replies": stored}


def _cpu_row(row: dict, monitor: Monitor, tag: str) -> dict:
    if f"{tag}_to" in monitor.marks and f"{tag}_from" in monitor.marks:
        cpu = monitor.cpu_between(f"{tag}_from", f"{tag}_to")
        row["cpu"] = cpu
        row["server_cpu_ms_per_request"] = round(cpu["server_cores"] / max(row["rps"], 1e-9) * 1000, 2)
        row["postgres_cpu_ms_per_request"] = round(cpu["postgres_cores"] / max(row["rps"], 1e-9) * 1000, 2)
    return row


def wrk_save_steps(args, out: Path, host: str, data: dict, exam_id: int, steps: list[int], monitor: Monitor):
    """Save steps driven by wrk (bench/wrk_saves.py): candidates sign in and start first, then one wrk
    run per step (connections = step), after a warm-up run; with --step-rounds R the whole sequence
    of steps R times, each step's rounds merged into its row (merged_step_row). (rows, records, samples)."""
    logins = [f"{LOGIN_PREFIX}{n:05d}" for n in range(1, data["candidates"] + 1)]
    candidates = wrk_saves.start_candidates(host, logins, PASSWORD, exam_id)
    log(f"wrk: {len(candidates)} candidates signed in and started")
    script = out / "saves.lua"
    wrk_saves.write_script(script, candidates, args.wrk_threads)
    acked: dict[str, float] = {}
    rounds: dict[int, list[dict]] = {}
    requests_so_far = 0
    monitor.mark("save_start")
    for index, connections in enumerate([steps[0], *steps * args.step_rounds]):
        summary = wrk_saves.run(args.client_cpus, host, script, args.wrk_threads, connections,
                                args.warmup if index == 0 else args.step_seconds, out / f"wrk-save{index}.json",
                                args.nice, monitor, args.warmup if index else 0, f"save{index}",
                                first_counter=requests_so_far)
        requests_so_far += summary["requests"] + 1
        for key, seq in summary["acked"].items():
            acked[key] = max(acked.get(key, 0), seq)
        if index:  # the first run only warms the server up
            row = _cpu_row(wrk_saves.step_row(connections, summary), monitor, f"save{index}")
            rounds.setdefault(connections, []).append(row)
            log(f"wrk {connections} connections: {row['rps']} saves/s, p95 {row['p95_ms']} ms, "
                f"{summary['stale']} not stored (a newer answer was)")
    monitor.mark("save_end")
    rows = [merged_step_row(rounds[connections]) for connections in steps]
    name = "PUT /api/attempts/[a]/answers/[q]"
    total = sum(r["count"] for r in rows)
    samples_summary = {name: {"count": total, "errors": sum(r["errors"] for r in rows)}}
    return rows, [wrk_saves.acks_record(candidates, acked)], samples_summary


def merged_step_row(rounds: list[dict]) -> dict:
    """One step's row from its rounds: requests and CPU summed over the rounds' measured time
    (so the step's rate is the mean rate of its rounds); p50/p95/p99 the median of the rounds',
    max the largest. Rounds of all steps alternate, so the machine's drift during a run falls
    on every step alike."""
    if len(rounds) == 1:
        return rounds[0]
    seconds = [r["count"] / max(r["rps"], 1e-9) for r in rounds]
    row = {"users": rounds[0]["users"], "count": sum(r["count"] for r in rounds),
           "errors": sum(r["errors"] for r in rounds), "stale": sum(r.get("stale", 0) for r in rounds),
           "rps": round(sum(r["count"] for r in rounds) / max(sum(seconds), 1e-9), 1),
           "rounds_rps": [r["rps"] for r in rounds],
           **{k: round(statistics.median(r[k] for r in rounds), 2) for k in ("p50_ms", "p95_ms", "p99_ms")},
           "max_ms": max(r["max_ms"] for r in rounds)}
    if all("cpu" in r for r in rounds):
        measured = sum(r["cpu"]["seconds"] for r in rounds)
        row["cpu"] = {key: round(sum(r["cpu"][key] * r["cpu"]["seconds"] for r in rounds) / measured, 2)
                      for key in rounds[0]["cpu"] if key != "seconds"} | {"seconds": round(measured, 1)}
        for key, cores in (("server_cpu_ms_per_request", "server_cores"),
                           ("postgres_cpu_ms_per_request", "postgres_cores")):
            busy = sum(r["cpu"][cores] * r["cpu"]["seconds"] for r in rounds)
            row[key] = round(busy / max(row["rps"] * measured, 1e-9) * 1000, 2)
    return row


def wrk_healthz_steps(args, out: Path, host: str, monitor: Monitor) -> list[dict]:
    script = out / "healthz.lua"
    script.write_text(wrk_saves.HEALTH_LUA)
    rows = []
    for index, connections in enumerate(int(s) for s in args.healthz_steps.split(",")):
        summary = wrk_saves.run(args.client_cpus, host + "/healthz", script, args.wrk_threads, connections,
                                args.healthz_step_seconds, out / f"wrk-healthz{index}.json", args.nice, monitor,
                                args.warmup, f"healthz{index}")
        rows.append(_cpu_row(wrk_saves.step_row(connections, summary), monitor, f"healthz{index}"))
    monitor.mark("healthz_end")
    return rows


def run_capacity(args) -> int:
    out = Path(args.out or ROOT / "bench" / "results" / f"capacity-{args.db}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    steps = [int(s) for s in args.steps.split(",")]
    procs = Processes(args.nice)
    try:
        wrk = args.load_tool == "wrk"
        # wrk cycles through candidates, so it can take more of them than it has connections.
        app, database_url, instance, data = prepare(args, out, max(max(steps) * 4, 128) if wrk else max(steps))
        env = server_env(args, database_url, instance, secrets.token_hex(32))
        servers = start_servers(args, procs, env, out)
        hosts = [host for _p, host in servers]
        monitor = Monitor([p.pid for p, _h in servers], database=args.db_name if args.db == "postgres" else None)
        proxy = None
        if args.proxy == "nginx":
            proxy, proxy_host = start_proxy(args, procs, out, hosts)
            hosts = [proxy_host]
            monitor.proxies = [proxy.pid]
        monitor.start()
        opened = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0) - timedelta(minutes=1)
        exam_id, _count = publish_exam(app, data, opened, opened + timedelta(hours=3), 120, 60)
        if wrk:
            saves, records, samples = wrk_save_steps(args, out, hosts[0], data, exam_id, steps, monitor)
            health = wrk_healthz_steps(args, out, hosts[0], monitor)
        else:
            monitor.mark("save_start")
            saves, records = stepped_run(
                args, procs, out, "Saver", hosts, {"BENCH_CANDIDATES": max(steps), "BENCH_EXAM_ID": exam_id,
                                                   "BENCH_SEED": args.seed},
                steps, args.step_seconds, args.ready_seconds, "save", monitor, "PUT /api/attempts/[a]/answers/[q]")
            monitor.mark("save_end")
            samples = [s for r in records for s in r["samples"]]
            health = healthz_run(args, procs, out, hosts, monitor, "healthz")
        monitor.mark("healthz_end")
        worker_rss = monitor.peak_mib()
        check = check_database(app, exam_id, records)
        peer = None
        if args.peer_python:
            for process, _host in servers:
                procs.stop(process)
            peer = peer_run(args, procs, out, monitor, steps)
        monitor.stopped.set()
        holding = [r for r in saves if r["p95_ms"] < 100 and not r["errors"]]
        best = max(holding, key=lambda r: r["rps"]) if holding else None
        ceiling = max((r["rps"] for r in health), default=None)
        report = {
            "kind": "capacity", "date": datetime.now().isoformat(timespec="seconds"), "argv": sys.argv[1:],
            "parameters": vars(args), "machine": machine(), "save_steps": saves, "healthz_steps": health,
            "best_save_under_100ms": best, "healthz_ceiling_rps": ceiling,
            "save_share_of_healthz": round(best["rps"] / ceiling, 3) if best and ceiling else None,
            "cpu_during_saves": monitor.cpu_between("save_start", "save_end"),
            "cpu_during_healthz": monitor.cpu_between("save_end", "healthz_end"),
            "worker_rss": worker_rss, "check": check,
            "all_endpoints": samples if isinstance(samples, dict) else endpoint_stats(samples),
        }
        if peer is not None:
            report["peer"] = peer
            ours = best["rps"] if best else None
            theirs = (peer["best_under_100ms"] or peer["best_any"] or {}).get("rps")
            report["save_to_peer_ratio"] = round(ours / theirs, 1) if ours and theirs else None
        report["pass"] = (check["lost_answers"] == 0 and
                          sum(s["errors"] for s in report["all_endpoints"].values()) == 0)
        if proxy is not None:
            procs.stop(proxy)
            report["proxy"] = proxy_spread(out)
        write_report(out, report, capacity_markdown(report))
        return 0 if report["pass"] else 1
    finally:
        procs.stop_all()


LOAD_AT_START = os.getloadavg()


def app_version() -> str:
    """The commit under test: COMMIT in --app-dir (a `git archive` snapshot), or git's view of the checkout."""
    marker = APP["dir"] / "COMMIT"
    if marker.exists():
        return marker.read_text().strip()
    try:
        head = subprocess.run(["git", "-C", str(APP["dir"]), "rev-parse", "--short", "HEAD"],  # noqa: S603, S607
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(APP["dir"]), "status", "--porcelain", "--untracked-files=no"],  # noqa: S603, S607
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "unknown"
    return head + (" with uncommitted changes" if dirty else "")


def machine() -> dict:
    return {"cores": os.cpu_count(), "app": app_version(), "load_average_at_start": LOAD_AT_START,
            "load_average_at_end": os.getloadavg(), "python": sys.version.split()[0]}


def write_report(out: Path, report: dict, markdown: str) -> None:
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    (out / "report.md").write_text(markdown)
    print(markdown)
    log(f"report: {out / 'report.md'}")


def proxy_lines(r: dict) -> list[str]:
    """What the nginx access log says, when the run went through nginx."""
    spread = r.get("proxy")
    if not spread:
        return []
    return ["", f"Through nginx (round-robin, upstream keep-alive): requests per server "
                f"{spread['requests_per_server']}, statuses {spread['statuses']}; of {spread['candidates']} "
                f"candidates, by the number of servers their requests reached: "
                f"{spread['candidates_by_servers_reached']}."]


def workers_text(p: dict) -> str:
    """How the gunicorn workers were configured, in words (reports before --worker-class: gthread)."""
    parser = f", HTTP parser {p['http_parser']}" if p.get("http_parser") else ""
    if p.get("server") == "embedded":
        return f"`python run.py` (waitress, {p['threads'] or 16} threads, one process)"
    if p.get("worker_class", "gthread") == "sync":
        return f"{p['workers']} sync workers{parser}"
    return f"{p['workers']} workers × {p['threads']} threads{parser}"


def scheduling_text(p: dict) -> str:
    """Nice and autogroup settings in words (reports before --sched-autogroup lack those keys)."""
    text = f"nice {p['nice']}"
    if p.get("server_autogroup_nice") is not None:
        text += f", gunicorn's autogroup nice {p['server_autogroup_nice']}"
    if p.get("sched_autogroup") == "off":
        text += ", kernel.sched_autogroup_enabled=0"
    return text


def rush_markdown(r: dict) -> str:
    p, c = r["parameters"], r["check"]
    title = "The synchronized start" if p.get("command") == "burst" else "Exam rush"
    text = [f"# {title}, {r['date']}", "",
            f"`python -m bench.rush {' '.join(r['argv'])}` (app {r['machine']['app']}; load average before "
            f"{r['machine']['load_average_at_start'][0]:.1f})", "",
            f"{p['db']}, {p['servers']} server(s) × {workers_text(p)} on CPU "
            f"{p['server_cpus']}; locust {p['client_processes']} process(es) on CPU {p['client_cpus']}; "
            f"{scheduling_text(p)}; client connections keep-alive {p['keep_alive']}. "
            f"{r['candidates']} candidates: logins over {p['login_window']} s, starts over {p['start_spread']} s, "
            f"a {p['duration']}-minute exam, one save per {p['think']} s (±50 %), {p['resubmit']:.0%} of saves "
            f"change an earlier answer, submits in the last {p['submit_spread']} s, {p['no_submit']:.0%} never "
            f"submit.", *proxy_lines(r), "", stats_table(r["endpoints"], "Per endpoint (whole rush)"),
            steps_table(r["healthz_steps"], "/healthz, same servers"),
            f"CPU during the rush (cores): {r['cpu_during_rush']}", "",
            *([f"CPU during the start spread (cores): {r['cpu_during_starts']}", ""]
              if r.get("cpu_during_starts") else []),
            f"server process RSS during the rush: {r['worker_rss_during_rush']}", "",
            f"`flask --app run exams finalize`: {r['finalize']['output']} in {r['finalize']['seconds']} s", "",
            "**Database check**", "",
            f"- attempts: {c['attempts']} ({c['statuses']}), started by clients: {c['attempts_started_by_clients']}, "
            f"unfinished: {c['unfinished']}, finish reasons: {c['finish_reasons']}",
            f"- acknowledged answers: {c['acknowledged_answers']}, lost: {c['lost_answers']}, "
            f"stored newer than acknowledged: {c['stored_newer_than_acknowledged']}",
            f"- scores differing from a regrade: {c['regrade_mismatches']} (answers: {c['answer_score_mismatches']}); "
            f"submit responses differing from the database: {c['submit_response_mismatches']} "
            f"of {c['submit_responses_checked']}",
            f"- papers checked against their seeds: {c.get('papers_checked', '-')}, not the seed's paper: "
            f"{c.get('papers_not_from_seed', '-')}; from prepared papers: {c.get('papers_from_prepared', '-')} "
            f"of {c.get('prepared_papers', '-')} prepared",
            f"- start answers \"in the queue\" (503 queued, retried by the client): {r.get('queue_answers', 0)}",
            *([f"- `flask --app run exams prepare`: {r['prepare']['output']} in {r['prepare']['seconds']} s"]
              if r.get("prepare") else []),
            "", f"**{'PASS' if r['pass'] else 'FAIL'}** (zero lost answers, zero errors, all finished and regraded, "
            "every paper its seed's)",
            ""]
    return "\n".join(text)


def capacity_markdown(r: dict) -> str:
    p, c, best = r["parameters"], r["check"], r["best_save_under_100ms"]
    text = [f"# Save capacity, {r['date']}", "",
            f"`python -m bench.rush {' '.join(r['argv'])}` (app {r['machine']['app']}; load average before "
            f"{r['machine']['load_average_at_start'][0]:.1f})", "",
            f"{p['db']}, {p['servers']} server(s) × {workers_text(p)} on CPU "
            f"{p['server_cpus']}; locust {p['client_processes']} process(es) on CPU {p['client_cpus']}; "
            f"{scheduling_text(p)}; keep-alive {p['keep_alive']}; closed loop, {p['step_seconds']} s per step, "
            f"the first {p['warmup']} s of each step left out.", *proxy_lines(r), "",
            steps_table(r["save_steps"], "PUT /api/attempts/[a]/answers/[q]", 100),
            steps_table(r["healthz_steps"], "GET /healthz"),
            f"Best save rate with p95 < 100 ms: {best['rps'] if best else 'none'} req/s "
            f"({best['users'] if best else '-'} users); /healthz ceiling {r['healthz_ceiling_rps']} req/s; "
            f"share {r['save_share_of_healthz']}", "",
            *overload_lines(r["save_steps"]),
            f"CPU during saves (cores): {r['cpu_during_saves']}; during /healthz: {r['cpu_during_healthz']}", "",
            f"gunicorn worker RSS: {r['worker_rss']}", "",
            f"Acknowledged answers {c['acknowledged_answers']}, lost {c['lost_answers']}.", "",
            *peer_lines(r),
            f"**{'PASS' if r['pass'] else 'FAIL'}** (zero lost answers, zero errors)", ""]
    return "\n".join(text)


def overload_share(rows: list[dict]) -> float:
    """The save rate at the most connections as a share of the best rate at any step."""
    best, most = max(row["rps"] for row in rows), max(rows, key=lambda row: row["users"])["rps"]
    return most / max(best, 1e-9)


def overload_lines(rows: list[dict]) -> list[str]:
    """The rate at the most connections against the best rate at any latency (does throughput
    hold under overload?), and each step's rounds when --step-rounds merged several."""
    if not rows:
        return []
    best, most = max(rows, key=lambda row: row["rps"]), max(rows, key=lambda row: row["users"])
    lines = [f"Under overload: {most['rps']} saves/s at {most['users']} connections, "
             f"{overload_share(rows):.0%} of the best rate ({best['rps']} at {best['users']}).", ""]
    if any("rounds_rps" in row for row in rows):
        lines += ["Each step's rounds (saves/s, in the order run): " + "; ".join(
            f"{row['users']}: {' / '.join(str(x) for x in row.get('rounds_rps', [row['rps']]))}" for row in rows), ""]
    return lines


def peer_lines(r: dict) -> list[str]:
    peer = r.get("peer")
    if not peer:
        return []
    best = peer["best_under_100ms"]
    return [steps_table(peer["steps"], f"Peer: {peer['name']}", 100),
            f"Peer's best rate with p95 < 100 ms: {best['rps'] if best else 'none'} req/s; highest rate "
            f"{peer['best_any']['rps'] if peer['best_any'] else '-'} req/s. Replies acknowledged "
            f"{peer['acknowledged_replies']}, stored {peer['stored_replies']}. Our save against the peer's "
            f"reply: **{r.get('save_to_peer_ratio')}×**.", ""]


def minutes_table(folder: Path) -> str:
    """A rush minute by minute from its locust records: requests, p95 and p99 per endpoint, so the
    report can say when the server fell behind and whether it caught up."""
    import numpy as np
    samples = [s for path in sorted((folder / "records-rush").glob("client-*.json"))
               for s in json.loads(path.read_text())["samples"]]
    if not samples:
        return f"no records in {folder}/records-rush"
    first = min(end for _n, end, _ms, _ok in samples)
    labels = {"GET /login": "sign-in page", "POST /login": "sign-in", "GET /my/exams": "my exams",
              "GET /api/exams": "exam list", "POST /api/exams/[id]/attempts": "start",
              "PUT /api/attempts/[a]/answers/[q]": "save", "POST /api/attempts/[a]/submit": "submit"}
    present = {name for name, *_rest in samples}
    names = [n for n in labels if n in present] + sorted(present - set(labels))
    short = {name: labels.get(name, name) for name in names}
    cells: dict[tuple[int, str], list[float]] = {}
    for name, end, ms, _ok in samples:
        cells.setdefault((int((end - first) // 60), name), []).append(ms)
    lines = ["| minute | " + " | ".join(f"{short[n]}: n / p95 / p99 ms" for n in names) + " |",
             "| ---: |" + " ---: |" * len(names)]
    for minute in range(max(m for m, _n in cells) + 1):
        row = []
        for name in names:
            values = cells.get((minute, name))
            if values:
                p95, p99 = np.percentile(values, [95, 99])
                row.append(f"{len(values)} / {p95:.0f} / {p99:.0f}")
            else:
                row.append("")
        lines.append(f"| {minute} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def summarise(paths: list[Path]) -> str:
    """Medians over several report.json files of one kind (capacity steps or rush endpoints)."""
    from statistics import median
    reports = [json.loads(Path(p).read_text()) for p in paths]
    lines = [f"Medians of {len(reports)} run(s): " + ", ".join(str(p) for p in paths), ""]
    if reports[0]["kind"] == "capacity":
        for r in reports:
            r["peer_steps"] = (r.get("peer") or {}).get("steps", [])
        tables = [("save_steps", "PUT /api/attempts/[a]/answers/[q]"), ("healthz_steps", "GET /healthz")]
        if any(r["peer_steps"] for r in reports):
            tables.append(("peer_steps", f"Peer: {reports[0]['peer']['name']}"))
        for key, title in tables:
            lines += [f"**{title}**", "", "| users | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/req |",
                      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
            users = sorted({row["users"] for r in reports for row in r[key]})
            for n in users:
                rows = [row for r in reports for row in r[key] if row["users"] == n]
                cpu = [row["server_cpu_ms_per_request"] for row in rows if row.get("server_cpu_ms_per_request")]
                lines.append(f"| {n} | {median(r['rps'] for r in rows):.1f} | "
                             f"{median(r['p50_ms'] for r in rows):.1f} | {median(r['p95_ms'] for r in rows):.1f} | "
                             f"{median(r['p99_ms'] for r in rows):.1f} | "
                             f"{sum(r['errors'] for r in rows)} | {round(median(cpu), 2) if cpu else '-'} |")
            lines.append("")
        held = [overload_share(r["save_steps"]) for r in reports if r["save_steps"]]
        if held:
            lines += [f"Saves at the most connections against each run's best rate: median {median(held):.0%} "
                      f"(runs: {', '.join(f'{x:.0%}' for x in held)})", ""]
        ratios = [r["save_to_peer_ratio"] for r in reports if r.get("save_to_peer_ratio")]
        if ratios:
            lines += [f"Our best save rate (p95 < 100 ms) against the peer's best rate: median {median(ratios)}× "
                      f"(runs: {', '.join(f'{x}×' for x in ratios)})", ""]
    else:
        lines += ["| endpoint | requests | errors | peak 10 s req/s | p50 ms | p95 ms | p99 ms |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        names = sorted({n for r in reports for n in r["endpoints"]})
        for name in names:
            rows = [r["endpoints"][name] for r in reports if name in r["endpoints"]]
            lines.append(f"| `{name}` | {median(r['count'] for r in rows):.0f} | {sum(r['errors'] for r in rows)} | "
                         f"{median(r['peak_10s_rps'] for r in rows):.1f} | {median(r['p50_ms'] for r in rows):.1f} | "
                         f"{median(r['p95_ms'] for r in rows):.1f} | {median(r['p99_ms'] for r in rows):.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rush", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    common.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    common.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (no database name)")
    common.add_argument("--db-name", default="bench_rush", help="database to drop and create (bench_* only)")
    common.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    common.add_argument("--threads", type=int, default=None,
                        help="gthread threads per worker (default 8); with --server embedded, waitress threads "
                             "(default: run.py's)")
    common.add_argument("--server", choices=("gunicorn", "embedded"), default="gunicorn",
                        help="embedded: `python run.py` (waitress + SQLite, one process) instead of gunicorn; "
                             "needs --db sqlite and --servers 1")
    common.add_argument("--worker-class", choices=("gthread", "sync"), default="gthread",
                        help="gunicorn worker class: sync answers one request at a time per process, and a "
                             "process takes a new connection only when it is free")
    common.add_argument("--http-parser", choices=("auto", "fast", "python"), default="auto",
                        help="gunicorn's HTTP parser: fast is the C one of gunicorn_h1c (gunicorn[fast]), "
                             "auto takes it when installed")
    common.add_argument("--servers", type=int, default=1, help="app servers on consecutive ports")
    common.add_argument("--port", type=int, default=8101)
    common.add_argument("--proxy", choices=("none", "nginx"), default="none",
                        help="nginx: the load goes through nginx (Debian's) with docs/deploy.md's upstream "
                             "settings, round-robin over the servers, instead of straight to gunicorn")
    common.add_argument("--proxy-port", type=int, default=8100)
    common.add_argument("--proxy-cpus", help="taskset CPU list for nginx (default: --server-cpus)")
    common.add_argument("--nginx", default="/usr/sbin/nginx")
    common.add_argument("--server-cpus", default="0,1", help="taskset CPU list for gunicorn")
    common.add_argument("--client-cpus", default="0,1", help="taskset CPU list for locust")
    common.add_argument("--nice", type=int, default=0,
                        help="scheduling niceness of gunicorn and locust (e.g. -10 on a machine shared with "
                             "other work; PostgreSQL keeps its own)")
    common.add_argument("--server-autogroup-nice", type=int,
                        help="autogroup nice of gunicorn's session alone (default: --nice); -10 weights it "
                             "like ten PostgreSQL backends under the kernel's autogroup scheduling")
    common.add_argument("--sched-autogroup", choices=("keep", "off"), default="keep",
                        help="off: kernel.sched_autogroup_enabled=0 for the run, restored after (root only)")
    common.add_argument("--client-processes", type=int, default=1, help="locust processes (users split)")
    common.add_argument("--spawn-rate", type=int, default=200, help="locust users started per second per process")
    common.add_argument("--redis-url", default="redis://127.0.0.1:6379/15", help="shared rate-limit counts")
    common.add_argument("--healthz-steps", default="8,16,32", help="/healthz concurrency steps")
    common.add_argument("--healthz-step-seconds", type=float, default=15)
    common.add_argument("--warmup", type=float, default=5, help="seconds left out at the start of each step")
    common.add_argument("--keep-alive", choices=("on", "off"),
                        help="client connections: off = a new one per request, as nginx talks to gunicorn "
                             "(default: off for rush, on for capacity)")
    common.add_argument("--seed", type=int, default=2026)
    common.add_argument("--app-dir", type=Path, default=ROOT,
                        help="the application to run (default this checkout; e.g. a `git archive` of one commit)")
    common.add_argument("--out", help="folder for the report and logs (default bench/results/...)")
    rush = commands.add_parser("rush", parents=[common], help="the exam rush with the database check",
                               formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    burst = commands.add_parser("burst", parents=[common], formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                help="the synchronized start: every candidate signed in first, then all press start "
                                     "within --start-spread seconds (papers prepared before), then the usual "
                                     "answering and submit waves, with the database and paper checks")
    for command, spread in ((rush, 60), (burst, 10)):
        command.add_argument("--candidates", type=int, default=1000)
        command.add_argument("--login-window", type=float, default=120 if command is rush else None,
                             help="seconds before the start" + ("" if command is rush
                                                                 else " (default: candidates / 12, at least 60)"))
        command.add_argument("--start-spread", type=float, default=spread, help="seconds after opening")
        command.add_argument("--duration", type=int, default=5, help="exam minutes")
        command.add_argument("--think", type=float, default=15, help="mean seconds between saves")
        command.add_argument("--submit-spread", type=float, default=60, help="submits in the last N seconds")
        command.add_argument("--no-submit", type=float, default=0.1, help="share that never submits")
        command.add_argument("--resubmit", type=float, default=0.15, help="share of saves changing an earlier answer")
        command.add_argument("--grace", type=int, default=60, help="the exam's grace seconds")
    burst.add_argument("--prepare", choices=("yes", "no"), default="yes",
                       help="run `flask --app run exams prepare` after publishing (no: every start draws)")
    capacity = commands.add_parser("capacity", parents=[common], help="sustained save-answer capacity",
                                   formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    capacity.add_argument("--peer-python",
                        help="the Python of a virtualenv with flaskbb==2.2.0, gunicorn and psycopg: after our "
                             "saves, measure FlaskBB's reply endpoint the same way (bench/peer_flaskbb.py)")
    capacity.add_argument("--steps", default="4,8,16,32", help="closed-loop concurrency steps")
    capacity.add_argument("--load-tool", choices=("locust", "wrk"), default="locust",
                          help="wrk (Debian's) costs far less CPU per request than locust (bench/wrk_saves.py)")
    capacity.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (at most the client CPUs)")
    capacity.add_argument("--step-seconds", type=float, default=25)
    capacity.add_argument("--step-rounds", type=int, default=1,
                          help="with --load-tool wrk: run the steps in turn this many times and merge each "
                               "step's rounds, so the machine's drift falls on every step alike")
    capacity.add_argument("--ready-seconds", type=float, default=40,
                          help="time for every user to sign in and start before the first step")
    summary = commands.add_parser("summary", help="medians over several runs' report.json")
    summary.add_argument("reports", nargs="+", type=Path)
    minutes = commands.add_parser("minutes", help="a rush minute by minute (from its records)")
    minutes.add_argument("folder", type=Path, help="the run's --out folder")
    args = parser.parse_args(argv)
    if args.command == "summary":
        print(summarise(args.reports))
        return 0
    if args.command == "minutes":
        print(minutes_table(args.folder))
        return 0
    APP["dir"] = args.app_dir.resolve()
    if args.server == "embedded" and (args.db != "sqlite" or args.servers != 1 or args.proxy != "none"):
        parser.error("--server embedded is `python run.py` as a town runs it: --db sqlite, --servers 1, --proxy none")
    if args.server == "gunicorn" and args.threads is None:
        args.threads = 8
    if args.keep_alive is None:
        args.keep_alive = "off" if args.command in ("rush", "burst") else "on"
    if args.command == "burst" and args.login_window is None:
        args.login_window = max(60.0, args.candidates / 12)
    if args.http_parser == "auto":  # the report names the parser gunicorn will take
        args.http_parser = "fast" if importlib.util.find_spec("gunicorn_h1c") else "python"
    with sched_autogroup(args.sched_autogroup):
        return run_rush(args) if args.command in ("rush", "burst") else run_capacity(args)


if __name__ == "__main__":
    sys.exit(main())
