"""Markdown rendering and sanitisation (trainingapp.training.courses.markdown_render)."""
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from trainingapp.training.courses.markdown_render import render_markdown

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i",
    "code", "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "a", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}, "img": {"src", "alt"}, "th": {"align"}, "td": {"align"}}


class _Collector(HTMLParser):
    """Every start tag with its attributes, and every comment, of an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_comment(self, data):
        self.comments.append(data)


def structure(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def assert_safe(html: str) -> None:
    """Only allowed tags and attributes; URLs (entities decoded) are http, https or relative."""
    parsed = structure(html)
    assert parsed.comments == []
    for tag, attrs in parsed.tags:
        assert tag in ALLOWED_TAGS, tag
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set()), (tag, attrs)
        for name in ("href", "src"):
            if name in attrs:
                # What a browser does before parsing: drop tabs and newlines anywhere, and
                # C0 controls and spaces at either end.
                url = re.sub(r"[\t\n\r]", "", attrs[name]).strip("".join(map(chr, range(0x21))))
                scheme = urlsplit(url).scheme.lower()
                assert scheme in ("", "http", "https"), attrs[name]
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer"


HOSTILE = [
    # name, Markdown/HTML input, text that must not reach the page at all (lower-cased)
    ("script tag", "Hello<script>alert(1)</script>", ["alert(1)"]),
    ("script block", "<script>\nfetch('/steal')\n</script>\n\ntext", ["fetch("]),
    ("img onerror", '<img src="x" onerror="alert(1)">', ["alert"]),
    ("markdown image breaking out of src", '![a](x.png" onerror="alert(1))', []),
    ("javascript link, Markdown", "[click](javascript:alert(1))", ["javascript:"]),
    ("javascript link, HTML", '<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript:"]),
    ("javascript link, entity-encoded", '<a href="&#106;avascript:alert(1)">x</a>', ["avascript"]),
    # Browsers delete tabs and newlines anywhere in a URL, so these would be javascript:.
    ("javascript link, encoded tab inside", '<a href="jav&#x09;ascript:alert(1)">x</a>', ["script:"]),
    ("javascript link, encoded newline inside", '<a href="java&#10;script:alert(1)">x</a>', ["script:"]),
    ("javascript link, raw tab inside", '<a href="java\tscript:alert(1)">x</a>', []),
    ("javascript link with spaces", '<a href=" javascript:alert(1)">x</a>', ["javascript"]),
    ("data URL image", "![x](data:text/html;base64,PHNjcmlwdD4=)", ["data:"]),
    ("vbscript link", '<a href="vbscript:msgbox(1)">x</a>', ["vbscript"]),
    ("iframe", '<iframe src="https://evil.example"></iframe>', ["evil.example"]),
    ("object/embed", '<object data="x.swf"></object><embed src="x.swf">', ["x.swf"]),
    ("style attribute", '<p style="position:fixed;top:0">cover</p>', ["position"]),
    ("style tag", "<style>body{display:none}</style>text", ["display:none"]),
    ("event handler on allowed tag", '<p onclick="steal()">hi</p>', ["steal"]),
    ("svg onload", "<svg onload=alert(1)><circle/></svg>", ["alert"]),
    ("form", '<form action="https://evil"><input name=p></form>', ["evil"]),
    ("meta refresh", '<meta http-equiv="refresh" content="0;url=https://evil">', ["evil"]),
    ("link target and rel injected", '<a href="/x" target="_blank" rel="opener">x</a>', ["_blank"]),
    ("html comment", "<!-- <script>alert(1)</script> -->ok", ["alert"]),
    ("class and id", '<p class="admin" id="login">x</p>', ["admin", "login"]),
]


@pytest.mark.parametrize("text, forbidden", [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_input_is_neutralised(text, forbidden):
    html = render_markdown(text)
    assert_safe(html)
    for fragment in forbidden:
        assert fragment not in html.lower()


def test_all_hostile_inputs_together():
    assert_safe(render_markdown("\n\n".join(case[1] for case in HOSTILE)))


def test_attribute_breakout_stays_inside_the_value():
    # The quote is escaped, so "onerror" is only text inside alt/src, never an attribute.
    (tag, attrs), = [entry for entry in structure(render_markdown('![a](x.png" onerror="alert(1))')).tags
                     if entry[0] == "img"]
    assert set(attrs) <= {"src", "alt"}


def test_text_around_removed_tags_survives():
    assert "Hello" in render_markdown("Hello<script>alert(1)</script>")
    assert "cover" in render_markdown('<p style="color:red">cover</p>')


def test_headings_and_emphasis():
    html = render_markdown("# 行政处罚法\n\n## 第一章\n\n**重点** 和 *注意* 和 `代码`")
    assert "<h1>行政处罚法</h1>" in html
    assert "<h2>第一章</h2>" in html
    assert "<strong>重点</strong>" in html and "<em>注意</em>" in html and "<code>代码</code>" in html


def test_lists():
    html = render_markdown("- 甲\n- 乙\n\n1. 一\n2. 二")
    assert re.search(r"<ul>\s*<li>甲</li>\s*<li>乙</li>\s*</ul>", html)
    assert re.search(r"<ol>\s*<li>一</li>\s*<li>二</li>\s*</ol>", html)


def test_tables_with_alignment():
    html = render_markdown("| 条 | 内容 |\n|:-|:-:|\n| 1 | 甲 |")
    for tag in ("<table>", "<thead>", "<tbody>", "<tr>", '<th align="left">条</th>', '<td align="center">甲</td>'):
        assert tag in html
    assert "style=" not in html


def test_forged_alignment_values_are_dropped():
    assert "align" not in render_markdown('<table><tr><td align="javascript:x">1</td></tr></table>')


@pytest.mark.parametrize(
    "text, href",
    [
        ("[法规](https://flk.npc.gov.cn/ \"国家法律法规数据库\")", "https://flk.npc.gov.cn/"),
        ("[旧站](http://example.gov.cn/a)", "http://example.gov.cn/a"),
        ("[课程](/courses/3)", "/courses/3"),
        ("[附件](files/a.pdf)", "files/a.pdf"),
    ],
)
def test_links_survive_with_rel(text, href):
    html = render_markdown(text)
    assert f'href="{href}"' in html
    assert 'rel="noopener noreferrer"' in html


def test_link_title_is_kept():
    assert 'title="国家法律法规数据库"' in render_markdown('[法规](https://flk.npc.gov.cn/ "国家法律法规数据库")')


def test_images_keep_src_and_alt_only():
    html = render_markdown('![流程图](https://example.gov.cn/flow.png "t")<img src="/a.png" width="9" alt="a">')
    assert 'src="https://example.gov.cn/flow.png"' in html and 'alt="流程图"' in html
    assert 'src="/a.png"' in html
    assert "title=" not in html and "width=" not in html


def test_fenced_code_is_escaped_not_executed():
    html = render_markdown("```html\n<script>alert(1)</script>\n```")
    assert "<pre><code>" in html
    assert "&lt;script&gt;" in html
    assert "<script" not in html


def test_line_breaks_and_blockquote():
    html = render_markdown("> 第一行\n> 第二行")
    assert "<blockquote>" in html
    assert "<br>" in html


@pytest.mark.parametrize("text", ["", None])
def test_empty_input(text):
    assert render_markdown(text) == ""
