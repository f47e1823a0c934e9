"""A paper in sections, as cadres know it: 一、单项选择题 / 二、多项选择题 / 三、判断题 / 四、填空题 /
五、简答题 / 六、案例分析题.

A paper has one section per question type, in the order the trainer set on the exam (stored in
`Exam.sections`; the default order is that of `DEFAULT_TITLES`), numbering continuing across
sections. Drawing (`drawing.py`) groups and shuffles within sections; this module says which types
come in which order, cuts a stored paper into its sections and writes their headings. Everything
but `headings` takes and returns plain data.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: Each question type's section title, in the default section order: a new question type adds
#: its line here. Subjective types (简答题, 案例分析题) come after the objective ones.
DEFAULT_TITLES = {
    "single": _l("Single-choice questions"),
    "multiple": _l("Multiple-choice questions"),
    "truefalse": _l("True/false questions"),
    "fill": _l("Fill-in-the-blank questions"),
    "short": _l("Short-answer questions"),
    "case": _l("Case-analysis questions"),
}
#: The title of the one section of a paper drawn before sections existed, its types mixed.
MIXED_TITLE = _l("Questions")
TITLE_MAX = 40


@dataclass(frozen=True)
class SectionSpec:
    """The trainer's choice for one type's section; `title` None means the default title."""

    qtype: str
    title: str | None = None


@dataclass(frozen=True)
class Section:
    """One section of a drawn paper: its type (None: the mixed section of an old attempt), the
    trainer's title (None: the default), and its questions' positions (1-based) and points."""

    qtype: str | None
    title: str | None
    positions: tuple[int, ...]
    points: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.positions)

    @property
    def total(self) -> float:
        return round(sum(self.points), 2)

    @property
    def points_each(self) -> float | None:
        """The points of every question when they are all equal, else None."""
        return self.points[0] if self.points and len(set(self.points)) == 1 else None


# --------------------------------------------------------------------------- stored choices


def specs_from_json(stored) -> tuple[SectionSpec, ...]:
    """The trainer's sections as stored on the exam ([{"type", "title"}, ...] or None: defaults)."""
    specs = []
    for entry in stored or []:
        if isinstance(entry, dict) and isinstance(entry.get("type"), str):
            title = entry.get("title")
            specs.append(SectionSpec(entry["type"], title.strip() if isinstance(title, str) and title.strip()
                                     else None))
    return tuple(specs)


def specs_to_json(specs: Iterable[SectionSpec]) -> list[dict]:
    return [{"type": spec.qtype, "title": spec.title} for spec in specs]


def section_order(specs: Sequence[SectionSpec], qtypes: Iterable[str] = ()) -> tuple[str, ...]:
    """Every type named by `specs` or present in `qtypes`, in section order: the trainer's order,
    then the remaining types in the default order, then unknown types alphabetically."""
    order = list(dict.fromkeys(spec.qtype for spec in specs))
    rest = set(qtypes) - set(order)
    order += [qtype for qtype in DEFAULT_TITLES if qtype in rest]
    order += sorted(rest - set(DEFAULT_TITLES))
    return tuple(order)


def arrange(entries: Sequence, qtype_of, order: Sequence[str], shuffle=None) -> list:
    """`entries` grouped by type in section `order` (types it lacks go last, as `section_order`
    puts them), keeping their given order within a section, or shuffled there by `shuffle`
    (a `random.Random(...).shuffle`), one section after the other in section order."""
    groups: dict[str, list] = {}
    for entry in entries:
        groups.setdefault(qtype_of(entry), []).append(entry)
    arranged = []
    for qtype in section_order([SectionSpec(t) for t in order], groups):
        group = groups.get(qtype)
        if group:
            if shuffle is not None:
                shuffle(group)
            arranged.extend(group)
    return arranged


# --------------------------------------------------------------------------- a drawn paper


def paper_sections(items: Sequence[tuple[str, float]], specs: Sequence[SectionSpec] = ()) -> list[Section]:
    """The sections of a paper stored as (type, points) per question in paper order, never
    reordering it: each run of one type is a section titled by `specs`. A paper drawn before
    sections existed may mix its types (a type in two runs): it is then one mixed section."""
    titles = {spec.qtype: spec.title for spec in specs}
    runs: list[tuple[str, list[int], list[float]]] = []
    for position, (qtype, points) in enumerate(items, start=1):
        if runs and runs[-1][0] == qtype:
            runs[-1][1].append(position)
            runs[-1][2].append(float(points))
        else:
            runs.append((qtype, [position], [float(points)]))
    if len({qtype for qtype, _p, _q in runs}) < len(runs):
        return [Section(None, None, tuple(range(1, len(items) + 1)), tuple(float(p) for _t, p in items))]
    return [Section(qtype, titles.get(qtype), tuple(positions), tuple(points)) for qtype, positions, points in runs]


def planned_sections(planned: Sequence[tuple[str, float]], specs: Sequence[SectionSpec] = ()) -> list[Section]:
    """The sections a paper of these (type, points) questions will have, in any order given."""
    arranged = arrange(planned, lambda entry: entry[0], section_order(specs))
    return paper_sections(arranged, specs)


# --------------------------------------------------------------------------- headings

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九; other numbers in Arabic digits."""
    if not 0 < n < 100:
        return str(n)
    tens, units = divmod(n, 10)
    return ("" if tens == 0 else ("" if tens == 1 else _DIGITS[tens]) + "十") + (_DIGITS[units] if units else "")


def section_number(n: int, language: str) -> str:
    """The section's number as a reader of `language` expects it: 一, 二 in Chinese, 1, 2 otherwise."""
    return chinese_numeral(n) if language.startswith("zh") else str(n)


def format_points(points: float) -> str:
    return "%g" % points


def title_of(section: Section) -> str:
    """The trainer's title, else the type's default title in the current language."""
    if section.title:
        return section.title
    if section.qtype is None:
        return str(MIXED_TITLE)
    return str(DEFAULT_TITLES.get(section.qtype, section.qtype))


def headings(sections: Sequence[Section]) -> list[str]:
    """'一、单项选择题（共20题，每题2分）' per section in Chinese, 'Part 1. Single-choice questions
    (questions: 20, points each: 2)' in English: the current locale's numerals and catalog. When
    points differ within a section, the section total: '（共5题，共12分）'."""
    language = str(get_locale() or "zh")
    texts = []
    for number, section in enumerate(sections, start=1):
        values = {"number": section_number(number, language), "title": title_of(section),
                  "count": section.count}
        if section.points_each is not None:
            texts.append(_("Part %(number)s. %(title)s (questions: %(count)s, points each: %(points)s)",
                           points=format_points(section.points_each), **values))
        else:
            texts.append(_("Part %(number)s. %(title)s (questions: %(count)s, points in all: %(points)s)",
                           points=format_points(section.total), **values))
    return texts


def of_paper(paper: Sequence[dict], stored_specs) -> list[tuple[str, Section]]:
    """(heading, section) of a stored paper (its entries carry "t" type and "p" points), in
    paper order and never reordered: what the exam page, the API and the review all show."""
    found = paper_sections([(item["t"], item["p"]) for item in paper], specs_from_json(stored_specs))
    return list(zip(headings(found), found))
