"""Compressed responses: pages, stylesheets, scripts, JSON and SVG go out brotli- or gzip-encoded.

Flask-Compress encodes in an after_request hook (settings in config.py). What it does not
do by itself is done here, for the static files (Bootstrap's CSS and JS are most of what an
exam page weighs):

- send_file answers with a stream, which Flask-Compress either skips or re-encodes on every
  request. Streams stay uncompressed (COMPRESS_STREAMS off: downloads are xlsx, docx, pdf or
  images, already compressed; a ranged 206 must not be re-encoded). A static file is instead
  read into its response just before Flask-Compress runs, and the encoded bytes are kept per
  encoding, path and ETag (the file's version), so each file is compressed once per process.
- A static file is encoded once, so it gets the best levels worth a one-off fraction of a
  second (COMPRESS_STATIC_*_LEVEL); pages and JSON, encoded on every request, get a fast level.
- Flask-Compress gives the encoded response its own ETag ("<etag>:gzip") and answers
  If-None-Match with 304 for it, so browsers still revalidate static files cheaply.
"""
from __future__ import annotations

import gzip

import brotli
from flask import Flask, current_app, g, request

from .endpoints import STATIC_FOLDERS
from .extensions import compress

#: The blueprints' static endpoints whose files are compressed and kept encoded.
STATIC_ENDPOINTS = STATIC_FOLDERS
_STATIC_KEY = "static:"


class StaticFileCache:
    """Encoded static files by "encoding;static:path:etag". Any other key (a page, a JSON answer)
    is never stored, so dynamic responses are always encoded afresh. Bounded by the files on disk;
    `limit` guards against a flood of distinct paths all the same."""

    def __init__(self, limit: int = 512) -> None:
        self.limit = limit
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        found = self.data.get(key)
        algorithm, _sep, name = key.partition(";")
        if found is None and name.startswith(_STATIC_KEY) and g.get("_static_response") is not None:
            # The first request for this file and encoding: encode it here, at the static levels
            # (Flask-Compress would use the pages' level), and keep it.
            found = encode_static(algorithm, g._static_response.get_data())
            if found is not None:
                self.set(key, found)
        return found

    def set(self, key: str, value: bytes) -> None:
        if key.partition(";")[2].startswith(_STATIC_KEY) and (key in self.data or len(self.data) < self.limit):
            self.data[key] = value


def encode_static(algorithm: str, body: bytes) -> bytes | None:
    """A static file encoded at the static levels; None for an encoding left to Flask-Compress."""
    config = current_app.config
    if algorithm == "br":
        return brotli.compress(body, mode=brotli.MODE_TEXT, quality=config["COMPRESS_STATIC_BR_LEVEL"])
    if algorithm == "gzip":
        return gzip.compress(body, config["COMPRESS_STATIC_GZIP_LEVEL"], mtime=0)
    return None


def cache_key(req) -> str:
    """The static file's key, set by read_static_file; empty (never cached) for everything else."""
    return g.get("_compress_key", "")


def read_static_file(response):
    """Turn a static file's stream into bytes, so Flask-Compress encodes it (or takes it from the cache)."""
    if (request.endpoint in STATIC_ENDPOINTS and response.status_code == 200 and response.direct_passthrough
            and response.mimetype in compress.compress_mimetypes_set):
        etag, _weak = response.get_etag()
        if etag:
            g._compress_key = f"{_STATIC_KEY}{request.path}:{etag}"
            response.direct_passthrough = False
            response.make_sequence()  # reads the file (and closes it)
            g._static_response = response  # its bytes are joined only when the cache lacks them
    return response


def init_app(app: Flask) -> None:
    if not app.config.get("COMPRESS_REGISTER", True):
        return
    app.config.setdefault("COMPRESS_CACHE_BACKEND", StaticFileCache)
    app.config.setdefault("COMPRESS_CACHE_KEY", cache_key)
    compress.init_app(app)
    # Registered after Flask-Compress's hook, so it runs before it (after_request runs in reverse).
    app.after_request(read_static_file)
