"""Practice rounds with immediate feedback, and the wrong-answer book (错题本)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...accounts.forms import ConfirmForm, choices
from ...platform.extensions import db
from ...platform.params import text_arg
from ...questionbank.citing import cited_articles, most_cited
from ...questionbank.models import Question
from ...questionbank.parsing import OPTION_LETTERS
from ...questionbank.subjective import MAX_ANSWER_CHARS, parts_of
from ..courses.forms import PracticeForm
from . import services

bp = Blueprint("practice", __name__)

#: The round in progress lives in the signed session under this key, per person.
ROUND = "practice_round"


def _round() -> dict | None:
    state = session.get(ROUND)
    if not state or state.get("user_id") != current_user.id:
        return None
    return state


def _store(state: dict | None) -> None:
    if state is None:
        session.pop(ROUND, None)
    else:
        session[ROUND] = {**state, "user_id": current_user.id}


def _category_choices(pairs: list[tuple[str, int]]) -> list[tuple[str, str]]:
    total = sum(n for _c, n in pairs)
    return [("", _("All categories (%(n)s questions)", n=total))] + [
        (category, _("%(category)s (%(n)s questions)", category=category, n=n)) for category, n in pairs]


@bp.route("/practice")
def practice_home():
    """Pick a law category and a number of questions; a round in progress can be continued."""
    form = PracticeForm()
    categories, held_back = services.practice_categories()
    form.category.choices = choices(_category_choices(categories))
    services.collect_exam_mistakes(current_user)  # so the book's count below is current
    state = _round()
    return render_template("training/practice/home.html", form=form, state=state, held_back=held_back,
                           open_count=len(services.open_mistakes(current_user.id)),
                           exam_running=services.exam_running(current_user))


@bp.post("/practice/start")
def start_practice():
    form = PracticeForm()
    form.category.choices = []
    back = "practice.wrong_answer_book" if form.source.data == "book" else "practice.practice_home"
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(url_for(back))
    try:
        state = services.start_round(current_user, source=form.source.data, category=form.category.data or "",
                                     count=int(form.count.data))
    except services.PracticeRefused as refused:
        flash(str(refused.message), "warning")
        return redirect(url_for(back))
    _store(state)
    return redirect(url_for("practice.practice_round"))


@bp.route("/practice/round")
def practice_round(written: list[str] | None = None):
    """The current question (no key), or its feedback once answered, or the round's summary.
    `written`: what was just written to a 简答/案例分析, shown next to its reference answer."""
    state = _round()
    if state is None:
        flash(_("Start a round first: choose a law category and how many questions."), "info")
        return redirect(url_for("practice.practice_home"))
    question = services.current_question(state)
    if question is None and state["pos"] < len(state["ids"]):
        # Questions deleted meanwhile, or used by an exam published since, are skipped.
        while question is None and state["pos"] < len(state["ids"]):
            state = {**state, "pos": state["pos"] + 1, "last": None}
            question = services.current_question(state)
        _store(state)
    answered = question is not None and str(question.id) in state["results"]
    summary = None
    if question is None:
        questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(state["ids"])))}
        summary = [(questions[qid], state["results"].get(str(qid))) for qid in state["ids"] if qid in questions]
    return render_template("training/practice/round.html", state=state, question=question, answered=answered,
                           correct=state["results"].get(str(question.id)) if answered else None,
                           given=(state.get("last") or {}).get("given") if answered else None,
                           blanks=services.blank_count(question) if question else 0, letters=OPTION_LETTERS,
                           summary=summary, confirm=ConfirmForm(), written=written or [],
                           parts=parts_of(question.qtype, question.options, question.answer) if question else [],
                           cited=cited_articles([question.id])[question.id] if answered else [],
                           right=sum(1 for ok in state["results"].values() if ok is True))


@bp.post("/practice/round/answer")
def answer():
    state = _round()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if state is None:
        return redirect(url_for("practice.practice_round"))
    try:
        state, verdict = services.answer_question(current_user, state, request.form.get("question_id", type=int),
                                                  request.form)
    except services.PracticeRefused as refused:
        flash(str(refused.message), "warning")
        return redirect(url_for("practice.practice_round"))
    _store(state)
    if verdict.correct is None:
        # Self-check: shown at once with what was written (kept nowhere, so not after a redirect).
        texts = [text[:MAX_ANSWER_CHARS] for text in request.form.getlist("written")]
        return practice_round(written=texts)
    if verdict.correct and state["source"] == "book":
        flash(_("Correct: this question leaves your open wrong answers."), "success")
    return redirect(url_for("practice.practice_round") + "#feedback")


@bp.post("/practice/round/next")
def next_question():
    state = _round()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if state is not None:
        _store(services.next_question(state))
    return redirect(url_for("practice.practice_round"))


@bp.post("/practice/round/end")
def end_round():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _store(None)
    return redirect(url_for("practice.practice_home"))


@bp.route("/practice/mistakes")
def wrong_answer_book():
    """My open wrong answers, including those of exams whose review is open."""
    added = services.collect_exam_mistakes(current_user)
    if added:
        flash(_("%(n)s wrong answers from your exams were added.", n=added), "info")
    category = text_arg("category")
    everything = services.open_mistakes(current_user.id)
    shown = [w for w in everything if not category or w.question.category == category]
    counts: dict[str, int] = {}
    for entry in everything:
        counts[entry.question.category] = counts.get(entry.question.category, 0) + 1
    form = PracticeForm(source="book", category=category, count="10")
    form.category.choices = choices([("", _("All categories"))] + [(c, f"{c} ({n})")
                                                                   for c, n in sorted(counts.items()) if c])
    held_back = services.protected_question_ids()
    return render_template("training/practice/book.html", entries=shown, total=len(everything), counts=counts,
                           held_back=held_back,
                           articles=most_cited({qid: n for qid, n in services.mistake_weights(current_user.id).items()
                                                if qid not in held_back}),
                           category=category, form=form, resolved=services.resolved_count(current_user.id),
                           exam_running=services.exam_running(current_user))
