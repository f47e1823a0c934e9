"""Cache-Control (issue #20, finding 12): nothing but static files may be stored by a browser or
a proxy; the attempt API, exam pages, every export and the one-time password download say no-store."""
import io
import re

import pandas as pd
import pytest

from tests.conftest import login
from tests.small_town import fill_path, small_town
from trainingapp.platform.tabular import to_xlsx

STATIC = {"static", "bootstrap.static", "guide_image"}


def _stored_anywhere(response) -> bool:
    return "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("role", ["anonymous", "cadre", "trainer", "liaison", "admin"])
def test_every_page_but_static_files_says_no_store(app, make, role):
    people, values = small_town(app, make)
    client = app.test_client()
    if role != "anonymous":
        login(client, people[role])
    values = {**values, "filename": "css/app.css"}
    stored = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "bootstrap.static", "guide_image", "favicon"):
            continue
        response = client.get(fill_path(rule, values))
        if _stored_anywhere(response):
            stored.append(f"{rule.rule} {response.status_code} {response.headers.get('Cache-Control')}")
    assert stored == []
    # Static files stay cacheable (the exam page's scripts and styles load once).
    assert "no-store" not in client.get("/static/js/exam.js").headers.get("Cache-Control", "")


def test_the_attempt_api_and_exam_pages_say_no_store(app, make):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre])
    client = app.test_client()
    login(client, cadre)
    started = client.post(f"/api/exams/{exam.id}/attempts")
    attempt = started.get_json()["attempt_id"]
    # The paper's order is drawn at random: answer its first single-choice question.
    question = next(q["id"] for q in started.get_json()["questions"] if q["type"] == "single")
    responses = {
        "start": started,
        "list": client.get("/api/exams"),
        "attempt": client.get(f"/api/attempts/{attempt}"),
        "save": client.put(f"/api/attempts/{attempt}/answers/{question}", json={"answer": "A", "seq": 1}),
        "event": client.post(f"/api/attempts/{attempt}/events", json={"type": "blur"}),
        "my exams": client.get("/my/exams"),
        "rules": client.get(f"/my/exams/{exam.id}"),
        "take": client.get(f"/my/attempts/{attempt}"),
        "submit": client.post(f"/api/attempts/{attempt}/submit"),
        "result": client.get(f"/my/attempts/{attempt}/result"),
        "no such attempt": client.get("/api/attempts/999999"),
        "signed out": app.test_client().get(f"/api/attempts/{attempt}"),
    }
    staff = app.test_client()
    login(staff, trainer)
    for url in (f"/exams/{exam.id}", f"/exams/{exam.id}/candidates", f"/exams/{exam.id}/attempts/{attempt}"):
        responses[url] = staff.get(url)
    stored = {name: (r.status_code, r.headers.get("Cache-Control")) for name, r in responses.items()
              if _stored_anywhere(r)}
    assert stored == {}
    assert responses["save"].status_code == 200 and responses["result"].status_code == 200


def test_every_export_and_the_one_time_password_download_say_no_store(app, make):
    people, values = small_town(app, make)
    admin = app.test_client()
    login(admin, people["admin"])
    exam, session = values["exam_id"], values["session_id"]
    exports = ["/roster/export", "/roster/template", "/questions/template.xlsx",
               "/questions/export?fmt=xlsx", "/questions/export?fmt=csv", "/questions/export?fmt=json",
               f"/reports/exams/{exam}/export.xlsx", f"/reports/exams/{exam}/export.csv",
               f"/reports/exams/{exam}/people?format=xlsx", f"/reports/exams/{exam}/people?only=absent&format=xlsx",
               "/reports/training/export.xlsx", "/reports/annual?format=docx", "/reports/annual?format=txt",
               f"/sessions/{session}/attendance.xlsx", f"/sessions/{session}/attendance/template.xlsx"]
    stored = []
    for url in exports:
        response = admin.get(url)
        assert response.status_code == 200 and "attachment" in response.headers.get("Content-Disposition", ""), url
        if _stored_anywhere(response):
            stored.append(f"{url}: {response.headers.get('Cache-Control')}")
    assert stored == []

    # The generated initial passwords of a roster import, offered once.
    roster = to_xlsx({"花名册": pd.DataFrame([["新人", "13900000001", "司法所", "在编"]],
                                             columns=["姓名", "账号", "部门", "人员类别"])})
    uploaded = admin.post("/roster/import", data={"file": (io.BytesIO(roster), "roster.xlsx")},
                          content_type="multipart/form-data")
    preview = admin.get(uploaded.headers["Location"]).get_data(as_text=True)
    confirm = re.search(r'action="(/roster/import/[^"]+/confirm)"', preview).group(1)
    done = admin.post(confirm).get_data(as_text=True)
    download = admin.get(re.search(r'href="(/downloads/[^"]+)"', done).group(1))
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
