"""Correcting the key of a question published exams use (更正答案并重新评分): owners and admins."""
from flask import abort, flash, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ..platform.extensions import db
from ..questionbank.formats import answer_notation
from ..questionbank.models import Question
from ..questionbank.usage import locks_of
from . import bp, key_correction
from .forms import KeyCorrectionForm
from .key_correction import CorrectionRefused, NotAllowed


def _not_allowed(exams):
    message = _("Only an administrator or the owner of every exam that uses this question may correct its key. "
                "Ask the owners of: %(exams)s.", exams="、".join(f"《{lock.title}》" for lock in exams))
    return render_template("errors/error.html", status=403, title=_("Not allowed"), message=message), 403


@bp.route("/exams/questions/<int:question_id>/correct-key", methods=["GET", "POST"])
def correct_key(question_id):
    """Show the current key; preview a new one (changes nothing); confirm it (key and regrade)."""
    question = db.session.get(Question, question_id) or abort(404)
    locks = locks_of([question.id])[question.id]
    refused = key_correction.may_correct(current_user, locks)
    if refused:
        return _not_allowed(refused)
    form = KeyCorrectionForm()
    preview = result = None
    if form.validate_on_submit():
        try:
            if form.confirm.data:
                result = key_correction.correct_key(current_user, question.id, form.new_key.data, form.reason.data)
                flash(_("The key of question #%(id)s is corrected; %(n)s attempts changed score.", id=question.id,
                        n=len(result.changes)), "success")
                form = KeyCorrectionForm(formdata=None)
                locks = locks_of([question.id])[question.id]
            else:
                preview = key_correction.preview_correction(current_user, question, form.new_key.data)
        except NotAllowed as error:
            db.session.rollback()
            return _not_allowed(error.exams)
        except CorrectionRefused as error:
            db.session.rollback()
            flash(str(error.args[0]), "danger")
    return render_template("exams/correct_key.html", question=question, locks=locks, form=form, preview=preview,
                           result=result, current=answer_notation(question.to_data()))
