"""Hostile input to the JSON API, the grading functions and every query parameter of every
page: always a 4xx with a message, never a 500."""
import inspect
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login
from tests.small_town import fill_path, small_town
from trainingapp.exams import grading

JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
                    | st.text(max_size=50), lambda inner: st.lists(inner, max_size=5)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=5), max_leaves=20)
ODD_TEXT = st.sampled_from(["\x00", "\ud800", "‮", "𠀀" * 300, "' OR 1=1 --", "<script>", "A" * 100_000, "Ａ", "１"])


@given(qtype=st.sampled_from(["single", "multiple", "truefalse", "fill"]), response=JSON | ODD_TEXT)
def test_grading_never_crashes_on_any_json(qtype, response):
    try:
        normalised = grading.validate_response(qtype, response, ["A", "B", "C", "D"], 2)
    except grading.InvalidResponse:
        return
    key = {"single": "B", "multiple": ["A", "C"], "truefalse": True, "fill": [["甲"], ["乙"]]}[qtype]
    assert 0 <= grading.grade(qtype, key, normalised, 3, partial=True) <= 3


def test_the_attempt_api_answers_hostile_bodies_with_4xx(app, make):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("single", 2, 25), ("multiple", 1, 25), ("fill", 1, 50)])
    client = app.test_client()
    login(client, cadre)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    urls = [f"/api/attempts/{body['attempt_id']}/answers/{q['id']}" for q in body["questions"]]

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(payload=JSON | ODD_TEXT, index=st.integers(0, len(urls) - 1))
    def put(payload, index):
        if isinstance(payload, dict) and "seq" in payload:
            payload = {**payload, "seq": 1}
        raw = json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")
        response = client.put(urls[index], data=raw, content_type="application/json")
        assert 400 <= response.status_code < 500 or response.status_code == 200, response.status_code
        if response.status_code != 200:
            assert "error" in response.get_json()

    put()
    for raw in (b"{", b"\xff\xfe", b"[" * 10000, b'{"answer": "A", "seq": 1e309}', b"null"):
        response = client.put(urls[0], data=raw, content_type="application/json")
        assert 400 <= response.status_code < 500
    huge = client.put(urls[0], data=b'{"answer": "' + b"A" * (30 * 1024 * 1024) + b'", "seq": 1}',
                      content_type="application/json")
    assert huge.status_code == 413
    for url in (f"/api/attempts/{body['attempt_id']}/events", f"/api/exams/{exam.id}/attempts"):
        for raw in (b"{", b'{"type": 5}', b'{"type": "x" }', b"[]"):
            assert client.post(url, data=raw, content_type="application/json").status_code < 500


# --- every query parameter of every page, for every role (issue #20, finding 15) ----------------

#: Values a crafted link may carry: beyond 64 bits, negative, zero, not a number, not finite,
#: absurdly long, control and exotic characters, an impossible date, another site, a list.
HOSTILE = ["99999999999999999999", "-99999999999999999999", "-1", "0", "abc", "1e309", "nan", "２０２６",
           "𠀀‮\x00\x1f'\"<", "Z" * 5000, "2026-02-30", "0001-01-01", "//evil.example", ["1", "2"]]
#: Parameters a view reads through a loop the source scan cannot see.
READ_IN_LOOPS = {"accounts.audit_log": {"since", "until"}}
#: `request.args.get("x")`, `args["x"]`, and the helpers of trainingapp.platform.params (`int_arg("x")`).
ARG_READ = re.compile(r"""(?:args(?:\.get|\.getlist)?\s*(?:\(|\[)|\b\w+_arg\()\s*["'](\w+)["']""")
FUZZ_ROLES = ["anonymous", "cadre", "trainer", "liaison", "admin"]


def _parameters_read(app, endpoint):
    """The query parameter names a view reads: `args.get("x")` / `args["x"]` in its source and
    in the module's own functions it calls (helpers like `_scope()`), transitively."""
    view = inspect.unwrap(app.view_functions[endpoint])
    module = inspect.getmodule(view)
    seen, todo, names = set(), [view], set(READ_IN_LOOPS.get(endpoint, ()))
    while todo:
        function = todo.pop()
        if function in seen:
            continue
        seen.add(function)
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        names |= set(ARG_READ.findall(source))
        if "page_arg()" in source:
            names.add("page")
        for called in re.findall(r"\b(\w+)\(", source):
            target = getattr(module, called, None)
            if inspect.isfunction(target) and target.__module__ == module.__name__:
                todo.append(target)
    return names


def test_the_scan_finds_the_parameters_of_the_pages(app):
    found = {endpoint: _parameters_read(app, endpoint) for endpoint in app.view_functions}
    assert {"page", "q", "department"} <= found["accounts.list_people"]
    assert {"root", "year", "start", "end", "threshold"} <= found["reports.training_report"]
    assert "back" in found["questionbank.edit_question"] and "next" in found["accounts.login"]
    assert {"since", "until", "page"} <= found["accounts.audit_log"]


@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_hostile_query_values_never_give_a_server_error(app, make, role):
    """Every GET page, each query parameter its view reads, every hostile value: no 5xx, and a
    400 says what is wrong."""
    people, values = small_town(app, make)
    client = app.test_client()
    if role != "anonymous":
        assert login(client, people[role]).status_code == 302
    skipped = {"static", "bootstrap.static", "guide_image"}  # files, no parameters
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in skipped:
            continue
        path = fill_path(rule, values)
        for name in sorted(_parameters_read(app, rule.endpoint)):
            for value in HOSTILE:
                try:
                    response = client.get(path, query_string={name: value})
                except Exception as error:  # noqa: BLE001 - an exception here is the finding
                    failures.append(f"{role} {path}?{name}={str(value)[:30]!r}: {type(error).__name__} {error}"[:300])
                    continue
                if response.status_code >= 500:
                    failures.append(f"{role} {path}?{name}={str(value)[:30]!r}: {response.status_code}")
                elif response.status_code == 400:
                    assert name in response.get_data(as_text=True), (path, name, value)
    assert not failures, "\n".join(failures)


def test_the_study_heartbeat_takes_any_body_without_a_server_error(app, make):
    """The review's probe sent absurdly nested JSON to the heartbeat: a 500 then."""
    people, values = small_town(app, make)
    client = app.test_client()
    login(client, people["cadre"])
    url = f"/api/study/{values['material_id']}/heartbeat"
    for raw in (b"[" * 100_000, b'{"start": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b"{", b"\xff\xfe",
                b'{"start": "yes", "leaving": 1}', b"null", b'"x"', b"1e309"):
        response = client.post(url, data=raw, content_type="application/json")
        assert response.status_code == 200, (raw[:20], response.status_code)
        assert response.get_json()["credited_seconds"] == 0  # a malformed body is a plain beat


def test_a_nul_in_a_posted_form_is_refused_with_400_before_it_reaches_the_database(app, client, as_role):
    # PostgreSQL cannot store a NUL: the sign-in form wrote the typed login to the throttle first.
    for data in ({"login": "ab\x00c", "password": "whatever-1"}, {"login": "abc", "password": "what\x00ever-1"}):
        response = client.post("/login", data=data)
        assert response.status_code == 400
        assert "login" in response.get_data(as_text=True) or "password" in response.get_data(as_text=True)
    trainer = as_role("trainer")
    assert trainer.post("/questions/new", data={"stem": "题\x00干"}).status_code == 400
