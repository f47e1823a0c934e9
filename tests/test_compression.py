"""Compressed responses (trainingapp/compression.py, Flask-Compress): pages, CSS, scripts and JSON
go out brotli- or gzip-encoded to a browser that offers it and plain to one that does not;
static files are encoded once and then served from the cache, with working ETags; tiny
answers (the exam's answer saves), ranged replies and downloads (xlsx) are never encoded;
the security headers stay on every response."""
from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import brotli
import flask_compress.flask_compress as flask_compress_module
import pytest
from openpyxl import load_workbook

from trainingapp import create_app
from trainingapp.platform import compression
from trainingapp.platform.extensions import compress

STATIC = Path(compression.__file__).resolve().parents[1] / "static"
BOOTSTRAP_CSS = "/bootstrap/static/css/bootstrap.min.css"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")
GZIP = {"Accept-Encoding": "gzip, deflate"}  # what Chrome offers over plain HTTP
BROTLI = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # over HTTPS


def bootstrap_css_on_disk(app) -> bytes:
    folder = Path(app.blueprints["bootstrap"].static_folder)
    return (folder / "css" / "bootstrap.min.css").read_bytes()


CSRF_VALUE = re.compile(rb'(name="csrf_token" value=")[^"]*(")')


def same_page(one: bytes, other: bytes) -> bool:
    """Two renders of one page, the CSRF token aside: it is signed with the second it was made
    in, so renders on either side of a second boundary differ only there."""
    return CSRF_VALUE.sub(rb"\1\2", one) == CSRF_VALUE.sub(rb"\1\2", other)


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.headers.get("Vary", "").split(",")}


def test_a_page_is_gzipped_for_a_browser_that_offers_gzip(as_role):
    cadre = as_role("cadre")
    plain = cadre.get("/my/exams", headers={"Accept-Encoding": ""})
    packed = cadre.get("/my/exams", headers=GZIP)
    assert packed.status_code == plain.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    assert same_page(gzip.decompress(packed.data), plain.data)
    assert "accept-encoding" in vary(packed)
    for name in SECURITY_HEADERS:
        assert packed.headers[name] == plain.headers[name], name
    assert packed.headers["Cache-Control"] == "no-store"  # a signed-in page still is not stored


def test_brotli_is_preferred_when_offered(as_role):
    cadre = as_role("cadre")
    plain = cadre.get("/my/exams", headers={"Accept-Encoding": ""})
    packed = cadre.get("/my/exams", headers=BROTLI)
    assert packed.headers["Content-Encoding"] == "br"
    assert same_page(brotli.decompress(packed.data), plain.data)


@pytest.mark.parametrize("offer", [None, "", "identity", "gzip;q=0, identity", "compress"])
def test_nothing_is_encoded_for_a_browser_that_does_not_offer_it(client, offer):
    headers = {} if offer is None else {"Accept-Encoding": offer}
    for path in ("/login", BOOTSTRAP_CSS, "/static/js/exam.js"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert "Content-Encoding" not in response.headers, (path, offer)
        assert "accept-encoding" in vary(response), path  # a shared cache keeps both versions apart


def test_static_files_are_compressed_once_and_revalidate_with_their_etag(app, client, monkeypatch):
    calls, dynamic = [], []
    real, real_dynamic = compression.encode_static, flask_compress_module._compress_data
    monkeypatch.setattr(compression, "encode_static", lambda *args: calls.append(args[0]) or real(*args))
    monkeypatch.setattr(flask_compress_module, "_compress_data",
                        lambda *args: dynamic.append(args[2]) or real_dynamic(*args))
    monkeypatch.setattr(compress, "cache", compression.StaticFileCache())
    original = bootstrap_css_on_disk(app)

    first = client.get(BOOTSTRAP_CSS, headers=GZIP)
    assert first.status_code == 200 and first.mimetype == "text/css"
    assert first.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(first.data) == original
    assert len(first.data) < len(original) / 5  # 232 KB of CSS is about 31 KB on the wire
    etag = first.headers["ETag"]
    assert etag.endswith(':gzip"')  # the encoded file has its own validator
    for name in SECURITY_HEADERS:
        assert name in first.headers

    again = client.get(BOOTSTRAP_CSS, headers=GZIP)
    assert again.data == first.data and again.headers["ETag"] == etag
    assert calls == ["gzip"]  # the second time from the cache

    # The browser revalidates: same encoding, same ETag → 304 without a body.
    revalidated = client.get(BOOTSTRAP_CSS, headers={**GZIP, "If-None-Match": etag})
    assert revalidated.status_code == 304 and revalidated.data == b""
    assert revalidated.headers["ETag"] == etag and "accept-encoding" in vary(revalidated)
    # Another encoding is another representation: the gzip ETag does not match it.
    other = client.get(BOOTSTRAP_CSS, headers={**BROTLI, "If-None-Match": etag})
    assert other.status_code == 200 and other.headers["Content-Encoding"] == "br"
    assert brotli.decompress(other.data) == original
    assert calls == ["gzip", "br"] and dynamic == []  # at the static levels, not the pages' one
    # Encoded once, so at a level too slow for every request: smaller than the pages' level gives.
    assert len(other.data) < len(brotli.compress(original, quality=app.config["COMPRESS_BR_LEVEL"])) * 0.9
    # Unencoded, the file's own ETag still works as before.
    plain = client.get(BOOTSTRAP_CSS)
    assert plain.data == original and client.get(
        BOOTSTRAP_CSS, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304

    # The cache holds static files by encoding, path and version (the file's ETag) only.
    raw_etag = plain.headers["ETag"].strip('"')
    assert sorted(compress.cache.data) == [f"br;static:{BOOTSTRAP_CSS}:{raw_etag}",
                                           f"gzip;static:{BOOTSTRAP_CSS}:{raw_etag}"]


def test_the_apps_own_scripts_and_styles_are_compressed(client):
    for name, mimetype in (("js/exam.js", "text/javascript"), ("css/exam.css", "text/css")):
        response = client.get(f"/static/{name}", headers=GZIP)
        assert response.mimetype == mimetype
        assert response.headers["Content-Encoding"] == "gzip", name
        assert gzip.decompress(response.data) == (STATIC / name).read_bytes()


def test_pages_are_never_cached_by_the_compression_cache(as_role, monkeypatch):
    monkeypatch.setattr(compress, "cache", compression.StaticFileCache())
    first, second = as_role("cadre", name="张晓明"), as_role("cadre", name="李红梅")
    mine = gzip.decompress(first.get("/", headers=GZIP).data).decode()
    theirs = gzip.decompress(second.get("/", headers=GZIP).data).decode()
    assert first.user.name in mine and second.user.name in theirs and first.user.name not in theirs
    assert compress.cache.data == {}


def test_a_ranged_request_for_a_static_file_is_answered_unencoded(app, client):
    response = client.get(BOOTSTRAP_CSS, headers={**GZIP, "Range": "bytes=0-99"})
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert response.data == bootstrap_css_on_disk(app)[:100]


def test_the_exam_api_compresses_the_paper_but_not_the_answer_saves(make, as_role):
    make.bank()
    cadre = as_role("cadre")
    exam = make.exam(make.user(role="trainer"), [cadre.user], rules=[("single", 6, 10), ("truefalse", 3, 10)])
    started = cadre.post(f"/api/exams/{exam.id}/attempts", headers=GZIP)
    assert started.status_code == 201 and started.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(started.data))
    question = next(q for q in body["questions"] if q["options"])  # shuffled: a single-choice one
    saved = cadre.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                      json={"answer": question["options"][0]["key"], "seq": 1}, headers=GZIP)
    assert saved.status_code == 200
    assert "Content-Encoding" not in saved.headers  # about a hundred bytes: sent as they are
    assert saved.get_json()["saved"] is True
    assert int(saved.headers["Content-Length"]) < cadre.application.config["COMPRESS_MIN_SIZE"]


@pytest.mark.parametrize("path", ["/questions/template.xlsx", "/questions/export?fmt=xlsx", "/roster/export"])
def test_spreadsheet_downloads_are_sent_untouched(make, as_role, path):
    make.bank({"single": 2})
    admin = as_role("admin")
    response = admin.get(path, headers=BROTLI)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "Content-Encoding" not in response.headers
    assert response.data[:2] == b"PK"  # a zip file, compressed already
    load_workbook(io.BytesIO(response.data))  # and a whole, readable one
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_compression_can_be_left_to_a_proxy(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'off.sqlite3'}", "TESTING": True,
                      "SECRET_KEY": "x", "COMPRESS_REGISTER": False})
    response = app.test_client().get(BOOTSTRAP_CSS, headers=BROTLI)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.get_data() == bootstrap_css_on_disk(app)
