"""CPU time of one exam start and one resume, in process, on PostgreSQL.

    python -m bench.start_cpu --candidates 300

Builds the rush's data (bench/rush.py) in a fresh `bench_start` database, signs N candidates
in through the real form with the Flask test client, then times `POST /api/exams/<id>/attempts`
for each (a new attempt: 201), then again for each (the attempt in progress: 200). Process CPU
time only, so the figure does not depend on PostgreSQL's latency; the test client's own
overhead is included (about 0.3 ms a request here).
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


def cpu_per_start(clients, exam_id: int, expected: int) -> float:
    spent = 0.0
    for client, token in clients:
        began = time.process_time()
        response = client.post(f"/api/exams/{exam_id}/attempts", headers={"X-CSRFToken": token})
        spent += time.process_time() - began
        if response.status_code != expected:
            raise SystemExit(f"start answered {response.status_code}, expected {expected}")
    return spent / len(clients) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--app-dir", type=Path, default=rush.ROOT)
    parser.add_argument("--instance", type=Path, default=Path("/tmp/bench-start-instance"))  # noqa: S108 - bench only
    args = parser.parse_args()
    rush.APP["dir"] = args.app_dir.resolve()
    args.instance.mkdir(parents=True, exist_ok=True)
    app = rush.make_app(rush.fresh_postgres(args.pg_url, "bench_start"), args.instance)
    data = rush.build_data(app, args.candidates)
    from trainingapp.clock import now
    moment = now()
    exam_id, _count = rush.publish_exam(app, data, moment - timedelta(minutes=1), moment + timedelta(hours=3), 120, 60)
    clients = signed_in_clients(app, args.candidates)
    start = cpu_per_start(clients, exam_id, 201)
    resume = cpu_per_start(clients, exam_id, 200)
    print(f"app {rush.app_version()}: start {start:.2f} ms CPU, resume {resume:.2f} ms CPU "
          f"(mean over {args.candidates} candidates, in process, PostgreSQL)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
