"""Check-in window, present/late, rotating codes, decisions and the QR code
(trainingapp.training.sessions.checkin)."""
import hashlib
import hmac
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from trainingapp.training.sessions.checkin import (
    MESSAGE_KEYS,
    Decision,
    checkin_decision,
    checkin_url_payload,
    checkin_window,
    code_at,
    current_step,
    in_window,
    normalise_code,
    qr_svg,
    seconds_until_rotation,
    status_for_arrival,
    verify_code,
)

SECRET = b"per-session-secret-0123456789abcdef"
STARTS = datetime(2025, 4, 8, 1, 0, 0)  # 09:00 Beijing
ENDS = datetime(2025, 4, 8, 3, 0, 0)
WINDOW = checkin_window(STARTS, ENDS)
# A moment exactly on a 60 s step boundary (1744074000 is divisible by 60).
STEP_START = datetime(2025, 4, 8, 1, 0, 0)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


# --------------------------------------------------------------------------- window


def test_window_is_30_minutes_either_side_of_the_start():
    assert WINDOW == (STARTS - minutes(30), STARTS + minutes(30))


def test_window_is_configurable_and_ignores_the_end():
    assert checkin_window(STARTS, STARTS + minutes(10), before=minutes(15), after=minutes(45)) == (
        STARTS - minutes(15),
        STARTS + minutes(45),
    )


@pytest.mark.parametrize(
    "kwargs", [{"ends_at": STARTS - seconds(1)}, {"before": -minutes(1)}, {"after": -minutes(1)}]
)
def test_window_rejects_nonsense(kwargs):
    args = {"ends_at": ENDS, **kwargs}
    with pytest.raises(ValueError):
        checkin_window(STARTS, args.pop("ends_at"), **args)


@pytest.mark.parametrize(
    "now, inside",
    [
        (STARTS - minutes(31), False),
        (STARTS - minutes(30) - seconds(0.001), False),
        (STARTS - minutes(30), True),  # opening edge belongs to the window
        (STARTS, True),
        (STARTS + minutes(29), True),
        (STARTS + minutes(30), True),  # closing edge belongs to the window
        (STARTS + minutes(30) + seconds(0.001), False),
        (ENDS, False),
    ],
)
def test_in_window(now, inside):
    assert in_window(now, WINDOW) is inside


# --------------------------------------------------------------------------- present or late


@pytest.mark.parametrize(
    "arrived, late_after, expected",
    [
        (STARTS - minutes(20), timedelta(0), "present"),
        (STARTS, timedelta(0), "present"),
        (STARTS + seconds(1), timedelta(0), "late"),
        (STARTS + minutes(25), timedelta(0), "late"),
        (STARTS + minutes(5), minutes(5), "present"),
        (STARTS + minutes(5) + seconds(1), minutes(5), "late"),
    ],
)
def test_status_for_arrival(arrived, late_after, expected):
    assert status_for_arrival(STARTS, arrived, late_after=late_after) == expected


# --------------------------------------------------------------------------- codes


def test_code_is_six_digits_from_hmac_sha256():
    step = int(STEP_START.timestamp() - datetime(1970, 1, 1).timestamp()) // 60
    digest = hmac.new(SECRET, f"trainingapp-checkin:60:{step}".encode(), hashlib.sha256).digest()
    expected = f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"
    code = code_at(SECRET, STEP_START, rotate_seconds=60)
    assert code == expected
    assert len(code) == 6 and code.isascii() and code.isdigit()


def test_step_is_floor_of_unix_time_over_rotation():
    assert current_step(STEP_START, 60) == 1744074000 // 60
    assert current_step(STEP_START - seconds(0.000001), 60) == 1744074000 // 60 - 1
    assert current_step(STEP_START, None) is None


@pytest.mark.parametrize(
    "a, b, same",
    [
        (STEP_START, STEP_START + seconds(59.999), True),  # same step
        (STEP_START - seconds(0.001), STEP_START, False),  # across a step boundary
        (STEP_START, STEP_START + seconds(60), False),
        (STEP_START + seconds(120), STEP_START + seconds(179), True),
    ],
)
def test_rotating_code_changes_only_across_steps(a, b, same):
    assert (code_at(SECRET, a, rotate_seconds=60) == code_at(SECRET, b, rotate_seconds=60)) is same


def test_codes_over_an_hour_are_not_all_equal():
    codes = {code_at(SECRET, STEP_START + minutes(i), rotate_seconds=60) for i in range(60)}
    assert len(codes) > 50


def test_fixed_code_is_the_same_all_window_long():
    moments = [WINDOW[0], STARTS, WINDOW[1], STARTS + timedelta(days=3)]
    assert len({code_at(SECRET, m, rotate_seconds=None) for m in moments}) == 1


def test_codes_depend_on_the_secret():
    assert code_at(SECRET, STARTS, rotate_seconds=None) != code_at(b"other secret", STARTS, rotate_seconds=None)
    assert code_at(SECRET, STARTS, rotate_seconds=60) != code_at(b"other secret", STARTS, rotate_seconds=60)


@pytest.mark.parametrize("secret", [b"", "text secret", None])
def test_code_needs_a_bytes_secret(secret):
    with pytest.raises(ValueError):
        code_at(secret, STARTS, rotate_seconds=60)


@pytest.mark.parametrize("rotate_seconds", [0, -60, 1.5])
def test_code_rejects_bad_rotation(rotate_seconds):
    with pytest.raises(ValueError):
        code_at(SECRET, STARTS, rotate_seconds=rotate_seconds)


NOW = STEP_START + seconds(10)
CURRENT = code_at(SECRET, NOW, rotate_seconds=60)
PREVIOUS = code_at(SECRET, NOW - seconds(60), rotate_seconds=60)
TWO_BACK = code_at(SECRET, NOW - seconds(120), rotate_seconds=60)
NEXT = code_at(SECRET, NOW + seconds(60), rotate_seconds=60)
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    "typed, drift_steps, ok",
    [
        (CURRENT, 1, True),
        (PREVIOUS, 1, True),  # typed just as it rotated
        (PREVIOUS, 0, False),
        (TWO_BACK, 1, False),
        (TWO_BACK, 2, True),
        (NEXT, 1, False),  # a future code is never accepted
        (CURRENT.translate(FULLWIDTH), 1, True),  # full-width digits from a Chinese IME
        (f" {CURRENT[:3]} {CURRENT[3:]}\n", 1, True),
        (f"{CURRENT[:3]}\u3000{CURRENT[3:]}", 1, True),  # ideographic space
        (CURRENT[:5], 1, False),
        (CURRENT + "0", 1, False),
        ("", 1, False),
        (None, 1, False),
        (123456, 1, False),
        ("١٢٣٤٥٦", 1, False),  # other scripts' digits are not codes
    ],
)
def test_verify_rotating_code(typed, drift_steps, ok):
    assert verify_code(SECRET, typed, NOW, rotate_seconds=60, window=WINDOW, drift_steps=drift_steps) is ok


def test_verify_refuses_a_correct_code_outside_the_window():
    late = WINDOW[1] + seconds(1)
    code = code_at(SECRET, late, rotate_seconds=60)
    assert not verify_code(SECRET, code, late, rotate_seconds=60, window=WINDOW)
    assert verify_code(SECRET, code, late, rotate_seconds=60, window=None)


@pytest.mark.parametrize(
    "typed, ok",
    [
        (code_at(SECRET, STARTS, rotate_seconds=None), True),
        (code_at(SECRET, STARTS, rotate_seconds=60), False),
        (code_at(b"another session", STARTS, rotate_seconds=None), False),
    ],
)
def test_verify_fixed_code(typed, ok):
    for now in (WINDOW[0], STARTS, WINDOW[1]):
        assert verify_code(SECRET, typed, now, rotate_seconds=None, window=WINDOW) is ok


@pytest.mark.parametrize(
    "typed, expected",
    [("123456", "123456"), ("１２３ ４５６", "123456"), ("12345", None), ("12a456", None), (None, None)],
)
def test_normalise_code(typed, expected):
    assert normalise_code(typed) == expected


@pytest.mark.parametrize(
    "now, rotate_seconds, expected",
    [
        (STEP_START, 60, 60),
        (STEP_START + seconds(0.5), 60, 60),  # rounded up: never shows 0 while a code is live
        (STEP_START + seconds(1), 60, 59),
        (STEP_START + seconds(59.2), 60, 1),
        (STEP_START + seconds(30), 120, 90),
        (STEP_START, None, None),
    ],
)
def test_seconds_until_rotation(now, rotate_seconds, expected):
    assert seconds_until_rotation(now, rotate_seconds) == expected


def test_seconds_until_rotation_matches_the_step_change():
    now = STEP_START + seconds(17)
    wait = seconds_until_rotation(now, 60)
    assert current_step(now + seconds(wait - 1), 60) == current_step(now, 60)
    assert current_step(now + seconds(wait), 60) == current_step(now, 60) + 1


# --------------------------------------------------------------------------- decisions

DECISIONS = [
    # name, now, code_ok, already, expected attendee, decision
    ("too early", STARTS - minutes(31), True, None, True, Decision("too_early", None, "checkin.too_early")),
    ("opening edge", STARTS - minutes(30), True, None, True, Decision("ok", "present", "checkin.present")),
    ("on time", STARTS - minutes(5), True, None, True, Decision("ok", "present", "checkin.present")),
    ("at the start", STARTS, True, None, True, Decision("ok", "present", "checkin.present")),
    ("late", STARTS + minutes(10), True, None, True, Decision("ok", "late", "checkin.late")),
    ("closing edge", STARTS + minutes(30), True, None, True, Decision("ok", "late", "checkin.late")),
    ("closed", STARTS + minutes(31), True, None, True, Decision("closed", None, "checkin.closed")),
    ("wrong code", STARTS, False, None, True, Decision("wrong_code", None, "checkin.wrong_code")),
    ("window before code", STARTS - minutes(40), False, None, True, Decision("too_early", None, "checkin.too_early")),
    ("walk-in", STARTS + minutes(10), True, None, False, Decision("ok", "walk_in", "checkin.walk_in")),
    ("walk-in, wrong code", STARTS, False, None, False, Decision("wrong_code", None, "checkin.wrong_code")),
    ("twice, present", STARTS + minutes(10), True, "present", True, Decision("already", "present", "checkin.already")),
    ("twice, late", STARTS + minutes(12), True, "late", True, Decision("already", "late", "checkin.already")),
    ("twice, closed", STARTS + minutes(90), False, "present", True, Decision("already", "present", "checkin.already")),
]


@pytest.mark.parametrize(
    "now, code_ok, already, expected, decision",
    [case[1:] for case in DECISIONS],
    ids=[case[0] for case in DECISIONS],
)
def test_checkin_decision(now, code_ok, already, expected, decision):
    assert checkin_decision(now, WINDOW, code_ok, already, expected, starts_at=STARTS) == decision


def test_checkin_decision_with_grace_period():
    decision = checkin_decision(STARTS + minutes(4), WINDOW, True, None, True, starts_at=STARTS, late_after=minutes(5))
    assert decision == Decision("ok", "present", "checkin.present")


LOCKED = Decision("locked", None, "checkin.locked")


def test_a_locked_person_is_refused_whatever_the_code_but_keeps_a_check_in_made():
    for code_ok in (True, False):
        assert checkin_decision(STARTS, WINDOW, code_ok, None, True, starts_at=STARTS, locked=True) == LOCKED
    assert checkin_decision(STARTS, WINDOW, False, "present", True, starts_at=STARTS, locked=True).outcome == "already"


def test_every_message_key_is_listed():
    keys = {case[-1].message_key for case in DECISIONS} | {LOCKED.message_key}
    assert keys == set(MESSAGE_KEYS)


def test_checking_in_twice_through_the_decision_is_harmless():
    first = checkin_decision(STARTS + minutes(3), WINDOW, True, None, True, starts_at=STARTS)
    second = checkin_decision(STARTS + minutes(8), WINDOW, True, first.status, True, starts_at=STARTS)
    assert first == Decision("ok", "late", "checkin.late")
    assert second == Decision("already", "late", "checkin.already")


# --------------------------------------------------------------------------- URL and QR


@pytest.mark.parametrize(
    "base, session_id, code, url",
    [
        ("https://train.example.gov.cn", 42, "012345", "https://train.example.gov.cn/checkin/42?code=012345"),
        ("https://train.example.gov.cn/", 42, "012345", "https://train.example.gov.cn/checkin/42?code=012345"),
        ("http://10.0.0.5:8000/app", 7, "999999", "http://10.0.0.5:8000/app/checkin/7?code=999999"),
        ("https://x.cn", 7, None, "https://x.cn/checkin/7"),
    ],
)
def test_checkin_url_payload(base, session_id, code, url):
    assert checkin_url_payload(base, session_id, code) == url


def test_qr_svg_is_embeddable_scalable_svg():
    svg = qr_svg(checkin_url_payload("https://train.example.gov.cn", 42, "012345"))
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own generated SVG, not untrusted input
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "viewBox" in root.attrib
    # No fixed width/height: it fills whatever box the page gives it.
    assert "width" not in root.attrib and "height" not in root.attrib
    assert 'stroke="#000"' in svg


def test_qr_svg_differs_by_text_and_is_deterministic():
    a = qr_svg("https://x.cn/checkin/1?code=111111")
    assert a == qr_svg("https://x.cn/checkin/1?code=111111")
    assert a != qr_svg("https://x.cn/checkin/1?code=222222")
