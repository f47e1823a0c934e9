"""The law library (everyone signed in) and the import of a law's text (admins and trainers)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..platform.errors import returning_to
from ..platform.extensions import db
from ..platform.imports import StagedImport
from ..platform.params import text_arg
from . import bp, services
from . import status as st
from .forms import LawDetailsForm, LawUploadForm, RepealForm
from .models import Article, Law, LawVersion
from .search import highlight, search_articles
from .text_parser import article_label


@bp.app_template_filter("article_label")
def _article_label(article) -> str:
    return article_label(article.number, article.suffix)


def _labels():
    return dict(labels=st.LABELS, badges=st.BADGES)


# --- the library ----------------------------------------------------------------------------

@bp.route("/")
def index():
    """Every law with its status; filter by status."""
    status = request.args.get("status") or None
    if status is not None and status not in st.LAW_STATUSES:
        status = None
    return render_template("laws/index.html", laws=services.list_laws(status), status=status,
                           statuses=st.LAW_STATUSES, **_labels())


@bp.route("/search")
def search():
    """Articles holding the words typed, in the versions shown first (or every version)."""
    query = text_arg("q")  # refuses control characters: PostgreSQL cannot search for a NUL
    every_version = request.args.get("versions") == "all"
    version_ids = None
    if not every_version:
        laws = db.session.scalars(select(Law).options(selectinload(Law.versions))).all()
        version_ids = [v.id for law in laws if (v := services.shown_version(law)) is not None]
    result = search_articles(query, version_ids)
    statuses = {}
    for hit in result.hits:
        version = hit.article.version
        statuses.setdefault(version.id, services.status_of(version))
    return render_template("laws/search.html", query=query, result=result, every_version=every_version,
                           statuses=statuses, highlight=highlight, **_labels())


@bp.route("/<int:law_id>")
@bp.route("/<int:law_id>/versions/<int:version_id>")
def law(law_id, version_id=None):
    """One version of a law (the one in force unless chosen): its table of contents and articles."""
    law = db.session.get(Law, law_id) or abort(404)
    if version_id is None:
        version = services.shown_version(law)
    else:
        version = db.session.get(LawVersion, version_id)
        if version is None or version.law_id != law.id:
            abort(404)
    toc = []  # (heading label, depth, anchor of its first article, article count)
    if version is not None:
        seen: dict[str, list] = {}
        for article in version.articles:
            path = [part for part in article.heading.split(" / ") if part]
            for depth in range(len(path)):
                key = " / ".join(path[:depth + 1])
                if key not in seen:
                    seen[key] = [path[depth], depth, article.id, 0]
                    toc.append(seen[key])
                seen[key][3] += 1
    statuses = {v.id: services.status_of(v) for v in law.versions}
    return render_template("laws/law.html", law=law, version=version, toc=toc, statuses=statuses,
                           law_status=services.law_status(law), repeal_form=RepealForm(), **_labels())


@bp.route("/articles/<int:article_id>")
def article(article_id):
    """One article: its text (款 and 项 on their own lines), headings, version, status, other versions."""
    article = db.session.get(Article, article_id) or abort(404)
    version = article.version
    words = [w for w in (request.args.get("hl") or "").split()][:5]
    return render_template("laws/article.html", article=article, version=version, law=version.law,
                           status=services.status_of(version), others=services.other_versions(article),
                           statuses={v.id: services.status_of(v) for v in version.law.versions},
                           words=words, highlight=highlight, **_labels())


@bp.route("/<int:law_id>/repeal", methods=["POST"])
def repeal(law_id):
    """Mark a law 已废止 from a date (admins)."""
    law = db.session.get(Law, law_id) or abort(404)
    form = RepealForm()
    back = url_for("laws.law", law_id=law.id)
    if not form.validate_on_submit():
        flash(_("Give the date the law is repealed from."), "danger")
        return redirect(back)
    with returning_to(back):
        marked = services.repeal_law(current_user, law, form.repealed_on.data)
    if marked is None:
        flash(_("《%(title)s》 will be repealed from %(date)s. It stays in force until then; on that day the "
                "questions citing it are marked to be reviewed.", title=law.title,
                date=form.repealed_on.data.isoformat()), "success")
    else:
        flash(_("《%(title)s》 is marked repealed from %(date)s; %(n)s questions citing it are to be reviewed.",
                title=law.title, date=form.repealed_on.data.isoformat(), n=marked), "success")
    return redirect(back)


# --- import ---------------------------------------------------------------------------------

class _LawFiles(StagedImport):
    def parse(self, file, context):
        """(ParsedLaw, unit) of the staged text; TableError for a file that cannot be read."""
        return services.read_law(file.content, file.filename)


LAWS = _LawFiles("laws", upload_endpoint="laws.upload", preview_endpoint="laws.preview")


@bp.url_value_preprocessor
def _room_for_pasted_text(endpoint, _values):
    """A pasted law (the Civil Code is 0.3 MB) is a form field beyond Flask's 500 KB default;
    only for someone signed in (an anonymous post is refused by the access check anyway)."""
    if endpoint == "laws.upload" and current_user.is_authenticated:
        request.max_form_memory_size = services.MAX_UPLOAD_BYTES + 1024 * 1024


@bp.route("/import", methods=["GET", "POST"])
def upload():
    form = LawUploadForm()
    if form.validate_on_submit():
        if form.file.data:
            filename, content = form.file.data.filename, form.file.data.read(services.MAX_UPLOAD_BYTES + 1)
        else:
            filename, content = services.PASTED_NAME, form.text.data.encode("utf-8")
        if len(content) > services.MAX_UPLOAD_BYTES:
            flash(_("The file is larger than %(n)s MB; a law's text is far smaller.",
                    n=services.MAX_UPLOAD_BYTES // 1024 // 1024), "danger")
        else:
            return LAWS.stage(filename, content)
    return render_template("laws/upload.html", form=form)


def _details(form: LawDetailsForm) -> services.LawMeta:
    return services.LawMeta(title=(form.title.data or "").strip(), short_title=(form.short_title.data or "").strip(),
                            issuer=(form.issuer.data or "").strip(), issued_on=form.issued_on.data,
                            effective_on=form.effective_on.data, excerpt=form.excerpt.data,
                            note=(form.note.data or "").strip())


@bp.route("/import/<token>", methods=["GET", "POST"])
def preview(token):
    """The structure, counts and problems, with the details prefilled; POST checks the details
    again and, when nothing blocks, imports."""
    upload = LAWS.open(token)
    parsed, unit = upload.table
    form = LawDetailsForm()
    if request.method == "GET":
        suggested = services.prefilled(parsed)
        form.title.data, form.issuer.data = suggested.title, suggested.issuer
        form.issued_on.data, form.effective_on.data = suggested.issued_on, suggested.effective_on
        meta = suggested
    else:
        meta = _details(form) if form.validate_on_submit() else None
    plan = services.plan_import(parsed, unit, meta or services.prefilled(parsed))
    if meta is not None and request.method == "POST" and plan.ok:
        with returning_to(LAWS.preview_url(token)):
            version = services.import_law(current_user, parsed, unit, meta, upload.filename)
        LAWS.finish(upload)
        flash(_("《%(title)s》: %(n)s articles imported as the version in effect from %(date)s.",
                title=version.law.title, n=len(version.articles), date=version.effective_on.isoformat()), "success")
        return redirect(url_for("laws.law", law_id=version.law_id, version_id=version.id))
    return render_template("laws/preview.html", plan=plan, parsed=parsed, form=form, token=token,
                           filename=upload.filename, **_labels())
