"""Group robots of 企业微信 (WeCom) and 钉钉 (DingTalk): which addresses are allowed, the JSON
each documents, and 钉钉's signature (pure).

Only the services' own robot endpoints are accepted, over https, so an admin's webhook setting
can never make the server call an address inside the network (no SSRF):
- 企业微信: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…, body
  {"msgtype": "markdown", "markdown": {"content": "…"}} (content at most 4096 bytes);
- 钉钉: https://oapi.dingtalk.com/robot/send?access_token=…, body
  {"msgtype": "markdown", "markdown": {"title": "…", "text": "…"}}; with 加签 the URL also carries
  timestamp (milliseconds) and sign = urlencode(base64(HMAC-SHA256(key=secret,
  message=timestamp + "\\n" + secret))).
Both answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; any other errcode is a failure.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, quote_plus, urlsplit

from flask_babel import lazy_gettext as _l

HOSTS = {"wecom": "qyapi.weixin.qq.com", "dingtalk": "oapi.dingtalk.com"}
PATHS = {"wecom": "/cgi-bin/webhook/send", "dingtalk": "/robot/send"}
TOKENS = {"wecom": "key", "dingtalk": "access_token"}
LABELS = {"wecom": _l("WeCom (企业微信) group robot"), "dingtalk": _l("DingTalk (钉钉) group robot")}
#: 企业微信 refuses markdown content over 4096 bytes; 钉钉 documents no lower limit.
MAX_CONTENT_BYTES = 4000


def url_problem(kind: str, url: str, bases: dict[str, str] | None = None) -> str | None:
    """Why this URL is not the documented robot address of `kind` (None: it is). `bases`
    (ROBOT_BASE_URLS) may move a service to another base address, such as a relay inside a
    government network; by default only the services' own https hosts pass."""
    if kind not in HOSTS:
        return str(_l("Choose WeCom or DingTalk."))
    base = urlsplit((bases or {}).get(kind) or f"https://{HOSTS[kind]}")
    expected = f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}{PATHS[kind]}?{TOKENS[kind]}=…"
    refusal = str(_l("The address must be %(expected)s, as the robot's settings show it.", expected=expected))
    try:
        parts = urlsplit(url.strip())
        port, base_port = parts.port, base.port
    except ValueError:
        return refusal
    default = {"https": 443, "http": 80}
    if (parts.scheme != base.scheme or parts.hostname != base.hostname
            or (port or default.get(parts.scheme)) != (base_port or default.get(base.scheme))
            or parts.username or parts.password or parts.fragment
            or parts.path != base.path.rstrip("/") + PATHS[kind]):
        return refusal
    token = parse_qs(parts.query).get(TOKENS[kind])
    if not token or not token[0].strip():
        return refusal
    return None


def secret_problem(kind: str, secret: str | None) -> str | None:
    """钉钉's 加签 secret starts with SEC; 企业微信 robots have none."""
    if not secret:
        return None
    if kind != "dingtalk":
        return str(_l("Only DingTalk robots have a signing secret."))
    if not secret.startswith("SEC") or len(secret) > 200 or any(c.isspace() for c in secret):
        return str(_l("The signing secret is the string starting with SEC on the robot's security settings."))
    return None


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉's sign parameter, already URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str | None, timestamp_ms: int) -> str:
    """The robot address to post to: 钉钉 with 加签 gets timestamp and sign appended."""
    if not secret:
        return url
    return f"{url}&timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def _clip(text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= MAX_CONTENT_BYTES:
        return text
    return data[:MAX_CONTENT_BYTES].decode("utf-8", errors="ignore") + "…"


def payload(kind: str, title: str, text: str) -> dict:
    """The documented markdown message of `kind` (text is markdown: a heading is added)."""
    content = _clip(f"### {title}\n{text}")
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": content}}
    return {"msgtype": "markdown", "markdown": {"title": title[:100], "text": content}}
