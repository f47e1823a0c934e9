"""The law library: list, law and article pages, search (the same on SQLite and PostgreSQL),
escaping, and who may read what."""
from datetime import date, datetime

import pytest
from markupsafe import Markup

from tests.law_texts import WHOLE, text
from trainingapp.laws import services
from trainingapp.laws.models import Article, Law
from trainingapp.laws.search import highlight, search_articles, words_of
from trainingapp.laws.text_parser import parse_text
from trainingapp.platform import clock
from trainingapp.platform.extensions import db


def _import(title, body, effective, issued=None, short=""):
    parsed = parse_text(body)
    meta = services.LawMeta(title=title, short_title=short, issued_on=issued or effective, effective_on=effective)
    return services.import_law(None, parsed, "line", meta, "t.txt")


def _library():
    """Two laws, one with an older version; texts chosen so the ranking is known."""
    clock.freeze(datetime(2026, 3, 1, 4))
    old = _import("中华人民共和国测试法", text("第一条　旧的罚款规定。"), date(2010, 1, 1))
    new = _import("中华人民共和国测试法", WHOLE, date(2021, 7, 15), short="测试法")
    other = _import("示例罚款条例", text("第一条　行政机关听证。", "第二条　罚款罚款罚款，听证。",
                                      "第三条　<b>标签</b>与50%_罚款。"), date(2020, 1, 1))
    db.session.commit()
    return old.id, new.id, other.id


def _labels(result):
    return [(hit.article.version.law.title, hit.article.number, hit.article.suffix) for hit in result.hits]


def test_words_of_a_query():
    assert words_of(" 罚款，听证  罚款 《行政处罚法》") == ["罚款", "听证", "行政处罚法"]


def test_search_ranks_titles_then_hits_in_the_shown_versions(ctx):
    old_id, new_id, other_id = _library()
    shown = [new_id, other_id]
    result = search_articles("罚款", shown)
    # Every article whose law title (示例罚款条例) or headings (第二章 罚款) hold the word, by hits
    # (then in the library's order); then the others by hits.
    assert _labels(result) == [("示例罚款条例", 2, 0), ("中华人民共和国测试法", 3, 0), ("中华人民共和国测试法", 3, 1),
                               ("中华人民共和国测试法", 4, 0), ("示例罚款条例", 3, 0), ("示例罚款条例", 1, 0)]
    assert _labels(search_articles("罚款 听证", shown)) == [
        ("示例罚款条例", 2, 0), ("中华人民共和国测试法", 4, 0), ("示例罚款条例", 1, 0)]
    assert _labels(search_articles("规范", shown)) == [("中华人民共和国测试法", 1, 0)]
    # Every version: the old text's article too.
    assert ("中华人民共和国测试法", 1, 0) in _labels(search_articles("旧的", None))
    assert _labels(search_articles("旧的", shown)) == []
    # LIKE's wildcards are searched as characters.
    assert _labels(search_articles("50%_", shown)) == [("示例罚款条例", 3, 0)]
    assert _labels(search_articles("%", shown)) == [("示例罚款条例", 3, 0)]
    # Headings count as titles.
    assert _labels(search_articles("数额", shown))[:2] == [("中华人民共和国测试法", 3, 0),
                                                          ("中华人民共和国测试法", 3, 1)]


def test_highlight_escapes_the_text_and_the_words():
    marked = highlight("<b>罚款</b> & 罚款", ["罚款", "<b>"])
    assert isinstance(marked, Markup)
    assert str(marked) == "<mark>&lt;b&gt;</mark><mark>罚款</mark>&lt;/b&gt; &amp; <mark>罚款</mark>"
    assert str(highlight("甲" * 100 + "罚款" + "乙" * 100, ["罚款"], around=3)) == "…甲甲甲<mark>罚款</mark>乙乙乙…"


def test_search_page_for_a_cadre_marks_the_words_escaped(app, as_role):
    with app.app_context():
        _library()
    cadre = as_role("cadre")
    page = cadre.get("/laws/search?q=标签").get_data(as_text=True)
    assert "&lt;b&gt;<mark>标签</mark>&lt;/b&gt;" in page
    assert "<b>标签" not in page
    page = cadre.get("/laws/search?q=<script>").get_data(as_text=True)
    assert "<script>" not in page.split("</nav>", 1)[1]
    page = cadre.get("/laws/search?q=旧的&versions=all").get_data(as_text=True)
    assert 'data-hit-count="1"' in page and "已修改" in page


def test_library_pages_for_a_cadre(app, as_role):
    with app.app_context():
        old_id, new_id, _other = _library()
        article = db.session.query(Article).filter_by(version_id=new_id, number=2).one()
        article_id, law_id = article.id, article.version.law_id
        old_article_id = db.session.query(Article).filter_by(version_id=old_id, number=1).one().id
    cadre = as_role("cadre")
    listing = cadre.get("/laws/").get_data(as_text=True)
    assert "《中华人民共和国测试法》" in listing and "导入法律法规" not in listing
    assert "示例罚款条例" not in cadre.get("/laws/?status=not_yet").get_data(as_text=True)
    page = cadre.get(f"/laws/{law_id}").get_data(as_text=True)
    assert 'data-toc' in page and f'id="a{article_id}"' in page
    assert f'<a href="#a{article_id - 1}">第一章 一般规定</a> <span class="text-muted">(2)</span>' in page
    assert 'data-versions' in page and "2010-01-01 · 已修改" in page and "标记为已废止" not in page
    page = cadre.get(f"/laws/articles/{article_id}").get_data(as_text=True)
    assert "<p class=\"mb-2 ms-3\">（一）书面测试；</p>" in page
    assert "第一编 总则 / 第一章 一般规定" in page and 'data-status="in_force"' in page
    assert f'href="/laws/articles/{old_article_id}"' not in page  # 第二条 is not in the old text
    old_page = cadre.get(f"/laws/articles/{old_article_id}").get_data(as_text=True)
    assert 'data-status="amended"' in old_page and "2021-07-15 · 现行有效" in old_page
    assert cadre.get(f"/laws/{law_id}/versions/{old_id}").status_code == 200
    assert cadre.get(f"/laws/{law_id}/versions/{_other}").status_code == 404
    assert cadre.get("/laws/articles/999999").status_code == 404


def test_the_library_is_in_the_cadre_navigation(app, as_role):
    page = as_role("cadre").get("/").get_data(as_text=True)
    assert 'href="/laws/"' in page


def test_demo_regulation_is_clean_and_labelled_fictional(ctx):
    from trainingapp.laws import demo
    for body in (demo._FIRST, demo._SECOND):
        parsed = parse_text(body)
        assert parsed.problems == [] and "虚构文本" in parsed.title
    assert demo.load_laws_demo() == 2
    law = db.session.query(Law).one()
    assert all("虚构" in v.note for v in law.versions) and services.current_version(law).effective_on.year >= 2026


#: Whether anything makes the page wider than the screen (a sideways scroll on a phone).
OVERFLOW = "() => document.documentElement.scrollWidth > window.innerWidth + 1"


@pytest.mark.browser
def test_library_and_import_fit_a_390_px_phone(app, make, browser, live_server):
    from tests.conftest import _page
    with app.app_context():
        _library()
        article_id = db.session.query(Article).filter_by(number=2, suffix=0).order_by(Article.id.desc()).first().id
        law_id = db.session.get(Article, article_id).version.law_id
    trainer = make.user(role="trainer")
    context, phone = _page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True,
                           has_touch=True)
    try:
        phone.login(trainer.login)
        for path in ("/laws/", f"/laws/{law_id}", f"/laws/articles/{article_id}", "/laws/search?q=罚款 听证"):
            phone.open(path)
            assert not phone.evaluate(OVERFLOW), path
        phone.open("/laws/import")
        phone.fill("#text", WHOLE)
        phone.click("#submit")
        phone.wait_for_load_state()
        assert phone.locator("[data-count=articles]").inner_text() == "6"
        assert not phone.evaluate(OVERFLOW)
    finally:
        context.close()
