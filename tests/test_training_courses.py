"""Courses: authoring, who may see a course and its files, study time credited by the
server's clock (too-fast clients, gaps, the cap), completion with credits, sanitised
Markdown and the exam prerequisite on credits."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.training.courses import services as course_services
from trainingapp.training.courses.models import Course, CourseCompletion, Material, StudyProgress

T0 = datetime(2026, 3, 2, 1, 0, 0)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def build_course(app, *, minutes=(1,), credits=1.0, audience=None, published=True, title="宪法学习",
                 bodies=None, kinds=None):
    """A course with text materials of these lengths; returns (course id, [material ids])."""
    with app.app_context():
        course = Course(title=title, category="宪法", credits=credits, audience=audience or [],
                        is_published=published, published_at=clock.now() if published else None)
        for index, length in enumerate(minutes):
            course.materials.append(Material(position=index, title=f"第{index + 1}讲", kind="text",
                                             body_markdown=(bodies or {}).get(index, "宪法是国家的根本法。"),
                                             minutes=length))
        db.session.add(course)
        db.session.commit()
        ids = course.id, [m.id for m in course.materials]
        db.session.remove()
    return ids


def english(client):
    """Pages in English (the msgids), so message checks survive translation."""
    client.set_cookie("lang", "en")
    return client


def beat(client, material_id, **body):
    return client.post(f"/api/study/{material_id}/heartbeat", json=body)


def credited(app, user, material_id):
    with app.app_context():
        row = db.session.scalar(select(StudyProgress).where(StudyProgress.user_id == user.id,
                                                            StudyProgress.material_id == material_id))
        value = row.credited_seconds if row else 0
        db.session.remove()
    return value


@pytest.fixture
def cadre_client(as_role):
    return as_role("cadre")


# --- study time ------------------------------------------------------------------------------

def test_first_beat_earns_nothing_then_real_time_is_credited(app, cadre_client):
    _course, (material,) = build_course(app, minutes=(10,))
    clock.freeze(T0)
    first = beat(cadre_client, material)
    assert first.status_code == 200 and first.get_json()["credited_seconds"] == 0
    clock.advance(timedelta(seconds=30))
    body = beat(cadre_client, material).get_json()
    assert body["credited_seconds"] == 30 and body["required_seconds"] == 600 and body["completed"] is False


def test_a_too_fast_client_earns_only_the_seconds_that_passed(app, cadre_client):
    _course, (material,) = build_course(app, minutes=(10,))
    clock.freeze(T0)
    beat(cadre_client, material)
    for _ in range(30):  # 30 beats in 3 seconds
        clock.advance(timedelta(milliseconds=100))
        beat(cadre_client, material)
    assert credited(app, cadre_client.user, material) == 3


def test_a_long_gap_earns_nothing_and_restarts_the_clock(app, cadre_client):
    _course, (material,) = build_course(app, minutes=(10,))
    clock.freeze(T0)
    beat(cadre_client, material)
    clock.advance(timedelta(seconds=30))
    beat(cadre_client, material)
    clock.advance(timedelta(hours=2))  # laptop asleep
    assert beat(cadre_client, material).get_json()["credited_seconds"] == 30
    clock.advance(timedelta(seconds=20))
    assert beat(cadre_client, material).get_json()["credited_seconds"] == 50


def test_a_new_viewing_does_not_pay_the_time_away(app, cadre_client):
    """The page sends start=true when it becomes visible again: the hidden minute is not paid."""
    _course, (material,) = build_course(app, minutes=(10,))
    clock.freeze(T0)
    beat(cadre_client, material, start=True)
    clock.advance(timedelta(seconds=30))
    beat(cadre_client, material)
    clock.advance(timedelta(seconds=60))
    assert beat(cadre_client, material, start=True).get_json()["credited_seconds"] == 30


def test_credit_stops_at_the_material_length_and_completion_awards_credits_once(app, cadre_client):
    course_id, (first, second) = build_course(app, minutes=(1, 1), credits=1.5)
    clock.freeze(T0)
    bodies = []
    for material in (first, second):
        beat(cadre_client, material)
        for _ in range(3):  # 90 seconds on a 60-second material
            clock.advance(timedelta(seconds=30))
            bodies.append(beat(cadre_client, material).get_json())
        assert bodies[-1]["credited_seconds"] == 60 and bodies[-1]["completed"] is True
    assert [b["course"]["percent"] for b in bodies] == [25, 50, 50, 75, 100, 100]
    completing = [b["course"] for b in bodies if b["course"]["just_completed"]]
    assert completing == [{"id": course_id, "percent": 100, "completed_materials": 2, "total_materials": 2,
                           "completed": True, "credits": 1.5, "just_completed": True}]
    with app.app_context():
        completions = db.session.scalars(select(CourseCompletion)).all()
        assert [(c.course_id, c.credits, c.completed_at) for c in completions] == [
            (course_id, 1.5, T0 + timedelta(seconds=150))]
        assert course_services.credits_in_year(cadre_client.user.id, 2026) == 1.5
    page = cadre_client.get("/courses").get_data(as_text=True)
    assert "1.5" in page and 'id="group-done"' in page


def test_credits_count_in_the_local_year(app, cadre_client):
    """Completed at 01:00 on 1 January Beijing time (17:00 UTC the day before): the new year."""
    _course, (material,) = build_course(app, minutes=(1,), credits=2)
    clock.freeze(datetime(2025, 12, 31, 16, 59, 30))
    beat(cadre_client, material)
    clock.advance(timedelta(seconds=60))
    beat(cadre_client, material)
    with app.app_context():
        assert course_services.credits_in_year(cadre_client.user.id, 2026) == 2
        assert course_services.credits_in_year(cadre_client.user.id, 2025) == 0


def test_the_heartbeat_needs_the_csrf_header(app, cadre_client):
    _course, (material,) = build_course(app)
    page = cadre_client.get(f"/courses/{_course}/materials/{material}").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert beat(cadre_client, material).status_code == 400
        ok = cadre_client.post(f"/api/study/{material}/heartbeat", json={}, headers={"X-CSRFToken": token})
        assert ok.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_heartbeat_needs_sign_in(app, client):
    _course, (material,) = build_course(app)
    response = beat(client, material)
    assert response.status_code == 401 and response.get_json()["code"] == "unauthenticated"


# --- who may see what ------------------------------------------------------------------------

@pytest.fixture
def town(make):
    root = make.department("共和镇")
    enforcement = make.department("综合行政执法办", parent=root)
    team = make.department("执法一中队", parent=enforcement)
    village = make.department("来苏村", parent=root)
    return root, enforcement, team, village


def test_only_the_audience_sees_a_course_and_its_file(app, make, town, as_role):
    _root, enforcement, team, village = town
    trainer = as_role("trainer")
    course_id, _ids = build_course(app, audience=[{"department_id": enforcement.id,
                                                  "categories": ["staff", "auxiliary"]}])
    upload = trainer.post(f"/courses/{course_id}/materials/new", data={
        "title": "执法讲义", "kind": "file", "minutes": "5", "file": (BytesIO(PDF), "执法讲义.pdf")},
        content_type="multipart/form-data")
    assert upload.status_code == 302, upload.get_data(as_text=True)[:2000]
    with app.app_context():
        material = db.session.scalar(select(Material).where(Material.kind == "file"))
        file_id, stored = material.id, material.file_name
        db.session.remove()
    assert stored.endswith(".pdf") and "执法" not in stored
    file_url = f"/courses/{course_id}/materials/{file_id}/file"

    inside = as_role("cadre", department=team, category="auxiliary")  # below the chosen department
    assert inside.get(f"/courses/{course_id}").status_code == 200
    page = inside.get(f"/courses/{course_id}/materials/{file_id}").get_data(as_text=True)
    assert f'src="{file_url}"' in page and "<iframe" in page
    served = inside.get(file_url)
    assert served.status_code == 200 and served.mimetype == "application/pdf" and served.data == PDF
    assert served.headers["Cache-Control"] == "private, no-store"
    assert beat(inside, file_id).status_code == 200

    wrong_category = as_role("cadre", department=enforcement, category="contract")
    villager = as_role("cadre", department=village, category="staff")
    for outsider in (wrong_category, villager):
        assert outsider.get(f"/courses/{course_id}").status_code == 403
        assert outsider.get(f"/courses/{course_id}/materials/{file_id}").status_code == 403
        assert outsider.get(file_url).status_code == 403
        assert beat(outsider, file_id).status_code == 404
        assert "执法讲义" not in outsider.get("/courses").get_data(as_text=True)

    anonymous = app.test_client()
    response = anonymous.get(file_url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_drafts_are_hidden_from_learners_and_previewed_by_trainers(app, as_role):
    course_id, (material,) = build_course(app, published=False, title="草稿课程")
    cadre = as_role("cadre")
    assert cadre.get(f"/courses/{course_id}").status_code == 404
    assert cadre.get(f"/courses/{course_id}/materials/{material}").status_code == 404
    assert beat(cadre, material).status_code == 404
    assert "草稿课程" not in cadre.get("/courses").get_data(as_text=True)
    trainer = as_role("trainer")
    preview = trainer.get(f"/courses/{course_id}/materials/{material}").get_data(as_text=True)
    assert 'data-active="false"' in preview
    assert beat(trainer, material).status_code == 403


def test_markdown_is_sanitised_on_the_page(app, cadre_client):
    hostile = ("# 第一讲\n\n<script>alert('x')</script>\n\n[点我](javascript:alert(1))\n\n"
               "<img src=x onerror=alert(1)>\n\n**依法行政**")
    course_id, (material,) = build_course(app, bodies={0: hostile})
    page = cadre_client.get(f"/courses/{course_id}/materials/{material}").get_data(as_text=True)
    body = page.split('id="material-body"', 1)[1].split("</article>", 1)[0]
    assert "<h1>第一讲</h1>" in body and "<strong>依法行政</strong>" in body
    assert "<script" not in body and "javascript:" not in body and "onerror" not in body
    assert "<script>" not in page.replace('<script type="application/json" id="study-messages">', "")


# --- authoring -------------------------------------------------------------------------------

def test_a_trainer_builds_and_publishes_a_course(app, make, as_role):
    trainer = english(as_role("trainer"))
    department = make.department("司法所")
    empty = trainer.post("/courses/new", data={"title": "", "credits": ""})
    text = empty.get_data(as_text=True)
    assert empty.status_code == 200 and "Give the course a title." in text
    created = trainer.post("/courses/new", data={"title": "行政处罚法要点", "category": "行政处罚法",
                                                 "description": "**要点**", "credits": "1.5",
                                                 "departments": [str(department.id)], "categories": ["staff"]})
    assert created.status_code == 302
    course_id = int(created.headers["Location"].split("/")[-2])

    refused = trainer.post(f"/courses/{course_id}/publish", data={"action": "publish"}, follow_redirects=True)
    assert "Add at least one material" in refused.get_data(as_text=True)

    bad = trainer.post(f"/courses/{course_id}/materials/new",
                       data={"title": "视频", "kind": "video", "minutes": "0", "video_url": "javascript:alert(1)"})
    bad_text = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "Enter whole minutes from 1 to 600." in bad_text
    assert "Enter a full web address starting with https:// or http://." in bad_text
    for title, kind, extra in [("第一讲", "text", {"body_markdown": "处罚法定原则"}),
                               ("视频课", "video", {"video_url": "https://example.org/law.mp4"})]:
        response = trainer.post(f"/courses/{course_id}/materials/new",
                                data={"title": title, "kind": kind, "minutes": "5", **extra})
        assert response.status_code == 302
    missing_file = trainer.post(f"/courses/{course_id}/materials/new",
                                data={"title": "讲义", "kind": "file", "minutes": "5"})
    assert missing_file.status_code == 200
    assert ("Choose the file to upload (.pdf, .doc, .docx, .ppt, .pptx, .mp4 or .webm)."
            in missing_file.get_data(as_text=True))
    fake = trainer.post(f"/courses/{course_id}/materials/new", content_type="multipart/form-data",
                        data={"title": "讲义", "kind": "file", "minutes": "5",
                              "file": (BytesIO(b"MZ not a pdf"), "讲义.pdf")})
    assert fake.status_code == 200 and "not a real .pdf file" in fake.get_data(as_text=True)

    with app.app_context():
        course = db.session.get(Course, course_id)
        assert [(m.title, m.kind, m.position) for m in course.materials] == [("第一讲", "text", 0),
                                                                             ("视频课", "video", 1)]
        assert course.audience == [{"department_id": department.id, "categories": ["staff"]}]
        second = course.materials[1].id
        db.session.remove()
    trainer.post(f"/courses/{course_id}/materials/{second}/move", data={"direction": "up"})
    assert trainer.post(f"/courses/{course_id}/publish", data={"action": "publish"}).status_code == 302
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert course.is_published and [m.title for m in course.materials] == ["视频课", "第一讲"]
        db.session.remove()

    learner = as_role("cadre", department=department)
    assert "行政处罚法要点" in learner.get("/courses").get_data(as_text=True)
    video_page = learner.get(f"/courses/{course_id}/materials/{second}").get_data(as_text=True)
    assert '<video' in video_page and 'src="https://example.org/law.mp4"' in video_page


def test_a_studied_course_cannot_be_deleted_but_can_be_withdrawn(app, as_role, cadre_client):
    course_id, (material,) = build_course(app)
    clock.freeze(T0)
    beat(cadre_client, material)
    clock.advance(timedelta(seconds=20))
    beat(cadre_client, material)
    trainer = english(as_role("trainer"))
    refused = trainer.post(f"/courses/{course_id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "unpublish it instead" in refused
    trainer.post(f"/courses/{course_id}/publish", data={"action": "unpublish"})
    assert cadre_client.get(f"/courses/{course_id}").status_code == 404
    fresh_id, _ = build_course(app, title="空课程")
    assert trainer.post(f"/courses/{fresh_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Course, fresh_id) is None and db.session.get(Course, course_id) is not None


def test_cadres_cannot_manage_courses(app, cadre_client):
    course_id, _ = build_course(app)
    assert cadre_client.get("/courses/manage").status_code == 403
    assert cadre_client.get("/courses/new").status_code == 403
    assert cadre_client.post(f"/courses/{course_id}/publish", data={"action": "unpublish"}).status_code == 403


def test_empty_course_list_says_what_to_do(cadre_client):
    text = english(cadre_client).get("/courses").get_data(as_text=True)
    assert "There are no courses for you yet." in text and "Practice" in text


# --- exam prerequisite ---------------------------------------------------------------------

def test_an_exam_requiring_credits_starts_only_after_a_course_is_completed(app, make):
    make.bank()
    trainer = make.user(role="trainer")
    cadre = make.user(role="cadre")
    clock.freeze(T0)
    exam = make.exam(trainer, [cadre], required_credits=2)
    client = app.test_client()
    login(client, cadre)
    refused = client.post(f"/api/exams/{exam.id}/attempts")
    assert refused.status_code == 403 and refused.get_json()["code"] == "prerequisites"
    rules = client.get(f"/my/exams/{exam.id}").get_data(as_text=True)
    assert 'id="prerequisites"' in rules and "2026" in rules
    assert re.search(r'id="start"[^>]*disabled', rules)

    _course, (material,) = build_course(app, minutes=(1,), credits=2)
    beat(client, material)
    clock.advance(timedelta(seconds=60))
    assert beat(client, material).get_json()["course"]["completed"] is True
    assert 'id="prerequisites"' not in client.get(f"/my/exams/{exam.id}").get_data(as_text=True)
    assert client.post(f"/api/exams/{exam.id}/attempts").status_code == 201


# --- demo ------------------------------------------------------------------------------------

def test_the_demo_courses_load_with_study_in_2026(app, client):
    from trainingapp.training.courses.demo import load_courses_demo
    from trainingapp.web.demo import load_accounts_demo
    with app.app_context():
        ids = load_accounts_demo()
        db.session.commit()
        load_courses_demo(ids)
        courses = db.session.scalars(select(Course)).all()
        assert len(courses) == 6 and all(c.is_published and c.materials for c in courses)
        assert all(m.video_url.startswith("https://") for c in courses for m in c.materials if m.kind == "video")
        completions = db.session.scalars(select(CourseCompletion)).all()
        assert len(completions) > 10 and {c.completed_at.year for c in completions} == {2026}
        db.session.remove()
    login(client, "cadre", "demo-pass-2026")
    page = client.get("/learning?year=2026").get_data(as_text=True)
    assert 'id="credits-total">3<' in page and "综合法律知识线上培训" in page
    listing = client.get("/courses").get_data(as_text=True)
    assert "安全生产法与乡镇安全监管" not in listing  # for 应急办, 市场监督 and 食安办 only
    for course in courses:
        if "宪法" in course.title:
            assert client.get(f"/courses/{course.id}/materials/{course.materials[0].id}").status_code == 200


def test_deleting_a_material_drops_its_time_but_keeps_credits(app, as_role, cadre_client):
    course_id, (first, second) = build_course(app, minutes=(1, 1), credits=1)
    clock.freeze(T0)
    for material in (first, second):
        beat(cadre_client, material)
        clock.advance(timedelta(seconds=60))
        beat(cadre_client, material)
    trainer = english(as_role("trainer"))
    assert trainer.post(f"/courses/{course_id}/materials/{first}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(StudyProgress.material_id)).all() == [second]
        assert [m.position for m in db.session.get(Course, course_id).materials] == [0]
        db.session.remove()
    last = trainer.post(f"/courses/{course_id}/materials/{second}/delete", follow_redirects=True)
    assert "so it was withdrawn" in last.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(Course, course_id).is_published
        assert course_services.credits_in_year(cadre_client.user.id, 2026) == 1
        db.session.remove()


# --- one material at a time (issue #20, finding 5) ---------------------------------------------

def _signed_in_clients(app, person, n):
    """n clients of the same person, as n tabs or devices each with its own session."""
    clients = []
    for _ in range(n):
        signed_in = app.test_client()
        assert login(signed_in, person).status_code == 302
        clients.append(signed_in)
    return clients


def _beat_at_once(pairs, **body):
    """Each (client, material) beats from its own thread, all released together; the answers."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(len(pairs))

    def one(pair):
        tab, material = pair
        barrier.wait()
        return beat(tab, material, **body)

    with ThreadPoolExecutor(len(pairs)) as pool:
        return list(pool.map(one, pairs))


def _total_credited(app, user):
    with app.app_context():
        total = db.session.scalar(select(func.coalesce(func.sum(StudyProgress.credited_seconds), 0))
                                  .where(StudyProgress.user_id == user.id))
        db.session.remove()
    return total


def test_eleven_materials_beating_in_parallel_earn_no_more_than_the_wall_clock(app, make):
    """The attack of the review: 11 materials heart-beating at once from parallel threads for
    ten minutes of moved clock earned 10.9x the time that passed. Now one material earns."""
    _course, materials = build_course(app, minutes=(60,) * 11)
    person = make.user()
    tabs = _signed_in_clients(app, person, len(materials))
    clock.freeze(T0)
    rounds = 20
    for _round in range(rounds + 1):
        answers = _beat_at_once(list(zip(tabs, materials)))
        assert {answer.status_code for answer in answers} == {200}
        clock.advance(timedelta(seconds=30))
    wall_clock = rounds * 30  # from the first beat to the last
    assert _total_credited(app, person) <= wall_clock
    earning = [m for m in materials if credited(app, person, m) > 0]
    assert len(earning) == 1 and credited(app, person, earning[0]) == wall_clock


def test_two_beats_of_different_materials_at_the_same_moment_do_not_both_earn(app, make):
    """Race: both pages already counted once; two beats in parallel threads, one wins."""
    _course, (first, second) = build_course(app, minutes=(10, 10))
    person = make.user()
    tab_a, tab_b = _signed_in_clients(app, person, 2)
    for attempt in range(5):  # several tries: the race must never be won by both
        clock.freeze(T0 + timedelta(hours=attempt))
        beat(tab_a, first, start=True, leaving=True)
        beat(tab_b, second, start=True, leaving=True)  # the clock is free: both pages are open
        clock.advance(timedelta(seconds=30))
        before = _total_credited(app, person)
        answers = _beat_at_once([(tab_a, first), (tab_b, second)])
        assert sorted(answer.get_json()["counting"] for answer in answers) == [False, True]
        assert _total_credited(app, person) - before <= 30


def test_a_second_tab_on_another_material_says_it_is_not_counting_until_the_first_leaves(app, make):
    _course, (first, second) = build_course(app, minutes=(10, 10))
    person = make.user()
    tab_a, tab_b = (english(tab) for tab in _signed_in_clients(app, person, 2))
    clock.freeze(T0)
    assert beat(tab_a, first, start=True).get_json()["counting"] is True
    clock.advance(timedelta(seconds=10))
    waiting = beat(tab_b, second, start=True).get_json()
    assert waiting["counting"] is False and waiting["reason"] == "elsewhere"
    clock.advance(timedelta(seconds=20))
    assert beat(tab_a, first).get_json()["credited_seconds"] == 30
    assert beat(tab_b, second).get_json()["counting"] is False
    clock.advance(timedelta(seconds=15))
    # The first page is hidden: its last beat pays up to now and frees the clock at once.
    assert beat(tab_a, first, leaving=True).get_json()["credited_seconds"] == 45
    clock.advance(timedelta(seconds=30))
    taken = beat(tab_b, second).get_json()
    assert taken["counting"] is True and taken["credited_seconds"] == 30
    # The page tells the person why it is not counting (no inline script: a JSON block).
    page = tab_b.get(f"/courses/{_course}/materials/{second}")
    assert b"You are studying another material; this page is not counting time." in page.data
    assert _total_credited(app, person) == 75  # 75 s passed since the first beat


def test_a_page_left_open_elsewhere_blocks_other_materials_only_for_one_beat_gap(app, make):
    """A device that vanished without its leaving beat (battery, network) frees the clock
    after the longest gap of one viewing; the time before is not paid twice."""
    _course, (first, second) = build_course(app, minutes=(10, 10))
    person = make.user()
    phone, desk = _signed_in_clients(app, person, 2)
    clock.freeze(T0)
    beat(phone, first, start=True)
    clock.advance(timedelta(seconds=30))
    beat(phone, first)  # then the phone goes dark
    clock.advance(timedelta(seconds=60))
    assert beat(desk, second, start=True).get_json()["counting"] is False
    clock.advance(timedelta(seconds=31))  # 91 s since the phone's last beat
    assert beat(desk, second).get_json()["counting"] is True
    clock.advance(timedelta(seconds=30))
    assert beat(desk, second).get_json()["credited_seconds"] == 30 + 31
    assert _total_credited(app, person) == 30 + 30 + 31


def test_one_tab_studying_one_material_after_another_is_credited_as_before(app, cadre_client):
    _course, (first, second) = build_course(app, minutes=(10, 10))
    clock.freeze(T0)
    beat(cadre_client, first, start=True)
    for _ in range(4):
        clock.advance(timedelta(seconds=30))
        assert beat(cadre_client, first).get_json()["counting"] is True
    clock.advance(timedelta(seconds=5))
    beat(cadre_client, first, leaving=True)  # the person goes on to the next material
    beat(cadre_client, second, start=True)
    for _ in range(3):
        clock.advance(timedelta(seconds=30))
        assert beat(cadre_client, second).get_json()["counting"] is True
    assert (credited(app, cadre_client.user, first), credited(app, cadre_client.user, second)) == (125, 90)


PAGE_A, PAGE_B = "a1" * 16, "b2" * 16  # viewing ids as study.js makes them (random hex)


@pytest.mark.parametrize("late_beat_lands", ["before the other tab's next beat", "after it"])
def test_a_beat_overtaken_by_the_leaving_beat_of_its_page_cannot_take_the_clock_back(app, make, late_beat_lands):
    """The race of the flaky browser test, made deterministic: page A's regular beat 3 was on its
    way when A was hidden, and the server saw A's leaving beat 4 first. Beat 3 is stale: page B
    keeps the clock (it earned nothing for 90 s before) and beat 3 pays nothing."""
    _course, (first, second) = build_course(app, minutes=(10, 10))
    person = make.user()
    tab_a, tab_b = _signed_in_clients(app, person, 2)
    clock.freeze(T0)
    assert beat(tab_a, first, start=True, viewing=PAGE_A, seq=1).get_json()["counting"] is True
    assert beat(tab_b, second, start=True, viewing=PAGE_B, seq=1).get_json()["counting"] is False
    clock.advance(timedelta(seconds=30))
    assert beat(tab_a, first, viewing=PAGE_A, seq=2).get_json()["credited_seconds"] == 30
    clock.advance(timedelta(seconds=10))
    assert beat(tab_a, first, leaving=True, viewing=PAGE_A, seq=4).get_json()["credited_seconds"] == 40
    late = None
    if late_beat_lands == "before the other tab's next beat":
        clock.advance(timedelta(seconds=1))
        late = beat(tab_a, first, viewing=PAGE_A, seq=3).get_json()
    clock.advance(timedelta(seconds=1))
    assert beat(tab_b, second, viewing=PAGE_B, seq=2).get_json()["counting"] is True
    if late is None:
        clock.advance(timedelta(seconds=1))
        late = beat(tab_a, first, viewing=PAGE_A, seq=3).get_json()
    assert (late["counting"], late["reason"], late["credited_seconds"]) == (False, "stale", 40)
    for _ in range(3):
        clock.advance(timedelta(seconds=30))
        answer = beat(tab_b, second, viewing=PAGE_B, seq=_ + 3).get_json()
        assert answer["counting"] is True and answer["reason"] is None
    assert credited(app, person, first) == 40
    assert _total_credited(app, person) == int((clock.now() - T0).total_seconds())  # every second paid once


def test_a_page_shown_again_after_a_late_beat_counts_again(app, make):
    """Hidden and shown again quickly: the start beat 3 of the shown page overtook its leaving
    beat 2, which is then stale and must not free the clock of the page now being studied."""
    _course, (first, second) = build_course(app, minutes=(10, 10))
    person = make.user()
    tab_a, tab_b = _signed_in_clients(app, person, 2)
    clock.freeze(T0)
    beat(tab_a, first, start=True, viewing=PAGE_A, seq=1)
    clock.advance(timedelta(seconds=20))
    assert beat(tab_a, first, start=True, viewing=PAGE_A, seq=3).get_json()["counting"] is True
    assert beat(tab_a, first, leaving=True, viewing=PAGE_A, seq=2).get_json()["reason"] == "stale"
    clock.advance(timedelta(seconds=10))
    assert beat(tab_b, second, start=True, viewing=PAGE_B, seq=1).get_json()["counting"] is False
    assert beat(tab_a, first, viewing=PAGE_A, seq=4).get_json()["credited_seconds"] == 10


def test_viewing_numbers_that_are_not_well_formed_make_a_plain_beat(app, cadre_client):
    _course, (material,) = build_course(app)
    clock.freeze(T0)
    beat(cadre_client, material, start=True, viewing=PAGE_A, seq=5)
    for viewing, seq in ((PAGE_A, True), (PAGE_A, 1.0), (PAGE_A, "1"), (PAGE_A, 0), (PAGE_A, 2**31),
                         ("not hex!" * 4, 1), ("ab", 1), (["a"], 1), (PAGE_A.upper(), 1)):
        clock.advance(timedelta(seconds=1))
        answer = beat(cadre_client, material, viewing=viewing, seq=seq)
        assert answer.status_code == 200 and answer.get_json()["counting"] is True, (viewing, seq)
    assert credited(app, cadre_client.user, material) == 9
