"""Hostile workbooks (issue #20, finding 7): refused by each import's caps before any parsing, bounded
in memory when they lie about themselves, and never holding up the exam saves of other people."""
import io
import threading
import zipfile

import pandas as pd
import pytest
from sqlalchemy import func, select

from tests.conftest import login
from trainingapp.accounts.models import User
from trainingapp.platform import tabular
from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import TableError, read_table, to_xlsx

_CONTENT_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
                  '.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="appl'
                  'ication/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                  'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                  '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def workbook(dimension: str, rows_xml, repeat: int = 1) -> bytes:
    """A minimal real .xlsx whose one sheet claims `dimension` and holds `rows_xml` `repeat` times,
    written through the zip at maximum compression (repeated cells shrink a thousandfold)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main"><dimension ref="' + dimension.encode() + b'"/><sheetData>')
            for _ in range(repeat):
                sheet.write(rows_xml)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def inflating_workbook():
    """About 1 MB on disk, 160 MB of sheet XML inside: over every import's cap, under the old 300 MB."""
    block = b'<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>' * 16384  # 1 MiB
    data = workbook("A1:B2000000", block, repeat=160)
    assert len(data) < 2 * 1024 * 1024
    return data


def english(client):
    client.post("/language/en", data={"next": "/"})
    return client


@pytest.fixture
def admin(app, make):
    client = app.test_client()
    login(client, make.user(login="boss", role="admin"))
    return english(client)


def test_a_workbook_inflating_to_160_mb_is_refused_by_the_roster_cap_before_parsing(app, admin,
                                                                                    inflating_workbook):
    before = None
    with app.app_context():
        before = db.session.scalar(select(func.count(User.id)))
    response = admin.post("/roster/import", data={"file": (io.BytesIO(inflating_workbook), "roster.xlsx")},
                          content_type="multipart/form-data")
    assert response.status_code == 302
    page = admin.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "The workbook unpacks to 160 MB; at most 100 MB are accepted for this import." in page
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == before


def test_the_question_import_refuses_it_at_upload(app, make, inflating_workbook):
    client = app.test_client()
    login(client, make.user(login="trainer01", role="trainer"))
    english(client)
    response = client.post("/questions/import", data={"file": (io.BytesIO(inflating_workbook), "bank.xlsx")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "The workbook unpacks to 160 MB; at most 60 MB are accepted for this import." in \
        response.get_data(as_text=True)


@pytest.mark.parametrize("kind, megabytes", [("roster", 100), ("questions", 60), ("attendance", 20)])
def test_each_import_has_its_own_unzipped_cap(app, kind, megabytes):
    data = workbook("A1:A1", b'<row><c t="inlineStr"><is><t>' + b"y" * 1000 + b"</t></is></c></row>",
                    repeat=(megabytes + 1) * 1024)
    with app.app_context():
        with pytest.raises(TableError) as refused:
            read_table(data, "sheet.xlsx", limits=tabular.limits_for(kind))
    assert f"at most {megabytes} MB" in str(refused.value.message)


def test_a_sheet_claiming_too_many_cells_is_refused_from_its_dimension(app):
    # 200 columns by 100,000 rows: 20 million cells claimed, in a file of a few hundred bytes.
    data = workbook("A1:GR100000", b'<row r="1"><c r="A1"><v>1</v></c></row>')
    with app.app_context():
        with pytest.raises(TableError) as refused:
            read_table(data, "sheet.xlsx", limits=tabular.limits_for("roster"))
    assert "spans 20,000,000 cells (A1:GR100000); at most 3,000,000 are read" in str(refused.value.message)


def test_a_tiny_workbook_lying_about_its_size_is_stopped_by_the_parse_memory_bound(app):
    # Its dimension says one cell; its two cells a corner apart make the parser allocate the
    # whole rectangle (20 million cells, 640 MB), which once aborted the app process itself.
    data = workbook("A1", b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
                          b'<row r="100000"><c r="GR100000"><v>1</v></c></row>')
    assert len(data) < 2000
    saved = app.config["UPLOAD_PARSE_MEMORY_MB"]
    app.config["UPLOAD_PARSE_MEMORY_MB"] = 256
    try:
        with app.app_context():
            with pytest.raises(TableError) as refused:
                read_table(data, "sheet.xlsx", limits=tabular.limits_for("roster"))
    finally:
        app.config["UPLOAD_PARSE_MEMORY_MB"] = saved
    assert "could not be read within the limits of an upload (256 MB of memory" in str(refused.value.message)
    with app.app_context():  # the app process is unharmed and parses the next file as always
        frame = read_table(to_xlsx({"s": pd.DataFrame([["张三", "1"]], columns=["姓名", "账号"])}), "ok.xlsx",
                           limits=tabular.limits_for("roster"))
    assert frame.loc[2].tolist() == ["张三", "1"]


def test_a_csv_of_empty_lines_is_refused_at_the_cell_cap(app):
    # 700 KB of line ends: 700,000 rows, each a list in memory, for a sign-in sheet of 20,000 rows.
    with app.app_context():
        with pytest.raises(TableError) as refused:
            read_table(b"\n" * 700_000, "sheet.csv", limits=tabular.limits_for("attendance"))
    assert "The file has more than 600,000 cells" in str(refused.value.message)


def test_exam_saves_go_on_while_a_large_upload_is_parsed(app, make):
    make.bank({"truefalse": 5})
    trainer = make.user(role="trainer")
    cadre = make.user(login="cadre-saving")
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 5, 20)])
    candidate = app.test_client()
    login(candidate, cadre)
    body = candidate.post(f"/api/exams/{exam.id}/attempts").get_json()
    url = f"/api/attempts/{body['attempt_id']}/answers/{body['questions'][0]['id']}"
    assert candidate.put(url, json={"answer": True, "seq": 0}).status_code == 200

    admin = app.test_client()
    login(admin, make.user(login="boss", role="admin"))
    rows = [[f"人员{i}", f"139{i:08d}", "无此部门", "在编", "科员", "", "", ""] for i in range(40000)]
    roster = to_xlsx({"花名册": pd.DataFrame(rows, columns=["姓名", "账号", "部门", "人员类别", "职务", "角色",
                                                          "初始密码", "状态"])})
    staged = admin.post("/roster/import", data={"file": (io.BytesIO(roster), "roster.xlsx")},
                        content_type="multipart/form-data")
    assert staged.status_code == 302

    preview_done = threading.Event()
    outcome = {}

    def preview():
        outcome["preview"] = admin.get(staged.headers["Location"])
        preview_done.set()

    statuses, during = [], 0
    worker = threading.Thread(target=preview, daemon=True)
    worker.start()
    seq = 1
    while not preview_done.is_set() and seq < 5000:
        response = candidate.put(url, json={"answer": bool(seq % 2), "seq": seq})
        statuses.append(response.status_code)
        if not preview_done.is_set():
            during += 1  # this save was answered while the preview was still running
        seq += 1
    worker.join(120)
    assert not worker.is_alive()
    assert outcome["preview"].status_code == 200  # the preview of 40,000 rows, with their errors
    assert set(statuses) == {200}
    # Parsing 40,000 rows takes a good second; while it held SQLite's write lock, no save got
    # through. Now the saves go on beside it.
    assert during >= 10, during
