"""Markdown for course descriptions and text materials, rendered to safe HTML.

Authors are trusted staff, but accounts get compromised and text gets pasted from the
web, so the HTML is sanitised with an allow-list after rendering: Markdown lets raw HTML
through, and the sanitiser is what decides what reaches the page.
"""
from __future__ import annotations

import markdown
import nh3

_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "nl2br"]
# align="…" instead of style="text-align: …", because style attributes are not allowed.
_EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr",
        "h1", "h2", "h3", "h4", "h5", "h6",
        "ul", "ol", "li",
        "strong", "em", "b", "i", "code", "pre", "blockquote",
        "table", "thead", "tbody", "tr", "th", "td",
        "a", "img",
    }
)  # fmt: skip
# The "*" entry replaces nh3's default generic attributes (lang, title on every tag).
ALLOWED_ATTRIBUTES = {"*": frozenset(), "a": frozenset({"href", "title"}), "img": frozenset({"src", "alt"})}
# Column alignment from Markdown tables, restricted to its three values.
_ALIGN_VALUES = {tag: {"align": {"left", "center", "right"}} for tag in ("th", "td")}
ALLOWED_URL_SCHEMES = frozenset({"http", "https"})
# Tags whose content is dropped along with the tag (their text is code, never prose).
_DROP_WITH_CONTENT = frozenset({"script", "style"})


def render_markdown(text: str | None) -> str:
    """HTML from Markdown containing only allow-listed tags and attributes, http/https or
    relative URLs, and rel="noopener noreferrer" on every link; "" for empty input."""
    if not text:
        return ""
    html = markdown.markdown(text, extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        tag_attribute_values=_ALIGN_VALUES,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
