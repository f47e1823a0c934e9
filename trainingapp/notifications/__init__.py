"""Notifications: in-app messages, and e-mail and group-robot messages sent from a queue."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
