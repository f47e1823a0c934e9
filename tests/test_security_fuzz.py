"""Hostile input to the JSON API and the grading functions: always a 4xx with a message, never a 500."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login
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
