"""The home pages as to-do lists: what each role has to do now, read into frozen objects that the
thin templates of templates/home/ show, every figure with the list behind it.

Each figure comes from the domain that owns it: a cadre's exams and attempts left from
`exams.my_exams`, missing prerequisites from `exams.prerequisites`, today's sessions from
`training.sessions.services`, a department's 应参考 / 已参考 / 未参考 from the exam report
(`reports.exam_report.build`, the same figures as the report and the follow-up list), the
subtree from `accounts.tree`. What no domain counts yet (attempts started per exam, attempts
waiting for marks, people who must change their password, imports of the last days) is counted
here, each in one grouped statement.

Lists that cost statements per exam are capped at `MAX_EXAMS` (with a link to the full list),
so a page's statements stay bounded whatever the data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from ..accounts.audit import AuditEvent
from ..accounts.models import User
from ..accounts.permissions import managed_department_ids
from ..exams.authoring import publish_problems
from ..exams.finalising import finalize_overdue
from ..exams.models import Attempt, Exam, ExamCandidate
from ..exams.my_exams import ExamView, exam_views
from ..exams.prerequisites import missing_prerequisites
from ..exams.timing import OPEN, exam_phase
from ..platform.clock import now
from ..platform.extensions import db
from ..reports import queries as report_queries
from ..reports.exam_report import build as build_exam_report
from ..reports.models import rate_denominator
from ..reports.rates import Figures
from ..training.figures import ATTENDED
from ..training.sessions import services as sessions
from ..training.sessions.models import Attendance

#: At most this many exams per list on a home page (each costs a few statements); the rest are
#: one click away on the full list.
MAX_EXAMS = 5
#: The admin's "imports and exports of the last days".
RECENT_DAYS = 7
#: Audit actions that record an import or an export (accounts.audit), in the order shown.
IMPORT_ACTIONS = ("roster.import", "questions.import", "attendance.import")
EXPORT_ACTIONS = ("report.export", "questions.export")
FILE_LABELS = {"roster.import": _l("Roster imports"), "questions.import": _l("Question imports"),
               "attendance.import": _l("Sign-in sheet imports"), "report.export": _l("Report exports"),
               "questions.export": _l("Question bank exports")}


# --- the cadre ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CadreExam:
    """An exam of "My exams" that asks something of the cadre now."""

    view: ExamView
    #: Minutes left in the attempt in progress (None when none is).
    minutes_left: int | None
    #: What the cadre still lacks before starting (empty: nothing), as the exam's start page says it.
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class CadreSession:
    session: object  # training.sessions.models.TrainingSession
    #: The person's attendance record's status, None before any (see sessions.models.ATTENDANCE_STATUSES).
    status: str | None

    @property
    def checked_in(self) -> bool:
        """Counted as attending (training.figures.ATTENDED): nothing left to do."""
        return self.status in ATTENDED


@dataclass(frozen=True)
class CadreTodo:
    """A cadre's home: open and running exams first, then today's sessions, then recent results."""

    exams: tuple[CadreExam, ...]
    upcoming: tuple[ExamView, ...]
    results: tuple[ExamView, ...]
    sessions: tuple[CadreSession, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.exams or self.upcoming or self.results or self.sessions)


def cadre_todo(user, moment: datetime | None = None) -> CadreTodo:
    """What a cadre has to do: the exams they can take now (deadline, attempts left, time left in
    an attempt, missing prerequisites), the next exams, the latest results, today's sessions."""
    moment = moment or now()
    views = [view for view in exam_views(user) if not view.exam.personal_mock_of_id]
    running = sorted((v for v in views if v.status in ("in_progress", "open")),
                     key=lambda v: (v.status != "in_progress", v.exam.closes_at))
    exams = []
    for view in running:
        left = None
        if view.in_progress is not None:
            left = max(int((view.in_progress.deadline_at - moment).total_seconds() + 59) // 60, 0)
        missing = () if view.in_progress is not None else tuple(missing_prerequisites(view.exam, user))
        exams.append(CadreExam(view=view, minutes_left=left, missing=missing))
    upcoming = sorted((v for v in views if v.status == "upcoming"), key=lambda v: v.exam.opens_at)
    results = sorted((v for v in views if v.status == "finished" and not v.is_mock),
                     key=lambda v: v.exam.closes_at, reverse=True)
    records = {}
    today = sessions.todays_sessions(user, moment)
    if today:
        records = {session_id: status for session_id, status in db.session.execute(
            select(Attendance.session_id, Attendance.status).where(
                Attendance.user_id == user.id, Attendance.session_id.in_([s.id for s in today])))}
    return CadreTodo(exams=tuple(exams), upcoming=tuple(upcoming[:MAX_EXAMS]), results=tuple(results[:3]),
                     sessions=tuple(CadreSession(s, records.get(s.id)) for s in today))


# --- trainers (and admins) ------------------------------------------------------------------------

@dataclass(frozen=True)
class RunningExam:
    """An exam open now, with how far its candidates are."""

    exam: Exam
    candidates: int  # on the list, removed ones excluded
    started: int  # people with at least one attempt
    submitted: int  # people with at least one finished attempt
    in_progress: int  # attempts running now


@dataclass(frozen=True)
class DraftExam:
    exam: Exam
    #: What stops publication (empty: ready to publish), as the exam's overview page lists it.
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Marking:
    exam: Exam
    waiting: int  # finished attempts whose subjective answers wait for marks (待阅卷)


@dataclass(frozen=True)
class TeachingTodo:
    """A trainer's exams (an admin's: every exam): running, drafts to publish, marking; today's sessions."""

    running: tuple[RunningExam, ...]
    more_running: int
    drafts: tuple[DraftExam, ...]
    more_drafts: int
    marking: tuple[Marking, ...]
    sessions: tuple


def _managed(query, user):
    """Exams a trainer created; an admin's are all (the same rule as the exams list)."""
    query = query.where(Exam.personal_mock_of_id.is_(None))
    return query if user.role == "admin" else query.where(Exam.created_by_id == user.id)


def teaching_todo(user, moment: datetime | None = None) -> TeachingTodo:
    """Exams running now (started / submitted / in progress), drafts ready to publish or missing
    something, attempts waiting for marks, and today's sessions this person manages."""
    moment = moment or now()
    open_now = [exam for exam in db.session.scalars(_managed(
        select(Exam).where(Exam.state == "published", Exam.opens_at <= moment, Exam.closes_at > moment)
        .order_by(Exam.closes_at, Exam.id), user))
        if exam_phase(exam.closes_at, moment, opens_at=exam.opens_at) == OPEN]
    shown = open_now[:MAX_EXAMS]
    ids = [exam.id for exam in shown]
    candidates, progress = {}, {}
    if ids:
        candidates = dict(db.session.execute(
            select(ExamCandidate.exam_id, func.count()).where(ExamCandidate.exam_id.in_(ids),
                                                              ExamCandidate.removed.is_(False))
            .group_by(ExamCandidate.exam_id)).all())
        finished_user = case((Attempt.status != "in_progress", Attempt.user_id))
        running = func.sum(case((Attempt.status == "in_progress", 1), else_=0))
        progress = {exam_id: (started, submitted, int(running_now or 0)) for exam_id, started, submitted, running_now
                    in db.session.execute(select(Attempt.exam_id, func.count(func.distinct(Attempt.user_id)),
                                                 func.count(func.distinct(finished_user)), running)
                                          .where(Attempt.exam_id.in_(ids)).group_by(Attempt.exam_id))}
    running_exams = tuple(RunningExam(exam, candidates.get(exam.id, 0), *progress.get(exam.id, (0, 0, 0)))
                          for exam in shown)
    drafts = list(db.session.scalars(_managed(
        select(Exam).where(Exam.state == "draft", Exam.closes_at > moment).order_by(Exam.opens_at, Exam.id), user)))
    checked = tuple(DraftExam(exam, tuple(str(p) for p in publish_problems(exam)[0])) for exam in drafts[:MAX_EXAMS])
    marking = tuple(Marking(exam, waiting) for exam, waiting in db.session.execute(_managed(
        select(Exam, func.count(Attempt.id)).join(Attempt, Attempt.exam_id == Exam.id)
        .where(Attempt.awaiting_marks.is_(True)).group_by(Exam.id).order_by(Exam.closes_at, Exam.id), user)))
    return TeachingTodo(running=running_exams, more_running=len(open_now) - len(shown), drafts=checked,
                        more_drafts=len(drafts) - len(checked), marking=marking,
                        sessions=tuple(sessions.todays_sessions_managed_by(user, moment)))


# --- liaisons (and admins) ------------------------------------------------------------------------

@dataclass(frozen=True)
class ExamFollowup:
    """One open exam over a subtree: 应参考 / 已参考 / 未参考, as its report counts them."""

    exam: Exam  # the main exam (a make-up's figures are its main exam's)
    makeup: Exam | None
    figures: Figures

    @property
    def required(self) -> int:
        return self.figures.required

    @property
    def participants(self) -> int:
        return self.figures.participants

    @property
    def absent(self) -> int:
        return self.figures.absent


@dataclass(frozen=True)
class RosterTodo:
    """Open exams' participation over the person's subtree (an admin's: the whole tree) and the
    people of that subtree who still have to do something."""

    exams: tuple[ExamFollowup, ...]
    more_exams: int
    #: Active people who have not yet chosen their own password (never signed in, or reset).
    must_change_password: int
    #: Active people without an e-mail address: reminders reach them only in the platform.
    no_email: int = 0


def _open_official_exams(moment: datetime) -> list[tuple[Exam, Exam | None]]:
    """(main exam, its published make-up) of every official exam open now, or whose make-up is."""
    found = db.session.scalars(select(Exam).where(
        Exam.state == "published", Exam.counts_officially, Exam.opens_at <= moment, Exam.closes_at > moment)
        .order_by(Exam.closes_at, Exam.id)).all()
    main_ids = list(dict.fromkeys(exam.makeup_of_id or exam.id for exam in found))
    if not main_ids:
        return []
    related = db.session.scalars(select(Exam).where(
        Exam.id.in_(main_ids) | (Exam.makeup_of_id.in_(main_ids) & (Exam.state == "published")
                                 & Exam.counts_officially)).order_by(Exam.id)).all()
    mains = {exam.id: exam for exam in related if exam.id in main_ids}
    makeups = {}
    for exam in related:
        if exam.makeup_of_id in mains:
            makeups.setdefault(exam.makeup_of_id, exam)  # the first published one, as queries.makeup_of
    return [(mains[i], makeups.get(i)) for i in main_ids if i in mains]


def roster_todo(user, moment: datetime | None = None) -> RosterTodo:
    """Per open exam, 应参考 / 已参考 / 未参考 over a liaison's subtree (an admin's: everything),
    the same figures as the exam report and the follow-up list; people who must change their
    password. Closes overdue attempts first, as the report does."""
    moment = moment or now()
    finalize_overdue()
    scope = managed_department_ids(user)
    tree = report_queries.department_tree()
    root = user.department_id if scope is not None else None
    followups, more = [], 0
    denominator = rate_denominator()
    for exam, makeup in _open_official_exams(moment):
        if len(followups) == MAX_EXAMS:
            more += 1
            continue
        report = build_exam_report(exam, denominator=denominator, root_id=root, scope=scope, tree=tree,
                                   makeup=makeup)
        if report.total.required or report.total.exempt:
            followups.append(ExamFollowup(exam=exam, makeup=makeup, figures=report.total))
    people = select(func.count().filter(User.must_change_password.is_(True)),
                    func.count().filter(or_(User.email.is_(None), User.email == ""))
                    ).select_from(User).where(User.status == "active")
    if scope is not None:
        people = people.where(User.department_id.in_(scope))
    must_change, no_email = db.session.execute(people).one()
    return RosterTodo(exams=tuple(followups), more_exams=more, must_change_password=must_change, no_email=no_email)


# --- admins -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecentFiles:
    """Imports and exports of the last `RECENT_DAYS` days, as the audit log recorded them."""

    since: datetime
    counts: dict  # audit action -> how many

    @property
    def imports(self) -> list[tuple[str, int]]:
        return [(action, self.counts.get(action, 0)) for action in IMPORT_ACTIONS]

    @property
    def exports(self) -> list[tuple[str, int]]:
        return [(action, self.counts.get(action, 0)) for action in EXPORT_ACTIONS]


def recent_files(moment: datetime | None = None) -> RecentFiles:
    # From the start of that day (UTC, as the audit log's date filter reads it), so the figure and
    # the list it links to count the same events.
    since = datetime.combine(((moment or now()) - timedelta(days=RECENT_DAYS)).date(), datetime.min.time())
    counts = dict(db.session.execute(select(AuditEvent.action, func.count()).where(
        AuditEvent.action.in_(IMPORT_ACTIONS + EXPORT_ACTIONS), AuditEvent.at >= since)
        .group_by(AuditEvent.action)).all())
    return RecentFiles(since=since, counts=counts)
