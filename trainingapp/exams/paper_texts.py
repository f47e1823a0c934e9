"""What a paper shows, kept per process: each question's stem and options, and the section
headings of a paper's shape.

A published exam locks every question it may draw or has drawn (key_correction.py: stem,
options, type and points stay as the candidates saw them; a key correction changes only the
key, which the page never gets). So once a process has read a question's texts for one
publication of an exam it can show them to every later candidate of that publication without
asking the database again: at the synchronized start (issue #28) this takes the paper's
questions out of every start but each process's first, and with them forty JSON decodes.
A new publication (another `published_at`) is another key, so nothing read for an earlier
one is shown. Drafts and trainers' previews are never kept.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache

from sqlalchemy import bindparam, select

from ..platform.extensions import db
from ..questionbank.models import Question
from . import sections

#: Publications kept per process; the least recently used goes first.
EXAMS_KEPT = 32

_TEXTS: OrderedDict[tuple, dict[int, tuple[str, list]]] = OrderedDict()
_LOCK = threading.Lock()

_READ = select(Question.id, Question.stem, Question.options).where(Question.id.in_(bindparam("ids", expanding=True)))


def question_texts(exam, ids: list[int]) -> dict[int, tuple[str, list]]:
    """{question id: (stem, options)} for the questions `ids` of a paper of `exam`; read from
    the database only for those this process has not yet read for this publication."""
    if not exam.is_published:
        return _read(ids)
    key = (exam.id, exam.published_at)
    with _LOCK:
        known = _TEXTS.get(key)
        if known is None:
            known = _TEXTS[key] = {}
            while len(_TEXTS) > EXAMS_KEPT:
                _TEXTS.popitem(last=False)
        else:
            _TEXTS.move_to_end(key)
    missing = [question_id for question_id in ids if question_id not in known]
    if missing:
        # Two threads may read the same rows at once; both write the same values.
        known.update(_read(missing))
    return known


def _read(ids: list[int]) -> dict[int, tuple[str, list]]:
    return {row.id: (row.stem, row.options) for row in db.session.execute(_READ, {"ids": list(ids)})}


def paper_headings(paper: list[dict], stored_specs, language: str) -> tuple[tuple[str, sections.Section], ...]:
    """sections.of_paper, computed once per process for each shape of paper, the exam's
    sections and the language (every paper of a rule-drawn exam has one shape: its types and
    points in order)."""
    shape = tuple((item["t"], item["p"]) for item in paper)
    return _headings(shape, sections.specs_from_json(stored_specs), language)


@lru_cache(maxsize=256)
def _headings(shape: tuple, specs: tuple, _language: str) -> tuple[tuple[str, sections.Section], ...]:
    found = sections.paper_sections(shape, specs)
    return tuple(zip(sections.headings(found), found))


def forget() -> None:
    """Drop this process's texts (tests reuse exam ids and publication times)."""
    with _LOCK:
        _TEXTS.clear()
    _headings.cache_clear()
