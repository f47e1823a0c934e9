"""A 429 on the sign-in page shows the form again with the reason (accounts answers its own
429s); elsewhere, and for JSON, the app's 429 page or error is unchanged."""
from werkzeug.exceptions import TooManyRequests

MESSAGE = ("该账号登录尝试次数过多", "Too many sign-in attempts for this login")


def _answer(app, path, **headers):
    # The app's real error dispatch for a 429 raised while handling this request.
    with app.test_request_context(path, headers=headers):
        return app.make_response(app.handle_user_exception(TooManyRequests()))


def test_the_sign_in_page_shows_the_form_with_the_reason(app):
    response = _answer(app, "/login")
    text = response.get_data(as_text=True)
    assert response.status_code == 429
    assert 'name="password"' in text and any(m in text for m in MESSAGE)


def test_json_and_other_pages_get_the_app_answer(app):
    response = _answer(app, "/login", Accept="application/json")
    assert response.status_code == 429 and any(m in response.get_json()["error"] for m in MESSAGE)
    for path in ("/people", "/questions/"):
        response = _answer(app, path)
        text = response.get_data(as_text=True)
        assert response.status_code == 429
        assert 'name="password"' not in text and any(m in text for m in MESSAGE)
        assert "请求过于频繁" in text or "Too many requests" in text
