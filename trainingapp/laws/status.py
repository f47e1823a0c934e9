"""Which text of a law is in force on a day, and each version's status (现行有效 / 已修改 / 已废止 / 尚未施行).

Pure: dates in, codes out. Nothing is stored: a version is 尚未施行 before its effective date,
已修改 once a later version is in effect, 现行有效 otherwise, and every version is 已废止 from
the day the law is repealed.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

IN_FORCE, AMENDED, REPEALED, NOT_YET = "in_force", "amended", "repealed", "not_yet"
STATUSES = (IN_FORCE, AMENDED, REPEALED, NOT_YET)
#: A law as a whole is never 已修改: one of its versions is in force (or none yet, or it is repealed).
LAW_STATUSES = (IN_FORCE, REPEALED, NOT_YET)
LABELS = {IN_FORCE: _l("In force"), AMENDED: _l("Amended"), REPEALED: _l("Repealed"), NOT_YET: _l("Not yet in force")}
#: Bootstrap colours of the labels.
BADGES = {IN_FORCE: "success", AMENDED: "secondary", REPEALED: "dark", NOT_YET: "warning"}


def current_index(effective_dates: list[date], today: date) -> int | None:
    """The index of the version in force on `today` (the latest effective on or before it), if any.
    `effective_dates` are in ascending order."""
    current = None
    for index, effective in enumerate(effective_dates):
        if effective <= today:
            current = index
    return current


def version_status(effective_dates: list[date], index: int, repealed_on: date | None, today: date) -> str:
    """The status on `today` of the version at `index` among the law's versions (ascending)."""
    if repealed_on is not None and repealed_on <= today:
        return REPEALED
    if effective_dates[index] > today:
        return NOT_YET
    current = current_index(effective_dates, today)
    return IN_FORCE if current == index else AMENDED


def law_status(effective_dates: list[date], repealed_on: date | None, today: date) -> str:
    """The law's status on `today`: repealed, in force (some version is), or not yet in force."""
    if repealed_on is not None and repealed_on <= today:
        return REPEALED
    return IN_FORCE if current_index(effective_dates, today) is not None else NOT_YET
