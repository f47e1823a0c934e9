"""Pages about what questions cite: questions to review after a law changed (待复核), and
citations that name no known law or article."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.forms import ConfirmForm
from ..platform.errors import returning_to
from ..platform.extensions import db
from . import amendments, bp, citing
from .models import Question, QuestionCitation


@bp.app_template_global()
def law_link(endpoint: str, **values) -> str | None:
    """The URL of a law library page, or None while the app has no such page (the text is then
    shown without a link)."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


@bp.route("/reviews")
def review_questions():
    return render_template("questionbank/reviews.html", groups=amendments.pending_reviews(), confirm=ConfirmForm())


@bp.route("/<int:question_id>/review/confirm", methods=["POST"])
def confirm_review(question_id):
    question = db.session.get(Question, question_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with returning_to(url_for("questionbank.review_questions")):
        amendments.confirm(current_user, question)
    flash(_("Question #%(id)s confirmed: it cites the law in force and may be drawn again.", id=question_id),
          "success")
    return redirect(url_for("questionbank.review_questions"))


@bp.route("/citations")
def unresolved_citations():
    return render_template("questionbank/citations.html", rows=citing.unresolved(), confirm=ConfirmForm())


@bp.route("/citations/resolve", methods=["POST"])
def resolve_citations():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ids = citing.stale_question_ids()
    citing.rebuild(ids)
    db.session.commit()
    left = db.session.scalar(select(db.func.count()).select_from(QuestionCitation)
                             .where(QuestionCitation.resolved.is_(False)))
    flash(_("Citations of %(n)s questions read again; %(left)s still not found in the law library.",
            n=len(ids), left=left), "success")
    return redirect(url_for("questionbank.unresolved_citations"))
