"""The bell, the list of one's notifications, one's e-mail choice; for admins the outbox and the
departments' group robots."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.forms import ConfirmForm
from ..accounts.models import Department
from ..accounts.permissions import department_tree
from ..platform.extensions import db
from ..platform.params import safe_next
from . import bp, services, webhooks
from .forms import EmailSettingsForm, WebhookForm
from .models import DepartmentWebhook


@bp.app_context_processor
def _bell():
    def unread_notifications() -> int:
        """The signed-in person's unread count, read once per request and only when a page shows it."""
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = services.unread_count(current_user.id)
        return g.unread_notifications
    return {"unread_notifications": unread_notifications}


@bp.route("/")
def list_notifications():
    return render_template("notifications/list.html", notes=services.recent(current_user.id), form=ConfirmForm())


@bp.route("/<int:notification_id>/read", methods=["POST"])
def mark_read(notification_id):
    """Mark one's own notification read, then open what it points at (or go back to the list)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    note = services.mark_read(current_user, notification_id)
    if note is None:
        abort(404)
    if request.form.get("open") and note.link:
        return redirect(safe_next(note.link, url_for("notifications.list_notifications")))
    return redirect(url_for("notifications.list_notifications"))


@bp.route("/read-all", methods=["POST"])
def mark_all_read():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_all_read(current_user)
    return redirect(url_for("notifications.list_notifications"))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """One's own choice: e-mail reminders on or off."""
    form = EmailSettingsForm()
    if form.validate_on_submit():
        services.set_email_off(current_user, form.email_off.data)
        flash(_("E-mail reminders are off.") if form.email_off.data else _("E-mail reminders are on."), "success")
        return redirect(url_for("notifications.settings"))
    if request.method == "GET":
        form.email_off.data = services.email_off(current_user.id)
    return render_template("notifications/settings.html", form=form, email=current_user.email)


@bp.route("/outbox")
def outbox():
    """Messages waiting or failed (admins)."""
    return render_template("notifications/outbox.html", messages=services.outbox(), counts=services.outbox_counts(),
                           form=ConfirmForm())


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
def retry(message_id):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.retry(current_user, message_id)
    flash(_("The message will be sent at the next run."), "success")
    return redirect(url_for("notifications.outbox"))


@bp.route("/webhooks", methods=["GET", "POST"])
def webhooks_page():
    """Departments' group robots (admins): set, replace, remove."""
    tree = department_tree()
    form = WebhookForm()
    form.department_id.choices = [(dept_id, "\u3000" * depth + tree.names[dept_id]) for dept_id, depth in tree.walk()]
    if form.validate_on_submit():
        services.set_webhook(current_user, form.department_id.data, form.kind.data, form.url.data, form.secret.data)
        flash(_("The group robot is saved."), "success")
        return redirect(url_for("notifications.webhooks_page"))
    hooks = db.session.execute(select(DepartmentWebhook, Department.name).join(Department)
                               .order_by(Department.name)).all()
    return render_template("notifications/webhooks.html", form=form, hooks=hooks, labels=webhooks.LABELS,
                           paths=tree.path, confirm=ConfirmForm())


@bp.route("/webhooks/<int:department_id>/delete", methods=["POST"])
def delete_webhook(department_id):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_webhook(current_user, department_id)
    flash(_("The group robot is removed."), "success")
    return redirect(url_for("notifications.webhooks_page"))
