"""Report pages and downloads. Admins see everything, liaisons their subtree only,
trainers the exams they manage, cadres nothing."""
from io import BytesIO

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts import audit
from ..accounts.forms import ConfirmForm
from ..accounts.models import CATEGORIES
from ..accounts.tree import DepartmentTree
from ..exams.authoring import can_manage
from ..exams.finalising import finalize_overdue
from ..exams.marking import BAND_LABELS
from ..exams.marking_service import subjective_rows
from ..exams.models import Exam
from ..platform.clock import now, to_local
from ..platform.extensions import db
from ..platform.params import date_arg, float_arg, int_arg, refuse, text_arg, year_arg
from ..questionbank.models import Question
from ..training.outreach.models import EVENT_KINDS, OutreachEvent
from ..training.sessions.models import MODES, SESSION_KINDS
from . import bp, charts, exports, numbers, queries
from .annual import build as build_annual
from .annual import docx, finalize_overdue_of_year
from .definitions import definitions as page_definitions
from .definitions import followup_definitions
from .exam_report import DENOMINATOR_LABELS, STATUS_LABELS, build
from .exam_report import people as exam_people_rows
from .followup_report import build as build_followup
from .followup_report import finalize_overdue_of
from .items import department_category_facility_counts, statistics_from_tallies, subjective_statistics
from .models import DENOMINATORS, MIN_ANSWERS_RANGE, item_min_answers, rate_denominator, set_setting
from .training_report import build as build_training

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible_exams():
    query = select(Exam).where(Exam.state == "published", Exam.counts_officially).order_by(Exam.opens_at.desc())
    if current_user.role == "trainer":
        query = query.where(Exam.created_by_id == current_user.id)
    return db.session.scalars(query).all()


def _exam_and_makeup(exam_id) -> tuple[Exam, Exam | None]:
    """The exam (404 unless published, 403 for a trainer who does not manage it) and its
    published make-up, in one read."""
    exam, makeup = queries.exam_and_makeup(exam_id)
    if exam is None or not exam.is_published or not exam.counts_officially:
        abort(404)  # a mock exam has no report: it counts nowhere
    if current_user.role == "trainer" and not can_manage(current_user, exam):
        abort(403)
    return exam, makeup


def _exam(exam_id) -> Exam:
    return _exam_and_makeup(exam_id)[0]


def _scope(tree: DepartmentTree):
    """(root department, departments allowed): a liaison is held to their own subtree."""
    root = int_arg("root")
    if current_user.role != "liaison":
        if root is not None and root not in tree.names:
            abort(404)
        return root, None
    mine = current_user.department_id
    allowed = tree.subtree(mine)
    if root is not None and root not in allowed:
        abort(403)
    return root or mine, allowed


def _category():
    category = request.args.get("category") or None
    return category if category in CATEGORIES else None


def _show_empty() -> bool:
    """?empty=1 lists departments without candidates too; they are hidden by default."""
    return request.args.get("empty") == "1"


def _report(exam_id, *, records=False):
    """The exam's report for this request, in its steps: check access, close the exam's overdue
    attempts (they count as submitted; this commits), then read the report once."""
    exam, makeup = _exam_and_makeup(exam_id)
    tree = queries.department_tree()
    root, allowed = _scope(tree)
    if finalize_overdue(exam.id):
        exam, makeup = queries.exam_and_makeup(exam_id)  # the commits expired both
    return build(exam, denominator=rate_denominator(), category=_category(), root_id=root, scope=allowed,
                 show_empty=_show_empty(), records=records, tree=tree, makeup=makeup), root


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
def index():
    return render_template("reports/index.html", exams=_visible_exams(), year=now().year)


@bp.route("/exams/<int:exam_id>")
def exam_report(exam_id):
    report, root = _report(exam_id)
    exam = report.exam
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
                           definitions=page_definitions(report.denominator, show_empty=report.show_empty,
                                                        pending=report.total.pending),
                           root=root,
                           departments=[(r.department_id, "\u3000" * r.depth + r.name) for r in report.rows],
                           is_open=exam.opens_at <= now() < exam.closes_at)


def _department_arg(report):
    department = int_arg("department")
    if department is not None and department not in {row.department_id for row in report.rows}:
        abort(403 if current_user.role == "liaison" else 404)
    return department


@bp.route("/exams/<int:exam_id>/people")
def exam_people(exam_id):
    report, root = _report(exam_id, records=True)
    exam = report.exam
    department = _department_arg(report)
    only = "absent" if request.args.get("only") == "absent" else None
    people = exam_people_rows(report, department, only=only)
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
def export_exam(exam_id, fmt):
    report, _root = _report(exam_id, records=fmt == "xlsx")
    exam = report.exam
    download_name = f"exam-report-{exam.id}-{now():%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        # Streamed: the database work is done here, the workbook is written (in constant memory)
        # as the response is read and sent in pieces, so its size does not weigh on the worker.
        chunks = exports.exam_xlsx_chunks(report)
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
def print_summary(exam_id):
    """成绩汇总表: per department, signed and stamped on paper."""
    report, root = _report(exam_id, records=True)
    exam = report.exam
    department = _department_arg(report) or root or (report.rows[0].department_id if report.rows else None)
    row = next((r for r in report.rows if r.department_id == department), None)
    people = exam_people_rows(report, department) if department else []
    return render_template("reports/print.html", exam=exam, row=row, people=people, labels=STATUS_LABELS,
                           denominator_label=DENOMINATOR_LABELS[report.denominator], printed_at=now())


def _followup(exams: list[Exam], *, year: int | None = None):
    """The list of people who did not pass or did not take `exams`, as a page or (?format=xlsx) a
    workbook: overdue attempts are closed first (they count as submitted; this commits)."""
    tree = queries.department_tree()
    root, allowed = _scope(tree)
    category = _category()
    finalize_overdue_of(exams)
    moment = now()
    listing = build_followup(exams, moment=moment, year=year, root_id=root, scope=allowed, category=category,
                             tree=tree)
    if request.args.get("format") == "xlsx":
        what = f"year-{year}" if year is not None else f"exam-{exams[0].id}"
        audit.record("report.export", actor=current_user, subject="followup", kind=what, final=listing.final)
        db.session.commit()
        download_name = f"followup-{what}-{to_local(moment):%Y%m%d}{'' if listing.final else '-provisional'}.xlsx"
        return Response(exports.followup_xlsx_chunks(listing), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename={download_name}"})
    departments = [(dept_id, "\u3000" * depth + tree.names[dept_id]) for dept_id, depth in tree.walk()
                   if allowed is None or dept_id in allowed]
    kept = {key: value for key, value in (("year", year), ("root", root), ("category", category)) if value}
    return render_template("reports/followup.html", listing=listing, yearly=year is not None,
                           exam=None if year is not None else exams[0], categories=CATEGORIES, root=root,
                           departments=departments, definitions=followup_definitions(), labels=STATUS_LABELS,
                           xlsx_url=url_for(request.endpoint, **request.view_args, **kept, format="xlsx"))


@bp.route("/exams/<int:exam_id>/followup")
def exam_followup(exam_id):
    """学法考试不合格/未参考人员名单 of one exam (a make-up's is its main exam's)."""
    exam, _makeup = _exam_and_makeup(exam_id)
    if exam.makeup_of_id is not None:
        kept = {key: request.args[key] for key in ("root", "category", "format") if request.args.get(key)}
        return redirect(url_for("reports.exam_followup", exam_id=exam.makeup_of_id, **kept))
    exams = queries.official_exams(exam_id=exam.id)
    if not exams:
        abort(404)
    return _followup(exams)


@bp.route("/followup")
def year_followup():
    """学法考试不合格/未参考人员名单 of every official exam of a year."""
    year = year_arg("year", now().year)
    return _followup(queries.official_exams(year=year), year=year)


@bp.route("/exams/<int:exam_id>/items")
def item_analysis(exam_id):
    exam = _exam(exam_id)
    tallies, attempts = queries.item_tallies(exam)  # counted by the database: no answer leaves it
    min_answers = item_min_answers()
    stats = statistics_from_tallies(tallies, min_answers=min_answers)
    questions = queries.questions(stats)
    tree = queries.department_tree()
    facility = department_category_facility_counts(queries.facility_counts(exam), tree.children)
    categories_seen = sorted({category for _dept, category in facility})
    subjective = subjective_statistics(subjective_rows(exam), float(exam.marking_tolerance))
    subjective_questions = {q.id: q for q in db.session.scalars(
        select(Question).where(Question.id.in_([row.question_id for row in subjective])))}
    return render_template("reports/items.html", exam=exam, stats=sorted(stats.values(), key=lambda s: s.facility),
                           questions=questions, facility=facility, names=tree.names, categories=categories_seen,
                           tree_rows=list(tree.walk()), attempts=attempts, min_answers=min_answers,
                           subjective=subjective, subjective_questions=subjective_questions,
                           band_labels=BAND_LABELS)


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
        candidates = [("reports.year_followup", _("Did not pass or did not take the exam"),
                       _("Per year or per exam, by department: who failed or did not take a required exam after its "
                         "make-up (for the annual appraisal and awards).")),
                      ("reports.training_report", _("Training and outreach"),
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
    start, end = _period()
    tree = queries.department_tree()
    root, allowed = _scope(tree)
    return build_training(start, end, scope=allowed, root_id=root, threshold=threshold, tree=tree), root


@bp.route("/training")
def training_report():
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
def training_sessions():
    """The sessions behind a figure, with their 人次 and 人数."""
    report, root = _training()
    kind = text_arg("kind") or None
    sessions = [s for s in report.sessions if kind in (None, "", s.kind)]
    counts = {session.id: report.session_counts.get(session.id, (0, 0)) for session in sessions}
    return render_template("reports/training_sessions.html", sessions=sessions, counts=counts, kinds=SESSION_KINDS,
                           modes=MODES, kind=kind, report=report, names=report.names)


@bp.route("/training/events")
def training_events():
    start, end = _period()
    tree = queries.department_tree()
    _root, allowed = _scope(tree)
    query = select(OutreachEvent).where(OutreachEvent.held_on >= start, OutreachEvent.held_on <= end)
    if allowed is not None:
        query = query.where(OutreachEvent.department_id.in_(allowed))
    kind = text_arg("kind")
    if kind:
        query = query.where(OutreachEvent.kind == kind)
    events = db.session.scalars(query.order_by(OutreachEvent.held_on)).all()
    return render_template("reports/training_events.html", events=events, kinds=EVENT_KINDS, kind=kind,
                           names=tree.names, start=start, end=end)


@bp.route("/training/export.xlsx")
def export_training():
    report, _root = _training(_threshold())
    content = exports.training_xlsx(report)
    audit.record("report.export", actor=current_user, subject="training", start=str(report.start),
                 end=str(report.end))
    db.session.commit()
    return send_file(BytesIO(content), as_attachment=True, mimetype=XLSX,
                     download_name=f"training-report-{report.start}-{report.end}.xlsx")


@bp.route("/annual")
def annual_summary():
    year = year_arg("year", now().year)
    tree = queries.department_tree()
    root, allowed = _scope(tree)
    finalize_overdue_of_year(year)  # the year's final exams count abandoned attempts as submitted
    summary = build_annual(year, root_id=root, scope=allowed, tree=tree)
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
