"""Courses: who may see them, authoring, study heartbeats, completions and yearly credits.

One public function per action; the writing ones end with one commit. The rules of
crediting time live in `studytime` (pure); this module only loads and stores.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ...accounts.audience import Audience, Group
from ...accounts.models import CATEGORIES
from ...accounts.permissions import STAFF, department_tree
from ...platform import signals
from ...platform.clock import isoformat, now
from ...platform.errors import DomainError
from ...platform.extensions import db
from ...platform.uploads import DOCUMENTS, VIDEOS, StoredFile, delete_stored, store_upload
from . import studytime
from .models import Course, CourseCompletion, Material, StudyClock, StudyProgress

#: Largest course file accepted (the request limit is raised to match in the upload view).
MAX_FILE_MB = 30


# --- who may see what ----------------------------------------------------------------------

def course_audience(course: Course) -> Audience:
    """Who the course is for; stored empty, it is for everyone."""
    return Audience.from_json(course.audience) if course.audience else Audience.everyone()


def audience_json(audience: Audience) -> list[dict]:
    """The stored shape of a course's audience, in as few groups as say it: [] for everyone,
    and categories chosen without departments as those categories in each top department."""
    tree = department_tree()
    groups = []
    for group in audience.simplified(tree, CATEGORIES).groups:
        if group.department_id is not None:
            groups.append(group)
        elif not group.categories:
            return []
        else:
            groups.extend(Group(root, group.categories) for root in tree.children.get(None, []))
    return Audience(tuple(groups)).groups_json()


def can_manage_courses(user) -> bool:
    return user.is_authenticated and user.role in STAFF


def can_study(user, course: Course) -> bool:
    """Published and meant for this person: they see it, study it and earn its credits."""
    return course.is_published and course_audience(course).includes(user)


def can_view(user, course: Course) -> bool:
    """Trainers and admins see every course (to prepare and check it); others what they may study."""
    return can_manage_courses(user) or can_study(user, course)


def visible_courses(user) -> list[Course]:
    """The published courses this person may study, newest first."""
    courses = db.session.scalars(select(Course).where(Course.is_published.is_(True))
                                 .options(selectinload(Course.materials))
                                 .order_by(Course.published_at.desc(), Course.id.desc())).all()
    tree = department_tree()
    return [c for c in courses if course_audience(c).includes(user, tree)]


def audience_labels(course: Course) -> list[str]:
    """One label per department the course is for ([] = everyone)."""
    return course_audience(course).labels(department_tree(), CATEGORIES)


# --- progress --------------------------------------------------------------------------------

@dataclass
class CourseCard:
    """One course as a person sees it in a list: their progress and completion."""

    course: Course
    progress: studytime.CourseProgress
    completion: CourseCompletion | None

    @property
    def is_completed(self) -> bool:
        return self.completion is not None or self.progress.completed

    @property
    def is_started(self) -> bool:
        return self.progress.credited_seconds > 0 or self.is_completed


def progress_map(user_id: int, material_ids) -> dict[int, studytime.Progress]:
    """material id -> Progress of this person for those materials."""
    ids = list(material_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(StudyProgress).where(StudyProgress.user_id == user_id,
                                                          StudyProgress.material_id.in_(ids)))
    return {r.material_id: studytime.Progress(r.credited_seconds, r.last_beat_at, r.completed_at) for r in rows}


def _course_progress(course: Course, progress: dict[int, studytime.Progress]) -> studytime.CourseProgress:
    return studytime.course_progress([(m.id, m.seconds) for m in course.materials], progress)


def course_cards(user_id: int, courses: list[Course]) -> list[CourseCard]:
    """Progress and completion of one person over several courses, in three queries."""
    material_ids = [m.id for c in courses for m in c.materials]
    progress = progress_map(user_id, material_ids)
    completions = {c.course_id: c for c in db.session.scalars(select(CourseCompletion).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id.in_([c.id for c in courses])))}
    return [CourseCard(c, _course_progress(c, progress), completions.get(c.id)) for c in courses]


def studied_courses(user_id: int) -> list[Course]:
    """Courses this person has completed or has study time on (any publication state)."""
    started = select(Material.course_id).join(StudyProgress, StudyProgress.material_id == Material.id).where(
        StudyProgress.user_id == user_id, StudyProgress.credited_seconds > 0)
    completed = select(CourseCompletion.course_id).where(CourseCompletion.user_id == user_id)
    return db.session.scalars(select(Course).where(Course.id.in_(started.union(completed)))
                              .options(selectinload(Course.materials)).order_by(Course.title)).all()


# --- credits ---------------------------------------------------------------------------------

def local_zone() -> ZoneInfo:
    """The platform's time zone: years of credits end at local midnight on 31 December."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def local_year(moment=None) -> int:
    """The year in the platform's time zone at `moment` (default: now)."""
    return (moment or now()).replace(tzinfo=timezone.utc).astimezone(local_zone()).year


def completions_of(user_id: int) -> list[CourseCompletion]:
    return db.session.scalars(select(CourseCompletion).where(CourseCompletion.user_id == user_id)
                              .order_by(CourseCompletion.completed_at)).all()


def credits_in_year(user_id: int, year: int) -> float:
    """学分 this person earned in `year` (local time), each course counted once."""
    rows = [(c.course_id, c.credits, c.completed_at) for c in completions_of(user_id)]
    return studytime.credits_for_year(rows, year, tz=local_zone())


def completions_in_year(user_id: int, year: int) -> list[CourseCompletion]:
    zone = local_zone()
    return [c for c in completions_of(user_id)
            if c.completed_at.replace(tzinfo=timezone.utc).astimezone(zone).year == year]


def exam_prerequisites(exam, user) -> list:
    """The exams hook: credits missing in the exam's year, and required courses not completed."""
    required_courses = list(exam.required_course_ids or [])
    if not exam.required_credits and not required_courses:
        return []
    earned = credits_in_year(user.id, exam.year) if exam.required_credits else 0
    completed, titles = set(), {}
    if required_courses:
        completed = set(db.session.scalars(select(CourseCompletion.course_id).where(
            CourseCompletion.user_id == user.id, CourseCompletion.course_id.in_(required_courses))))
        titles = dict(db.session.execute(select(Course.id, Course.title).where(Course.id.in_(required_courses))).all())
    messages = []
    for item in studytime.prerequisites_missing(exam.required_credits, earned, required_courses, completed):
        if item.kind == "credits":
            messages.append(_l("%(missing)s more study credits in %(year)s: you have %(earned)s of the %(required)s "
                               "required. Complete courses under Courses to earn them.",
                               missing=_number(item.detail), year=exam.year, earned=_number(earned),
                               required=_number(exam.required_credits)))
        else:
            messages.append(_l("Complete the course “%(title)s” under Courses.",
                               title=titles.get(item.detail, f"#{item.detail}")))
    return messages


def exam_course_choices() -> list[tuple[int, str]]:
    """Published courses an exam may require."""
    return list(db.session.execute(select(Course.id, Course.title).where(Course.is_published.is_(True))
                                   .order_by(Course.title)).all())


def _number(value) -> str:
    return f"{float(value):g}"


def _answer_exam_prerequisites(_sender, *, exam, person, **_extra) -> list:
    return exam_prerequisites(exam, person)


def _answer_exam_course_choices(_sender, **_extra) -> list[tuple[int, str]]:
    return exam_course_choices()


signals.exam_prerequisites.connect(_answer_exam_prerequisites, weak=False)
signals.exam_course_choices.connect(_answer_exam_course_choices, weak=False)


# --- studying ----------------------------------------------------------------------------------

def record_heartbeat(user, material: Material, *, start: bool = False, leaving: bool = False,
                     viewing: studytime.Viewing | None = None) -> dict:
    """Credit this person for the time since their last beat on the material (see studytime)
    and record the course's completion once every material is done; one commit.

    `start` marks the first beat of a viewing (page opened or visible again): it pays
    nothing, so time spent away is never credited. A client can only lose time with it.
    `leaving` (the page is being hidden) frees the person's clock for another material.
    A person earns for one material at a time: while another material's page is counting,
    this one earns nothing and the answer says so (`counting` false, `reason` "elsewhere").
    `viewing` (page view id, beat number): a beat overtaken by a later beat of its page is
    stale and changes nothing (`counting` false, `reason` "stale"); without it, as before.
    """
    for _try in range(3):
        try:
            return _beat(user, material, start, leaving, viewing)
        except IntegrityError:
            # Two first beats (two tabs) raced to create the same row: the other one won; read it.
            db.session.rollback()
    raise DomainError(_l("Study time could not be saved; it is tried again with the next beat."))


def _lock_study_clock(user_id: int) -> StudyClock:
    """The person's clock row, created if missing and locked until the commit.

    Every beat of the person takes this lock first (on SQLite every transaction already holds
    the write lock from BEGIN IMMEDIATE), so parallel beats from several tabs or devices are
    decided one after another: two of them can never both be paid for the same moment.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(StudyClock).values(user_id=user_id).on_conflict_do_nothing())
    return db.session.scalar(select(StudyClock).where(StudyClock.user_id == user_id).with_for_update()
                             .execution_options(populate_existing=True))


def _beat(user, material: Material, start: bool, leaving: bool, viewing: studytime.Viewing | None) -> dict:
    person_clock = _lock_study_clock(user.id)
    moment = now()  # read once the lock is held, so beats are decided in the order of their moments
    row = db.session.scalar(select(StudyProgress).where(StudyProgress.user_id == user.id,
                                                        StudyProgress.material_id == material.id)
                            .with_for_update())
    if row is None:
        row = StudyProgress(user_id=user.id, material_id=material.id, credited_seconds=0)
        db.session.add(row)
    before = studytime.Progress(row.credited_seconds or 0, row.last_beat_at, row.completed_at)
    clock_before = studytime.PersonClock(person_clock.material_id, person_clock.counted_until,
                                         _viewings_of(person_clock.viewings))
    after, clock_after, outcome = studytime.credit_exclusive(
        before, clock_before, material.id, moment,
        material_seconds=material.seconds, start=start, leaving=leaving, viewing=viewing)
    row.credited_seconds, row.last_beat_at, row.completed_at = (after.credited_seconds, after.last_beat_at,
                                                                after.completed_at)
    person_clock.material_id, person_clock.counted_until = clock_after.material_id, clock_after.counted_until
    if clock_after.viewings != clock_before.viewings:
        person_clock.viewings = [list(item) for item in clock_after.viewings]
    db.session.flush()
    course = material.course
    completion = db.session.scalar(select(CourseCompletion).where(CourseCompletion.user_id == user.id,
                                                                  CourseCompletion.course_id == course.id))
    progress = progress_map(user.id, [m.id for m in course.materials])
    overall = _course_progress(course, progress)
    awarded = False
    if completion is None and overall.completed:
        completion = CourseCompletion(user_id=user.id, course_id=course.id, completed_at=moment,
                                      credits=course.credits or 0)
        db.session.add(completion)
        awarded = True
    # Built before the commit, which expires every loaded row (reading them again costs queries).
    result = {"material_id": material.id, "counting": outcome not in (studytime.ELSEWHERE, studytime.STALE),
              "reason": outcome if outcome in (studytime.ELSEWHERE, studytime.STALE) else None,
              "credited_seconds": after.credited_seconds,
              "required_seconds": material.seconds,
              "completed": studytime.material_completed(after, material.seconds),
              "course": {"id": course.id, "percent": 100 if completion else overall.percent,
                         "completed_materials": overall.completed_materials,
                         "total_materials": overall.total_materials, "completed": completion is not None,
                         "credits": float(completion.credits) if completion else None,
                         "just_completed": awarded},
              "server_now": isoformat(moment)}
    db.session.commit()
    return result


def _viewings_of(stored) -> tuple[studytime.Viewing, ...]:
    """The clock's viewings as studytime takes them (the column holds JSON arrays, or NULL)."""
    return tuple((str(viewing_id), int(number)) for viewing_id, number in stored or ())


# --- authoring ---------------------------------------------------------------------------------

def save_course(actor, course: Course | None, fields: dict) -> Course:
    """Create or update a course's title, category, description, credits and audience."""
    if course is None:
        course = Course(created_by_id=actor.id, is_published=False)
        db.session.add(course)
    course.title = fields["title"]
    course.category = fields.get("category") or ""
    course.description = fields.get("description") or ""
    course.credits = fields.get("credits") or 0
    course.audience = audience_json(fields.get("audience") or Audience.everyone())
    db.session.commit()
    return course


def set_published(course: Course, published: bool) -> None:
    """Publish (needs at least one material) or withdraw a course; progress and credits stay."""
    if published and not course.materials:
        raise DomainError(_l("Add at least one material before publishing the course."))
    course.is_published = published
    course.published_at = now() if published else None
    db.session.commit()


def delete_course(course: Course) -> None:
    """Delete a course nobody has studied yet (with its materials and files)."""
    if _studied(course):
        raise DomainError(_l("People have already studied this course, so it is kept for their records; "
                             "unpublish it instead."))
    files = [m.file_name for m in course.materials if m.file_name]
    db.session.delete(course)
    db.session.commit()
    for name in files:
        delete_stored(name)


def _studied(course: Course) -> bool:
    completed = db.session.scalar(select(func.count(CourseCompletion.id))
                                  .where(CourseCompletion.course_id == course.id))
    credited = db.session.scalar(select(func.count(StudyProgress.id)).join(Material)
                                 .where(Material.course_id == course.id, StudyProgress.credited_seconds > 0))
    return bool(completed or credited)


def save_material(course: Course, material: Material | None, fields: dict, upload=None) -> Material:
    """Create or update a material; an uploaded file is checked and stored (replacing the old one)."""
    stored: StoredFile | None = None
    if upload is not None and getattr(upload, "filename", ""):
        # An UploadError is a DomainError: its message reaches the form as it is.
        stored = store_upload(upload, kinds=DOCUMENTS | VIDEOS, max_bytes=MAX_FILE_MB * 1024 * 1024)
    kind = fields["kind"]
    if kind == "file" and stored is None and (material is None or not material.file_name):
        raise DomainError(_l("Choose the file to upload (.pdf, .doc, .docx, .ppt, .pptx, .mp4 or .webm)."))
    if material is None:
        last = db.session.scalar(select(func.max(Material.position)).where(Material.course_id == course.id))
        material = Material(course_id=course.id, position=(last if last is not None else -1) + 1)
        db.session.add(material)
    old_file = material.file_name
    material.title, material.kind, material.minutes = fields["title"], kind, fields["minutes"]
    material.body_markdown = fields.get("body_markdown") or ""
    material.video_url = (fields.get("video_url") or None) if kind == "video" else None
    if stored is not None:
        material.file_name, material.file_original_name = stored.name, stored.original_name
        material.file_mimetype, material.file_size = stored.mimetype, stored.size
    if kind != "file":
        material.file_name = material.file_original_name = material.file_mimetype = None
        material.file_size = None
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        if stored is not None:
            delete_stored(stored.name)
        raise
    if old_file and old_file != material.file_name:
        delete_stored(old_file)
    return material


def move_material(material: Material, step: int) -> None:
    """Move one place up (-1) or down (+1); positions stay 0..n-1."""
    siblings = list(material.course.materials)
    index = siblings.index(material)
    target = index + step
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, item in enumerate(siblings):
        item.position = position
    db.session.commit()


def delete_material(material: Material) -> None:
    """Remove a material with everyone's time on it; completions already recorded stay."""
    name = material.file_name
    course = material.course
    course.materials.remove(material)  # delete-orphan: the row goes; the database drops its progress
    for position, item in enumerate(course.materials):
        item.position = position
    if not course.materials and course.is_published:
        course.is_published, course.published_at = False, None
    db.session.commit()
    if name:
        delete_stored(name)
