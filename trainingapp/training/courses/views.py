"""Courses: the list and pages people study, the study heartbeat, and course management."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...accounts.forms import ConfirmForm
from ...accounts.permissions import department_tree
from ...platform.csp import with_sources
from ...platform.errors import DomainError, flash_refusal
from ...platform.extensions import db
from ...platform.params import MAX_ID, json_object
from ...platform.uploads import send_stored
from ...questionbank.services import categories as question_categories
from . import services
from .embeds import embed_for
from .forms import KIND_LABELS, CourseForm, MaterialForm
from .markdown_render import render_markdown
from .models import Course, CourseCompletion, Material

bp = Blueprint("courses", __name__)

#: Seconds between two heartbeats of the material page (tests shorten it).
DEFAULT_HEARTBEAT_SECONDS = 30
#: Video links to these files play in the page; any other address opens in a new window.
VIDEO_FILES = (".mp4", ".webm", ".ogg", ".ogv", ".m4v")
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")
#: A page view's id as study.js makes it (random hex); anything else is not a viewing.
_VIEWING = re.compile(r"[0-9a-f]{16,64}")


def _markdown(text) -> Markup:
    return Markup(render_markdown(text))  # noqa: S704  # nosec B704 - sanitised by render_markdown


def _viewable_course(course_id: int) -> Course:
    """404 for an unknown course or a draft (for learners), 403 for one meant for others."""
    course = db.session.get(Course, course_id)
    if course is None or not (course.is_published or services.can_manage_courses(current_user)):
        abort(404)
    if not services.can_view(current_user, course):
        abort(403)
    return course


def _material_of(course: Course, material_id: int) -> Material:
    material = next((m for m in course.materials if m.id == material_id), None)
    if material is None:
        abort(404)
    return material


# --- studying --------------------------------------------------------------------------------

@bp.route("/courses")
def list_courses():
    """The published courses for me, grouped by where I am with them."""
    cards = services.course_cards(current_user.id, services.visible_courses(current_user))
    year = services.local_year()
    return render_template("training/courses/list.html", cards=cards, year=year,
                           credits=services.credits_in_year(current_user.id, year),
                           can_manage=services.can_manage_courses(current_user))


@bp.route("/courses/<int:course_id>")
def view_course(course_id):
    course = _viewable_course(course_id)
    card = services.course_cards(current_user.id, [course])[0]
    progress = services.progress_map(current_user.id, [m.id for m in course.materials])
    first_open = next((m for m in course.materials
                       if not services.studytime.material_completed(progress.get(m.id), m.seconds)), None)
    return render_template("training/courses/course.html", course=course, card=card, progress=progress,
                           first_open=first_open, description=_markdown(course.description),
                           can_study=services.can_study(current_user, course),
                           can_manage=services.can_manage_courses(current_user),
                           audience=services.audience_labels(course))


@bp.route("/courses/<int:course_id>/materials/<int:material_id>")
def study_material(course_id, material_id):
    course = _viewable_course(course_id)
    material = _material_of(course, material_id)
    index = course.materials.index(material)
    progress = services.progress_map(current_user.id, [material.id]).get(material.id)
    card = services.course_cards(current_user.id, [course])[0]
    video_inline = (bool(material.video_url) and _origin(material.video_url) is not None
                    and urlsplit(material.video_url).path.lower().endswith(VIDEO_FILES))
    embed = embed_for(material.video_url) if material.kind == "video" and not video_inline else None
    page = render_template(
        "training/courses/material.html", course=course, material=material, card=card,
        credited=progress.credited_seconds if progress else 0,
        completed=services.studytime.material_completed(progress, material.seconds),
        previous=course.materials[index - 1] if index > 0 else None,
        following=course.materials[index + 1] if index + 1 < len(course.materials) else None,
        position=index + 1, body=_markdown(material.body_markdown), video_inline=video_inline, embed=embed,
        can_study=services.can_study(current_user, course),
        interval=current_app.config.get("STUDY_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS))
    response = make_response(page)
    if video_inline:
        _allow_media_from(response, material.video_url)
    elif embed is not None:
        # The app-wide CSP frames our own origin only: add the one player this page frames.
        response.headers["Content-Security-Policy"] = with_sources("frame-src", embed.origin)
    return response


def _allow_media_from(response, url: str) -> None:
    """The app-wide CSP allows media from our own origin only: add the video's origin for this page."""
    origin = _origin(url)
    if origin:
        response.headers["Content-Security-Policy"] = with_sources("media-src", origin)


def _origin(url: str) -> str | None:
    """scheme://host[:port] of an http(s) URL, or None for anything that is not plainly one."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(host):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


@bp.route("/courses/<int:course_id>/materials/<int:material_id>/file")
def material_file(course_id, material_id):
    """The uploaded document, only for people who may see the course."""
    course = _viewable_course(course_id)
    material = _material_of(course, material_id)
    if material.kind != "file" or not material.file_name:
        abort(404)
    try:
        response = send_stored(material.file_name, material.file_original_name or material.file_name)
    except FileNotFoundError:
        abort(404)
    if material.is_pdf:
        # The material page shows the PDF in a frame of its own origin; the app-wide headers
        # (set only where a view set none) would forbid any framing.
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'; script-src 'none'"
    return response


@bp.post("/api/study/<int:material_id>/heartbeat")
def heartbeat(material_id):
    """The material page is open and visible: credit the time since the last beat (server clock)."""
    material = db.session.get(Material, material_id)
    if material is None or not services.can_view(current_user, material.course):
        return {"error": _("There is no such material."), "code": "not_found"}, 404
    if not services.can_study(current_user, material.course):
        return {"error": _("This course is not published for you; study time is not recorded."),
                "code": "not_allowed"}, 403
    body = json_object() or {}
    start, leaving = body.get("start") is True, body.get("leaving") is True
    try:
        return services.record_heartbeat(current_user, material, start=start, leaving=leaving,
                                         viewing=_viewing_of(body))
    except DomainError as error:
        return {"error": str(error.message), "code": "retry"}, 503


def _viewing_of(body: dict) -> tuple[str, int] | None:
    """The beat's (viewing id, number) as study.js sends them, or None: a beat without a
    well-formed pair is decided as every beat was before pages numbered them."""
    viewing, number = body.get("viewing"), body.get("seq")
    if (isinstance(viewing, str) and _VIEWING.fullmatch(viewing)
            and type(number) is int and 1 <= number <= MAX_ID):
        return viewing, number
    return None


# --- managing --------------------------------------------------------------------------------

@bp.route("/courses/manage")
def manage_courses():
    courses = db.session.scalars(select(Course).options(selectinload(Course.materials))
                                 .order_by(Course.is_published, Course.updated_at.desc())).all()
    completions = dict(db.session.execute(select(CourseCompletion.course_id, func.count(CourseCompletion.id))
                                          .group_by(CourseCompletion.course_id)).all())
    return render_template("training/courses/manage.html", courses=courses, completions=completions,
                           audiences={c.id: services.audience_labels(c) for c in courses})


def _course_form_page(form, course):
    return render_template("training/courses/edit.html", form=form, course=course, tree=department_tree(),
                           categories=question_categories(), confirm=ConfirmForm(), kinds=KIND_LABELS,
                           audience=services.audience_labels(course) if course else [])


@bp.route("/courses/new", methods=["GET", "POST"])
def create_course():
    form = CourseForm()
    if form.validate_on_submit():
        course = services.save_course(current_user, None, _course_fields(form))
        flash(_("Course saved. Now add its materials, then publish it."), "success")
        return redirect(url_for("courses.edit_course", course_id=course.id))
    return _course_form_page(form, None)


def _course_fields(form: CourseForm) -> dict:
    return {"title": form.title.data.strip(), "category": (form.category.data or "").strip(),
            "description": (form.description.data or "").strip(), "credits": float(form.credits.data),
            "audience": form.audience()}


def _managed_course(course_id: int) -> Course:
    return db.session.get(Course, course_id) or abort(404)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
def edit_course(course_id):
    course = _managed_course(course_id)
    form = CourseForm(obj=None if request.method == "POST" else course)
    if request.method == "GET":
        form.load(services.course_audience(course))
    elif form.validate_on_submit():
        services.save_course(current_user, course, _course_fields(form))
        flash(_("Course saved."), "success")
        return redirect(url_for("courses.edit_course", course_id=course.id))
    return _course_form_page(form, course)


@bp.post("/courses/<int:course_id>/publish")
def publish_course(course_id):
    course = _managed_course(course_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    publish = request.form.get("action") != "unpublish"
    try:
        services.set_published(course, publish)
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(_("Published: the people it is for see it under Courses.") if publish
              else _("Withdrawn: nobody sees it until you publish it again; progress and credits are kept."),
              "success")
    return redirect(url_for("courses.edit_course", course_id=course.id))


@bp.post("/courses/<int:course_id>/delete")
def delete_course(course_id):
    course = _managed_course(course_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_course(course)
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for("courses.edit_course", course_id=course_id))
    flash(_("Course deleted."), "success")
    return redirect(url_for("courses.manage_courses"))


@bp.url_value_preprocessor
def _allow_large_upload(endpoint, _values):
    """Course documents may be larger than the app-wide request limit: raise it for the two
    upload pages only, before anything (the CSRF check included) reads the body."""
    if endpoint in ("courses.create_material", "courses.edit_material"):
        limit = (services.MAX_FILE_MB + 1) * 1024 * 1024
        current = request.max_content_length
        if current is not None and current < limit:
            request.max_content_length = limit


@bp.route("/courses/<int:course_id>/materials/new", methods=["GET", "POST"])
def create_material(course_id):
    course = _managed_course(course_id)
    form = MaterialForm()
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in KIND_LABELS else "text"
    if form.validate_on_submit():
        try:
            services.save_material(course, None, form.fields_for_service(), form.file.data)
        except DomainError as error:
            form.file.errors = [*form.file.errors, error.message]
        else:
            flash(_("Material added."), "success")
            return redirect(url_for("courses.edit_course", course_id=course.id) + "#materials")
    return render_template("training/courses/material_form.html", form=form, course=course, material=None)


@bp.route("/courses/<int:course_id>/materials/<int:material_id>/edit", methods=["GET", "POST"])
def edit_material(course_id, material_id):
    course = _managed_course(course_id)
    material = _material_of(course, material_id)
    form = MaterialForm(obj=None if request.method == "POST" else material)
    if form.validate_on_submit():
        try:
            services.save_material(course, material, form.fields_for_service(), form.file.data)
        except DomainError as error:
            form.file.errors = [*form.file.errors, error.message]
        else:
            flash(_("Material saved."), "success")
            return redirect(url_for("courses.edit_course", course_id=course.id) + "#materials")
    return render_template("training/courses/material_form.html", form=form, course=course, material=material)


@bp.post("/courses/<int:course_id>/materials/<int:material_id>/move")
def move_material(course_id, material_id):
    course = _managed_course(course_id)
    material = _material_of(course, material_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.move_material(material, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("courses.edit_course", course_id=course.id) + "#materials")


@bp.post("/courses/<int:course_id>/materials/<int:material_id>/delete")
def delete_material(course_id, material_id):
    course = _managed_course(course_id)
    material = _material_of(course, material_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    was_published = course.is_published
    services.delete_material(material)
    flash(_("Material deleted."), "success")
    if was_published and not course.is_published:
        flash(_("The course has no materials left, so it was withdrawn. Add a material and publish it again."),
              "warning")
    return redirect(url_for("courses.edit_course", course_id=course.id) + "#materials")
