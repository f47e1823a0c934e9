"""Exams: composing and publishing, taking them, results."""
from flask import Blueprint

bp = Blueprint("exams", __name__)

# usage_stats answers the question bank's usage signal once imported.
from . import api_views, cadre_views, certificate_views, key_views, trainer_views, usage_stats  # noqa: E402,F401

# Nested, so its endpoints are exams.api.* and the package has one blueprint.
bp.register_blueprint(api_views.bp)
