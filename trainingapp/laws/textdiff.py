"""Two texts of an article side by side with their differences marked (pure)."""
from __future__ import annotations

from difflib import SequenceMatcher

from markupsafe import Markup, escape


def side_by_side(old: str, new: str) -> tuple[Markup, Markup]:
    """The old text with what was removed in <del>, the new with what was added in <ins>,
    compared character by character (Chinese has no spaces between words); escaped."""
    old, new = old or "", new or ""
    left, right = [], []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(escape(old[i1:i2]))
            right.append(escape(new[j1:j2]))
            continue
        if i2 > i1:
            left.append(Markup("<del>%s</del>") % old[i1:i2])
        if j2 > j1:
            right.append(Markup("<ins>%s</ins>") % new[j1:j2])
    return Markup("").join(left), Markup("").join(right)
