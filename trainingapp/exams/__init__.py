"""Exams: composing and publishing, taking them, results."""
from flask import Blueprint

bp = Blueprint("exams", __name__)

from . import views_cadre, views_keys, views_trainer  # noqa: E402,F401
