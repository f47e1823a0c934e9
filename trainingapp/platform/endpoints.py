"""Endpoints that serve files or health, not a person's data: named once for every hook that skips them."""

#: The blueprints' static folders (Flask's and Bootstrap-Flask's): files served as they are on disk.
STATIC_FOLDERS = frozenset({"static", "bootstrap.static"})

#: Every file the browser fetches on its own (it asks /favicon.ico of every site).
STATIC_FILES = STATIC_FOLDERS | {"favicon"}

#: Requests no session rule applies to: the files above and the load balancer's health check.
SESSIONLESS = STATIC_FILES | {"healthz"}
