"""Videos play inside the material page, so the page stays visible and the study clock counts on a
phone: an uploaded .mp4 in an HTML5 <video>, a bilibili / Tencent Video / Youku page in its
documented player frame, with the page's CSP widened by exactly that player's origin."""
import re
from io import BytesIO

import pytest

from tests.test_training_courses import build_course, english
from trainingapp.platform.csp import CSP, with_sources
from trainingapp.platform.extensions import db
from trainingapp.training.courses.embeds import PLAYER_ORIGINS, embed_for
from trainingapp.training.courses.models import Material

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


@pytest.mark.parametrize("url, src", [
    ("https://www.bilibili.com/video/BV1GJ411x7h7/?spm_id_from=333", "https://player.bilibili.com/player.html?bvid=BV1GJ411x7h7&page=1&autoplay=0"),
    ("https://www.bilibili.com/video/BV1GJ411x7h7?p=3", "https://player.bilibili.com/player.html?bvid=BV1GJ411x7h7&page=3&autoplay=0"),
    ("https://m.bilibili.com/video/av170001", "https://player.bilibili.com/player.html?aid=170001&page=1&autoplay=0"),
    ("https://v.qq.com/x/cover/mzc00200abc/x0041abcd12.html", "https://v.qq.com/txp/iframe/player.html?vid=x0041abcd12"),
    ("https://v.qq.com/x/page/x0041abcd12.html", "https://v.qq.com/txp/iframe/player.html?vid=x0041abcd12"),
    ("https://v.youku.com/v_show/id_XNTk1MjA4NjQ4MA==.html", "https://player.youku.com/embed/XNTk1MjA4NjQ4MA=="),
])
def test_known_video_pages_give_their_player(url, src):
    assert embed_for(url).src == src


@pytest.mark.parametrize("url", [
    "https://www.npc.gov.cn/npc/c30834/video.html", "https://evil.example/video/BV1GJ411x7h7",
    "javascript:alert(1)", "https://www.bilibili.com/video/BV1GJ411x7h7\"onload=x", "ftp://v.qq.com/x/page/abcde.html",
    "https://v.youku.com/v_show/id_<script>.html", "",
])
def test_other_addresses_are_not_embedded(url):
    assert embed_for(url) is None


def test_with_sources_widens_one_directive_only():
    widened = with_sources("frame-src", "https://player.bilibili.com")
    assert "frame-src 'self' https://player.bilibili.com;" in widened
    assert widened.replace(" https://player.bilibili.com", "") == CSP
    assert with_sources("media-src", "https://cdn.example") == f"{CSP}; media-src 'self' https://cdn.example"


def _video_material(app, course_id, **fields):
    with app.app_context():
        material = Material(course_id=course_id, position=5, title="视频", minutes=5, **fields)
        db.session.add(material)
        db.session.commit()
        material_id = material.id
        db.session.remove()
    return material_id


def test_a_bilibili_video_plays_in_the_page_with_only_its_player_allowed(app, as_role):
    course_id, _ids = build_course(app)
    material_id = _video_material(app, course_id, kind="video",
                                  video_url="https://www.bilibili.com/video/BV1GJ411x7h7")
    client = english(as_role("cadre"))
    response = client.get(f"/courses/{course_id}/materials/{material_id}")
    html = response.get_data(as_text=True)
    player = "https://player.bilibili.com/player.html?bvid=BV1GJ411x7h7&amp;page=1&amp;autoplay=0"
    assert f'id="video-embed" src="{player}"' in html
    assert "Open the video" not in html
    assert 'data-material-id' in html or "study.js" in html  # the study clock runs on the page
    policy = response.headers["Content-Security-Policy"]
    frame_src = next(part for part in policy.split(";") if part.strip().startswith("frame-src"))
    assert frame_src.split() == ["frame-src", "'self'", "https://player.bilibili.com"]
    for other in set(PLAYER_ORIGINS.values()) - {"https://player.bilibili.com"}:
        assert other not in policy
    # Every other page keeps the app-wide policy.
    assert client.get(f"/courses/{course_id}").headers["Content-Security-Policy"] == CSP


def test_an_unknown_video_site_still_opens_in_a_new_window(app, as_role):
    course_id, _ids = build_course(app)
    material_id = _video_material(app, course_id, kind="video", video_url="https://www.npc.gov.cn/video/1.html")
    response = english(as_role("cadre")).get(f"/courses/{course_id}/materials/{material_id}")
    assert "Open the video" in response.get_data(as_text=True) and "<iframe" not in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == CSP


def test_an_uploaded_video_plays_in_an_html5_video(app, as_role):
    course_id, _ids = build_course(app, published=False)
    trainer = english(as_role("trainer"))
    uploaded = trainer.post(f"/courses/{course_id}/materials/new", content_type="multipart/form-data",
                            data={"title": "执法视频", "kind": "file", "minutes": "5",
                                  "file": (BytesIO(MP4), "执法.mp4")})
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:2000]
    fake = trainer.post(f"/courses/{course_id}/materials/new", content_type="multipart/form-data",
                        data={"title": "假视频", "kind": "file", "minutes": "5",
                              "file": (BytesIO(b"MZ not a video"), "假.mp4")})
    assert "not a real .mp4 file" in fake.get_data(as_text=True)
    with app.app_context():
        material = db.session.scalar(db.select(Material).where(Material.title == "执法视频"))
        assert material.is_video_file and material.file_mimetype == "video/mp4"
        material_id = material.id
        db.session.remove()
    page = trainer.get(f"/courses/{course_id}/materials/{material_id}")
    html = page.get_data(as_text=True)
    file_url = f"/courses/{course_id}/materials/{material_id}/file"
    assert re.search(rf'<video [^>]*id="material-video" [^>]*\bcontrols\b[^>]*src="{file_url}"', html)
    assert page.headers["Content-Security-Policy"] == CSP  # our own origin: nothing to widen
    served = trainer.get(file_url, headers={"Range": "bytes=0-9"})
    assert served.status_code == 206 and served.headers["Content-Type"] == "video/mp4"
    assert served.data == MP4[:10]
