"""Pass and excellent marks, which attempt counts, and the result band of a score."""
from __future__ import annotations

#: Default pass and excellent marks as fractions of the full mark (60 / 90 of 100).
PASS_FRACTION = 0.6
EXCELLENT_FRACTION = 0.9

COUNTING_POLICIES = ("best", "last")
BANDS = ("excellent", "pass", "fail", "absent")
#: The band of a result awaiting marks (待阅卷): taken, but neither a pass nor a fail yet.
PENDING = "pending"


def default_marks(total: float) -> tuple[float, float]:
    """(pass mark, excellent mark): 60 % and 90 % of `total`, rounded to 2 decimals."""
    return round(total * PASS_FRACTION, 2), round(total * EXCELLENT_FRACTION, 2)


def counting_score(scores: list[float], policy: str) -> float | None:
    """The score that counts among attempts listed in submission order: "best" is the
    highest, "last" the latest; None when there are none."""
    if policy not in COUNTING_POLICIES:
        raise ValueError(f"unknown counting policy {policy!r}")
    if not scores:
        return None
    return max(scores) if policy == "best" else scores[-1]


def attempts_result(scores: list[float | None], policy: str) -> tuple[float | None, bool]:
    """(counting score, pending) of one person's finished attempts in one exam, listed in
    submission order with None for an attempt awaiting marks. While any awaits marks the
    result is unknown: (None, True), as the reports count it (reports/rates.py)."""
    if any(score is None for score in scores):
        return None, True
    return counting_score([float(score) for score in scores], policy), False


def combined_result(main: float | None, makeup: float | None) -> float | None:
    """The better of the main exam's counting score and the make-up's; a make-up
    counts only when taken (not None); None when neither was taken."""
    taken = [score for score in (main, makeup) if score is not None]
    return max(taken) if taken else None


def grade_band(score: float | None, pass_mark: float, excellent_mark: float) -> str:
    """"excellent" (≥ excellent mark), "pass" (≥ pass mark), "fail", or "absent" for None."""
    if score is None:
        return "absent"
    # Compare at the 2 decimals scores are kept in, so a float sum like 59.99999999999
    # for a real 60 is not a fail.
    score = round(score, 2)
    if score >= round(excellent_mark, 2):
        return "excellent"
    if score >= round(pass_mark, 2):
        return "pass"
    return "fail"
