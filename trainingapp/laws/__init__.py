"""Laws and their articles: versions, the law library, and what questions cite."""
from flask import Blueprint

bp = Blueprint("laws", __name__, url_prefix="/laws")

from . import views  # noqa: E402,F401  (registers the routes)
