"""Outreach events (普法活动): recording, photos and files, filters and totals, who may do
what, and responsibility lists with their progress."""
import io
import re
import struct
import zlib

import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.platform.extensions import db
from trainingapp.training.outreach.models import EventFile, OutreachEvent


def tiny_png() -> bytes:
    """A valid 1×1 white PNG."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture
def town(make):
    root = make.department("共和镇")
    departments = {"root": root}
    for name in ("司法所", "应急办", "市场监督"):
        departments[name] = make.department(name, root)
    departments["消防队"] = make.department("消防队", departments["应急办"])
    return departments


def client_for(app, person):
    client = app.test_client()
    assert login(client, person).status_code == 302
    client.user = person
    return client


@pytest.fixture
def staff(app, make, town):
    return {"admin": client_for(app, make.user(role="admin", department=town["root"])),
            "trainer": client_for(app, make.user(role="trainer", department=town["司法所"])),
            "trainer2": client_for(app, make.user(role="trainer", department=town["司法所"])),
            "liaison": client_for(app, make.user(role="liaison", department=town["应急办"])),
            "cadre": client_for(app, make.user(role="cadre", department=town["应急办"]))}


def record(client, department, **fields):
    data = {"title": "宪法宣传周进社区", "kind": "theme_day", "theme": "12.4", "target": "", "held_on": "2026-12-04",
            "department_id": department.id, "place": "共和社区广场", "audience": "320", "description": "发放宣传册"}
    data.update(fields)
    response = client.post("/outreach/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/outreach/(\d+)$", response.headers["Location"]).group(1))


def event_row(app, event_id):
    with app.app_context():
        event = db.session.get(OutreachEvent, event_id)
        row = None if event is None else (event.title, event.kind, event.target, event.theme, event.audience)
        db.session.remove()
    return row


# --- recording --------------------------------------------------------------------------------------

def test_record_edit_and_delete_an_event(app, staff, town):
    event_id = record(staff["trainer"], town["司法所"])
    assert event_row(app, event_id) == ("宪法宣传周进社区", "theme_day", None, "12.4", 320)
    page = staff["trainer"].get(f"/outreach/{event_id}").get_data(as_text=True)
    assert "宪法宣传周进社区" in page and 'id="event-audience">320<' in page
    response = staff["trainer"].post(f"/outreach/{event_id}/edit", data={
        "title": "民法典进企业", "kind": "six_into", "target": "enterprise", "theme": "12.4", "held_on": "2026-05-20",
        "department_id": town["司法所"].id, "place": "", "audience": "45", "description": ""})
    assert response.status_code == 302
    assert event_row(app, event_id) == ("民法典进企业", "six_into", "enterprise", None, 45)  # theme dropped
    assert staff["trainer"].post(f"/outreach/{event_id}/delete").status_code == 302
    assert event_row(app, event_id) is None


def test_form_errors_say_how_to_fix_them(staff, town):
    response = staff["trainer"].post("/outreach/new", data={
        "title": "", "kind": "six_into", "target": "", "theme": "", "held_on": "", "department_id": town["司法所"].id,
        "audience": "-3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("invalid-feedback") >= 4
    assert "宪法宣传周进社区" in page  # the title's example


# --- photos and files -------------------------------------------------------------------------------

def test_photo_upload_shown_inline_and_fake_png_refused(app, staff, town):
    event_id = record(staff["trainer"], town["司法所"])
    response = staff["trainer"].post(f"/outreach/{event_id}/files", data={
        "files": [(io.BytesIO(tiny_png()), "现场.png"), (io.BytesIO(b"%PDF-1.4 demo"), "讲稿.pdf")]},
        content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    with app.app_context():
        files = {f.original_name: f.id for f in db.session.scalars(select(EventFile))}
        db.session.remove()
    assert set(files) == {"现场.png", "讲稿.pdf"}
    assert f'<img class="img-fluid rounded border" src="/outreach/files/{files["现场.png"]}"' in page
    photo = staff["liaison"].get(f"/outreach/files/{files['现场.png']}")
    assert photo.status_code == 403  # the 司法所's event is outside the 应急办 liaison's departments
    photo = staff["admin"].get(f"/outreach/files/{files['现场.png']}")
    assert photo.status_code == 200 and photo.mimetype == "image/png" and photo.data == tiny_png()
    assert "attachment" not in photo.headers.get("Content-Disposition", "")
    assert staff["cadre"].get(f"/outreach/files/{files['现场.png']}").status_code == 403
    assert app.test_client().get(f"/outreach/files/{files['现场.png']}").status_code == 302  # sign in first

    fake = staff["trainer"].post(f"/outreach/{event_id}/files", data={
        "files": [(io.BytesIO(tiny_png()), "ok.png"), (io.BytesIO(b"<?php echo 1; ?>"), "photo.png")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "photo.png" in fake.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(EventFile.id))) == 2  # neither of the batch kept
        db.session.remove()
    refused = staff["trainer"].post(f"/outreach/{event_id}/files", data={
        "files": [(io.BytesIO(b"MZ"), "tool.exe")]}, content_type="multipart/form-data", follow_redirects=True)
    assert ".exe" in refused.get_data(as_text=True)

    staff["trainer"].post(f"/outreach/files/{files['现场.png']}/delete")
    assert staff["admin"].get(f"/outreach/files/{files['现场.png']}").status_code == 404


def test_deleting_an_event_deletes_its_files_from_disk(app, staff, town):
    from trainingapp.platform.uploads import upload_dir
    event_id = record(staff["trainer"], town["司法所"])
    staff["trainer"].post(f"/outreach/{event_id}/files", data={"files": [(io.BytesIO(tiny_png()), "a.png")]},
                          content_type="multipart/form-data")
    with app.app_context():
        name = db.session.scalar(select(EventFile.stored_name))
        path = upload_dir() / name
        db.session.remove()
    assert path.exists()
    staff["trainer"].post(f"/outreach/{event_id}/delete")
    assert not path.exists()


# --- the list ---------------------------------------------------------------------------------------

def test_list_filters_and_totals(staff, town):
    trainer = staff["trainer"]
    record(trainer, town["司法所"], audience="300")
    record(trainer, town["消防队"], title="11.9消防进校园", theme="11.9", held_on="2026-11-09", audience="200")
    record(trainer, town["市场监督"], title="食品安全进企业", kind="six_into", target="enterprise", theme="",
           held_on="2026-04-02", audience="60")
    record(trainer, town["司法所"], title="去年的讲座", kind="lecture", theme="", held_on="2025-05-01", audience="80")
    page = trainer.get("/outreach?year=2026").get_data(as_text=True)
    assert 'data-total="events">3<' in page and 'data-total="audience">560<' in page
    assert "去年的讲座" not in page
    by_kind = trainer.get("/outreach?year=2026&kind=theme_day").get_data(as_text=True)
    assert 'data-total="events">2<' in by_kind and 'data-total="audience">500<' in by_kind
    subtree = trainer.get(f"/outreach?year=2026&department={town['应急办'].id}").get_data(as_text=True)
    assert 'data-total="events">1<' in subtree and "11.9消防进校园" in subtree  # 消防队 is under 应急办
    everything = trainer.get("/outreach?year=0").get_data(as_text=True)
    assert 'data-total="events">4<' in everything


def test_empty_list_says_what_to_do_first(staff):
    page = staff["trainer"].get("/outreach").get_data(as_text=True)
    assert "/outreach/new" in page and ("Record the first one" in page or "第一" in page)


# --- permissions ------------------------------------------------------------------------------------

def test_liaison_sees_and_edits_only_the_subtree(app, staff, town):
    mine = record(staff["trainer"], town["消防队"], title="消防队进社区", theme="11.9")
    theirs = record(staff["trainer"], town["市场监督"], title="市场监督主题日", theme="3.8")
    liaison = staff["liaison"]
    page = liaison.get("/outreach?year=2026").get_data(as_text=True)
    assert "消防队进社区" in page and "市场监督主题日" not in page
    assert liaison.get(f"/outreach/{theirs}").status_code == 403
    assert liaison.get(f"/outreach/{theirs}/edit").status_code == 403
    assert liaison.post(f"/outreach/{theirs}/delete").status_code == 403
    assert liaison.get(f"/outreach?department={town['市场监督'].id}").status_code == 403
    assert liaison.get(f"/outreach/{mine}/edit").status_code == 200  # in the subtree, whoever recorded it
    # A department outside the subtree is not offered and not accepted.
    response = liaison.post("/outreach/new", data={
        "title": "越界", "kind": "lecture", "held_on": "2026-03-01", "department_id": town["市场监督"].id,
        "audience": "10"})
    assert response.status_code == 200
    own = record(liaison, town["应急办"], title="应急办讲座", kind="lecture", theme="")
    assert event_row(app, own)[0] == "应急办讲座"


def test_trainer_edits_only_own_events_and_cadre_gets_403(staff, town):
    event_id = record(staff["trainer"], town["司法所"])
    assert staff["trainer2"].get(f"/outreach/{event_id}").status_code == 200
    assert staff["trainer2"].get(f"/outreach/{event_id}/edit").status_code == 403
    assert staff["admin"].get(f"/outreach/{event_id}/edit").status_code == 200
    for url in ("/outreach", "/outreach/new", f"/outreach/{event_id}", "/outreach/responsibilities"):
        assert staff["cadre"].get(url).status_code == 403, url


# --- responsibility lists ---------------------------------------------------------------------------

def test_responsibility_progress_counts_the_departments_events_of_the_year(staff, town):
    liaison, trainer = staff["liaison"], staff["trainer"]
    base = f"/outreach/responsibilities?year=2026&department={town['应急办'].id}"
    assert liaison.post(base, data={"law": "《安全生产法》", "planned_events": "3"}).status_code == 302
    assert liaison.post(base, data={"law": "《消防法》", "planned_events": "1"}).status_code == 302
    duplicate = liaison.post(base, data={"law": "《消防法》", "planned_events": "2"}, follow_redirects=True)
    assert "《消防法》" in duplicate.get_data(as_text=True)
    empty = liaison.post(base, data={"law": "", "planned_events": "1"})
    assert empty.status_code == 422 and "《安全生产法》" in empty.get_data(as_text=True)  # the example
    record(liaison, town["应急办"], title="安全生产月宣传", theme="6.15", held_on="2026-06-15")
    record(liaison, town["应急办"], title="应急讲座", kind="lecture", theme="", held_on="2026-07-01")
    record(liaison, town["应急办"], title="去年的", kind="lecture", theme="", held_on="2025-07-01")
    record(trainer, town["司法所"], title="司法所讲座", kind="lecture", theme="", held_on="2026-03-01")
    page = liaison.get(base).get_data(as_text=True)
    row = re.search(r'data-department="应急办">(.*?)</tr>', page, re.S).group(1)
    assert 'data-cell="planned">4<' in row and 'data-cell="done">2<' in row and 'data-cell="rate">50 %<' in row
    assert 'data-department="司法所"' not in page  # outside the liaison's departments
    assert 'data-item="《安全生产法》"' in page
    admin_page = staff["admin"].get("/outreach/responsibilities?year=2026").get_data(as_text=True)
    assert 'data-department="司法所"' in admin_page and "no plan" in admin_page or "无计划" in admin_page
    assert liaison.get(f"/outreach/responsibilities?year=2026&department={town['司法所'].id}").status_code == 403


def test_responsibility_items_edit_and_delete(app, staff, town):
    from trainingapp.training.outreach.models import ResponsibilityItem
    liaison = staff["liaison"]
    liaison.post(f"/outreach/responsibilities?year=2026&department={town['消防队'].id}",
                 data={"law": "《消防法》", "planned_events": "2"})
    with app.app_context():
        item_id = db.session.scalar(select(ResponsibilityItem.id))
        db.session.remove()
    assert liaison.post(f"/outreach/responsibilities/{item_id}", data={"law": "《消防法》",
                                                                        "planned_events": "5"}).status_code == 302
    with app.app_context():
        assert db.session.get(ResponsibilityItem, item_id).planned_events == 5
        db.session.remove()
    other = client_for(app, staff["liaison"].user)  # same person, fresh client
    assert other.post(f"/outreach/responsibilities/{item_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(ResponsibilityItem, item_id) is None
        db.session.remove()
