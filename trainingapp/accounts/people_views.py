"""Managing people, departments and rosters (admins everywhere, liaisons in their subtree)."""
from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..platform.clock import now
from ..platform.errors import DomainError, flash_refusal, returning_to
from ..platform.extensions import db
from ..platform.imports import StagedImport
from ..platform.params import date_arg, int_arg, page_arg, text_arg
from ..platform.tabular import to_xlsx
from . import bp, services
from .forms import ConfirmForm, DepartmentForm, PersonForm, RosterUploadForm, choices
from .models import CATEGORIES, ROLES, STATUSES, Department, User
from .permissions import (
    department_tree,
    ensure_can_manage_department,
    ensure_can_manage_user,
    forget_department_tree,
    managed_department_ids,
)
from .roster import roster_frame

PAGE_SIZE = 50


def _department_choices(scope, *, root_label=None):
    tree = department_tree()
    choices = [(0, root_label)] if root_label else []
    for dept_id, depth in tree.walk():
        if scope is None or dept_id in scope:
            choices.append((dept_id, "\u3000" * depth + tree.names[dept_id]))
    return choices


def _people_query(scope, department_id, category, status, q, needs=None):
    query = select(User)
    # The liaison's home page links here for the people who still need something done.
    if needs == "password":  # not yet chosen their own password
        query = query.where(User.must_change_password.is_(True))
    elif needs == "email":  # no address for e-mail reminders
        query = query.where(User.status == "active", or_(User.email.is_(None), User.email == ""))
    if department_id:
        ids = department_tree().subtree(department_id)
        query = query.where(User.department_id.in_(ids if scope is None else ids & scope))
    elif scope is not None:
        query = query.where(User.department_id.in_(scope))
    if category in CATEGORIES:
        query = query.where(User.category == category)
    if status in STATUSES:
        query = query.where(User.status == status)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(User.name.like(like), User.login.like(like), User.post.like(like)))
    return query


def _filters():
    scope = managed_department_ids(current_user)
    department_id = int_arg("department", 0, minimum=0)
    if department_id and scope is not None and department_id not in scope:
        abort(403)
    needs = "password" if request.args.get("must_change") == "1" else (
        "email" if request.args.get("no_email") == "1" else None)
    return scope, department_id, text_arg("category"), text_arg("status"), text_arg("q"), needs


@bp.route("/people")
def list_people():
    scope, department_id, category, status, q, needs = _filters()
    query = _people_query(scope, department_id, category, status, q, needs)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = page_arg()
    people = db.session.scalars(query.order_by(User.department_id, User.name)
                                .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("accounts/people.html", people=people, total=total, page=page,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), tree=department_tree(),
                           departments=_department_choices(scope), categories=CATEGORIES,
                           statuses=STATUSES, filters=dict(department=department_id, category=category, status=status,
                                                           q=q, must_change="1" if needs == "password" else None,
                                                           no_email="1" if needs == "email" else None))


def _person_form(person=None):
    scope = managed_department_ids(current_user)
    form = PersonForm(obj=person)
    form.department_id.choices = choices(_department_choices(scope))
    if current_user.role != "admin":
        allowed = ("cadre", "liaison") if person is not None and person.role == "liaison" else ("cadre",)
        form.role.choices = choices((code, ROLES[code]) for code in allowed)
    return form, scope


@bp.route("/people/new", methods=["GET", "POST"])
def create_person():
    form, scope = _person_form()
    if form.validate_on_submit():
        ensure_can_manage_department(form.department_id.data)
        try:
            person, password = services.save_person(current_user, None, **_person_fields(form))
        except DomainError as error:
            flash_refusal(error)
        else:
            return render_template("accounts/password_once.html", person=person, password=password)
    return render_template("accounts/person_form.html", form=form, person=None)


def _person_fields(form):
    return dict(login=form.login.data, name=form.name.data, department_id=form.department_id.data,
                category=form.category.data, post=form.post.data or "", role=form.role.data,
                status=form.status.data, email=form.email.data)


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
def edit_person(person_id):
    person = ensure_can_manage_user(db.session.get(User, person_id))
    form, scope = _person_form(person)
    if form.validate_on_submit():
        ensure_can_manage_department(form.department_id.data)
        try:
            services.save_person(current_user, person, **_person_fields(form))
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Saved %(name)s.", name=person.name), "success")
            return redirect(url_for("accounts.list_people"))
    return render_template("accounts/person_form.html", form=form, person=person, confirm=ConfirmForm(),
                           login_delay=services.login_delay(person), moment=now())


@bp.route("/people/<int:person_id>/clear-sign-in-delay", methods=["POST"])
def clear_login_delay(person_id):
    """End the person's sign-in delay after wrong passwords (their password is checked again at once)."""
    person = ensure_can_manage_user(db.session.get(User, person_id))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.clear_login_delay(current_user, person)
    flash(_("The failed sign-ins of %(name)s are forgotten: they can sign in again now.", name=person.name), "success")
    return redirect(url_for("accounts.edit_person", person_id=person.id))


@bp.route("/people/<int:person_id>/reset-password", methods=["POST"])
def reset_password(person_id):
    person = ensure_can_manage_user(db.session.get(User, person_id))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    password = services.reset_password(current_user, person)
    return render_template("accounts/password_once.html", person=person, password=password, reset=True)


# --- departments ---------------------------------------------------------------------------

@bp.route("/departments")
def list_departments():
    tree = department_tree()
    counts = dict(db.session.execute(select(User.department_id, func.count(User.id))
                                     .group_by(User.department_id)).all())
    codes = dict(db.session.execute(select(Department.id, Department.code)).all())
    return render_template("accounts/departments.html", tree=tree, rows=list(tree.walk()),
                           counts=counts, codes=codes, confirm=ConfirmForm())


def _department_form(department=None):
    form = DepartmentForm(obj=department)
    form.parent_id.choices = choices(_department_choices(None, root_label=_("(top level)")))
    if request.method == "GET" and department is not None:
        form.parent_id.data = department.parent_id or 0
    elif request.method == "GET":
        form.parent_id.data = int_arg("parent", 0, minimum=0)
    return form


@bp.route("/departments/new", methods=["GET", "POST"])
def create_department():
    form = _department_form()
    if form.validate_on_submit():
        try:
            services.create_department(current_user, form.name.data, form.parent_id.data or None, form.code.data)
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Department %(name)s created.", name=form.name.data.strip()), "success")
            return redirect(url_for("accounts.list_departments"))
    return render_template("accounts/department_form.html", form=form, department=None)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
def edit_department(department_id):
    department = db.session.get(Department, department_id) or abort(404)
    form = _department_form(department)
    if form.validate_on_submit():
        try:
            services.update_department(current_user, department, department_tree(), name=form.name.data,
                                       parent_id=form.parent_id.data or None, code=form.code.data)
        except DomainError as error:
            flash_refusal(error)
        else:
            forget_department_tree()
            flash(_("Department %(name)s saved.", name=department.name), "success")
            return redirect(url_for("accounts.list_departments"))
    return render_template("accounts/department_form.html", form=form, department=department)


@bp.route("/departments/<int:department_id>/delete", methods=["POST"])
def delete_department(department_id):
    department = db.session.get(Department, department_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with returning_to(url_for("accounts.list_departments")):
        services.delete_department(current_user, department)
    flash(_("Department deleted."), "success")
    return redirect(url_for("accounts.list_departments"))


# --- roster import and export -------------------------------------------------------------

ROSTER = StagedImport("roster", upload_endpoint="accounts.upload_roster", preview_endpoint="accounts.preview_roster")


@bp.route("/roster/import", methods=["GET", "POST"])
def upload_roster():
    form = RosterUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        return ROSTER.stage(upload.filename, upload.read())
    return render_template("accounts/roster_upload.html", form=form)


@bp.route("/roster/import/<token>")
def preview_roster(token):
    upload = ROSTER.open(token)
    with returning_to(upload.back):
        plan = services.preview_roster(current_user, upload.table, department_tree(),
                                       managed_department_ids(current_user))
    return render_template("accounts/roster_preview.html", plan=plan, token=token, tree=department_tree(),
                           filename=upload.filename, form=ConfirmForm(), categories=CATEGORIES,
                           roles=ROLES, statuses=STATUSES)


@bp.route("/roster/import/<token>/confirm", methods=["POST"])
def confirm_roster(token):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    upload = ROSTER.open(token)
    with returning_to(upload.back):
        plan, generated = services.import_roster(current_user, upload.table, department_tree(),
                                                 managed_department_ids(current_user), filename=upload.filename)
    ROSTER.require_ok(upload, plan.ok)
    passwords = ("initial-passwords.xlsx", to_xlsx({"初始密码": _credentials_frame(generated)})) if generated else None
    download = ROSTER.finish(upload, download=passwords)
    return render_template("accounts/roster_done.html", plan=plan, generated=len(generated), download=download)


def _credentials_frame(generated):
    import pandas as pd
    return pd.DataFrame(generated, columns=["姓名", "账号", "初始密码"])


@bp.route("/roster/export")
def export_roster():
    scope, department_id, category, status, q, needs = _filters()
    people = db.session.scalars(_people_query(scope, department_id, category, status, q, needs)
                                .order_by(User.department_id, User.name)).all()
    content = to_xlsx({"花名册": roster_frame(people, department_tree())})
    filename = f"roster-{now():%Y%m%d}.xlsx"
    return send_file(BytesIO(content), as_attachment=True, download_name=filename,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/roster/template")
def roster_template():
    import pandas as pd
    example = pd.DataFrame([
        {"姓名": "张三", "账号": "13800000001", "部门": "司法所", "人员类别": "在编", "职务": "科员",
         "邮箱": "zhangsan@example.org", "角色": "学员", "初始密码": "", "状态": "在岗"},
        {"姓名": "李四", "账号": "13800000002", "部门": "综合行政执法办", "人员类别": "执法辅助人员",
         "职务": "协管员", "邮箱": "", "角色": "学员", "初始密码": "", "状态": "在岗"},
    ])
    help_rows = pd.DataFrame([
        ("姓名", _("Required.")),
        ("账号", _("Required. Mobile number or staff number; people sign in with it. Format the column as text.")),
        ("部门", _("Required. A department name that is unique, or a path such as 共和镇/司法所.")),
        ("人员类别", _("Required. One of: %(v)s", v="在编、编外、执法辅助人员、村(社区)干部、法律明白人、其他")),
        ("职务", _("Optional.")),
        ("邮箱", _("Optional. Reminders are e-mailed here (each person can turn them off).")),
        ("角色", _("Optional, default 学员. One of: 学员、培训讲师、法治联络员、管理员.")),
        ("初始密码", _("Optional. Left empty, a random password is generated and offered once for download. "
                      "Changed at first sign-in.")),
        ("状态", _("Optional, default 在岗. One of: 在岗、调离、退休、停用.")),
    ], columns=["列", "说明"])
    content = to_xlsx({"花名册": example, "填写说明": help_rows})
    return send_file(BytesIO(content), as_attachment=True, download_name="roster-template.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- the audit log -----------------------------------------------------------------------------

@bp.route("/audit")
def audit_log():
    """Security events, newest first, filtered by action, person and date; read-only."""
    from datetime import datetime, timedelta

    from .audit import AuditEvent
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    action = text_arg("action")
    who = text_arg("who").lower()
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if who:
        ids = db.session.scalars(select(User.id).where(User.login == who)).all()
        query = query.where(or_(AuditEvent.subject == who, AuditEvent.actor_id.in_(ids)))
    for name, compare in (("since", lambda d: AuditEvent.at >= d), ("until", lambda d: AuditEvent.at < d)):
        value = date_arg(name)
        if value:
            day = datetime.combine(value, datetime.min.time())
            query = query.where(compare(day + (timedelta(days=1) if name == "until" else timedelta())))
    page = page_arg()
    events = db.session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render_template("accounts/audit.html", events=events[:PAGE_SIZE], more=len(events) > PAGE_SIZE,
                           page=page, actions=actions, filters=request.args)
