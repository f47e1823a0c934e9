"""The cadre's exam in a real Chromium: my exams → rules → start → answer → submit → result,
resuming after a reload, saving through a broken network, the deadline, tab switches, a
360 px phone and the keyboard alone."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from trainingapp.exams.models import Answer, Attempt
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question

pytestmark = pytest.mark.browser

ANSWERS = "**/api/attempts/**/answers/**"
# The pages send a strict Content-Security-Policy (no eval): wait_for_function gets arrow
# functions, which Playwright runs without eval, never bare expressions.


# --- helpers -------------------------------------------------------------------------------------

@pytest.fixture
def people(make):
    make.bank()
    return make.user(role="trainer"), make.user(role="cadre", name="考生乙")


def open_exam(page, cadre, exam):
    """Sign in, open My exams, the exam's rules, press Start; returns the attempt id."""
    page.login(cadre.login)
    page.open("/my/exams")
    page.click(f'[data-exam-id="{exam.id}"] a')
    page.wait_for_url(f"**/my/exams/{exam.id}")
    page.click("#start")
    page.wait_for_url("**/my/attempts/*")
    page.wait_for_selector("#exam.is-ready")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def paper(page):
    """[(question id, type)] in the order the page shows them."""
    return [(int(qid), qtype) for qid, qtype in page.eval_on_selector_all(
        ".exam-q", "boxes => boxes.map(b => [b.dataset.qid, b.dataset.type])")]


def key_of(app, qid):
    with app.app_context():
        answer = db.session.get(Question, qid).answer
        db.session.remove()
    return answer


def answer(page, app, qid, qtype):
    """Give the correct answer through the page (labels clicked, blanks typed); returns what the DB should hold."""
    return give(page, qid, qtype, key_of(app, qid))


def give(page, qid, qtype, key, wrong=False):
    """Answer through the page as a person does (tap the options, type the blanks), the key or, with
    `wrong`, another single choice; returns what the server should then hold."""
    box = f"#q-{qid}"
    if qtype == "single":
        choice = next(k for k in "ABCD" if k != key) if wrong else key
        page.click(f'{box} label:has(input[value="{choice}"])')
        return choice
    if qtype == "multiple":
        for letter in key:
            page.click(f'{box} label:has(input[value="{letter}"])')
        return sorted(key)
    if qtype == "truefalse":
        page.click(f'{box} label:has(input[value="{"true" if key else "false"}"])')
        return key
    texts = [alternatives[0] for alternatives in key]
    for index, text in enumerate(texts):
        page.fill(f'{box} input[data-blank="{index}"]', text)
    return texts


def saved_answers(app, attempt_id):
    with app.app_context():
        rows = {a.question_id: a.response for a in db.session.scalars(
            select(Answer).where(Answer.attempt_id == attempt_id))}
        db.session.remove()
    return rows


def attempt_row(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        row = {"status": attempt.status, "score": attempt.score, "receipt": attempt.receipt,
               "tab_switches": attempt.tab_switches, "finish_reason": attempt.finish_reason}
        db.session.remove()
    return row


def wait_saved(page, count):
    page.wait_for_function(
        "n => document.querySelectorAll('.exam-save[data-state=saved]').length >= n", arg=count)


def seconds_left(page):
    parts = [int(p) for p in page.text_content("#exam-timer").split(":")]
    return sum(value * 60 ** power for power, value in enumerate(reversed(parts)))


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, (page.url, width)


def set_visibility(page, state):
    page.evaluate("""state => {
        Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
        Object.defineProperty(document, 'hidden', {value: state === 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""", state)


# --- the tests -----------------------------------------------------------------------------------

def test_take_a_whole_exam(app, page, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], duration=30, rules=[("single", 2, 10), ("multiple", 1, 20),
                                                           ("truefalse", 2, 10), ("fill", 1, 40)])
    attempt_id = open_exam(page, cadre, exam)
    questions = paper(page)
    assert len(questions) == 6
    assert page.get_attribute("#exam", "data-layout") == "all"  # desktop: the whole paper at once
    expected = {qid: answer(page, app, qid, qtype) for qid, qtype in questions}
    wait_saved(page, 5)  # the blank may still be in its debounce: the submit flushes it
    page.shot("exam-desktop")
    page.click(".exam-bar .exam-submit")
    page.wait_for_selector("#exam-confirm-modal.show")
    assert "alert-success" in page.get_attribute("#exam-confirm-unanswered", "class")  # nothing left unanswered
    page.click("#exam-confirm")
    page.wait_for_url(f"**/my/attempts/{attempt_id}/result")
    assert "100" in page.text_content("#result-score")
    receipt = page.text_content("#receipt").strip()
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", receipt)
    page.shot("exam-result-desktop")
    row = attempt_row(app, attempt_id)
    assert row["status"] == "submitted" and row["score"] == 100 and row["receipt"] == receipt
    assert saved_answers(app, attempt_id) == expected


def test_reload_halfway_keeps_answers_and_time(app, page, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], duration=30)
    attempt_id = open_exam(page, cadre, exam)
    questions = paper(page)
    half = questions[:4]
    expected = {qid: answer(page, app, qid, qtype) for qid, qtype in half}
    wait_saved(page, len(half))
    page.click(f"#q-{half[0][0]} .exam-flag")
    before = seconds_left(page)
    assert 29 * 60 <= before <= 30 * 60
    clock.advance(timedelta(minutes=2))  # two minutes pass on the server while the page reloads
    page.reload()
    page.wait_for_selector("#exam.is-ready")
    for qid, qtype in half:
        if qtype == "fill":
            assert page.input_value(f'#q-{qid} input[data-blank="0"]') == expected[qid][0]
        else:
            value = {True: "true", False: "false"}.get(expected[qid], expected[qid])
            assert page.is_checked(f'#q-{qid} input[value="{value}"]'), qid
        assert page.get_attribute(f"#q-{qid} .exam-save", "data-state") == "saved"
    assert page.get_attribute(f"#q-{half[0][0]} .exam-flag", "aria-pressed") == "true"
    after = seconds_left(page)
    assert before - 120 - 5 <= after <= before - 120 + 2, (before, after)  # not reset to 30:00
    assert saved_answers(app, attempt_id) == expected


def test_answers_survive_a_broken_network(app, page, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], duration=30)
    attempt_id = open_exam(page, cadre, exam)
    questions = paper(page)
    page.route(ANSWERS, lambda route: route.abort())
    expected = {qid: answer(page, app, qid, qtype) for qid, qtype in questions[:3]}
    for qid, _type in questions[:3]:
        page.wait_for_selector(f'#q-{qid} .exam-save[data-state="unsaved"]')
    assert page.get_attribute("#exam-saved", "data-state") == "unsaved"
    assert page.is_visible("#exam-problem")
    pending = page.evaluate(f"JSON.parse(localStorage.getItem('exam.{attempt_id}.pending'))")
    assert {int(k) for k in pending} == set(expected)
    assert saved_answers(app, attempt_id) == {}

    # Still cut off, the page is reloaded: the unsent answers come back from this device.
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page with unsaved answers?"
    page.reload()
    page.wait_for_selector("#exam.is-ready")
    for qid, _type in questions[:3]:
        page.wait_for_selector(f'#q-{qid} .exam-save[data-state="unsaved"]')
    qid, qtype = questions[3]
    expected[qid] = answer(page, app, qid, qtype)
    page.wait_for_selector(f'#q-{qid} .exam-save[data-state="unsaved"]')

    page.unroute(ANSWERS)
    page.context.set_offline(True)
    page.context.set_offline(False)  # fires "online": everything pending is sent at once
    wait_saved(page, 4)
    page.wait_for_function("() => document.querySelector('#exam-saved').dataset.state === 'saved'")
    assert page.is_hidden("#exam-problem")
    assert saved_answers(app, attempt_id) == expected
    assert page.evaluate(f"JSON.parse(localStorage.getItem('exam.{attempt_id}.pending'))") == {}


def test_time_runs_out_and_the_page_submits(app, page, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], duration=1)
    attempt_id = open_exam(page, cadre, exam)
    qid, qtype = paper(page)[0]
    given = answer(page, app, qid, qtype)
    wait_saved(page, 1)
    clock.advance(timedelta(seconds=56))  # about 4 s left
    page.reload()
    page.wait_for_selector("#exam.is-ready")
    assert seconds_left(page) <= 5
    assert "is-warning" in page.get_attribute("#exam-timer-box", "class")
    page.wait_for_url(f"**/my/attempts/{attempt_id}/result", timeout=15_000)
    row = attempt_row(app, attempt_id)
    assert row["status"] in ("submitted", "auto_submitted") and row["receipt"]
    assert saved_answers(app, attempt_id)[qid] == given
    assert page.text_content("#receipt").strip() == row["receipt"]


def test_tab_switches_are_counted_and_the_limit_submits(app, page, make, people):
    trainer, cadre = people
    counted = make.exam(trainer, [cadre], duration=30, tab_switch_limit=3)
    strict = make.exam(trainer, [cadre], duration=30, tab_switch_limit=0)
    attempt_id = open_exam(page, cadre, counted)
    for _round in range(2):
        set_visibility(page, "hidden")
        set_visibility(page, "visible")
    page.wait_for_function(
        "() => document.querySelector('#exam-tabs').textContent.replace(/\\s/g, '').includes('2/3')")
    row = attempt_row(app, attempt_id)
    assert row["tab_switches"] == 2 and row["status"] == "in_progress"

    page.open(f"/my/exams/{strict.id}")
    assert page.is_visible("#tab-rule")  # the rules warn that leaving the page submits
    page.click("#start")
    page.wait_for_url("**/my/attempts/*")
    page.wait_for_selector("#exam.is-ready")
    strict_id = int(page.url.rsplit("/", 1)[1])
    set_visibility(page, "hidden")
    page.wait_for_url(f"**/my/attempts/{strict_id}/result")
    row = attempt_row(app, strict_id)
    assert row["status"] == "auto_submitted" and row["finish_reason"] == "tab_limit" and row["tab_switches"] == 1
    assert page.is_visible("#auto-note")


def test_the_whole_flow_on_a_phone(app, phone, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], duration=30, title="2026年度在编干部学法考试（手机）")
    phone.login(cadre.login)
    phone.open("/my/exams")
    fits(phone)
    phone.shot("my-exams-phone")
    phone.click(f'[data-exam-id="{exam.id}"] a')
    phone.wait_for_url(f"**/my/exams/{exam.id}")
    fits(phone)
    phone.shot("rules-phone")
    phone.click("#start")
    phone.wait_for_url("**/my/attempts/*")
    phone.wait_for_selector("#exam.is-ready")
    attempt_id = int(phone.url.rsplit("/", 1)[1])
    assert phone.get_attribute("#exam", "data-layout") == "one"  # phones: one question at a time
    questions = paper(phone)
    expected = {}
    for index, (qid, qtype) in enumerate(questions):
        assert phone.is_visible(f"#q-{qid}") and phone.locator(".exam-q:visible").count() == 1
        expected[qid] = answer(phone, app, qid, qtype)
        if index == 1:
            fits(phone)
            phone.shot("exam-phone")
        if index < len(questions) - 1:
            phone.click("#exam-next")
    wait_saved(phone, len(questions) - 1)
    phone.click("#exam-nav-box summary")
    phone.wait_for_selector(".exam-nav-btn.is-answered")
    assert phone.locator(".exam-nav-btn.is-answered").count() == len(questions)
    fits(phone)
    phone.shot("exam-phone-navigator")
    phone.click("#exam-submit")
    phone.wait_for_selector("#exam-confirm-modal.show")
    phone.shot("exam-phone-confirm")
    phone.click("#exam-confirm")
    phone.wait_for_url(f"**/my/attempts/{attempt_id}/result")
    fits(phone)
    phone.shot("result-phone")
    assert attempt_row(app, attempt_id)["status"] == "submitted"
    assert saved_answers(app, attempt_id) == expected


def test_keyboard_alone(app, page, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], duration=30, rules=[("single", 1, 100)])
    attempt_id = open_exam(page, cadre, exam)
    [(qid, _type)] = paper(page)

    def tab_to(condition, limit=60):
        for _press in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const e = document.activeElement; return !!e && ({condition}); }})()"):
                return
        raise AssertionError(f"Tab never reached {condition}")

    tab_to("e.type === 'radio'")
    page.keyboard.press("Space")
    chosen = page.evaluate("document.activeElement.value")
    wait_saved(page, 1)
    tab_to("e.id === 'exam-submit'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#exam-confirm-modal.show")
    tab_to("e.id === 'exam-confirm'", limit=10)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/my/attempts/{attempt_id}/result")
    assert attempt_row(app, attempt_id)["status"] == "submitted"
    assert saved_answers(app, attempt_id) == {qid: chosen}


def test_signed_out_mid_exam_keeps_the_answers_until_signed_in_again(app, page, make, people):
    trainer, cadre = people
    exam = make.exam(trainer, [cadre], duration=30)
    attempt_id = open_exam(page, cadre, exam)
    (first, first_type), (second, second_type) = paper(page)[:2]
    expected = {first: answer(page, app, first, first_type)}
    wait_saved(page, 1)
    other = page.context.new_page()  # another tab of the same browser signs out
    other.goto(page.base_url + "/")
    other.evaluate("document.querySelector('form[action$=\"/logout\"]').submit()")
    other.wait_for_url("**/login*")
    expected[second] = answer(page, app, second, second_type)
    page.wait_for_selector(f'#q-{second} .exam-save[data-state="unsaved"]')
    assert page.is_visible("#exam-problem")
    assert saved_answers(app, attempt_id) == {first: expected[first]}
    other.fill("#login", cadre.login)
    other.fill("#password", PASSWORD)
    other.click("#submit")
    other.wait_for_load_state()
    wait_saved(page, 2)  # the page retried on its own with the new session
    assert page.is_hidden("#exam-problem")
    assert saved_answers(app, attempt_id) == expected
