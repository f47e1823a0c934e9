"""Composing, publishing and running exams: pages for trainers and admins."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.forms import ConfirmForm, choices
from ..accounts.models import User
from ..accounts.permissions import department_tree
from ..platform.clock import now
from ..platform.errors import DomainError, flash_refusal
from ..platform.extensions import db
from ..questionbank.citing import citing_questions, law_choices
from ..questionbank.forms import DIFFICULTY_LABELS, QTYPE_LABELS
from ..questionbank.models import Question, QuestionReview
from ..questionbank.services import categories as bank_categories
from . import authoring, bp, sections, starting, taking
from .forms import CandidatesForm, ExamForm, PublishForm, ReasonForm, to_local
from .models import Answer, Attempt, CandidateChange, Exam


def _managed_exam(exam_id) -> Exam:
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        abort(404)
    if not authoring.can_manage(current_user, exam):
        abort(403)
    return exam


@bp.route("/exams")
def list_exams():
    # Personal mock exams belong to one candidate each: they are no trainer's to list.
    query = select(Exam).where(Exam.personal_mock_of_id.is_(None)).order_by(Exam.opens_at.desc())
    if current_user.role != "admin":
        query = query.where(Exam.created_by_id == current_user.id)
    exams = db.session.scalars(query).all()
    counts = dict(db.session.execute(select(Attempt.exam_id, func.count(func.distinct(Attempt.user_id)))
                                      .where(Attempt.status != "in_progress").group_by(Attempt.exam_id)).all())
    return render_template("exams/list.html", exams=exams, counts=counts, now=now())


def _exam_form(exam=None):
    form = ExamForm(obj=exam) if request.method == "POST" or exam is None else ExamForm(
        obj=exam, opens_at=to_local(exam.opens_at), closes_at=to_local(exam.closes_at),
        latest_start_at=to_local(exam.latest_start_at))
    if exam is None and request.method == "GET":
        for key, value in ExamForm.defaults(now(), mock=request.args.get("mock") == "1").items():
            getattr(form, key).data = value
    elif exam is not None and request.method == "GET" and exam.unlimited_attempts:
        form.attempts_allowed.data = None  # not a number a person would write
    mains = db.session.scalars(select(Exam).where(Exam.makeup_of_id.is_(None), Exam.counts_officially)
                               .order_by(Exam.opens_at.desc())).all()
    from .prerequisites import course_choices
    form.required_course_ids.choices = choices(course_choices())
    form.makeup_of_id.choices = choices([(0, _("— not a make-up —"))] + [(e.id, e.title) for e in mains
                                                                           if exam is None or e.id != exam.id])
    return form


def _with_default_marks(fields, exam):
    from .marks import default_marks
    total = exam.total_points if exam is not None else 0
    default_pass, default_excellent = default_marks(total)
    if fields["pass_mark"] is None:
        fields["pass_mark"] = default_pass
    if fields["excellent_mark"] is None:
        fields["excellent_mark"] = default_excellent
    return fields


@bp.route("/exams/new", methods=["GET", "POST"])
def create_exam():
    form = _exam_form()
    if form.validate_on_submit():
        try:
            exam = authoring.save_exam(current_user, None, _with_default_marks(form.fields_for_service(), None))
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Exam created. Now compose its paper."), "success")
            return redirect(url_for("exams.edit_paper", exam_id=exam.id))
    return render_template("exams/settings.html", form=form, exam=None)


@bp.route("/exams/<int:exam_id>/settings", methods=["GET", "POST"])
def edit_exam(exam_id):
    exam = _managed_exam(exam_id)
    form = _exam_form(exam)
    if form.validate_on_submit():
        fields = _with_default_marks(form.fields_for_service(), exam)
        if exam.is_published:
            fields = {k: v for k, v in fields.items() if getattr(exam, k) != v}
        try:
            authoring.save_exam(current_user, exam, fields)
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("exams.overview", exam_id=exam.id))
    return render_template("exams/settings.html", form=form, exam=exam)


@bp.route("/exams/<int:exam_id>")
def overview(exam_id):
    exam = _managed_exam(exam_id)
    problems, _pool, people = authoring.publish_problems(exam) if not exam.is_published else ([], [], [])
    return render_template("exams/overview.html", exam=exam, problems=problems, people=people,
                           confirm=PublishForm(), in_progress=taking.attempts_in_progress(exam.id),
                           awaiting_marks=taking.attempts_awaiting_marks(exam.id) if exam.is_published else 0,
                           pending=starting.pending_in_pool(exam))


@bp.route("/exams/<int:exam_id>/paper", methods=["GET", "POST"])
def edit_paper(exam_id):
    exam = _managed_exam(exam_id)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        by_sections = request.form.get("mode") == "sections"
        try:
            if by_sections:
                _apply_sections(exam, request.form)
            else:
                _apply_paper(exam, request.form)
        except (DomainError, ValueError) as error:
            flash_refusal(error)
        else:
            if by_sections:
                flash(_("Sections saved."), "success")
            else:
                flash(_("Paper saved: %(n)s questions, %(total)s points.", n=exam.question_count,
                        total="%g" % exam.total_points), "success")
        return redirect(url_for("exams.edit_paper", exam_id=exam.id, _anchor="sections" if by_sections else None))
    available = _availability(exam)
    return render_template("exams/paper.html", exam=exam, confirm=ConfirmForm(), qtypes=QTYPE_LABELS,
                           difficulties=DIFFICULTY_LABELS, categories=bank_categories(), available=available,
                           laws=law_choices(),
                           **_section_view(exam))


def _section_view(exam):
    """The section rows of the editor (every question type, in the exam's order) and the headings
    the paper will have now."""
    specs = sections.specs_from_json(exam.sections)
    titles = {spec.qtype: spec.title for spec in specs}
    rows = [{"qtype": qtype, "title": titles.get(qtype) or "", "default": sections.DEFAULT_TITLES.get(qtype, qtype)}
            for qtype in sections.section_order(specs, QTYPE_LABELS)]
    if exam.paper_mode == "rules":
        planned = [(rule.qtype, float(rule.points)) for rule in exam.rules for _n in range(rule.count)]
    else:
        qtypes = dict(db.session.execute(select(Question.id, Question.qtype).where(
            Question.id.in_([item.question_id for item in exam.fixed_items]))).all())
        planned = [(qtypes.get(item.question_id, "?"), float(item.points)) for item in exam.fixed_items]
    return {"section_rows": rows, "title_max": sections.TITLE_MAX,
            "section_headings": sections.headings(sections.planned_sections(planned, specs))}


def _apply_sections(exam, form):
    """Places 1..n and optional titles per type, as the section editor sends them."""
    qtypes, places, titles = form.getlist("section_type"), form.getlist("section_place"), form.getlist("section_title")
    if not (len(qtypes) == len(places) == len(titles)):
        abort(400)
    placed = {}
    for qtype, place, title in zip(qtypes, places, titles):
        label = QTYPE_LABELS.get(qtype, qtype)
        if not place.strip().isdigit() or not 1 <= int(place) <= len(qtypes):
            raise ValueError(_("Sections: the place of %(type)s must be a whole number from 1 to %(n)s.",
                               type=label, n=len(qtypes)))
        if int(place) in placed:
            raise ValueError(_("Sections: %(first)s and %(second)s are both in place %(n)s.",
                               first=QTYPE_LABELS.get(placed[int(place)][0], placed[int(place)][0]),
                               second=label, n=int(place)))
        placed[int(place)] = (qtype, title.strip() or None)
    authoring.set_sections(exam, [sections.SectionSpec(qtype, title)
                                  for _place, (qtype, title) in sorted(placed.items())])


def _apply_paper(exam, form):
    if form.get("mode") == "fixed":
        items = []
        for number, line in enumerate((form.get("fixed") or "").splitlines(), start=1):
            parts = line.replace("#", " ").replace(",", " ").split()
            if not parts:
                continue
            if not parts[0].isdigit() or len(parts) > 2:
                raise ValueError(_("Line %(n)s: write a question number, optionally followed by its points.",
                                   n=number))
            question = db.session.get(Question, int(parts[0]))
            if question is None:
                raise ValueError(_("Line %(n)s: there is no question #%(id)s.", n=number, id=parts[0]))
            points = float(parts[1]) if len(parts) == 2 else float(question.points)
            if points <= 0:
                raise ValueError(_("Line %(n)s: points must be positive.", n=number))
            items.append((question.id, points))
        authoring.set_fixed_items(exam, items)
        return
    rules = []
    qtypes, cats, diffs = form.getlist("qtype"), form.getlist("category"), form.getlist("difficulty")
    counts, points = form.getlist("count"), form.getlist("points")
    laws = form.getlist("law") + [""] * (len(qtypes) - len(form.getlist("law")))
    known_laws = {law_id for law_id, _name in law_choices()}
    for index, qtype in enumerate(qtypes):
        if not counts[index].strip() and not points[index].strip():
            continue  # an empty row of the editor
        try:
            count, point = int(counts[index]), float(points[index])
        except ValueError:
            raise ValueError(_("Rule %(n)s: the count is a whole number and the points a number.",
                               n=index + 1)) from None
        if qtype not in QTYPE_LABELS or count <= 0 or point <= 0:
            raise ValueError(_("Rule %(n)s: choose a type, a positive count and positive points.", n=index + 1))
        law_id = int(laws[index]) if laws[index].isdigit() else None
        if law_id is not None and law_id not in known_laws:
            raise ValueError(_("Rule %(n)s: there is no such law.", n=index + 1))
        rules.append({"qtype": qtype, "category": cats[index] or None, "difficulty": diffs[index] or None,
                      "law_id": law_id, "count": count, "points": point})
    authoring.set_rules(exam, rules)


def _availability(exam):
    """Active questions matching each rule and not awaiting review (待复核), so trainers see a
    short rule before publishing."""
    found = []
    pending = select(QuestionReview.question_id).where(QuestionReview.confirmed_at.is_(None))
    for rule in exam.rules:
        query = select(func.count(Question.id)).where(Question.is_active.is_(True), Question.qtype == rule.qtype,
                                                      Question.id.not_in(pending))
        if rule.category:
            query = query.where(Question.category == rule.category)
        if rule.difficulty:
            query = query.where(Question.difficulty == rule.difficulty)
        if rule.law_id:
            query = query.where(Question.id.in_(citing_questions(rule.law_id, active_only=False)))
        found.append(db.session.scalar(query))
    return found


@bp.route("/exams/<int:exam_id>/audience", methods=["GET", "POST"])
def edit_audience(exam_id):
    exam = _managed_exam(exam_id)
    if exam.is_published:
        return redirect(url_for("exams.candidates", exam_id=exam.id))
    form = CandidatesForm()
    if form.validate_on_submit():
        authoring.set_audience(exam, form.audience())
        flash(_("Candidates saved: %(n)s people.", n=len(authoring.audience_people(exam))), "success")
        return redirect(url_for("exams.overview", exam_id=exam.id))
    if request.method == "POST":
        if "csrf_token" in form.errors:
            abort(400)
        for message in form.form_errors:
            flash(message, "danger")
    else:
        form.load(authoring.candidate_audience(exam))
    return render_template("exams/audience.html", exam=exam, form=form, tree=department_tree(),
                           people=authoring.audience_people(exam))


@bp.route("/exams/<int:exam_id>/publish", methods=["POST"])
def publish(exam_id):
    exam = _managed_exam(exam_id)
    form = PublishForm()
    if not form.validate_on_submit():
        if set(form.errors) == {"confirmed"}:
            flash(form.confirmed.errors[0], "danger")
            return redirect(url_for("exams.overview", exam_id=exam.id))
        abort(400)
    try:
        count = authoring.publish(current_user, exam)
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(_("Published: %(n)s candidates can take the exam in its window.", n=count), "success")
    return redirect(url_for("exams.overview", exam_id=exam.id))


@bp.route("/exams/<int:exam_id>/candidates", methods=["GET", "POST"])
def candidates(exam_id):
    """The fixed candidate list and results; changes here always carry a reason."""
    exam = _managed_exam(exam_id)
    form = ReasonForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                _apply_candidate_change(exam, request.form.get("action"), request.form.get("person", type=int), form)
            except DomainError as error:
                flash_refusal(error)
            else:
                flash(_("Done; the change is recorded with its reason."), "success")
        else:
            flash(_("Give a reason: it is kept with the change."), "danger")
        return redirect(url_for("exams.candidates", exam_id=exam.id))
    rows = authoring.results(exam)
    changes = db.session.scalars(select(CandidateChange).where(CandidateChange.exam_id == exam.id)
                                 .order_by(CandidateChange.id.desc()).limit(100)).all()
    return render_template("exams/candidates.html", exam=exam, rows=rows, form=form, changes=changes,
                           tree=department_tree(), now=now())


def _apply_candidate_change(exam, action, person_id, form):
    reason = form.reason.data
    if action == "add":
        person = db.session.scalar(select(User).where(User.login == (form.login.data or "").strip().lower()))
        if person is None:
            raise DomainError(_("There is nobody with that login."))
        authoring.add_candidate(current_user, exam, person, reason)
    elif action == "remove":
        authoring.remove_candidate(current_user, exam, person_id, reason)
    elif action == "exempt":
        authoring.set_exempt(current_user, exam, person_id, reason)
    elif action == "unexempt":
        authoring.set_exempt(current_user, exam, person_id, None, reason)
    elif action == "extra_time":
        if not form.minutes.data:
            raise DomainError(_("Say how many extra minutes."))
        authoring.give_extra_time(current_user, exam, person_id, form.minutes.data, reason)
    elif action == "extra_attempt":
        authoring.give_extra_attempt(current_user, exam, person_id, reason)
    else:
        abort(400)


@bp.route("/exams/<int:exam_id>/attempts/<int:attempt_id>")
def attempt_detail(exam_id, attempt_id):
    exam = _managed_exam(exam_id)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.exam_id != exam.id:
        abort(404)
    ids = [item["q"] for item in attempt.paper]
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))}
    answers = {a.question_id: a for a in db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}
    rows = [{"position": n, "item": item, "question": questions[item["q"]], "answer": answers.get(item["q"])}
            for n, item in enumerate(attempt.paper, start=1)]
    found = sections.paper_sections([(item["t"], item["p"]) for item in attempt.paper],
                                    sections.specs_from_json(exam.sections))
    groups = [(heading, [rows[position - 1] for position in section.positions])
              for heading, section in zip(sections.headings(found), found)]
    return render_template("exams/attempt_detail.html", exam=exam, attempt=attempt, rows=rows, groups=groups)


@bp.route("/exams/<int:exam_id>/regrade", methods=["POST"])
def regrade(exam_id):
    exam = _managed_exam(exam_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = authoring.regrade(current_user, exam)
    flash(_("%(n)s attempts regraded against the current answer keys.", n=count), "success")
    return redirect(url_for("exams.candidates", exam_id=exam.id))
