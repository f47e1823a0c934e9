"""The app's JSON (orjson, platform/json_provider.py) writes and reads what Flask's own provider did."""
import dataclasses
import decimal
import json
import uuid
from datetime import date, datetime, timezone

import pytest
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext
from markupsafe import Markup


@dataclasses.dataclass
class Point:
    x: int
    label: str


VALUES = [
    {"stem": "下列关于行政处罚的说法，正确的是", "options": ["甲", "乙"], "points": 2.0, "blanks": 0},
    {"when": datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc), "day": date(2026, 12, 7)},
    {"score": decimal.Decimal("87.5"), "id": uuid.UUID(int=7), "point": Point(1, "一")},
    {1: "int key", None: "none key", 2.5: "float key"},
    [Markup("<b>粗</b>"), (1, 2), True, None, -0.0, 1e-7, 10 ** 18],
    {"big": 2 ** 70},
]


@pytest.mark.parametrize("value", VALUES)
def test_it_writes_what_flasks_provider_wrote(app, value):
    standard = DefaultJSONProvider(app)
    standard.ensure_ascii, standard.sort_keys = False, False
    with app.test_request_context():
        assert json.loads(app.json.dumps(value)) == json.loads(standard.dumps(value))
        response = app.json.response(value)
        assert response.mimetype == "application/json"
        assert json.loads(response.get_data()) == json.loads(standard.dumps(value))


def test_chinese_goes_out_as_utf8_and_lazy_texts_as_their_text(app):
    with app.test_request_context():
        text = app.json.dumps({"title": "年度学法考试", "lazy": lazy_gettext("Save")})
    assert "年度学法考试" in text and "\\u" not in text
    assert json.loads(text)["lazy"] == "保存"


def test_what_cannot_be_written_fails_as_before(app):
    with app.test_request_context(), pytest.raises(TypeError):
        app.json.dumps({"x": object()})
