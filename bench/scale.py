"""Reports and imports at county scale (never part of the test suite).

    python -m bench.scale                         build the data in PostgreSQL, then time everything
    python -m bench.scale --skip-build            time again against the database built before
    python -m bench.scale --db sqlite             the same in a SQLite file
    python -m bench.scale --help                  every option, with its default

It builds a fresh database (DROP/CREATE of the bench_* database named in --database-url, or a
new SQLite file) with the migrations, then writes in bulk (bench/scale_data.py): a department
tree of 155 departments, 100,000 people (one precomputed password hash), the sample question
banks (through the import service), one published 40-question exam with all of them as
candidates (through exams.authoring), 100,000 finished attempts with 40 graded answers each
(4,000,000 answers; some candidates exempt or absent, some sat twice), and a year of 1,000
training sessions with 100,000 attendance records plus outreach events.

Then it starts the app under gunicorn with bench/rush.py's start_servers (-w 2 -k gthread
--threads 4 by default, --timeout 120 as in docs/deploy.md), signs in as an administrator
over HTTP (requests, CSRF tokens from the forms) and times, --repeat times each, to the last byte,
the real pages and downloads: the exam report, its .xlsx and .csv exports, the list of those
who have not taken it, the item analysis, the annual summary page and its .docx, the training
report and its .xlsx; and the imports through the upload pages: a new --question-rows
question .xlsx (upload, preview, confirm) and a --roster-rows roster .xlsx (upload, preview,
confirm, the one-time download of generated passwords). After each import repetition the rows
it added are deleted again, so every repetition imports into the same database.

It prints a Markdown table of medians against the targets of issue #8 and writes
report.json/report.md into --out (default bench/results/scale-<db>/).
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import statistics
import sys
import time
from argparse import Namespace
from datetime import datetime
from pathlib import Path

from .rush import APP, ROOT, Monitor, Processes, fresh_postgres, log, machine, make_app, server_env, start_servers

#: Targets of issue #8 in seconds (None: no target, timed for the record).
TARGETS = {
    "exam_report": 3, "exam_export_xlsx": 15, "exam_export_csv": 15, "exam_absent_list": None,
    "item_analysis": None, "annual_summary": 3, "annual_docx": 3, "training_report": None,
    "training_export_xlsx": None,
    "questions_total": 10, "roster_total": 20,
}
LABELS = {
    "exam_report": "Exam report page", "exam_export_xlsx": "Exam report .xlsx export",
    "exam_export_csv": "Exam report .csv export", "exam_absent_list": "未参考名单 page",
    "item_analysis": "Item analysis page", "annual_summary": "Annual summary page",
    "annual_docx": "Annual summary .docx", "training_report": "Training report page",
    "training_export_xlsx": "Training report .xlsx",
    "questions_upload": "Question .xlsx: upload", "questions_preview": "Question .xlsx: preview",
    "questions_confirm": "Question .xlsx: confirm (import)",
    "questions_total": "Question .xlsx: upload + preview + confirm",
    "roster_upload": "Roster .xlsx: upload", "roster_preview": "Roster .xlsx: preview",
    "roster_confirm": "Roster .xlsx: confirm (import)", "roster_download": "Roster: generated passwords download",
    "roster_total": "Roster .xlsx: upload + preview + confirm",
}
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


# --- the database ------------------------------------------------------------------------------

def prepare_database(args, out: Path) -> str:
    """A fresh database (or the existing one with --skip-build); its SQLAlchemy URL."""
    from sqlalchemy.engine import make_url
    if args.db == "sqlite":
        path = Path(args.sqlite_path or out / "scale.sqlite3").resolve()
        if not args.skip_build:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = make_url(args.database_url)
    if not args.skip_build:
        auth = url.username + (f":{url.password}" if url.password else "")
        fresh_postgres(f"postgresql://{auth}@{url.host or '127.0.0.1'}:{url.port or 5432}", url.database)
    return url.render_as_string(hide_password=False)


def build(args, database_url: str, instance: Path) -> dict:
    from .scale_data import Scale
    from .scale_data import build as build_data
    app = make_app(database_url, instance)
    scale = Scale(people=args.people, attempts=args.attempts, sessions=args.sessions,
                  attendances=args.attendances, year=args.year, seed=args.seed)
    started = time.perf_counter()
    info = build_data(app, scale)
    info["build_seconds"] = round(time.perf_counter() - started, 1)
    log(f"data built in {info['build_seconds']} s")
    return info


def existing_data(database_url: str) -> dict:
    """The ids the timings need, from a database built before (--skip-build)."""
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    with engine.connect() as connection:
        exam_id, year = connection.execute(text(
            "SELECT id, year FROM exam WHERE description = 'bench/scale.py' ORDER BY id DESC")).first()
        counts = {name: connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar()  # noqa: S608
                  for name in ("user", "exam_candidate", "attempt", "answer", "training_session", "attendance")}
    engine.dispose()
    return {"exam": exam_id, "year": year, "admin_login": "benchadmin", "counts": counts}


def count_rows(database_url: str) -> dict:
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    with engine.connect() as connection:
        counts = {name: connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar()  # noqa: S608
                  for name in ("department", "user", "question", "exam_candidate", "attempt", "answer",
                               "training_session", "attendance", "outreach_event")}
    engine.dispose()
    return counts


# --- HTTP ----------------------------------------------------------------------------------------

class Client:
    """One signed-in administrator over HTTP (requests), timing every call to the last byte."""

    def __init__(self, host: str, timeout: float):
        import requests
        self.host, self.timeout = host, timeout
        self.http = requests.Session()

    def call(self, method: str, path: str, **kwargs):
        started = time.perf_counter()
        response = self.http.request(method, self.host + path, timeout=self.timeout, allow_redirects=False,
                                     **kwargs)
        body = response.content  # the whole body: a download is timed until its last byte
        return time.perf_counter() - started, response, body

    def token(self, path: str) -> str:
        _seconds, response, body = self.call("GET", path)
        found = TOKEN.search(body.decode("utf-8", "replace"))
        if response.status_code != 200 or not found:
            raise SystemExit(f"no CSRF token on {path} (HTTP {response.status_code})")
        return found.group(1) or found.group(2)

    def sign_in(self, login: str, password: str) -> None:
        token = self.token("/login")
        _seconds, response, _body = self.call("POST", "/login", data={"csrf_token": token, "login": login,
                                                                      "password": password, "next": ""})
        if response.status_code != 302:
            raise SystemExit(f"signing in as {login} failed (HTTP {response.status_code})")


def check(response, body: bytes, what: str, expect: int = 200, kind: str | None = None) -> dict:
    ok = response.status_code == expect and (kind is None or kind in response.headers.get("Content-Type", ""))
    if not ok:
        log(f"{what}: HTTP {response.status_code} {response.headers.get('Content-Type')} {body[:200]!r}")
    return {"status": response.status_code, "bytes": len(body), "ok": ok}


# --- timings -------------------------------------------------------------------------------------

class Results:
    def __init__(self, monitor: Monitor | None):
        self.runs: dict[str, list[dict]] = {}
        self.monitor = monitor

    def add(self, name: str, seconds: float, outcome: dict, started: float | None = None) -> None:
        outcome = {**outcome, "seconds": round(seconds, 3)}
        if self.monitor is not None and started is not None:
            outcome["worker_rss"] = self.monitor.peak_mib(started - 1, time.time() + 1)
        self.runs.setdefault(name, []).append(outcome)
        log(f"{LABELS.get(name, name)}: {seconds:.2f} s (HTTP {outcome.get('status')}, {outcome.get('bytes', 0):,} B)")

    def summary(self) -> dict:
        rows = {}
        for name, runs in self.runs.items():
            seconds = [r["seconds"] for r in runs]
            target = TARGETS.get(name)
            med = statistics.median(seconds)
            all_ok = all(r.get("ok", True) for r in runs)
            rows[name] = {"label": LABELS.get(name, name), "runs": seconds, "median": round(med, 3),
                          "target": target, "ok": all_ok,
                          "met": None if target is None else (all_ok and med < target),
                          "max_worker_rss_mib": max((r.get("worker_rss", {}).get("peak_mib", 0) for r in runs),
                                                    default=None)}
        return rows


def time_reports(client: Client, results: Results, info: dict, repeat: int) -> None:
    exam, year = info["exam"], info["year"]
    xlsx = "spreadsheetml"
    pages = [
        ("exam_report", f"/reports/exams/{exam}", "text/html"),
        ("exam_export_xlsx", f"/reports/exams/{exam}/export.xlsx", xlsx),
        ("exam_export_csv", f"/reports/exams/{exam}/export.csv", "text/csv"),
        ("exam_absent_list", f"/reports/exams/{exam}/people?only=absent", "text/html"),
        ("item_analysis", f"/reports/exams/{exam}/items", "text/html"),
        ("annual_summary", f"/reports/annual?year={year}", "text/html"),
        ("annual_docx", f"/reports/annual?year={year}&format=docx", "wordprocessingml"),
        ("training_report", f"/reports/training?year={year}", "text/html"),
        ("training_export_xlsx", f"/reports/training/export.xlsx?year={year}", xlsx),
    ]
    for round_number in range(repeat):
        for name, path, kind in pages:
            started = time.time()
            seconds, response, body = client.call("GET", path)
            outcome = check(response, body, name, kind=kind)
            if name == "exam_export_xlsx" and round_number == 0 and outcome["ok"]:
                outcome["sheets"] = workbook_rows(body)
            results.add(name, seconds, outcome, started)


def workbook_rows(content: bytes) -> dict:
    """Rows per sheet of a downloaded workbook (read after the timing)."""
    import io

    from openpyxl import load_workbook
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return {sheet.title: sheet.max_row for sheet in workbook.worksheets}


def time_question_import(client: Client, results: Results, rows: int, repeat: int, database_url: str,
                         out: Path) -> None:
    from .scale_data import question_workbook
    for round_number in range(1, repeat + 1):
        filename = f"bench-questions-{round_number}.xlsx"
        content = question_workbook(rows, f"S{round_number}", seed=round_number)
        (out / filename).write_bytes(content)
        token = client.token("/questions/import")
        started = time.time()
        seconds, response, body = client.call("POST", "/questions/import", data={"csrf_token": token, "category": ""},
                                              files={"file": (filename, content, "application/octet-stream")})
        upload_seconds = seconds
        results.add("questions_upload", seconds, check(response, body, "upload", 302), started)
        location = response.headers.get("Location", "")
        preview_path = location[len(client.host):] if location.startswith("http") else location
        started = time.time()
        preview_seconds, response, body = client.call("GET", preview_path)
        outcome = check(response, body, "preview", kind="text/html")
        page = body.decode("utf-8", "replace")
        new = re.search(r'data-count="new">(\d+)<', page)
        outcome["new"] = int(new.group(1)) if new else None
        outcome["ok"] = outcome["ok"] and outcome["new"] == rows
        results.add("questions_preview", preview_seconds, outcome, started)
        token = TOKEN.search(page)
        started = time.time()
        confirm_seconds, response, body = client.call(
            "POST", preview_path + "/confirm", data={"csrf_token": token.group(1) or token.group(2), "mode": "all"})
        outcome = check(response, body, "confirm", kind="text/html")
        imported = imported_questions(database_url, filename)
        outcome["imported"] = imported
        outcome["ok"] = outcome["ok"] and imported == rows
        results.add("questions_confirm", confirm_seconds, outcome, started)
        results.add("questions_total", upload_seconds + preview_seconds + confirm_seconds,
                    {"ok": outcome["ok"], "status": response.status_code, "bytes": 0})
        remove_questions(database_url, filename)


def imported_questions(database_url: str, filename: str) -> int:
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT COUNT(*) FROM question q JOIN question_import i ON i.id = q.import_id "
                                        "WHERE i.filename = :f"), {"f": filename}).scalar()
    engine.dispose()
    return count


def remove_questions(database_url: str, filename: str) -> None:
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM question WHERE import_id IN "
                                "(SELECT id FROM question_import WHERE filename = :f)"), {"f": filename})
        connection.execute(text("DELETE FROM question_import WHERE filename = :f"), {"f": filename})
    engine.dispose()


def roster_inputs(database_url: str, existing: int) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    """Department paths of the leaves, and `existing` people as a roster row (login, name, path, category)."""
    from sqlalchemy import create_engine, text

    from trainingapp.accounts.roster import CATEGORY_LABELS_ZH
    engine = create_engine(database_url)
    with engine.connect() as connection:
        departments = {i: (n, p) for i, n, p in connection.execute(text("SELECT id, name, parent_id FROM department"))}
        people = connection.execute(text('SELECT login, name, department_id, category FROM "user" '
                                         "WHERE login LIKE '139%' ORDER BY login LIMIT :n"), {"n": existing}).all()
    engine.dispose()

    def path(dept_id):
        parts = []
        while dept_id is not None:
            name, dept_id = departments[dept_id]
            parts.append(name)
        return "/".join(reversed(parts))
    parents = {p for _n, p in departments.values()}
    leaves = sorted(path(d) for d in departments if d not in parents)
    return leaves, [(login, name, path(dept), CATEGORY_LABELS_ZH[category]) for login, name, dept, category in people]


def time_roster_import(client: Client, results: Results, rows: int, existing: int, repeat: int, database_url: str,
                       out: Path) -> None:
    from .scale_data import roster_workbook
    leaves, people = roster_inputs(database_url, existing)
    for round_number in range(1, repeat + 1):
        filename = f"bench-roster-{round_number}.xlsx"
        content = roster_workbook(rows, round_number, leaves, people, seed=100 + round_number)
        (out / filename).write_bytes(content)
        token = client.token("/roster/import")
        started = time.time()
        seconds, response, body = client.call("POST", "/roster/import", data={"csrf_token": token},
                                              files={"file": (filename, content, "application/octet-stream")})
        upload_seconds = seconds
        results.add("roster_upload", seconds, check(response, body, "upload", 302), started)
        location = response.headers.get("Location", "")
        preview_path = location[len(client.host):] if location.startswith("http") else location
        started = time.time()
        preview_seconds, response, body = client.call("GET", preview_path)
        outcome = check(response, body, "roster preview", kind="text/html")
        page = body.decode("utf-8", "replace")
        counts = {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', page)}
        outcome["counts"] = counts
        outcome["ok"] = outcome["ok"] and counts.get("errors") == 0 and counts.get("create") == rows - existing
        results.add("roster_preview", preview_seconds, outcome, started)
        token = TOKEN.search(page)
        started = time.time()
        confirm_seconds, response, body = client.call("POST", preview_path + "/confirm",
                                                      data={"csrf_token": token.group(1) or token.group(2)})
        outcome = check(response, body, "roster confirm", kind="text/html")
        done = body.decode("utf-8", "replace")
        download = re.search(r'id="download-passwords" href="([^"]+)"', done)
        outcome["ok"] = outcome["ok"] and download is not None
        results.add("roster_confirm", confirm_seconds, outcome, started)
        results.add("roster_total", upload_seconds + preview_seconds + confirm_seconds,
                    {"ok": outcome["ok"], "status": response.status_code, "bytes": 0})
        if download:
            started = time.time()
            seconds, response, body = client.call("GET", download.group(1))
            outcome = check(response, body, "download", kind="spreadsheetml")
            if outcome["ok"]:
                outcome["sheets"] = workbook_rows(body)
                outcome["ok"] = sum(outcome["sheets"].values()) == rows - existing + 1
            again = client.call("GET", download.group(1))[1].status_code
            outcome["second_download_status"] = again
            outcome["ok"] = outcome["ok"] and again != 200
            results.add("roster_download", seconds, outcome, started)
        remove_people(database_url, round_number)


def remove_people(database_url: str, tag: int) -> None:
    """Delete the people a roster repetition created. Nothing refers to them yet, so PostgreSQL's
    foreign-key triggers are skipped (each would scan a referencing table per deleted person)."""
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text('DELETE FROM "user" WHERE login LIKE :p'), {"p": f"15{tag}%"})
    engine.dispose()


# --- report --------------------------------------------------------------------------------------

def markdown(report: dict) -> str:
    lines = [f"# Reports and imports at scale, {report['date']}", "",
             f"`python -m bench.scale {' '.join(report['argv'])}` (app {report['machine']['app']}; {report['db']}; "
             f"gunicorn {report['server']}; load average before {report['machine']['load_average_at_start'][0]:.1f})",
             "", f"Rows: {report['rows']}", "",
             f"Medians of {report['repeat']} runs, seconds to the last byte over HTTP, signed in as an administrator.",
             "", "| figure | median s | runs s | target s | met | worker RSS peak MiB |",
             "| --- | ---: | --- | ---: | --- | ---: |"]
    for row in report["figures"].values():
        met = "—" if row["met"] is None else ("met" if row["met"] else "**missed**")
        if not row["ok"]:
            met += " (error)"
        lines.append(f"| {row['label']} | {row['median']:.2f} | {', '.join(f'{s:.2f}' for s in row['runs'])} | "
                     f"{row['target'] if row['target'] is not None else '—'} | {met} | "
                     f"{row['max_worker_rss_mib'] or '—'} |")
    return "\n".join(lines) + "\n"


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults after each option, the module's text as written."""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     epilog="Results and figures: docs/scale.md.", formatter_class=_Formatter)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale",
                        help="with --db postgres: the database to DROP and CREATE (its name must start with bench_)")
    parser.add_argument("--sqlite-path", help="SQLite file for --db sqlite (None: scale.sqlite3 in --out)")
    parser.add_argument("--skip-build", action="store_true", help="reuse the database built by an earlier run")
    parser.add_argument("--build-only", action="store_true", help="build the data and stop")
    parser.add_argument("--people", type=int, default=100_000, help="people, all candidates of the exam")
    parser.add_argument("--attempts", type=int, default=100_000, help="finished attempts (40 answers each)")
    parser.add_argument("--sessions", type=int, default=1000, help="training sessions in the year")
    parser.add_argument("--attendances", type=int, default=100_000, help="attendance records in the year")
    parser.add_argument("--year", type=int, default=datetime.now().year, help="the year of the data")
    parser.add_argument("--question-rows", type=int, default=20_000, help="rows of the question file to import")
    parser.add_argument("--roster-rows", type=int, default=50_000, help="rows of the roster file to import")
    parser.add_argument("--roster-existing", type=int, default=5_000,
                        help="rows of the roster that are people already stored (their post changes)")
    parser.add_argument("--only", choices=("all", "reports", "imports"), default="all", help="what to time")
    parser.add_argument("--repeat", type=int, default=3, help="timings per figure (the report quotes medians)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--server-cpus", default="0,1", help="taskset CPU list for gunicorn")
    parser.add_argument("--http-timeout", type=float, default=120, help="client timeout per request, seconds")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="the application to run (default this checkout; e.g. a `git archive` of one commit)")
    parser.add_argument("--out", help="folder for the report, the import files and logs (default bench/results/...)")
    args = parser.parse_args(argv)
    APP["dir"] = args.app_dir.resolve()
    out = Path(args.out or ROOT / "bench" / "results" / f"scale-{args.db}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    instance = out / "instance"
    instance.mkdir(exist_ok=True)
    database_url = prepare_database(args, out)
    info = existing_data(database_url) if args.skip_build else build(args, database_url, instance)
    info.setdefault("year", args.year)
    if args.build_only:
        (out / "data.json").write_text(json.dumps(info, indent=2, default=str))
        return 0
    rows = count_rows(database_url)
    server = Namespace(servers=1, port=args.port, nice=0, server_cpus=args.server_cpus, workers=args.workers,
                       threads=args.threads, redis_url="memory://", server="gunicorn", worker_class="gthread",
                       http_parser="auto", server_autogroup_nice=None)
    procs = Processes()
    try:
        env = server_env(server, database_url, instance, secrets.token_hex(32))
        (process, host), = start_servers(server, procs, env, out)
        monitor = Monitor([process.pid])
        monitor.start()
        client = Client(host, args.http_timeout)
        client.sign_in(info.get("admin_login", "benchadmin"), "bench-pass-2026")
        results = Results(monitor)
        if args.only in ("all", "reports"):
            time_reports(client, results, info, args.repeat)
        if args.only in ("all", "imports"):
            time_question_import(client, results, args.question_rows, args.repeat, database_url, out)
            time_roster_import(client, results, args.roster_rows, args.roster_existing, args.repeat, database_url,
                               out)
        monitor.stopped.set()
    finally:
        procs.stop_all()
    report = {"kind": "scale", "date": datetime.now().isoformat(timespec="seconds"), "argv": sys.argv[1:],
              "db": args.db, "repeat": args.repeat, "machine": machine(), "rows": rows,
              "server": f"-w {args.workers} -k gthread --threads {args.threads} (timeout 120 s) "
                        f"on CPU {args.server_cpus}",
              "data": {k: v for k, v in info.items() if k not in ("leaf_departments", "towns")},
              "figures": results.summary(), "runs": results.runs}
    text = markdown(report)
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    (out / "report.md").write_text(text)
    print(text)
    log(f"report: {out / 'report.md'}")
    failed = [r for r in report["figures"].values() if not r["ok"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
