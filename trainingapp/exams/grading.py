"""Grading exam responses: validation, scoring, correctness and submission receipts.

Pure functions over plain data (no Flask, no database), so every rule is unit-tested.

Shapes, answer key → normalised response (from `validate_response`):

- single: ``"B"`` → ``"B"``
- multiple: ``["A", "B", "D"]`` (sorted) → a sorted, unique, non-empty list of keys
- truefalse: ``True`` / ``False`` → ``True`` / ``False``
- fill: ``[["十五日", "15日"], ["书面"]]`` (accepted alternatives per blank) → one
  stripped string per blank
- short (简答): reference and scoring points (questionbank/subjective.py) → one stripped text
- case (案例分析): one part per sub-question → one stripped text per sub-question

Subjective answers (short, case) are marked by people (exams/marking); `score_paper` leaves
them out and says which are waiting.

``None`` always means "unanswered".
"""
from __future__ import annotations

import hashlib
import json
import unicodedata

from ..questionbank.subjective import MAX_ANSWER_CHARS, SUBJECTIVE_TYPES

QUESTION_TYPES = ("single", "multiple", "truefalse", "fill", *SUBJECTIVE_TYPES)

#: Longest accepted text for one fill-in blank (after stripping).
MAX_BLANK_CHARS = 500

# Invisible characters that survive NFKC and copy-paste from Word or web pages; they
# would make a visually identical answer not match.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_TRAILING_STOPS = "。."


class InvalidResponse(ValueError):
    """A candidate's response does not have the shape its question type expects."""


# --------------------------------------------------------------------------- validation


def validate_response(qtype: str, response, option_keys: list[str], blank_count: int):
    """The normalised response or None (a clear); any JSON value raises only InvalidResponse.

    An unknown `qtype` is a programming error and raises a plain ValueError instead.
    """
    validator = _VALIDATORS.get(qtype)
    if validator is None:
        raise ValueError(f"unknown question type {qtype!r}")
    if response is None:
        return None
    return validator(response, option_keys, blank_count)


def _validate_single(response, option_keys, _blank_count):
    # The isinstance check comes first: `in` on an unhashable or odd value must not run.
    if not isinstance(response, str) or response not in option_keys:
        raise InvalidResponse(f"expected one option key out of {_keys_text(option_keys)}")
    return response


def _validate_multiple(response, option_keys, _blank_count):
    if not isinstance(response, list):
        raise InvalidResponse(
            f"expected a list of option keys out of {_keys_text(option_keys)}"
        )
    for item in response:
        if not isinstance(item, str) or item not in option_keys:
            raise InvalidResponse(
                f"expected a list of option keys out of {_keys_text(option_keys)}"
            )
    # An empty selection is the candidate unticking everything: a clear, not an answer.
    return sorted(set(response)) or None


def _validate_truefalse(response, _option_keys, _blank_count):
    # Strictly a JSON boolean: "true", 1 or 0 are client bugs worth surfacing.
    if not isinstance(response, bool):
        raise InvalidResponse("expected true or false")
    return response


def _validate_fill(response, _option_keys, blank_count):
    expected = f"expected a list of {blank_count} strings, one per blank"
    if not isinstance(response, list) or len(response) != blank_count:
        raise InvalidResponse(expected)
    blanks = [_validate_blank(item, expected) for item in response]
    # All blanks empty is the same as never answering.
    return blanks if any(blanks) else None


def _validate_short(response, _option_keys, _blank_count):
    text = _validate_text(response, "expected a string", MAX_ANSWER_CHARS, "the answer")
    return text or None


def _validate_case(response, _option_keys, part_count):
    expected = f"expected a list of {part_count} strings, one per sub-question"
    if not isinstance(response, list) or len(response) != part_count:
        raise InvalidResponse(expected)
    texts = [_validate_text(item, expected, MAX_ANSWER_CHARS, f"the answer to sub-question {number}")
             for number, item in enumerate(response, start=1)]
    return texts if any(texts) else None


def _validate_blank(item, expected: str) -> str:
    return _validate_text(item, expected, MAX_BLANK_CHARS, "each blank")


def _validate_text(item, expected: str, limit: int, what: str) -> str:
    if not isinstance(item, str):
        raise InvalidResponse(expected)
    text = item.strip()
    if len(text) > limit:
        # The length as the candidate's page counts it (characters after trimming), so the
        # message says by how much to shorten.
        raise InvalidResponse(f"{what} must be at most {limit} characters; it has {len(text)}")
    # PostgreSQL text/jsonb refuse NUL, and lone surrogates cannot be encoded as UTF-8:
    # either would turn a bad request into a server error later.
    if "\x00" in text or not _encodes_as_utf8(text):
        raise InvalidResponse(f"{what} contains characters that are not allowed")
    return text


def _encodes_as_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _keys_text(option_keys) -> str:
    return "[" + ", ".join(str(key) for key in option_keys) + "]"


_VALIDATORS = {
    "single": _validate_single,
    "multiple": _validate_multiple,
    "truefalse": _validate_truefalse,
    "fill": _validate_fill,
    "short": _validate_short,
    "case": _validate_case,
}


# --------------------------------------------------------------------------- grading


def normalise_blank(text: str) -> str:
    """Fill-in text reduced for comparison: NFKC, casefolded, no whitespace or invisible
    characters, no trailing full stops (。 or .)."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_INVISIBLE)
    return "".join(text.split()).rstrip(_TRAILING_STOPS)


def is_correct(qtype: str, key, response) -> bool:
    """True only for a full-marks response; None (unanswered) is never correct."""
    if response is None:
        return False
    if qtype in ("single", "truefalse"):
        return key == response
    if qtype == "multiple":
        return _key_set(key) == set(response)
    if qtype == "fill":
        alternatives = _fill_alternatives(key)
        return bool(alternatives) and _right_blanks(alternatives, response) == len(alternatives)
    raise ValueError(f"unknown question type {qtype!r}")


def grade(qtype: str, key, response, points: float, *, partial: bool = False) -> float:
    """Points earned, within [0, points], 0 for None; never raises on a validated response."""
    if is_correct(qtype, key, response):
        return float(points)
    if response is None or not partial:
        return 0.0
    if qtype == "multiple":
        return _partial_multiple(_key_set(key), response, points)
    if qtype == "fill":
        return _partial_fill(_fill_alternatives(key), response, points)
    return 0.0  # single and truefalse have no partial credit


def score_paper(paper: list[dict], keys: dict, responses: dict, *,
                partial_types: frozenset = frozenset()) -> tuple[float, list[tuple[int, float, bool]]]:
    """A drawn paper's objective total (rounded to 2 decimals) against `keys` (question id ->
    key), and (question id, points earned, fully correct) for every objective item with a
    stored response; items never answered earn nothing and are not listed, nor are subjective
    items (see `awaiting_marks`). Types in `partial_types` earn partial credit."""
    total, scored = 0.0, []
    for item in paper:
        if item["q"] not in responses or item["t"] in SUBJECTIVE_TYPES:
            continue
        response, key = responses[item["q"]], keys[item["q"]]
        score = grade(item["t"], key, response, item["p"], partial=item["t"] in partial_types)
        scored.append((item["q"], score, response is not None and is_correct(item["t"], key, response)))
        total += score
    return round(total, 2), scored


def awaiting_marks(paper: list[dict], responses: dict) -> list[int]:
    """The subjective items of a paper with an answer a person must mark (in paper order); an
    unanswered subjective item simply earns nothing."""
    return [item["q"] for item in paper
            if item["t"] in SUBJECTIVE_TYPES and responses.get(item["q"]) is not None]


def _key_set(key) -> set:
    return set(key) if isinstance(key, (list, tuple, set, frozenset)) else set()


def _partial_multiple(correct: set, response, points: float) -> float:
    chosen = set(response)
    # Any wrong key earns nothing: partial credit rewards caution, not guessing.
    if not chosen or not correct or not chosen <= correct:
        return 0.0
    return _share(points, len(chosen), len(correct))


def _partial_fill(alternatives: list[set[str]], response, points: float) -> float:
    if not alternatives:
        return 0.0
    return _share(points, _right_blanks(alternatives, response), len(alternatives))


def _share(points: float, right: int, out_of: int) -> float:
    # Rounded once on the total (not per part) so 2 of 3 on 1 point is 0.67, not 0.66;
    # the clamp keeps tiny point values from rounding above the full mark.
    return max(0.0, min(float(points), round(points * right / out_of, 2)))


def _fill_alternatives(key) -> list[set[str]]:
    """Per blank, the normalised accepted answers (empty ones dropped)."""
    if not isinstance(key, (list, tuple)):
        return []
    blanks = []
    for accepted in key:
        # Tolerate a bare string for a one-alternative blank in hand-written keys.
        options = [accepted] if isinstance(accepted, str) else accepted
        if not isinstance(options, (list, tuple)):
            options = []
        normalised = {normalise_blank(text) for text in options if isinstance(text, str)}
        normalised.discard("")
        blanks.append(normalised)
    return blanks


def _right_blanks(alternatives: list[set[str]], response) -> int:
    # Blanks are compared by position; a response shorter than the key (the question
    # was edited after answering) simply leaves the missing blanks wrong.
    right = 0
    for accepted, given in zip(alternatives, response):
        text = normalise_blank(given) if isinstance(given, str) else ""
        # An empty blank never matches, even a key whose alternative normalises to "".
        if text and text in accepted:
            right += 1
    return right


# --------------------------------------------------------------------------- receipts


def receipt_canonical_json(attempt_id: int, answers: dict, submitted_at_iso: str) -> str:
    """The exact text a receipt code hashes: the same for equal answers in any dict order.

    ``{"answers":{"<question id>":<answer>,...},"attempt_id":<id>,"submitted_at":"<iso>"}``
    with sorted keys, no spaces, UTF-8 characters as-is (ensure_ascii=False). Question
    ids become strings (as after a JSON round trip, so int and str ids agree) and
    unanswered (None) entries are left out, so "absent" and "null" give the same code.
    """
    document = {
        "answers": {str(qid): answer for qid, answer in answers.items() if answer is not None},
        "attempt_id": int(attempt_id),
        "submitted_at": submitted_at_iso,
    }
    return json.dumps(
        document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def receipt_code(attempt_id: int, answers: dict, submitted_at_iso: str) -> str:
    """A short code like ``3F2A-91C0-7B4D-E812`` from SHA-256 of the canonical JSON;
    identical for identical submissions whatever the dict order."""
    canonical = receipt_canonical_json(attempt_id, answers, submitted_at_iso)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))
