"""CPU time of one exam start, one resume, one save and one submit, in process, on PostgreSQL.

    python -m bench.start_cpu --candidates 300

Builds the rush's data (bench/rush.py) in a fresh `bench_start` database, signs N candidates
in through the real form with the Flask test client, then times `POST /api/exams/<id>/attempts`
for each (a new attempt: 201), then again for each (the attempt in progress: 200), then on a
second exam whose papers were drawn in advance (`exams prepare`: a new attempt, 201); then saves
an answer to every question of every paper (not timed: the first save of an attempt in a
process reads it), saves them all again (timed: the one-statement save of an exam's steady
minutes) and times `POST .../submit` for each.
The app's figure is this process's CPU time, so it does not depend on PostgreSQL's latency;
the test client's own overhead is included (about 0.3 ms a request here). PostgreSQL's figure
is the CPU time of the backends serving the bench database over the same requests (read from
/proc, so only when the server runs on this machine).
"""
import argparse
import os
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench import rush

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def signed_in_clients(app, candidates: int) -> list[tuple[object, str]]:
    clients = []
    for n in range(1, candidates + 1):
        client = app.test_client()
        token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
        form = {"csrf_token": token, "login": f"{rush.LOGIN_PREFIX}{n:05d}", "password": rush.PASSWORD}
        if client.post("/login", data=form).status_code != 302:
            raise SystemExit(f"candidate {n} could not sign in")
        clients.append((client, TOKEN.search(client.get("/my/exams").get_data(as_text=True)).group(1)))
    return clients


def database_ticks(name: str) -> int:
    """CPU ticks so far of the PostgreSQL backends serving database `name` on this machine."""
    monitor = rush.Monitor([], database=name)
    return monitor._ticks(monitor._backends(), False)


class Meter:
    """Mean CPU milliseconds per request of this process and of the database's backends."""

    def __init__(self, database: str):
        self.database, self.app, self.db, self.count = database, 0.0, 0, 0

    def __enter__(self):
        self._db, self._app = database_ticks(self.database), time.process_time()
        return self

    def __exit__(self, *_exc):
        self.app += time.process_time() - self._app
        self.db += database_ticks(self.database) - self._db

    def figures(self) -> tuple[float, float]:
        return self.app / self.count * 1000, self.db / os.sysconf("SC_CLK_TCK") / self.count * 1000


def cpu_per_start(clients, exam_id: int, expected: int, database: str = "bench_start") -> tuple[list, Meter]:
    meter, responses = Meter(database), []
    with meter:
        for client, token in clients:
            responses.append(client.post(f"/api/exams/{exam_id}/attempts", headers={"X-CSRFToken": token}))
    meter.count = len(clients)
    for response in responses:
        if response.status_code != expected:
            raise SystemExit(f"start answered {response.status_code}, expected {expected}")
    return [response.get_json() for response in responses], meter


def answer_everything(clients, papers, first_seq: int = 1) -> int:
    """Save an answer to every question of every paper; the number of saves."""
    count = 0
    for (client, token), paper in zip(clients, papers):
        for seq, question in enumerate(paper["questions"], start=first_seq):
            count += 1
            keys = [option["key"] for option in question["options"]]
            answer = {"single": keys[:1] and keys[0], "multiple": keys[:2], "truefalse": True}.get(
                question["type"], ["十五日"] * question["blanks"])
            response = client.put(f"/api/attempts/{paper['attempt_id']}/answers/{question['id']}",
                                  json={"answer": answer, "seq": seq}, headers={"X-CSRFToken": token})
            if response.status_code != 200 or not response.get_json()["saved"]:
                raise SystemExit(f"save answered {response.status_code}: {response.get_data(as_text=True)[:200]}")
    return count


def cpu_per_submit(clients, papers, database: str = "bench_start") -> Meter:
    meter = Meter(database)
    with meter:
        for (client, token), paper in zip(clients, papers):
            response = client.post(f"/api/attempts/{paper['attempt_id']}/submit", headers={"X-CSRFToken": token})
            if response.status_code != 200:
                raise SystemExit(f"submit answered {response.status_code}")
    meter.count = len(clients)
    return meter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="bench_start", help="database to drop and create (bench_* only)")
    parser.add_argument("--app-dir", type=Path, default=rush.ROOT)
    parser.add_argument("--instance", type=Path, default=Path("/tmp/bench-start-instance"))  # noqa: S108 - bench only
    args = parser.parse_args()
    rush.APP["dir"] = args.app_dir.resolve()
    args.instance.mkdir(parents=True, exist_ok=True)
    app = rush.make_app(rush.fresh_postgres(args.pg_url, args.db_name), args.instance)
    data = rush.build_data(app, args.candidates)
    from trainingapp.platform.clock import now
    moment = now()
    exam_id, _count = rush.publish_exam(app, data, moment - timedelta(minutes=1), moment + timedelta(hours=3), 120, 60)
    prepared_id, _count = rush.publish_exam(app, data, moment - timedelta(minutes=1), moment + timedelta(hours=3),
                                            120, 60)
    with app.app_context():
        from trainingapp.exams.models import Exam
        from trainingapp.exams.preparing import prepare_papers
        from trainingapp.platform.extensions import db
        prepare_papers(db.session.get(Exam, prepared_id))
    clients = signed_in_clients(app, args.candidates)
    papers, start = cpu_per_start(clients, exam_id, 201, args.db_name)
    _papers, resume = cpu_per_start(clients, exam_id, 200, args.db_name)
    _papers, prepared = cpu_per_start(clients, prepared_id, 201, args.db_name)
    answer_everything(clients, papers)
    save = Meter(args.db_name)
    with save:
        save.count = answer_everything(clients, papers, first_seq=1000)
    submit = cpu_per_submit(clients, papers, args.db_name)
    print(f"app {rush.app_version()}, mean CPU ms per request over {args.candidates} candidates "
          f"(in process; app + PostgreSQL backends):")
    for name, meter in (("start", start), ("resume", resume), ("start, prepared paper", prepared), ("save", save),
                        ("submit", submit)):
        app_ms, db_ms = meter.figures()
        print(f"  {name:21s} {app_ms:6.2f} + {db_ms:5.2f} = {app_ms + db_ms:6.2f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
