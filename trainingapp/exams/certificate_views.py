"""Certificates and proofs of result: the cadre's download, the public verification page and the
admin's issuing-unit setting."""
import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.forms import ConfirmForm
from ..platform.errors import DomainError, returning_to
from ..platform.extensions import db, limiter
from . import bp, certificate_issuing, certificate_pdf
from .models import Certificate

#: Per address: enough for a clerk checking a stack of certificates, far too few to guess a
#: 128-bit code (which could not be guessed anyway); wrong codes count as well as right ones.
VERIFY_LIMIT = "30 per minute"


@bp.route("/my/exams/<int:exam_id>/certificate", methods=["POST"], defaults={"kind": "certificate"})
@bp.route("/my/exams/<int:exam_id>/proof", methods=["POST"], defaults={"kind": "proof"})
def download_document(exam_id, kind):
    """The signed-in person's own certificate or proof of result for this exam, as a PDF.
    A POST (with the form's token): the first download issues the document."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with returning_to(url_for("exams.my_exams")):
        document = certificate_issuing.document_for(current_user, exam_id, kind)
    public = current_app.config.get("PUBLIC_URL")
    verify_url = (public + url_for("exams.verify_certificate", token=document.code) if public
                  else url_for("exams.verify_certificate", token=document.code, _external=True))
    pdf = certificate_pdf.render(document.facts, verify_url, document.code)
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=f"{kind}-{document.exam_id}.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/verify/<token>")
@limiter.limit(VERIFY_LIMIT)
def verify_certificate(token):
    """Public: what the document with this code states and whether it is still valid; a revoked
    one says only that it was revoked (and whether it was replaced). 404 for any other code."""
    document = certificate_issuing.verification(token)
    if document is None:
        abort(404)
    replaced = document.replaced_by_id is not None
    response = render_template("exams/verify.html", document=document, facts=document.facts,
                               revoked=document.revoked_at is not None, replaced=replaced)
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


@bp.route("/exams/certificate-settings", methods=["GET", "POST"])
def certificate_settings():
    """The issuing unit printed on certificates and proofs (default: the top department's name)."""
    form = ConfirmForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            name = certificate_issuing.set_issuing_unit(current_user, request.form.get("issuing_unit", ""))
        except DomainError as refused:
            error = str(refused)
            db.session.rollback()
        else:
            flash(_("Saved: new certificates and proofs name “%(unit)s” as the issuing unit.", unit=name), "success")
            return redirect(url_for("exams.certificate_settings"))
    current = request.form.get("issuing_unit", "") if error else certificate_issuing.issuing_unit()
    issued = db.session.scalar(select(func.count(Certificate.id)).where(Certificate.revoked_at.is_(None)))
    return render_template("exams/certificate_settings.html", form=form, current=current, error=error,
                           default=certificate_issuing.default_issuing_unit(), issued=issued), 400 if error else 200
