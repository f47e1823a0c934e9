"""How report numbers are written, in one place, so the page, the .xlsx and the .csv of a
report read the same ("96" everywhere, never "96.0" beside "96"; "1,500" everywhere).

Pure: plain values in, text out. The .xlsx keeps numbers as numbers and gets the matching
Excel number formats below.
"""
from __future__ import annotations

#: Shown for a rate or score whose denominator is 0 (the .xlsx leaves the cell empty instead,
#: so Excel neither charts it as 0 % nor counts it in a sum).
MISSING = "—"
#: Excel number formats that display a cell as the functions below write it.
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.0%"
SCORE_FORMAT = "General"  # 96, 85.5, 85.33: General shows no trailing zeros (scores stay below 1,000)


def count(value: int | None) -> str:
    """A head count with thousands separators: 1500 -> "1,500"."""
    return MISSING if value is None else f"{int(value):,}"


def score(value: float | None) -> str:
    """A score to at most two decimals, without trailing zeros: 96.0 -> "96", 85.50 -> "85.5"."""
    if value is None:
        return MISSING
    text = f"{round(float(value), 2):,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def rate(value: float | None) -> str:
    """A rate in [0, 1] as a percentage to one decimal: 2/3 -> "66.7%"."""
    return MISSING if value is None else f"{value * 100:.1f}%"


def score_cell(value: float | None) -> float | None:
    """A score as the .xlsx stores it: rounded to two decimals, so General shows what `score` writes."""
    return None if value is None else round(float(value), 2)
