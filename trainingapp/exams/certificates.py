"""What a certificate (合格证书) or proof of result (成绩证明) states, and who earns one.

Pure: plain data in, plain data out. The database side (issuing, revoking, verifying) is
`certificate_issuing`, the PDF `certificate_pdf`.

A document speaks for a person's counting result in an exam as the reports count it
(`marks`): per exam the best or last finished attempt, with a make-up (补考) the better of
the main exam's and the make-up's, banded by the main exam's marks. It is issued under the
main exam, so one person has at most one valid document of each kind per exam, whichever
of the two exams they passed in.

- A certificate is earned by a counting result that passes (合格 or 优秀).
- A proof of result is earned by any counting result (also a fail): it states score and band.
- Both only for exams whose results may be certified at all (`certificate_allowed`).
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from . import marks

KINDS = ("certificate", "proof")

#: `secrets.token_urlsafe(16)`: 16 random bytes (128 bits) as 22 URL-safe characters.
CODE_BYTES = 16
_CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{22}")


def new_code() -> str:
    """A fresh verification code: 128 random bits, unguessable, URL-safe."""
    return secrets.token_urlsafe(CODE_BYTES)


def looks_like_code(text: str) -> bool:
    """Whether `text` has the shape of a code (so anything else is refused without a query)."""
    return bool(_CODE_SHAPE.fullmatch(text or ""))


def certificate_allowed(attempt) -> bool:
    """Whether the results of this attempt's exam may be certified (certificate or proof) at all.

    The single place for that rule: an exam whose review policy hides the score from the
    candidate ("never") must not have it printed on a document either, and a mock exam (模拟考试,
    a cadre's personal mock included) counts nowhere, so it proves nothing."""
    exam = attempt.exam
    return exam.counts_officially and exam.review_policy != "never"


@dataclass(frozen=True)
class Sitting:
    """One finished attempt, as plain data."""

    attempt_id: int
    score: float
    submitted_at: datetime


@dataclass(frozen=True)
class Standing:
    """A person's counting result in an exam (with its make-up) and the attempt it comes from."""

    attempt_id: int
    score: float
    band: str
    submitted_at: datetime


def _counting(sittings: list[Sitting], counting: str) -> Sitting | None:
    """The sitting whose score counts: "best" the first with the highest score, "last" the latest."""
    ordered = sorted(sittings, key=lambda s: (s.submitted_at, s.attempt_id))
    score = marks.counting_score([s.score for s in ordered], counting)
    if score is None:
        return None
    if counting == "last":
        return ordered[-1]
    return next(s for s in ordered if s.score == score)


def standing(main: list[Sitting], main_counting: str, makeup: list[Sitting], makeup_counting: str,
             pass_mark: float, excellent_mark: float) -> Standing | None:
    """The counting result over the main exam and its make-up (None: no finished attempt);
    the make-up's sitting counts only when strictly better, as `marks.combined_result` says."""
    first = _counting(main, main_counting)
    second = _counting(makeup, makeup_counting)
    score = marks.combined_result(first.score if first else None, second.score if second else None)
    if score is None:
        return None
    chosen = first if first is not None and first.score == score else second
    return Standing(chosen.attempt_id, score, marks.grade_band(score, pass_mark, excellent_mark),
                    chosen.submitted_at)


def earns(kind: str, band: str) -> bool:
    """Whether a counting result of `band` earns a document of `kind`."""
    if kind == "certificate":
        return band in ("pass", "excellent")
    return kind == "proof" and band != "absent"


def local_date(moment: datetime, time_zone: str) -> str:
    """The calendar date (YYYY-MM-DD) of a naive UTC moment in the configured time zone."""
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(time_zone)).date().isoformat()


def facts(kind: str, *, name: str, department: str, exam: str, result: Standing, total: float,
          issuer: str, time_zone: str) -> dict:
    """What the document states, as stored with it and shown by the verification page."""
    return {"kind": kind, "name": name, "department": department, "exam": exam,
            "date": local_date(result.submitted_at, time_zone), "score": round(float(result.score), 2),
            "total": round(float(total), 2), "band": result.band, "issuer": issuer}


def same_result(stated: dict, now_stated: dict) -> bool:
    """Whether two statements agree on the result (score, full mark, band, date): if they do not,
    the older document no longer tells the truth and is revoked."""
    return all(stated.get(key) == now_stated.get(key) for key in ("score", "total", "band", "date"))


def score_text(score: float) -> str:
    """A score as printed: no trailing zeros (95, 95.5)."""
    return f"{score:g}"
