"""Question bank pages for trainers and admins."""
from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.forms import ConfirmForm
from ..platform import staged
from ..platform.clock import now
from ..platform.errors import DomainError, flash_refusal, returning_to
from ..platform.extensions import db
from ..platform.imports import StagedImport
from ..platform.params import int_arg, page_arg, safe_next, text_arg
from . import amendments, bp, citing, services
from .docx_writer import ANSWER_STYLES, template_docx
from .formats import EXPORT_FORMATS, build_template
from .forms import (
    DIFFICULTY_LABELS,
    PART_NUMBERS,
    QTYPE_LABELS,
    QuestionForm,
    QuestionUploadForm,
    fill_form,
    form_to_fields,
)
from .models import Question, QuestionImport
from .parsing import OPTION_LETTERS
from .subjective import parts_of
from .usage import locks_of, usage_of
from .word_import import WORD_FORMATS

PAGE_SIZE = 30


def _max_rows():
    return current_app.config["QUESTION_IMPORT_MAX_ROWS"]


def _filters() -> services.Filters:
    return services.Filters(q=text_arg("q"), qtype=text_arg("qtype"), category=text_arg("category"),
                            difficulty=text_arg("difficulty"), status=text_arg("status"),
                            import_id=int_arg("import_id"))


@bp.route("")
def list_questions():
    filters = _filters()
    query = services.filtered(filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = page_arg()
    questions = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    imports = db.session.scalars(select(QuestionImport).order_by(QuestionImport.id.desc()).limit(50)).all()
    return render_template("questionbank/list.html", questions=questions, total=total, page=page,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), filters=filters,
                           usage=usage_of(q.id for q in questions), categories=services.categories(),
                           imports=imports, qtypes=QTYPE_LABELS, difficulties=DIFFICULTY_LABELS,
                           formats=EXPORT_FORMATS, letters=OPTION_LETTERS)


def _show_errors(form, errors):
    for error in errors:
        flash(str(error), "danger")


@bp.route("/new", methods=["GET", "POST"])
def create_question():
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = services.save_question(current_user, None, form_to_fields(form))
        except services.QuestionInvalid as invalid:
            _show_errors(form, invalid.errors)
        else:
            flash(_("Question #%(id)s added.", id=question.id), "success")
            return redirect(url_for("questionbank.list_questions"))
    return render_template("questionbank/edit.html", form=form, part_numbers=PART_NUMBERS, question=None,
                           letters=OPTION_LETTERS,
                           categories=services.categories())


@bp.route("/<int:question_id>", methods=["GET", "POST"])
def edit_question(question_id):
    question = db.session.get(Question, question_id) or abort(404)
    form = QuestionForm()
    if request.method == "GET":
        fill_form(form, question)
    elif form.validate_on_submit():
        try:
            services.save_question(current_user, question, form_to_fields(form))
        except services.QuestionInvalid as invalid:
            _show_errors(form, invalid.errors)
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Question #%(id)s saved.", id=question.id), "success")
            return redirect(safe_next(request.args.get("back"), url_for("questionbank.list_questions")))
    return render_template("questionbank/edit.html", form=form, part_numbers=PART_NUMBERS, question=question,
                           letters=OPTION_LETTERS,
                           usage=usage_of([question.id])[question.id], categories=services.categories(),
                           confirm=ConfirmForm(), locks=locks_of([question.id])[question.id],
                           cited=citing.cited_articles([question.id])[question.id],
                           reviews=amendments.pending_reviews(question.id))


@bp.route("/<int:question_id>/status", methods=["POST"])
def toggle_question(question_id):
    question = db.session.get(Question, question_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with returning_to(url_for("questionbank.edit_question", question_id=question.id)):
        services.set_active(current_user, question, not question.is_active)
    flash(_("Question #%(id)s is active again.", id=question.id) if question.is_active
          else _("Question #%(id)s is retired: it will not be drawn into new papers.", id=question.id), "success")
    return redirect(url_for("questionbank.edit_question", question_id=question.id))


@bp.route("/<int:question_id>/delete", methods=["POST"])
def delete_question(question_id):
    question = db.session.get(Question, question_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with returning_to(url_for("questionbank.edit_question", question_id=question_id)):
        services.delete_question(current_user, question)
    flash(_("Question #%(id)s deleted.", id=question_id), "success")
    return redirect(url_for("questionbank.list_questions"))


# --- import ---------------------------------------------------------------------------------

class _QuestionFiles(StagedImport):
    def parse(self, file, context):
        # Parsed at upload (the result is staged) or, failing that, by the service's preview and
        # import, which check the questions against the bank as well.
        return None


#: The name pasted text is staged and recorded under (read as a .txt in the Word layouts).
PASTED_NAME = "pasted-text.txt"

QUESTIONS = _QuestionFiles("questions", upload_endpoint="questionbank.upload_questions",
                           preview_endpoint="questionbank.preview_questions")


@bp.url_value_preprocessor
def _room_for_pasted_text(endpoint, _values):
    """Pasted text is a form field, which Flask caps at 500 KB by default, while a bank of 2,000
    questions pastes to about a megabyte: the upload page takes text up to the upload cap (and a
    little more, so a text just over it gets the cap's own message rather than a bare 413). This
    runs before the CSRF check reads the form, so only for someone signed in: an anonymous post
    keeps the default and is refused by the access check anyway."""
    if endpoint == "questionbank.upload_questions" and current_user.is_authenticated:
        request.max_form_memory_size = (current_app.config["QUESTION_IMPORT_MAX_MB"] + 1) * 1024 * 1024


@bp.route("/import", methods=["GET", "POST"])
def upload_questions():
    form = QuestionUploadForm()
    if form.validate_on_submit():
        limit = current_app.config["QUESTION_IMPORT_MAX_MB"] * 1024 * 1024
        if form.file.data:
            filename, content = form.file.data.filename, form.file.data.read(limit + 1)
        else:
            # Pasted text takes the path of a .txt upload in the Word layouts, under the same cap.
            filename, content = PASTED_NAME, form.text.data.encode("utf-8")
        if len(content) > limit:
            flash(_("The file is larger than %(n)s MB; split it into smaller files.",
                    n=current_app.config["QUESTION_IMPORT_MAX_MB"]), "danger")
        else:
            staged.end_read()  # other requests' writes go on while this file is parsed
            # Parsed here, once: the preview and the confirmation read the result (a 20,000-row
            # file takes seconds to parse), and check it against the bank each time.
            return QUESTIONS.stage(filename, content, {
                "category": (form.category.data or "").strip(),
                "parsed": services.parse_for_staging(content, filename, max_rows=_max_rows())})
    return render_template("questionbank/upload.html", form=form)


def _service_args(upload, **kwargs):
    return dict(max_rows=_max_rows(), category=upload.options.get("category") or None,
                parsed=upload.options.get("parsed"), **kwargs)


@bp.route("/import/<token>")
def preview_questions(token):
    upload = QUESTIONS.open(token)
    with returning_to(upload.back):
        preview = services.preview_import(upload.file.content, upload.filename, **_service_args(upload))
    return render_template("questionbank/preview.html", preview=preview, token=token, form=ConfirmForm(),
                           filename=upload.filename, qtypes=QTYPE_LABELS, difficulties=DIFFICULTY_LABELS,
                           letters=OPTION_LETTERS, word=preview.format in WORD_FORMATS)


@bp.route("/import/<token>/confirm", methods=["POST"])
def confirm_questions(token):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    upload = QUESTIONS.open(token)
    valid_only = request.form.get("mode") == "valid_only"
    with returning_to(QUESTIONS.preview_url(token)):
        outcome = services.import_questions(current_user, upload.file.content, upload.filename,
                                            **_service_args(upload, valid_only=valid_only))
    QUESTIONS.require_ok(upload, outcome.record is not None)
    rejected = ("rejected-questions.xlsx", outcome.rejected_sheet) if outcome.rejected_sheet else None
    download = QUESTIONS.finish(upload, download=rejected)
    return render_template("questionbank/done.html", outcome=outcome, download=download)


@bp.route("/template.xlsx")
def template():
    return send_file(BytesIO(build_template()), as_attachment=True, download_name="question-template.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/format")
def format_help():
    """The import format documentation (question_bank/FORMAT.md), rendered."""
    from pathlib import Path

    import markdown
    import nh3
    path = Path(current_app.root_path).parent / "question_bank" / "FORMAT.md"
    html = nh3.clean(markdown.markdown(path.read_text("utf-8"), extensions=["tables", "fenced_code"]))
    return render_template("questionbank/format.html", html=html)


@bp.route("/export")
def export_questions():
    fmt = request.args.get("fmt", "xlsx")
    if fmt not in EXPORT_FORMATS:
        abort(404)
    content, mimetype, extension = services.export(current_user, _filters(), fmt)
    return send_file(BytesIO(content), as_attachment=True, mimetype=mimetype,
                     download_name=f"questions-{now():%Y%m%d-%H%M}.{extension}")


# --- Word: the bank out as a printable paper, and the Word template ------------------------

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/export.docx")
def export_word():
    """The bank (or the list's current filter) as a Word paper the Word import reads back."""
    answers = request.args.get("answers", "inline")
    if answers not in ANSWER_STYLES:
        abort(404)
    content = services.export_word(current_user, _filters(), answers)
    return send_file(BytesIO(content), as_attachment=True, mimetype=DOCX_MIMETYPE,
                     download_name=f"questions-{now():%Y%m%d-%H%M}.docx")


@bp.route("/template.docx")
def word_template():
    return send_file(BytesIO(template_docx()), as_attachment=True, download_name="question-template.docx",
                     mimetype=DOCX_MIMETYPE)


@bp.app_template_global("subjective_parts")
def subjective_parts(question):
    """The parts of a 简答/案例分析 (stored or previewed) for templates/questionbank/_question.html."""
    return parts_of(question.qtype, question.options, question.answer)
