"""The question bank: law questions, their import, browsing, editing and export."""
from flask import Blueprint

bp = Blueprint("questionbank", __name__, url_prefix="/questions")

from . import amendments, citation_views, views  # noqa: E402,F401
