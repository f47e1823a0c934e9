"""Training sessions through the real endpoints: creating, expected attendees, self check-in
(window, late, rotation, repeats, walk-ins, wrong codes), the roster page, 人次/人数, exports
and who may do what."""
import io
import re
from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.training.sessions.models import Attendance, TrainingSession

# 2026-03-10 09:00 in Beijing is 01:00 UTC.
START_UTC = datetime(2026, 3, 10, 1, 0)


def minutes(n):
    return timedelta(minutes=n)


@pytest.fixture
def town(make):
    root = make.department("共和镇")
    return {"root": root, "司法所": make.department("司法所", root), "应急办": make.department("应急办", root),
            "党政办": make.department("党政办", root)}


@pytest.fixture
def trainer(app, make, town):
    person = make.user(login="trainer1", role="trainer", department=town["root"], name="黄丽华")
    client = app.test_client()
    login(client, person)
    client.user = person
    return client


def signed_in(app, person):
    client = app.test_client()
    assert login(client, person).status_code == 302
    client.user = person
    return client


def create_session(client, department, **fields):
    """Post the new-session form; returns the new session's id."""
    data = {"title": "安全生产法专题培训", "kind": "class", "department_id": department.id,
            "trainer_id": client.user.id, "trainer_name": "", "starts_at": "2026-03-10T09:00",
            "ends_at": "2026-03-10T11:00", "place": "镇政府三楼会议室", "mode": "offline", "hours": "2"}
    data.update(fields)
    if data.get("rotate_codes") is False:
        data.pop("rotate_codes")
    response = client.post("/sessions/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/sessions/(\d+)/expected", response.headers["Location"]).group(1))


def expect(client, session_id, departments=(), categories=(), added=""):
    response = client.post(f"/sessions/{session_id}/expected",
                           data={"departments": [d.id for d in departments], "categories": list(categories),
                                 "added": added})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]


def projector_code(client, session_id):
    page = client.get(f"/sessions/{session_id}/projector").get_data(as_text=True)
    match = re.search(r'data-code="(\d{6})"', page)
    return match.group(1) if match else None


def check_in(client, session_id, code):
    """POST the confirm page's form; returns (status code, outcome, check-in status)."""
    response = client.post(f"/checkin/{session_id}", data={"code": code})
    page = response.get_data(as_text=True)
    match = re.search(r'data-outcome="([a-z_]+)" data-status="([a-z_]*)"', page)
    assert match, page[:2000]
    return response.status_code, match.group(1), match.group(2)


def records(app, session_id):
    with app.app_context():
        rows = {r.user.login: (r.status, r.source, r.leave_reason) for r in db.session.scalars(
            select(Attendance).where(Attendance.session_id == session_id))}
        db.session.remove()
    return rows


@pytest.fixture
def room(app, make, town, trainer):
    """A session at 09:00 local expecting the 司法所 and 应急办, three cadres and an outsider."""
    people = {
        "a": make.user(login="cadre_a", department=town["司法所"], name="张伟"),
        "b": make.user(login="cadre_b", department=town["应急办"], name="李娜"),
        "c": make.user(login="cadre_c", department=town["应急办"], name="王芳"),
        "outsider": make.user(login="outsider", department=town["党政办"], name="赵强"),
    }
    clock.freeze(START_UTC - minutes(60))
    session_id = create_session(trainer, town["司法所"])
    expect(trainer, session_id, [town["司法所"], town["应急办"]])
    clients = {key: signed_in(app, person) for key, person in people.items()}
    return session_id, people, clients


# --- creating -------------------------------------------------------------------------------------

def test_create_session_stores_utc_times_and_a_secret(app, trainer, town):
    session_id = create_session(trainer, town["司法所"], rotate_codes="y", hours="1.5")
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        assert session.starts_at == START_UTC and session.ends_at == START_UTC + timedelta(hours=2)
        assert session.hours == 1.5 and session.rotate_codes and len(session.checkin_secret) == 32
        assert session.created_by_id == trainer.user.id and session.trainer_label == "黄丽华"


def test_form_errors_say_how_to_fix_them(trainer, town):
    page = trainer.post("/sessions/new", data={"title": "", "kind": "class", "department_id": town["司法所"].id,
                                               "trainer_id": 0, "trainer_name": "", "starts_at": "2026-03-10T09:00",
                                               "ends_at": "2026-03-10T08:00", "mode": "offline", "hours": "2"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2026年安全生产法专题培训" in text
    assert "end" in text.lower() or "结束" in text
    assert "outside lecturer" in text or "外聘" in text or "讲师" in text


def test_outside_lecturer_by_name(app, trainer, town):
    session_id = create_session(trainer, town["司法所"], trainer_id=0, trainer_name="广东某律师事务所 陈律师")
    with app.app_context():
        assert db.session.get(TrainingSession, session_id).trainer_label == "广东某律师事务所 陈律师"


def test_expected_people_are_subtrees_times_categories_plus_people(app, make, trainer, town):
    village = make.department("来苏村", town["应急办"])
    staff = make.user(department=village, category="staff")
    make.user(department=village, category="village")
    make.user(department=town["应急办"], category="staff", status="retired")
    extra = make.user(login="extra1", department=town["党政办"])
    session_id = create_session(trainer, town["司法所"])
    expect(trainer, session_id, [town["应急办"]], ["staff"], added="extra1")
    with app.app_context():
        from trainingapp.training.sessions.services import expected_ids
        assert expected_ids(db.session.get(TrainingSession, session_id)) == {staff.id, extra.id}
    bad = trainer.post(f"/sessions/{session_id}/expected", data={"added": "nobody-here"})
    assert "nobody-here" in bad.get_data(as_text=True)


# --- self check-in -----------------------------------------------------------------------------------

def test_too_early_then_present_then_late_then_closed(app, room, trainer):
    session_id, _people, clients = room
    code = projector_code(trainer, session_id)
    assert code is None  # 60 minutes before the start the screen shows no code yet
    clock.freeze(START_UTC - minutes(30) - timedelta(seconds=1))
    with app.app_context():
        from trainingapp.training.sessions.services import current_code
        code = current_code(db.session.get(TrainingSession, session_id))
    assert check_in(clients["a"], session_id, code) == (422, "too_early", "")
    clock.freeze(START_UTC - minutes(10))
    assert projector_code(trainer, session_id) == code  # a fixed code
    assert check_in(clients["a"], session_id, code) == (200, "ok", "present")
    clock.freeze(START_UTC + minutes(5))
    assert check_in(clients["b"], session_id, code) == (200, "ok", "late")
    clock.freeze(START_UTC + minutes(30) + timedelta(seconds=1))
    assert check_in(clients["c"], session_id, code) == (422, "closed", "")
    assert projector_code(trainer, session_id) is None
    assert records(app, session_id) == {"cadre_a": ("present", "self", ""), "cadre_b": ("late", "self", "")}


def test_checking_in_twice_is_harmless(app, room, trainer):
    session_id, _people, clients = room
    clock.freeze(START_UTC - minutes(5))
    code = projector_code(trainer, session_id)
    assert check_in(clients["a"], session_id, code) == (200, "ok", "present")
    clock.freeze(START_UTC + minutes(10))
    assert check_in(clients["a"], session_id, code) == (200, "already", "present")  # not turned into late
    assert records(app, session_id) == {"cadre_a": ("present", "self", "")}


def test_someone_not_expected_becomes_a_walk_in(app, room, trainer):
    session_id, _people, clients = room
    clock.freeze(START_UTC)
    code = projector_code(trainer, session_id)
    assert check_in(clients["outsider"], session_id, code) == (200, "ok", "walk_in")
    assert records(app, session_id) == {"outsider": ("walk_in", "self", "")}


def test_wrong_code_says_so_and_records_nothing(app, room, trainer):
    session_id, _people, clients = room
    clock.freeze(START_UTC - minutes(1))
    code = projector_code(trainer, session_id)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    status, outcome, _ = check_in(clients["a"], session_id, wrong)
    assert (status, outcome) == (422, "wrong_code")
    assert check_in(clients["a"], session_id, "12ab")[1] == "wrong_code"
    assert records(app, session_id) == {}


def test_rotating_code_accepted_within_drift_and_refused_after(app, make, town, trainer):
    people = [make.user(department=town["司法所"]) for _ in range(3)]
    clock.freeze(START_UTC - minutes(60))
    session_id = create_session(trainer, town["司法所"], rotate_codes="y")
    expect(trainer, session_id, [town["司法所"]])
    clock.freeze(START_UTC - minutes(20))
    first = projector_code(trainer, session_id)
    clock.advance(timedelta(seconds=60))
    second = projector_code(trainer, session_id)
    assert second != first
    a, b, c = (signed_in(app, p) for p in people)
    assert check_in(a, session_id, first)[:2] == (200, "ok")  # one step old: within the drift
    assert check_in(b, session_id, second)[:2] == (200, "ok")
    clock.advance(timedelta(seconds=60))
    assert check_in(c, session_id, first)[:2] == (422, "wrong_code")  # two steps old
    assert len(records(app, session_id)) == 2


def test_qr_link_opens_a_confirm_page_that_changes_nothing(app, room, trainer):
    session_id, _people, clients = room
    clock.freeze(START_UTC - minutes(15))
    page = trainer.get(f"/sessions/{session_id}/projector").get_data(as_text=True)
    assert "<svg" in page and re.search(r'<main [^>]*data-refresh="\d+"', page)  # updates itself (projector.js)
    # Without script, a plain reload; with script, no meta refresh that people cannot pause.
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', page)
    code = re.search(r'data-code="(\d{6})"', page).group(1)
    confirm = clients["a"].get(f"/checkin/{session_id}?code={code}")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and f'value="{code}"' in text and 'method="post"' in text
    assert records(app, session_id) == {}
    assert check_in(clients["a"], session_id, code)[1:] == ("ok", "present")


def test_qr_svg_encodes_the_checkin_url(app, room, trainer):
    from trainingapp.training.sessions.checkin import checkin_url_payload, qr_svg
    session_id, _people, _clients = room
    clock.freeze(START_UTC - minutes(15))
    code = projector_code(trainer, session_id)
    page = trainer.get(f"/sessions/{session_id}/projector").get_data(as_text=True)
    expected = qr_svg(checkin_url_payload("http://localhost/", session_id, code), title="Scan to check in")
    assert re.sub(r"<title>.*?</title>", "", expected) in re.sub(r"<title>.*?</title>", "", page)


def test_code_page_lists_todays_sessions_and_finds_the_session_by_code(app, room, trainer):
    session_id, _people, clients = room
    clock.freeze(START_UTC - minutes(45))
    page = clients["a"].get("/checkin").get_data(as_text=True)
    assert "安全生产法专题培训" in page and f'data-session-id="{session_id}"' in page
    assert "安全生产法专题培训" not in clients["outsider"].get("/checkin").get_data(as_text=True)
    with app.app_context():
        from trainingapp.training.sessions.services import current_code
        code = current_code(db.session.get(TrainingSession, session_id))
    early = clients["a"].post("/checkin", data={"code": code})
    assert early.status_code == 422 and 'data-outcome="too_early"' in early.get_data(as_text=True)
    clock.freeze(START_UTC - minutes(5))
    spaced = f"{code[:3]} {code[3:]}"  # typed with a space
    done = clients["a"].post("/checkin", data={"code": spaced})
    assert done.status_code == 200 and 'data-status="present"' in done.get_data(as_text=True)
    wrong = clients["b"].post("/checkin", data={"code": f"{(int(code) + 7) % 1_000_000:06d}"})
    assert wrong.status_code == 422 and "cadre_b" not in records(app, session_id)


def test_check_in_is_rate_limited_per_person(app, room, trainer):
    session_id, _people, clients = room
    clock.freeze(START_UTC)
    statuses = [clients["a"].post(f"/checkin/{session_id}", data={"code": "000000"}).status_code for _ in range(11)]
    assert statuses[-1] == 429 and 429 not in statuses[:10]
    # Another person in the same room (same address) is not affected.
    assert check_in(clients["b"], session_id, projector_code(trainer, session_id))[1] == "ok"


def _wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_signing_out_and_in_does_not_reset_the_wrong_code_count(app, room, trainer):
    """Review finding 4: the limit's key held the session version, so signing out and in reset it.

    The probe's attack: a wrong code, sign out, sign in, again. After five wrong codes the
    person's self check-in to the session is locked, even for the right code, and the trainer's
    attendance page shows it.
    """
    session_id, people, _clients = room
    clock.freeze(START_UTC - minutes(5))
    code = projector_code(trainer, session_id)
    outcomes = []
    for _ in range(9):
        guesser = signed_in(app, people["b"])
        outcomes.append(check_in(guesser, session_id, _wrong(code))[1])
        guesser.post("/logout")
    assert outcomes == ["wrong_code"] * 4 + ["locked"] * 5
    guesser = signed_in(app, people["b"])
    assert check_in(guesser, session_id, code)[:2] == (422, "locked")
    assert "cadre_b" not in records(app, session_id)
    page = trainer.get(f"/sessions/{session_id}/attendance").get_data(as_text=True)
    assert 'data-locked-person="cadre_b"' in page and 'data-locked-person="cadre_a"' not in page
    # Others in the room are not affected.
    assert check_in(signed_in(app, people["a"]), session_id, code)[1] == "ok"


def test_the_trainer_unlocks_a_locked_check_in(app, room, trainer):
    session_id, people, clients = room
    clock.freeze(START_UTC - minutes(5))
    code = projector_code(trainer, session_id)
    for _ in range(5):
        check_in(clients["b"], session_id, _wrong(code))
    with app.app_context():
        from trainingapp.training.sessions.models import CheckinFailure
        locked = db.session.scalar(select(CheckinFailure).where(CheckinFailure.session_id == session_id))
        assert locked.wrong_codes == 5 and locked.locked_at is not None
        db.session.remove()
    response = trainer.post(f"/sessions/{session_id}/checkin-locks/{people['b'].id}/unlock")
    assert response.status_code == 302
    assert 'id="checkin-locks"' not in trainer.get(f"/sessions/{session_id}/attendance").get_data(as_text=True)
    assert check_in(clients["b"], session_id, code)[1] == "ok"


def test_codes_typed_on_the_check_in_page_count_and_a_locked_person_learns_nothing(app, room, trainer):
    session_id, _people, clients = room
    clock.freeze(START_UTC - minutes(5))
    code = projector_code(trainer, session_id)
    for _ in range(5):
        assert clients["b"].post("/checkin", data={"code": _wrong(code)}).status_code == 422
    # Locked: the right code is not even tried against the session.
    right = clients["b"].post("/checkin", data={"code": code})
    assert right.status_code == 422 and 'data-outcome' not in right.get_data(as_text=True)
    assert 'data-locked="1"' in right.get_data(as_text=True)
    assert "cadre_b" not in records(app, session_id)
    assert 'data-locked-person="cadre_b"' in trainer.get(f"/sessions/{session_id}/attendance").get_data(as_text=True)


def test_wrong_codes_from_one_address_are_limited_across_people(app, room, trainer, monkeypatch):
    """Past the address's budget of wrong codes a wrong code locks its person at once (no free
    tries), while a right code is still taken: a hall behind one NAT address checks in."""
    session_id, people, clients = room
    monkeypatch.setitem(app.config, "CHECKIN_FAILURES_PER_ADDRESS", "8 per 10 minutes")
    clock.freeze(START_UTC - minutes(5))
    code = projector_code(trainer, session_id)
    for person in ("a", "b"):
        for _ in range(4):
            assert check_in(clients[person], session_id, _wrong(code))[1] == "wrong_code"
    assert check_in(clients["c"], session_id, _wrong(code))[1] == "locked"  # the first wrong code locks
    assert check_in(clients["c"], session_id, code)[1] == "locked"  # and stays locked for this session
    assert "cadre_c" not in records(app, session_id)
    # Someone else of the hall, with the right code, checks in although the address is over budget.
    assert check_in(clients["a"], session_id, code)[1] == "ok"
    assert "cadre_a" in records(app, session_id)


# --- the roster page -------------------------------------------------------------------------------

def test_roster_page_marks_many_at_once_and_leave_needs_a_reason(app, room, trainer):
    session_id, people, _clients = room
    a, b, c = people["a"].id, people["b"].id, people["c"].id
    page = trainer.get(f"/sessions/{session_id}/attendance").get_data(as_text=True)
    assert page.count('name="person"') == 3
    form = {"person": [a, b, c], f"status-{a}": "present", f"status-{b}": "leave", f"reason-{b}": "",
            f"status-{c}": "absent"}
    refused = trainer.post(f"/sessions/{session_id}/attendance", data=form)
    assert refused.status_code == 422
    assert "李娜" in refused.get_data(as_text=True) and "is-invalid" in refused.get_data(as_text=True)
    assert records(app, session_id) == {}  # nothing stored
    form[f"reason-{b}"] = "外出参加县应急演练"
    assert trainer.post(f"/sessions/{session_id}/attendance", data=form).status_code == 302
    assert records(app, session_id) == {"cadre_a": ("present", "manual", ""),
                                        "cadre_b": ("leave", "manual", "外出参加县应急演练"),
                                        "cadre_c": ("absent", "manual", "")}
    # Clearing a status removes the record.
    form[f"status-{c}"] = ""
    trainer.post(f"/sessions/{session_id}/attendance", data=form)
    assert "cadre_c" not in records(app, session_id)


def test_mark_all_present_keeps_existing_records_and_walk_in_by_login(app, room, trainer):
    session_id, people, clients = room
    clock.freeze(START_UTC + minutes(3))
    check_in(clients["a"], session_id, projector_code(trainer, session_id))  # late
    trainer.post(f"/sessions/{session_id}/attendance/all-present")
    assert records(app, session_id) == {"cadre_a": ("late", "self", ""), "cadre_b": ("present", "manual", ""),
                                        "cadre_c": ("present", "manual", "")}
    trainer.post(f"/sessions/{session_id}/attendance/walk-in", data={"login": "outsider"})
    assert records(app, session_id)["outsider"] == ("walk_in", "manual", "")
    again = trainer.post(f"/sessions/{session_id}/attendance/walk-in", data={"login": "outsider"},
                         follow_redirects=True)
    assert "赵强" in again.get_data(as_text=True)
    unknown = trainer.post(f"/sessions/{session_id}/attendance/walk-in", data={"login": "ghost"},
                           follow_redirects=True)
    assert "ghost" in unknown.get_data(as_text=True)
    page = trainer.get(f"/sessions/{session_id}/attendance").get_data(as_text=True)
    assert 'data-person="outsider"' in page


def test_a_self_check_in_replaces_an_absence_marked_in_advance(app, room, trainer):
    session_id, people, clients = room
    a = people["a"].id
    trainer.post(f"/sessions/{session_id}/attendance", data={"person": [a], f"status-{a}": "absent"})
    clock.freeze(START_UTC - minutes(2))
    assert check_in(clients["a"], session_id, projector_code(trainer, session_id))[1:] == ("ok", "present")
    assert records(app, session_id)["cadre_a"] == ("present", "self", "")


# --- 人次 and 人数 --------------------------------------------------------------------------------

def test_attendances_and_people_counted_across_sessions(app, room, trainer, town):
    session_id, people, clients = room
    a, b, c = people["a"].id, people["b"].id, people["c"].id
    trainer.post(f"/sessions/{session_id}/attendance", data={
        "person": [a, b, c], f"status-{a}": "present", f"status-{b}": "late", f"status-{c}": "absent"})
    trainer.post(f"/sessions/{session_id}/attendance/walk-in", data={"login": "outsider"})
    second = create_session(trainer, town["司法所"], title="民法典讲座", kind="lecture",
                            starts_at="2026-03-12T14:30", ends_at="2026-03-12T16:30")
    expect(trainer, second, [town["司法所"]])
    trainer.post(f"/sessions/{second}/attendance", data={"person": [a], f"status-{a}": "present"})
    page = trainer.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert 'data-figure="attendances">3<' in page and 'data-figure="people">3<' in page
    assert 'data-figure="expected">3<' in page
    listing = trainer.get("/sessions?year=2026").get_data(as_text=True)
    assert 'data-total="sessions">2<' in listing
    assert 'data-total="attendances">4<' in listing  # 3 + 1
    assert 'data-total="people">3<' in listing  # 张伟 twice is one person


# --- sheet and export --------------------------------------------------------------------------------

def test_printable_sheet_and_xlsx_export(app, room, trainer):
    session_id, people, _clients = room
    a, b = people["a"].id, people["b"].id
    trainer.post(f"/sessions/{session_id}/attendance", data={
        "person": [a, b], f"status-{a}": "present", f"status-{b}": "leave", f"reason-{b}": "=病假"})
    sheet = trainer.get(f"/sessions/{session_id}/sheet").get_data(as_text=True)
    assert "张伟" in sheet and "应急办" in sheet and 'class="signature"' in sheet
    response = trainer.get(f"/sessions/{session_id}/attendance.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    table = pd.read_excel(io.BytesIO(response.data), sheet_name=None, dtype=str)
    rows = table["签到记录"].fillna("").set_index("账号")
    assert rows.loc["cadre_a", "状态"] == "出勤" and rows.loc["cadre_b", "状态"] == "请假"
    assert rows.loc["cadre_b", "备注"] == "'=病假"  # formula injection neutralised
    assert rows.loc["cadre_c", "状态"] == "未记录"
    summary = dict(table["汇总"].values)
    assert summary["人次"] == "1" and summary["人数"] == "1"


# --- permissions ---------------------------------------------------------------------------------

def test_cadre_gets_403_on_management_pages(app, room):
    session_id, _people, clients = room
    cadre = clients["a"]
    for url in ("/sessions", "/sessions/new", f"/sessions/{session_id}", f"/sessions/{session_id}/edit",
                f"/sessions/{session_id}/attendance", f"/sessions/{session_id}/projector",
                f"/sessions/{session_id}/attendance.xlsx", f"/sessions/{session_id}/attendance/import"):
        assert cadre.get(url).status_code == 403, url
    assert cadre.post(f"/sessions/{session_id}/attendance/all-present").status_code == 403


def test_trainer_cannot_edit_another_trainers_session(app, make, room, town):
    session_id, people, _clients = room
    other = signed_in(app, make.user(role="trainer", department=town["司法所"]))
    assert other.get(f"/sessions/{session_id}").status_code == 200  # may look
    for url in (f"/sessions/{session_id}/edit", f"/sessions/{session_id}/attendance",
                f"/sessions/{session_id}/projector", f"/sessions/{session_id}/expected"):
        assert other.get(url).status_code == 403, url
    assert other.post(f"/sessions/{session_id}/delete").status_code == 403
    assert other.post(f"/sessions/{session_id}/attendance",
                      data={"person": [people["a"].id], f"status-{people['a'].id}": "present"}).status_code == 403
    admin = signed_in(app, make.user(role="admin", department=town["党政办"]))
    assert admin.get(f"/sessions/{session_id}/edit").status_code == 200
    assert admin.post(f"/sessions/{session_id}/delete").status_code == 302
    assert records(app, session_id) == {}


def test_liaison_sees_only_sessions_of_the_subtree_read_only(app, make, room, trainer, town):
    session_id, _people, _clients = room
    elsewhere = create_session(trainer, town["党政办"], title="党政办保密培训")
    liaison = signed_in(app, make.user(role="liaison", department=town["司法所"]))
    listing = liaison.get("/sessions?year=2026").get_data(as_text=True)
    assert "安全生产法专题培训" in listing and "党政办保密培训" not in listing
    assert liaison.get(f"/sessions/{session_id}").status_code == 200
    assert liaison.get(f"/sessions/{session_id}/sheet").status_code == 200
    assert liaison.get(f"/sessions/{session_id}/attendance.xlsx").status_code == 200
    assert liaison.get(f"/sessions/{elsewhere}").status_code == 403
    assert liaison.get(f"/sessions/{session_id}/edit").status_code == 403
    assert liaison.get(f"/sessions/{session_id}/attendance").status_code == 403


def test_empty_list_says_what_to_do_first(trainer):
    page = trainer.get("/sessions").get_data(as_text=True)
    assert "/sessions/new" in page and ("Create the first one" in page or "创建" in page)


# --- demo data ---------------------------------------------------------------------------------------

def test_demo_year_of_sessions_events_and_lists(app):
    from trainingapp.training.outreach.models import OutreachEvent, ResponsibilityItem
    from trainingapp.training.sessions.demo import load_sessions_demo
    from trainingapp.web.demo import load_accounts_demo
    clock.freeze(datetime(2026, 11, 26, 2, 0))
    with app.app_context():
        ids = load_accounts_demo()
        db.session.commit()
        load_sessions_demo(ids)
        db.session.commit()
        sessions = db.session.scalars(select(TrainingSession)).all()
        assert len(sessions) >= 12
        assert {s.kind for s in sessions} == {"class", "lecture", "enforcement", "legal_literate", "other"}
        assert {s.mode for s in sessions} == {"online", "offline", "hybrid"}
        assert len({s.department_id for s in sessions}) >= 6
        statuses = {a.status for a in db.session.scalars(select(Attendance))}
        assert statuses == {"present", "late", "leave", "absent", "walk_in"}
        future = [s for s in sessions if s.starts_at > clock.now()]
        assert future and not any(s.attendance for s in future)
        events = db.session.scalars(select(OutreachEvent)).all()
        assert 28 <= len(events) <= 35
        assert {"3.8", "4.15", "6.15", "6.26", "11.9", "12.4"} <= {e.theme for e in events}
        assert len({e.target for e in events if e.target}) >= 5
        assert sum(e.audience for e in events) > 5000
        assert len({i.department_id for i in db.session.scalars(select(ResponsibilityItem))}) >= 5
        db.session.remove()
    cadre = app.test_client()
    login(cadre, "cadre", "demo-pass-2026")
    assert "行政复议法" in cadre.get("/checkin").get_data(as_text=True)  # today's session
