"""Every page each demo role can reach by following links: no link answers an error, titles are plain text.

The crawl starts at each role's home page on the demo data set (in Chinese and in English), follows every
same-site link it finds (GET only) and fails on the first page that offers a link answering 403, 404 or
500, or whose <title> holds markup (WeChat shows the title bar as it is).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urldefrag, urljoin, urlsplit

import pytest

from tests.conftest import login

DEMO_PASSWORD = "demo-pass-2026"
#: How many URLs of one shape (ids as N, the query's keys) are followed: every kind of page, not every row.
PER_SHAPE = 2
MAX_PAGES = 400


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.title: list[str] = []
        self._in_title = False
        self.title_has_markup = False

    def handle_starttag(self, tag, attrs):
        if self._in_title:
            self.title_has_markup = True
        if tag == "title":
            self._in_title = True
        href = dict(attrs).get("href") if tag in ("a", "link") else None
        if href and tag == "a":
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)


def _crawl(client, start="/"):
    shapes: dict[str, int] = {}
    queue, visited, problems = [(start, "(start)")], set(), []
    while queue and len(visited) < MAX_PAGES:
        url, found_on = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        response = client.get(url)
        if response.status_code in (403, 404) or response.status_code >= 500:
            problems.append(f"{url} -> {response.status_code} (linked from {found_on})")
            continue
        if response.status_code in (301, 302, 303):
            continue
        if response.headers.get("Content-Type", "").count("charset") > 1:
            problems.append(f"{url}: Content-Type {response.headers['Content-Type']!r} names its charset twice")
        if response.mimetype != "text/html":
            continue
        page = _Page()
        page.feed(response.get_data(as_text=True))
        title = "".join(page.title).strip()
        if page.title_has_markup or "<" in title or "&lt;" in title or not title:
            problems.append(f"{url}: title {title!r} is not plain text")
        for href in page.links:
            target, _fragment = urldefrag(urljoin(url, href))
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
                continue
            if not parts.path or parts.path.startswith(("/static/", "/guide/screenshots/")):
                continue
            if parts.path.startswith("/language/"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local in visited:
                continue
            shape = re.sub(r"\d+", "N", parts.path) + "?" + ",".join(sorted(parse_qs(parts.query)))
            if shapes.get(shape, 0) >= PER_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            queue.append((local, url))
    return visited, problems


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("role_login", ["cadre", "trainer", "liaison", "admin"])
def test_every_link_a_role_is_offered_works_and_titles_are_plain(app, role_login, language):
    from trainingapp.platform.extensions import db
    from trainingapp.web.demo import load_demo
    with app.app_context():
        assert load_demo()
        db.session.remove()
    client = app.test_client()
    assert login(client, role_login, DEMO_PASSWORD).status_code == 302
    if language == "en":
        client.post("/language/en", data={"next": "/"})
    visited, problems = _crawl(client)
    assert len(visited) > 10
    assert problems == []


def test_guides_link_to_each_other_and_to_the_report_definitions(as_role):
    client = as_role("liaison")
    for language in ("zh", "en"):
        client.post(f"/language/{language}", data={"next": "/"})
        for name in ("cadre", "trainer", "admin"):
            page = client.get(f"/guide/{name}").get_data(as_text=True)
            hrefs = re.findall(r'href="([^"#][^"]*)"', page.split('<article', 1)[1])
            assert hrefs, name
            for href in hrefs:
                assert not href.endswith(".md"), (language, name, href)
                assert client.get(href).status_code == 200, (language, name, href)
    # The "English version" link opens the English text from a Chinese interface.
    client.post("/language/zh", data={"next": "/"})
    chinese = client.get("/guide/cadre").get_data(as_text=True)
    english_link = re.search(r'href="(/guide/cadre\?lang=en)"', chinese).group(1)
    assert "Guide for cadres" in client.get(english_link).get_data(as_text=True).split("<article", 1)[1]
    assert "报表口径" in client.get("/guide/reports").get_data(as_text=True)


def test_favicon_answers_with_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"
    assert "max-age" in response.headers["Cache-Control"]  # an icon, not a page: browsers may keep it
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_home_cards_promise_only_pages_the_role_can_open(as_role):
    trainer_home = as_role("trainer").get("/").get_data(as_text=True)
    assert "年度报告素材" not in trainer_home and "试题分析" in trainer_home
    assert "年度报告素材" in as_role("admin").get("/").get_data(as_text=True)
