"""Flask's signed-cookie session, with its signing serializer made once per key.

Flask builds a new serializer (key list, signer settings, the JSON tag serializer) twice in
every request, to read the cookie and to write it; at the synchronized start that was about a
twentieth of a start's CPU (issue #28). The serializer holds no state between calls, so one
per secret key (and fallbacks) serves every thread. A changed SECRET_KEY or
SECRET_KEY_FALLBACKS makes a new one, as Flask would.
"""
from __future__ import annotations

import threading

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}
        self._lock = threading.Lock()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._serializers.get(key)
        if found is None:
            found = super().get_signing_serializer(app)
            with self._lock:
                if len(self._serializers) > 8:  # keys changed at run time (tests): keep the map small
                    self._serializers.clear()
                self._serializers[key] = found
        return found
