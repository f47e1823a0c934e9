"""Reports: participation, pass and excellence rates, item analysis, training figures, the annual summary."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import coverage_views, views  # noqa: E402,F401
