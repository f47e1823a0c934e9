"""Exams: composing and publishing, taking them, results."""
from flask import Blueprint

bp = Blueprint("exams", __name__)

# usage_stats answers the question bank's usage signal once imported.
from . import (  # noqa: E402,F401
    api_views,
    cadre_views,
    certificate_views,
    key_views,
    marking_views,
    trainer_views,
    usage_stats,
)

# Nested, so its endpoints are exams.api.* and the package has one blueprint.
bp.register_blueprint(api_views.bp)
