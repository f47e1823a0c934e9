"""Study credit measured by the server, course progress, yearly credits and prerequisites.

Pure functions over plain data (no Flask, no database), so every rule is unit-tested.

While a material's page is visible the browser sends a heartbeat about every 30 s; the
server credits the real time between beats as it sees it on its own clock. Nothing the
browser says is trusted: a script calling faster earns no more than the wall-clock time
that passed, a gap too long to be one viewing earns nothing, and the total never goes
beyond the material's length. A person earns for one material at a time, across tabs and
devices (`credit_exclusive`): every second of their time is paid to at most one material.
Beats of one page view (a "viewing") are numbered; one that arrives after a later beat of its
viewing was decided is stale and changes nothing (`remember_viewing`), so a beat overtaken in
the network by the page's "leaving" beat cannot take the clock back from another tab.
All datetimes are naive UTC (see `trainingapp.platform.clock`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal

#: Longest gap between two beats that still counts as one viewing (the page beats every ~30 s).
DEFAULT_MAX_GAP = 90


@dataclass(frozen=True)
class Progress:
    """Per (person, material) study record.

    `last_beat_at` is the moment up to which time has been counted (the clock's anchor).
    It may trail the real last beat by less than a second, because the unpaid fraction of a
    second is carried to the next beat instead of being rounded away or paid twice.
    """

    credited_seconds: int = 0
    last_beat_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True)
class CourseProgress:
    """How far a person is through one course's materials."""

    total_seconds: int
    credited_seconds: int
    percent: int
    completed_materials: int
    total_materials: int
    completed: bool


@dataclass(frozen=True)
class Missing:
    """One unmet prerequisite: kind "credits" (detail: credits still needed, float) or
    "course" (detail: the required course id)."""

    kind: str
    detail: float | int


# --------------------------------------------------------------------------- heartbeats


def credit_heartbeat(
    progress: Progress, now: datetime, *, material_seconds: int, max_gap: int = DEFAULT_MAX_GAP
) -> Progress:
    """The progress after a beat at `now`: credits at most the real time since the anchor,
    nothing for gaps over `max_gap` or a clock moving back, never beyond `material_seconds`."""
    if material_seconds < 0:
        raise ValueError("material_seconds must not be negative")
    if max_gap <= 0:
        raise ValueError("max_gap must be positive")

    anchor = progress.last_beat_at
    if anchor is None:
        # The first beat only proves the page is open from now on; it earns nothing.
        return _settle(Progress(progress.credited_seconds, now, progress.completed_at), now, material_seconds)

    elapsed = now - anchor
    if elapsed < timedelta(0):
        # The server clock moved back. Keep the anchor where it is (the latest moment
        # already counted) so the same stretch of time can never be credited twice;
        # credit resumes once the clock passes it again.
        return progress
    if elapsed > timedelta(seconds=max_gap):
        # Too long to be one viewing (page closed, tab hidden, laptop asleep): the person
        # may have been away, so pay nothing and restart the clock.
        return _settle(replace(progress, last_beat_at=now), now, material_seconds)

    # Whole seconds only; the leftover fraction stays before the new anchor and is paid
    # by a later beat, so 100 beats in one second earn exactly what one second is worth.
    whole = int(elapsed.total_seconds())
    new_anchor = anchor + timedelta(seconds=whole)
    room = max(material_seconds - progress.credited_seconds, 0)
    credited = progress.credited_seconds + min(whole, room)
    return _settle(Progress(credited, new_anchor, progress.completed_at), now, material_seconds)


def _settle(progress: Progress, now: datetime, material_seconds: int) -> Progress:
    # completed_at is set once, the first time the credit reaches the material's length,
    # and never moved afterwards (it is the date the certificate and yearly credits use).
    if progress.completed_at is None and progress.credited_seconds >= material_seconds:
        return replace(progress, completed_at=now)
    return progress


#: A beat's place in its page view: (viewing id, sequence number), the number rising with every
#: beat the page sends. Chosen by the browser, so trusted only to hold a page's own beats back.
Viewing = tuple[str, int]

#: How many of a person's latest viewings the clock remembers: far more pages than anyone keeps
#: beating at once, and few enough that a script inventing viewings cannot grow the row.
REMEMBERED_VIEWINGS = 16


@dataclass(frozen=True)
class PersonClock:
    """Per person: the material whose time is being counted and the moment up to which any of
    their time has been paid. `material_id` is None once that page said it was leaving.
    `viewings`: the latest viewings, most recently beating first, each with the number of its
    newest beat decided."""

    material_id: int | None = None
    counted_until: datetime | None = None
    viewings: tuple[Viewing, ...] = ()


#: What a beat did: its material earns ("counting"), another material of the person is being
#: studied so it earns nothing ("elsewhere"), the material was already complete ("done"), or
#: a later beat of the same viewing was decided already so this one changes nothing ("stale").
COUNTING, ELSEWHERE, DONE, STALE = "counting", "elsewhere", "done", "stale"


def remember_viewing(
    viewings: tuple[Viewing, ...], beat: Viewing, *, keep: int = REMEMBERED_VIEWINGS
) -> tuple[tuple[Viewing, ...], bool]:
    """(the viewings after `beat`, whether `beat` is stale).

    Stale: its viewing already had a beat with this number or a later one decided, e.g. a
    regular beat that was still on its way when the page was hidden and arrives after the
    "leaving" beat sent behind it. A stale beat leaves the viewings as they were. A viewing
    not remembered (new, or pushed out by `keep` newer ones) is never stale, which is how
    every beat was treated before viewings were numbered.
    """
    viewing_id, number = beat
    newest = dict(viewings).get(viewing_id)
    if newest is not None and number <= newest:
        return viewings, True
    others = tuple(item for item in viewings if item[0] != viewing_id)
    return ((viewing_id, number), *others)[:keep], False


def studying_elsewhere(clock: PersonClock, material_id: int, now: datetime, *, max_gap: int = DEFAULT_MAX_GAP) -> bool:
    """True when another material of the person was credited within `max_gap` of `now` (or the
    clock moved back behind that credit) and its page has not said it left."""
    return (clock.material_id is not None and clock.material_id != material_id
            and clock.counted_until is not None and now - clock.counted_until <= timedelta(seconds=max_gap))


def credit_exclusive(
    progress: Progress, clock: PersonClock, material_id: int, now: datetime, *, material_seconds: int,
    start: bool = False, leaving: bool = False, viewing: Viewing | None = None, max_gap: int = DEFAULT_MAX_GAP,
) -> tuple[Progress, PersonClock, str]:
    """`credit_heartbeat` for one person studying several materials: (progress, clock, outcome).

    Guarantees: a beat while another material is being studied (`studying_elsewhere`) earns
    nothing; no beat pays a moment before `clock.counted_until`, so the person's credit over all
    materials never exceeds the wall-clock time that passed; `counted_until` never moves back.
    `start` (the page opened or became visible again) pays nothing; `leaving` (the page is
    being hidden) pays up to now and frees the clock for another material at once.
    A stale beat of a `viewing` (see `remember_viewing`) returns progress and clock unchanged:
    it neither takes, holds nor frees the clock and earns nothing. Any other beat is decided as
    if it carried no viewing, so numbering beats can only hold time back, never add to it.
    """
    if viewing is not None:
        viewings, stale = remember_viewing(clock.viewings, viewing)
        if stale:
            return progress, clock, STALE
        clock = replace(clock, viewings=viewings)

    if material_completed(progress, material_seconds):
        # Nothing left to earn: leave the clock to the material actually being studied.
        return credit_heartbeat(progress, now, material_seconds=material_seconds, max_gap=max_gap), clock, DONE

    anchor = progress.last_beat_at
    if start and (anchor is None or anchor <= now):
        # A new viewing restarts the clock, unless the clock moved back (the anchor is ahead
        # of now): then the anchor stays, so no stretch of time is ever paid twice.
        anchor = None

    if studying_elsewhere(clock, material_id, now, max_gap=max_gap):
        # The page is open but this time belongs to the other material: restart this one's
        # clock at now (or keep an anchor that is ahead), so none of it is paid here later.
        waiting = now if anchor is None else max(anchor, now)
        return replace(progress, last_beat_at=waiting), clock, ELSEWHERE

    if anchor is not None and clock.counted_until is not None and clock.counted_until > anchor:
        # Time up to counted_until was paid already (to another material, or to another tab).
        anchor = clock.counted_until
    after = credit_heartbeat(replace(progress, last_beat_at=anchor), now,
                             material_seconds=material_seconds, max_gap=max_gap)
    until = after.last_beat_at if clock.counted_until is None else max(clock.counted_until, after.last_beat_at)
    holder = None if leaving or material_completed(after, material_seconds) else material_id
    return after, replace(clock, material_id=holder, counted_until=until), COUNTING


# --------------------------------------------------------------------------- courses


def material_completed(progress: Progress | None, material_seconds: int) -> bool:
    """True when the material was completed (completed_at set) or fully credited."""
    if progress is None:
        return False
    return progress.completed_at is not None or progress.credited_seconds >= material_seconds


def course_progress(
    materials: Sequence[tuple[int, int]], progress: Mapping[int, Progress]
) -> CourseProgress:
    """Percent (0-100, 100 only when every material is completed) over the total seconds,
    completed material count, and completed (False for a course with no materials)."""
    seen: set[int] = set()
    total = credited = done = 0
    for material_id, seconds in materials:
        if material_id in seen:
            continue
        seen.add(material_id)
        seconds = max(int(seconds), 0)
        record = progress.get(material_id)
        total += seconds
        if material_completed(record, seconds):
            # A material lengthened after completion stays completed and counts in full.
            done += 1
            credited += seconds
        elif record is not None:
            credited += min(record.credited_seconds, seconds)

    count = len(seen)
    completed = count > 0 and done == count
    if completed:
        percent = 100
    elif total == 0:
        percent = 0
    else:
        # Rounded down and capped at 99 so the bar never says 100 % before the course is done.
        percent = min(credited * 100 // total, 99)
    return CourseProgress(total, credited, percent, done, count, completed)


def credits_for_year(
    completions: Iterable[tuple[int, float | Decimal, datetime | None]], year: int, *, tz: tzinfo | None = None
) -> float:
    """Sum of credits of distinct courses completed in `year` (counted in `tz`, default UTC)."""
    zone = tz or timezone.utc
    counted: set[int] = set()
    total = Decimal(0)
    for course_id, course_credits, completed_at in completions:
        if completed_at is None or course_id in counted:
            continue
        # Completion times are naive UTC; the year boundary is the local one (a course
        # finished at 01:00 on 1 January Beijing time belongs to the new year).
        local = completed_at.replace(tzinfo=timezone.utc).astimezone(zone)
        if local.year != year:
            continue
        counted.add(course_id)
        # Decimal via str keeps 0.1 + 0.2 == 0.3 for display and comparisons.
        total += Decimal(str(course_credits or 0))
    return float(total)


def prerequisites_missing(
    required_credits: float | Decimal | None,
    earned_credits: float | Decimal,
    required_course_ids: Sequence[int],
    completed_course_ids: set[int],
) -> list[Missing]:
    """What is still missing, credits first then courses in the given order; empty when met."""
    missing: list[Missing] = []
    if required_credits is not None:
        shortfall = Decimal(str(required_credits)) - Decimal(str(earned_credits or 0))
        if shortfall > 0:
            missing.append(Missing("credits", float(shortfall)))
    seen: set[int] = set()
    for course_id in required_course_ids:
        if course_id in completed_course_ids or course_id in seen:
            continue
        seen.add(course_id)
        missing.append(Missing("course", course_id))
    return missing
