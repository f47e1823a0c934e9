"""Video sites whose players a material page embeds (pure: a URL in, the player's URL out).

Only sites with a documented embed address (the "嵌入代码" each offers under Share) are known:
the page frames their player, so it stays open and visible and the study clock (static/js/study.js)
counts, on a phone too. Any other address still opens in a new window. The material page allows
exactly the one player origin it frames (platform/csp.py `with_sources`), nothing app-wide.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Embed:
    site: str  # bilibili, tencent, youku
    src: str  # the player's address, framed by the page
    origin: str  # what the page's CSP frame-src must allow


#: The player origins, one per site: the only frame sources a material page may add.
PLAYER_ORIGINS = {"bilibili": "https://player.bilibili.com", "tencent": "https://v.qq.com",
                  "youku": "https://player.youku.com"}

_BVID = re.compile(r"/video/(BV[0-9A-Za-z]{10})(?:/|$)")
_AVID = re.compile(r"/video/av(\d{1,12})(?:/|$)")
_QQ_PAGE = re.compile(r"^/x/(?:page|cover/[0-9A-Za-z]{1,32})/([0-9A-Za-z]{5,32})\.html$")
_YOUKU = re.compile(r"^/v_show/id_([0-9A-Za-z=]{5,64})\.html$")


def embed_for(url: str) -> Embed | None:
    """The embeddable player of a bilibili, Tencent Video (v.qq.com) or Youku video page, or None."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    if host in ("www.bilibili.com", "m.bilibili.com", "bilibili.com"):
        page = parse_qs(parts.query).get("p", ["1"])[0]
        page = page if page.isdigit() and len(page) < 5 else "1"
        if match := _BVID.search(parts.path):
            return _embed("bilibili", f"/player.html?bvid={match.group(1)}&page={page}&autoplay=0")
        if match := _AVID.search(parts.path):
            return _embed("bilibili", f"/player.html?aid={match.group(1)}&page={page}&autoplay=0")
    if host in ("v.qq.com", "m.v.qq.com"):
        if match := _QQ_PAGE.match(parts.path):
            return _embed("tencent", f"/txp/iframe/player.html?vid={match.group(1)}")
        vid = parse_qs(parts.query).get("vid", [""])[0]
        if parts.path == "/txp/iframe/player.html" and re.fullmatch(r"[0-9A-Za-z]{5,32}", vid):
            return _embed("tencent", f"/txp/iframe/player.html?vid={vid}")
    if host in ("v.youku.com", "m.youku.com") and (match := _YOUKU.match(parts.path)):
        return _embed("youku", f"/embed/{match.group(1)}")
    return None


def _embed(site: str, path: str) -> Embed:
    origin = PLAYER_ORIGINS[site]
    return Embed(site=site, src=origin + path, origin=origin)
