"""Training sessions in a real Chromium: a cadre types the check-in code on a 360 px phone, the
check-in screen on a projector, and a trainer's session from creation to the exported sheet."""
import io
from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.training.sessions.models import Attendance, TrainingSession

pytestmark = pytest.mark.browser

START_UTC = datetime(2026, 3, 10, 1, 0)  # 09:00 in Beijing


@pytest.fixture
def town(make):
    root = make.department("共和镇")
    office = make.department("司法所", root)
    trainer = make.user(login="trainer1", role="trainer", department=root, name="黄丽华")
    cadres = [make.user(login=f"cadre{n}", name=name, department=office, post="科员")
              for n, name in enumerate(["张伟", "李娜", "王芳"], start=1)]
    return {"root": root, "office": office, "trainer": trainer, "cadres": cadres}


def add_session(app, town, **fields):
    values = dict(title="安全生产法专题培训", kind="class", department_id=town["office"].id,
                  trainer_id=town["trainer"].id, starts_at=START_UTC, ends_at=START_UTC + timedelta(hours=2),
                  place="镇政府三楼会议室", mode="offline", hours=2, created_by_id=town["trainer"].id,
                  audience=[{"department_id": town["office"].id, "categories": []}], expected_added=[])
    values.update(fields)
    with app.app_context():
        session = TrainingSession(**values)
        db.session.add(session)
        db.session.commit()
        session_id, secret = session.id, session.checkin_secret
        db.session.remove()
    return session_id, secret


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, (page.url, width)


def test_cadre_types_the_code_on_a_phone(app, phone, town):
    from trainingapp.training.sessions.checkin import code_at
    session_id, secret = add_session(app, town)
    clock.freeze(START_UTC - timedelta(minutes=10))
    try:
        phone.login("cadre1")
        phone.open("/checkin")
        assert "安全生产法专题培训" in phone.text_content("main")
        fits(phone)
        code = code_at(secret, clock.now(), rotate_seconds=None)
        phone.fill("#code", f"{code[:3]} {code[3:]}")
        phone.shot("checkin-phone")
        phone.click("#checkin-submit")
        phone.wait_for_selector("#checkin-result")
        assert phone.get_attribute("#checkin-result", "data-status") == "present"
        fits(phone)
        phone.shot("checkin-phone-done")
        # The same person again (another tab): harmless.
        phone.open("/checkin")
        phone.fill("#code", code)
        phone.click("#checkin-submit")
        phone.wait_for_selector("#checkin-result")
        assert phone.get_attribute("#checkin-result", "data-outcome") == "already"
        # A wrong code says so.
        phone.open("/checkin")
        phone.fill("#code", "000000" if code != "000000" else "111111")
        phone.click("#checkin-submit")
        phone.wait_for_selector(".invalid-feedback")
        fits(phone)
    finally:
        clock.reset()
    with app.app_context():
        rows = db.session.scalars(select(Attendance)).all()
        assert [(r.user_id, r.status, r.source) for r in rows] == [(town["cadres"][0].id, "present", "self")]
        db.session.remove()


def test_projector_screen_at_desktop_width(app, page, town):
    session_id, _secret = add_session(app, town, rotate_codes=True)
    clock.freeze(START_UTC - timedelta(minutes=5))
    try:
        page.login("trainer1")
        page.open(f"/sessions/{session_id}/projector")
        code = page.get_attribute("#checkin-code", "data-code")
        assert code and len(code) == 6
        box = page.locator(".projector-qr svg").bounding_box()
        assert box["width"] > 300  # large enough to scan from the back of the room
        assert page.locator("meta[http-equiv=refresh]").count() == 0  # only inside <noscript>
        assert page.is_visible("#refresh-toggle") and page.is_visible("#refresh-status")
        page.shot("projector-desktop")
    finally:
        clock.reset()


def test_projector_screen_updates_itself_and_can_be_paused_by_keyboard(app, page, town):
    session_id, _secret = add_session(app, town, rotate_codes=True)
    # One second before the code changes: the screen asks again after 2 s, and (the server's clock
    # standing still) keeps asking every 2 s.
    clock.freeze(START_UTC - timedelta(minutes=5, seconds=1))
    fetched = []
    page.on("request", lambda request: fetched.append(request.url)
            if request.resource_type == "fetch" and request.url.endswith("/projector") else None)
    try:
        page.login("trainer1")
        page.open(f"/sessions/{session_id}/projector")
        first = page.get_attribute("#checkin-code", "data-code")
        assert page.get_attribute("#main", "data-refresh") == "2"
        assert page.text_content("#refresh-toggle").strip() in ("暂停自动刷新", "Pause automatic refresh")
        # The screen fetches itself again and swaps in a new #projector-live (without this mark).
        page.evaluate("() => { document.querySelector('#projector-live').dataset.old = 'yes'; }")
        page.wait_for_function("() => !document.querySelector('#projector-live').dataset.old")
        assert fetched and page.get_attribute("#checkin-code", "data-code") == first  # the same minute

        # Paused with the keyboard: no more fetching, and the screen says so.
        page.focus("#refresh-toggle")
        page.keyboard.press("Enter")
        assert page.text_content("#refresh-toggle").strip() in ("继续自动刷新", "Resume automatic refresh")
        assert "is-paused" in page.get_attribute("#refresh-status", "class")
        page.wait_for_timeout(500)  # a request already on its way when the button was pressed lands
        count = len(fetched)
        clock.advance(timedelta(seconds=2))  # the code changes on the server
        page.wait_for_timeout(4500)  # two refresh periods
        assert len(fetched) == count
        assert page.get_attribute("#checkin-code", "data-code") == first

        # Resumed: brought up to date at once, and the focus is still on the button.
        page.keyboard.press("Enter")
        page.wait_for_function("code => document.querySelector('#checkin-code').dataset.code !== code", arg=first)
        assert page.evaluate("() => document.activeElement.id") == "refresh-toggle"
        assert page.text_content("#refresh-toggle").strip() in ("暂停自动刷新", "Pause automatic refresh")
        assert page.get_attribute("#main", "data-refresh") == "5"  # the count stays fresh between changes
    finally:
        clock.reset()


def test_projector_countdown_ticks_and_the_count_follows_a_check_in(app, page, town):
    from tests.conftest import login
    session_id, _secret = add_session(app, town, rotate_codes=True)
    clock.freeze(START_UTC - timedelta(minutes=5, seconds=-20))  # 40 s before the code changes
    try:
        page.login("trainer1")
        page.open(f"/sessions/{session_id}/projector")
        assert page.text_content("#checked-in") == "0"
        first = int(page.text_content("#code-seconds"))
        page.wait_for_function("n => Number(document.querySelector('#code-seconds').textContent) < n", arg=first)
        code = page.get_attribute("#checkin-code", "data-code")
        cadre = app.test_client()
        login(cadre, "cadre1")
        assert cadre.post(f"/checkin/{session_id}", data={"code": code}).status_code == 200
        # The screen shows the check-in within 5 seconds (it asks again at least that often).
        page.wait_for_function("() => document.querySelector('#checked-in').textContent === '1'", timeout=7_000)
    finally:
        clock.reset()


def test_projector_screen_on_a_phone(app, phone, town):
    session_id, _secret = add_session(app, town, rotate_codes=True)
    clock.freeze(START_UTC - timedelta(minutes=5))
    try:
        phone.login("trainer1")
        phone.open(f"/sessions/{session_id}/projector")
        assert phone.is_visible("#refresh-toggle") and phone.is_visible("#checkin-code")
        fits(phone)
        phone.shot("projector-phone")
    finally:
        clock.reset()


def test_trainer_creates_a_session_marks_attendance_and_exports(app, page, town, tmp_path):
    page.login("trainer1")
    page.open("/sessions/new")
    page.fill("#title", "民法典专题讲座")
    page.select_option("#kind", "lecture")
    page.select_option("#department_id", str(town["office"].id))
    page.fill("#starts_at", "2026-04-15T14:30")
    page.fill("#ends_at", "2026-04-15T16:30")
    page.fill("#place", "司法所会议室")
    page.fill("#hours", "1.5")
    page.click("#submit")
    page.wait_for_url("**/expected")
    page.check(f"#d{town['office'].id}")
    page.click("button[type=submit]:has-text('保存'), button[type=submit]:has-text('Save')")
    page.wait_for_url("**/attendance")
    assert page.locator("input[name=person]").count() == 3
    page.click("#all-present")
    page.wait_for_load_state()
    lina = town["cadres"][1].id
    page.select_option(f"#status-{lina}", "leave")
    page.click("#save-attendance")
    page.wait_for_load_state()
    assert "is-invalid" in page.get_attribute(f"#reason-{lina}", "class")  # leave needs a reason
    page.fill(f"#reason-{lina}", "县里开会")
    page.click("#save-attendance")
    page.wait_for_load_state()
    assert page.locator('[data-figure="attendances"]').text_content() == "2"
    page.shot("attendance-desktop")
    with page.expect_download() as download:
        page.click("#export")
    path = tmp_path / "attendance.xlsx"
    download.value.save_as(path)
    sheet = pd.read_excel(path, sheet_name="签到记录", dtype=str).fillna("")
    assert dict(zip(sheet["姓名"], sheet["状态"])) == {"张伟": "出勤", "李娜": "请假", "王芳": "出勤"}
    assert sheet.set_index("姓名").loc["李娜", "备注"] == "县里开会"
    summary = dict(pd.read_excel(io.BytesIO(path.read_bytes()), sheet_name="汇总", dtype=str).values)
    assert summary["人次"] == "2" and summary["人数"] == "2" and summary["学时"] == "1.5"
