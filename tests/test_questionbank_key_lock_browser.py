"""Correcting a wrong key in a real Chromium: from the locked question to the regraded attempts."""
import pytest

from tests.test_questionbank_key_lock import question, score_of, sit

pytestmark = pytest.mark.browser


def test_the_owner_corrects_a_key_from_the_question_page(app, page, make):
    wrong, sure = make.question("truefalse", answer=False), make.question("single", answer="A")
    trainer, cadre = make.user(role="trainer"), make.user(name="张三")
    exam = make.exam(trainer, [cadre], fixed=[(wrong, 50), (sure, 50)], title="宪法考试")
    _client, attempt_id = sit(app, exam, cadre, {wrong.id: True, sure.id: "A"})
    page.login(trainer.login)
    page.open(f"/questions/{wrong.id}")
    assert "《宪法考试》" in page.text_content("#locked")
    page.click("#locked a[href$='/correct-key']")
    page.wait_for_load_state()
    assert page.text_content("#current-key") == "错"
    page.fill("#new_key", "对")
    page.fill("#reason", "依据新修订条文，本题应为正确")
    page.click("#preview")
    page.wait_for_load_state()
    row = page.locator(f"#preview tr[data-attempt='{attempt_id}']")
    assert "50 → 100" in row.text_content() and "张三" in row.text_content()
    assert question(app, wrong.id).answer is False
    page.shot("questions-correct-key-preview")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.click("#confirm")
    page.wait_for_load_state()
    assert f"data-attempt=\"{attempt_id}\"" in page.inner_html("#result")
    assert question(app, wrong.id).answer is True and score_of(app, attempt_id) == 100
