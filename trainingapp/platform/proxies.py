"""Which forwarded headers to believe: X-Forwarded-For, -Proto and -Host from our own proxies only.

werkzeug's ProxyFix believes them from whoever sends them. When the app's port can be reached
from the network (waitress on 0.0.0.0, gunicorn bound to a LAN address, a firewall left open),
any client could then choose the address that the per-address sign-in limit and the audit log
see. Here a request gets ProxyFix's treatment only when its direct peer (REMOTE_ADDR) is one of
TRUSTED_PROXIES; from anyone else the headers are ignored and the peer's address is the client's.
"""
from __future__ import annotations

import ipaddress
import re

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(value: str | list | tuple) -> tuple[Network, ...]:
    """The networks of a TRUSTED_PROXIES setting (addresses or CIDRs, separated by commas or
    spaces); raises ValueError naming the first entry that is neither."""
    items = re.split(r"[\s,]+", value.strip()) if isinstance(value, str) else list(value)
    networks = []
    for item in items:
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {item!r} is not an IP address or network "
                             f"(for example 127.0.0.1, ::1 or 10.0.0.0/24)") from None
    return tuple(networks)


def is_trusted(address: str | None, networks: tuple[Network, ...]) -> bool:
    """True when `address` (a peer's REMOTE_ADDR) lies in one of `networks`; False for anything
    that is not an IP address (a Unix socket's empty peer, garbage)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # "::ffff:127.0.0.1" from a dual-stack socket is 127.0.0.1
    return any(ip in network for network in networks)


class TrustedProxyFix:
    """WSGI middleware: ProxyFix(x_for=count, x_proto=count, x_host=count) for requests from a
    trusted proxy; every other request passes through untouched."""

    def __init__(self, wsgi_app, count: int, trusted: str | list | tuple):
        self.wsgi_app = wsgi_app
        self.trusted = parse_trusted_proxies(trusted)
        self.fixed = ProxyFix(wsgi_app, x_for=count, x_proto=count, x_host=count)

    def __call__(self, environ, start_response):
        if is_trusted(environ.get("REMOTE_ADDR"), self.trusted):
            return self.fixed(environ, start_response)
        return self.wsgi_app(environ, start_response)
