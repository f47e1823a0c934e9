"""Accounts: people, roles, departments, sign-in and rosters."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import people_views, views  # noqa: E402,F401
