"""Report pages and downloads. Admins see everything, liaisons their subtree only,
trainers the exams they manage, cadres nothing."""
from io import BytesIO

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts import audit
from ..accounts.forms import ConfirmForm
from ..accounts.models import CATEGORIES, Department
from ..accounts.permissions import roles_required
from ..exams.authoring import can_manage
from ..exams.models import Exam
from ..platform.clock import now
from ..platform.extensions import db
from ..platform.params import date_arg, float_arg, int_arg, refuse, text_arg, year_arg
from . import bp, charts, exports, numbers, queries
from .definitions import definitions as page_definitions
from .exam_report import DENOMINATOR_LABELS, STATUS_LABELS, build
from .items import department_category_facility_counts, statistics_from_tallies
from .models import DENOMINATORS, MIN_ANSWERS_RANGE, item_min_answers, rate_denominator, set_setting

READERS = ("admin", "liaison", "trainer")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible_exams():
    query = select(Exam).where(Exam.state == "published").order_by(Exam.opens_at.desc())
    if current_user.role == "trainer":
        query = query.where(Exam.created_by_id == current_user.id)
    return db.session.scalars(query).all()


def _exam(exam_id) -> Exam:
    exam = db.session.get(Exam, exam_id)
    if exam is None or not exam.is_published:
        abort(404)
    if current_user.role == "trainer" and not can_manage(current_user, exam):
        abort(403)
    return exam


def _scope():
    """(root department, departments allowed): a liaison is held to their own subtree."""
    root = int_arg("root")
    if current_user.role != "liaison":
        if root is not None and db.session.get(Department, root) is None:
            abort(404)
        return root, None
    mine = current_user.department_id
    allowed = set(_subtree_ids(mine))
    if root is not None and root not in allowed:
        abort(403)
    return root or mine, allowed


def _subtree_ids(root):
    tree = queries.tree_children(root)
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(tree.get(node, []))
    return found


def _category():
    category = request.args.get("category") or None
    return category if category in CATEGORIES else None


def _show_empty() -> bool:
    """?empty=1 lists departments without candidates too; they are hidden by default."""
    return request.args.get("empty") == "1"


def _report(exam):
    root, allowed = _scope()
    return build(exam, denominator=rate_denominator(), category=_category(), root_id=root, scope=allowed,
                 show_empty=_show_empty()), root


@bp.app_template_filter("report_count")
def _count_filter(value):
    return numbers.count(value)


@bp.app_template_filter("report_score")
def _score_filter(value):
    return numbers.score(value)


@bp.app_template_filter("report_rate")
def _rate_filter(value):
    return numbers.rate(value)


@bp.route("")
@roles_required(*READERS)
def index():
    return render_template("reports/index.html", exams=_visible_exams(), year=now().year)


@bp.route("/exams/<int:exam_id>")
@roles_required(*READERS)
def exam_report(exam_id):
    exam = _exam(exam_id)
    report, root = _report(exam)
    listed = report.shown_rows
    shown = [row for row in listed if row.depth <= (listed[0].depth + 1 if listed else 0)]
    bars = charts.bar_chart([row.name for row in shown],
                            [(_("Participation rate"), [row.figures.participation_rate for row in shown]),
                             (_("Excellence rate"), [row.figures.excellent_rate for row in shown])],
                            title=_("Participation and excellence per department"), percent=True, max_value=1)
    distribution = charts.column_chart([label for label, _n in report.distribution],
                                       [n for _label, n in report.distribution],
                                       title=_("Score distribution"))
    return render_template("reports/exam.html", exam=exam, report=report, bars=bars, distribution=distribution,
                           categories=CATEGORIES, denominator_label=DENOMINATOR_LABELS[report.denominator],
                           definitions=page_definitions(report.denominator, show_empty=report.show_empty),
                           root=root,
                           departments=[(r.department_id, "\u3000" * r.depth + r.name) for r in report.rows],
                           is_open=exam.opens_at <= now() < exam.closes_at)


def _department_arg(report):
    department = int_arg("department")
    if department is not None and department not in {row.department_id for row in report.rows}:
        abort(403 if current_user.role == "liaison" else 404)
    return department


@bp.route("/exams/<int:exam_id>/people")
@roles_required(*READERS)
def exam_people(exam_id):
    exam = _exam(exam_id)
    report, root = _report(exam)
    department = _department_arg(report)
    only = "absent" if request.args.get("only") == "absent" else None
    tree = queries.tree_children(root)
    people = report.people(department, tree, only=only)
    if request.args.get("format") == "xlsx":
        title = "未参考名单" if only else "人员明细"
        audit.record("report.export", actor=current_user, subject=exam.title, kind=title)
        db.session.commit()
        return send_file(BytesIO(exports.people_xlsx(people, title)), as_attachment=True, mimetype=XLSX,
                         download_name=f"{title}-{exam.id}-{now():%Y%m%d}.xlsx")
    return render_template("reports/people.html", exam=exam, people=people, labels=STATUS_LABELS, only=only,
                           department=report.names.get(department) if department else None,
                           department_id=department, root=root)


@bp.route("/exams/<int:exam_id>/export.<fmt>")
@roles_required(*READERS)
def export_exam(exam_id, fmt):
    exam = _exam(exam_id)
    report, root = _report(exam)
    download_name = f"exam-report-{exam.id}-{now():%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        # Streamed: the database work is done here, the workbook is written (in constant memory)
        # as the response is read and sent in pieces, so its size does not weigh on the worker.
        chunks = exports.exam_xlsx_chunks(report, queries.tree_children(root))
        audit.record("report.export", actor=current_user, subject=exam.title, format=fmt)
        db.session.commit()
        return Response(chunks, mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename={download_name}"})
    if fmt != "csv":
        abort(404)
    content = exports.exam_csv(report)
    audit.record("report.export", actor=current_user, subject=exam.title, format=fmt)
    db.session.commit()
    return send_file(BytesIO(content), as_attachment=True, mimetype="text/csv",
                     download_name=download_name)


@bp.route("/exams/<int:exam_id>/print")
@roles_required(*READERS)
def print_summary(exam_id):
    """成绩汇总表: per department, signed and stamped on paper."""
    exam = _exam(exam_id)
    report, root = _report(exam)
    department = _department_arg(report) or root or (report.rows[0].department_id if report.rows else None)
    row = next((r for r in report.rows if r.department_id == department), None)
    tree = queries.tree_children(root)
    people = report.people(department, tree) if department else []
    return render_template("reports/print.html", exam=exam, row=row, people=people, labels=STATUS_LABELS,
                           denominator_label=DENOMINATOR_LABELS[report.denominator], printed_at=now())


@bp.route("/exams/<int:exam_id>/items")
@roles_required("admin", "trainer")
def item_analysis(exam_id):
    exam = _exam(exam_id)
    tallies, attempts = queries.item_tallies(exam)  # counted by the database: no answer leaves it
    min_answers = item_min_answers()
    stats = statistics_from_tallies(tallies, min_answers=min_answers)
    questions = queries.questions(stats)
    tree = queries.tree_children()
    facility = department_category_facility_counts(queries.facility_counts(exam), tree)
    names = queries.department_names()
    categories_seen = sorted({category for _dept, category in facility})
    return render_template("reports/items.html", exam=exam, stats=sorted(stats.values(), key=lambda s: s.facility),
                           questions=questions, facility=facility, names=names, categories=categories_seen,
                           tree_rows=[(d, depth) for d, depth in _tree_rows(tree)], attempts=attempts,
                           min_answers=min_answers)


def _tree_rows(tree):
    from .rates import walk_tree
    depth = {}
    for node, parent in walk_tree(tree):
        depth[node] = 0 if parent is None else depth[parent] + 1
        yield node, depth[node]


def _min_answers_arg(text: str) -> tuple[int | None, str | None]:
    """(the minimum number of answers, None) or (None, the reason it was refused)."""
    low, high = MIN_ANSWERS_RANGE
    try:
        number = int(text.strip())
    except ValueError:
        return None, _("The minimum number of answers must be a whole number, not “%(text)s”.", text=text[:20])
    if not low <= number <= high:
        return None, _("The minimum number of answers must be between %(low)s and %(high)s.", low=low, high=high)
    return number, None


@bp.route("/settings", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        choice = request.form.get("denominator")
        if choice not in DENOMINATORS:
            abort(400)
        min_answers, error = None, None
        if "min_answers" in request.form:
            min_answers, error = _min_answers_arg(request.form["min_answers"])
        if error:
            return render_template("reports/settings.html", form=form, current=choice, labels=DENOMINATOR_LABELS,
                                   min_answers=request.form["min_answers"], error=error), 400
        set_setting("rate_denominator", choice)
        audit.record("report.settings", actor=current_user, subject="rate_denominator", value=choice)
        if min_answers is not None and min_answers != item_min_answers():
            set_setting("item_min_answers", str(min_answers))
            audit.record("report.settings", actor=current_user, subject="item_min_answers", value=min_answers)
        db.session.commit()
        flash(_("Saved: pass and excellence rates now divide by %(what)s.", what=DENOMINATOR_LABELS[choice]),
              "success")
        return redirect(url_for("reports.settings"))
    return render_template("reports/settings.html", form=form, current=rate_denominator(), labels=DENOMINATOR_LABELS,
                           min_answers=item_min_answers(), error=None)


@bp.app_context_processor
def _report_links():
    from types import SimpleNamespace

    from flask import current_app

    def report_links():
        candidates = [("reports.training_report", _("Training and outreach"),
                       _("Sessions, attendances (人次) and people, outreach events and people reached.")),
                      ("reports.annual_summary", _("Annual summary"),
                       _("The paragraph for the annual report on law-based government, with every figure traceable."))]
        return [SimpleNamespace(url=url_for(endpoint), label=label, hint=hint)
                for endpoint, label, hint in candidates
                if endpoint in current_app.view_functions and current_user.role in ("admin", "liaison")]
    return {"report_links": report_links}


# --- training, outreach and the annual summary -------------------------------------------------

def _period():
    """(start, end) from ?year= or ?start=&end= (ISO dates); the current year by default."""
    from datetime import date
    start, end = date_arg("start"), date_arg("end")
    if start and end:
        if end < start:
            refuse("end", _("the end comes before the start."))
        return start, end
    year = year_arg("year", now().year)
    return date(year, 1, 1), date(year, 12, 31)


def _threshold() -> float:
    """Hours below which a person is listed (0: nobody is listed)."""
    return float_arg("threshold", 0.0, minimum=0, maximum=10_000)


def _training(threshold=0.0):
    from .training_report import build as build_training
    start, end = _period()
    root, allowed = _scope()
    return build_training(start, end, scope=allowed, root_id=root, threshold=threshold), root


@bp.route("/training")
@roles_required("admin", "liaison")
def training_report():
    from ..training.outreach.models import EVENT_KINDS
    from ..training.sessions.models import MODES, SESSION_KINDS
    threshold = _threshold()
    report, root = _training(threshold)
    months = [str(m) for m in range(1, 13)]
    trend = charts.column_chart(months, [report.by_month[m].attendances if m in report.by_month else 0
                                         for m in range(1, 13)], title=_("Attendances (人次) per month"))
    top = [(d, depth) for d, depth in report.department_rows if depth <= 1]
    per_department = charts.bar_chart([report.names[d] for d, _depth in top],
                                      [(_("Attendances (人次)"), [report.by_department[d].attendances
                                                                 if d in report.by_department else 0
                                                                 for d, _depth in top])],
                                      title=_("Attendances (人次) per organising department"))
    who = queries.people(uid for uid, _hours in report.below)
    return render_template("reports/training.html", report=report, kinds=SESSION_KINDS, modes=MODES,
                           event_kinds=EVENT_KINDS, trend=trend, per_department=per_department, root=root,
                           threshold=threshold,
                           below=[(who.get(uid, ("?", "?")), hours) for uid, hours in report.below])


@bp.route("/training/sessions")
@roles_required("admin", "liaison")
def training_sessions():
    """The sessions behind a figure, with their 人次 and 人数."""
    from ..training.sessions.models import MODES, SESSION_KINDS
    report, root = _training()
    kind = text_arg("kind") or None
    sessions = [s for s in report.sessions if kind in (None, "", s.kind)]
    counts = {}
    for session in sessions:
        attended = [a for a in session.attendance if a.status in ("present", "late", "walk_in")]
        counts[session.id] = (len(attended), len({a.user_id for a in attended}))
    return render_template("reports/training_sessions.html", sessions=sessions, counts=counts, kinds=SESSION_KINDS,
                           modes=MODES, kind=kind, report=report, names=report.names)


@bp.route("/training/events")
@roles_required("admin", "liaison")
def training_events():
    from ..training.outreach.models import EVENT_KINDS, OutreachEvent
    start, end = _period()
    _root, allowed = _scope()
    query = select(OutreachEvent).where(OutreachEvent.held_on >= start, OutreachEvent.held_on <= end)
    if allowed is not None:
        query = query.where(OutreachEvent.department_id.in_(allowed))
    kind = text_arg("kind")
    if kind:
        query = query.where(OutreachEvent.kind == kind)
    events = db.session.scalars(query.order_by(OutreachEvent.held_on)).all()
    return render_template("reports/training_events.html", events=events, kinds=EVENT_KINDS, kind=kind,
                           names=queries.department_names(), start=start, end=end)


@bp.route("/training/export.xlsx")
@roles_required("admin", "liaison")
def export_training():
    report, _root = _training(_threshold())
    content = exports.training_xlsx(report)
    audit.record("report.export", actor=current_user, subject="training", start=str(report.start),
                 end=str(report.end))
    db.session.commit()
    return send_file(BytesIO(content), as_attachment=True, mimetype=XLSX,
                     download_name=f"training-report-{report.start}-{report.end}.xlsx")


@bp.route("/annual")
@roles_required("admin", "liaison")
def annual_summary():
    from .annual import build as build_annual
    from .annual import docx
    year = year_arg("year", now().year)
    root, allowed = _scope()
    summary = build_annual(year, root_id=root, scope=allowed)
    fmt = request.args.get("format")
    if fmt in ("docx", "txt"):
        audit.record("report.export", actor=current_user, subject="annual", year=year, format=fmt)
        db.session.commit()
        if fmt == "docx":
            return send_file(BytesIO(docx(summary)), as_attachment=True, download_name=f"annual-{year}.docx",
                             mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        return send_file(BytesIO(summary.text.encode("utf-8")), as_attachment=True,
                         download_name=f"annual-{year}.txt", mimetype="text/plain")
    return render_template("reports/annual.html", summary=summary, year=year, root=root)
