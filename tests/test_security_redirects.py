"""Open redirects (issue #20, finding 13): every `next`/`back` parameter goes through
`params.safe_next`, which keeps only same-site paths; hostile targets land on the page's default."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, login
from trainingapp.platform.extensions import db
from trainingapp.platform.params import safe_next
from trainingapp.questionbank.models import Question

#: Targets a crafted link may carry: other sites, in the spellings browsers accept.
HOSTILE = ["https://evil.example", "http://evil.example/login", "//evil.example", "///evil.example",
           "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "/\t/evil.example", "/\n/evil.example",
           "/\r\n/evil.example", " /evil", "\x00/evil", "javascript:alert(1)", "https:evil.example",
           "evil.example", "data:text/html,<script>alert(1)</script>", "/" + "a" * 3000]
SAFE = ["/account", "/questions?q=%E5%AE%AA&page=2", "/reports/exams/3?root=2"]

FORM = {"qtype": "single", "stem": "行政复议期限是多少日？", "option_A": "十五日", "option_B": "三十日",
        "option_C": "六十日", "option_D": "九十日", "answer": "C", "explanation": "第二十条规定六十日。",
        "points": "2", "difficulty": "medium", "category": "行政复议法", "knowledge_point": "申请期限",
        "basis": "《中华人民共和国行政复议法》第二十条", "status": "active"}


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_every_way_off_the_site(target):
    assert safe_next(target, "/default") == "/default"


@pytest.mark.parametrize("target", SAFE)
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target, "/default") == target


def _went_home_or_was_refused(response, target):
    """Sent to the page's default, or (a posted NUL: params.refuse_nul_in_forms) refused with 400."""
    if "\x00" in target:
        return response.status_code == 400
    return response.status_code == 302 and response.headers["Location"] == "/"


def test_sign_in_never_sends_people_off_the_site(client, make):
    person = make.user()
    for target in HOSTILE:
        # The link (GET ?next=) only fills the form; the form's next decides after sign-in.
        assert client.get("/login", query_string={"next": target}).status_code == 200
        response = client.post("/login", data={"login": person.login, "password": PASSWORD, "next": target})
        assert _went_home_or_was_refused(response, target), target
        client.post("/logout")
    response = client.post("/login", data={"login": person.login, "password": PASSWORD, "next": "/account"})
    assert response.headers["Location"] == "/account"


def test_the_language_switch_never_sends_people_off_the_site(client):
    for target in HOSTILE:
        response = client.post("/language/en", data={"next": target})
        assert _went_home_or_was_refused(response, target), target
    assert client.post("/language/zh", data={"next": "/login"}).headers["Location"] == "/login"


def test_the_question_editor_back_link_never_leaves_the_site(app, as_role):
    """The review's probe: ?back=https://evil.example on the question editor."""
    trainer = as_role("trainer")
    assert trainer.post("/questions/new", data=FORM).status_code == 302
    with app.app_context():
        question_id = db.session.scalar(select(Question.id))
    for number, target in enumerate(HOSTILE):
        response = trainer.post(f"/questions/{question_id}", query_string={"back": target},
                                data={**FORM, "explanation": f"第二十条规定六十日。{number}"})
        assert response.status_code == 302 and response.headers["Location"] == "/questions", target
    back = "/questions?q=%E5%A4%8D%E8%AE%AE&page=1"
    response = trainer.post(f"/questions/{question_id}", query_string={"back": back}, data=FORM)
    assert response.headers["Location"] == back


def test_the_candidate_page_redirects_to_itself_whatever_its_query(app, make):
    """It used to pass the query on to url_for: ?exam_id=… or ?_scheme=… gave a 500."""
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre])
    client = app.test_client()
    login(client, trainer)
    for query in ({"exam_id": "999"}, {"_external": "1", "_scheme": "javascript"}, {"_anchor": "x"},
                  {"next": "https://evil.example"}):
        response = client.post(f"/exams/{exam.id}/candidates", query_string=query,
                               data={"action": "extra_time", "person": str(cadre.id), "reason": ""})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/exams/{exam.id}/candidates", query


def test_no_redirect_takes_a_request_value_without_safe_next():
    """A guard for new code: a redirect built from what the request carries (query, form,
    referrer, headers) must go through safe_next. Our own URL (request.full_path) is fine."""
    carried = re.compile(r"request\.(args|form|values|referrer|headers|get_json|json)")
    offenders = []
    for path in Path(__file__).resolve().parents[1].joinpath("trainingapp").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "redirect(" in line and carried.search(line) and "safe_next(" not in line:
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
