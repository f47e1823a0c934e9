"""Studying a material and a practice round in a real Chromium on a 360 px phone: heartbeats
arrive and are credited by the server's (moved) clock, hiding the page pauses them, the
course completes with its credits; a practice round shows each verdict only after answering."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question
from trainingapp.training.courses.models import Course, CourseCompletion, Material

pytestmark = pytest.mark.browser
# The pages send a strict Content-Security-Policy (no eval): every wait_for_function and
# evaluate gets an arrow function, never a bare expression.


@pytest.fixture
def fast_beats(app):
    """Beats every half second instead of 30 s (the page reads the interval from a data attribute)."""
    app.config["STUDY_HEARTBEAT_SECONDS"] = 0.5
    yield
    app.config.pop("STUDY_HEARTBEAT_SECONDS", None)


def no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_studying_a_material_on_a_phone(app, make, phone, fast_beats):
    cadre = make.user(role="cadre")
    with app.app_context():
        course = Course(title="宪法基本知识", category="宪法", credits=1.5, is_published=True, published_at=clock.now())
        body = ("## 宪法是国家的根本法\n\n- 具有最高的法律效力（宪法序言）。\n"
                "- 一切法律都不得同宪法相抵触（第五条）。\n\n" + "依法治国。" * 80)
        course.materials.append(Material(position=0, title="宪法的地位", kind="text", minutes=1, body_markdown=body))
        db.session.add(course)
        db.session.commit()
        course_id, material_id = course.id, course.materials[0].id
        db.session.remove()

    phone.login(cadre.login)
    phone.open(f"/courses/{course_id}")
    phone.click("#continue")
    phone.wait_for_url(f"**/courses/{course_id}/materials/{material_id}")
    phone.wait_for_function("() => Number(document.getElementById('study').dataset.beats || 0) >= 2")
    assert phone.eval_on_selector("#material-progress", "p => p.value") <= 2  # real time only: about a second

    clock.advance(timedelta(seconds=30))  # the server's clock moves on between two beats
    phone.wait_for_function("() => document.getElementById('material-progress').value >= 30")
    assert phone.eval_on_selector("#material-progress", "p => p.value") < 40
    assert no_sideways_scroll(phone)
    phone.shot("course-material-phone")

    # Hidden page: one last beat, then silence.
    phone.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {value: true, configurable: true});
        Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    beats = phone.eval_on_selector("#study", "s => Number(s.dataset.beats)")
    phone.wait_for_timeout(1200)
    assert phone.eval_on_selector("#study", "s => Number(s.dataset.beats)") == beats
    assert "Paused" in phone.inner_text("#study-status") or "暂停" in phone.inner_text("#study-status")

    # Visible again: beating resumes and the rest of the minute completes the material and the course.
    phone.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {value: false, configurable: true});
        Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    phone.wait_for_function(f"() => Number(document.getElementById('study').dataset.beats) > {beats + 1}")
    clock.advance(timedelta(seconds=40))
    phone.wait_for_selector("#course-done:not(.d-none)")
    assert "1.5" in phone.inner_text("#course-done")
    assert phone.get_attribute("#study", "data-active") == "false"
    phone.shot("course-material-completed-phone")
    with app.app_context():
        completion = db.session.scalar(select(CourseCompletion).where(CourseCompletion.user_id == cadre.id))
        assert completion is not None and completion.credits == 1.5
        db.session.remove()


def test_a_practice_round_on_a_phone(app, make, phone):
    for qtype in ("single", "multiple", "truefalse", "fill", "single"):
        make.question(qtype, category="民法典", explanation="依据民法典的规定作答。")
    cadre = make.user(role="cadre")
    phone.login(cadre.login)
    phone.open("/practice")
    phone.select_option("#category", "民法典")
    phone.click("label[for='count-0']")  # 5 questions
    phone.click("#start-practice")
    phone.wait_for_url("**/practice/round")
    for position in range(5):
        phone.wait_for_selector("#answer-form")
        assert phone.query_selector("#feedback") is None and phone.query_selector("#correct-answer") is None
        qid = int(phone.get_attribute("#practice-question", "data-qid"))
        qtype = phone.get_attribute("#practice-question", "data-type")
        if position == 0:
            assert no_sideways_scroll(phone)
            phone.shot("practice-question-phone")
        with app.app_context():
            key = db.session.get(Question, qid).answer
            db.session.remove()
        right = position != 0  # the first one wrong, whatever its type
        if qtype == "fill":
            phone.fill("#blank-0", key[0][0] if right else "不知道")
        elif qtype == "truefalse":
            phone.click(f"input[name=answer][value={'true' if key == right else 'false'}]")
        elif qtype == "multiple":
            for letter in (key if right else ["C"]):
                phone.click(f"input[name=answer][value={letter}]")
        else:
            phone.click(f"input[name=answer][value={key if right else ('B' if key == 'A' else 'A')}]")
        phone.click("#check")
        phone.wait_for_selector("#feedback")
        assert phone.get_attribute("#feedback", "data-correct") == ("false" if position == 0 else "true")
        assert phone.inner_text("#correct-answer").strip()
        if position == 0:
            assert no_sideways_scroll(phone)
            phone.shot("practice-feedback-phone")
        phone.click("#next")
    phone.wait_for_selector("#summary")
    assert "4" in phone.inner_text("#summary")
    phone.open("/practice/mistakes")
    assert phone.query_selector_all("#mistakes li")


def tiny_pdf(text: str = "Constitution") -> bytes:
    """A valid one-page PDF showing `text` (ASCII), built by hand."""
    stream = f"BT /F1 36 Tf 72 700 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_trainer_uploads_a_pdf_that_shows_in_the_page(app, make, page, tmp_path):
    trainer = make.user(role="trainer")
    pdf = tmp_path / "讲义.pdf"
    pdf.write_bytes(tiny_pdf())
    page.context.add_cookies([{"name": "lang", "value": "en", "url": page.base_url}])  # the labels below
    page.login(trainer.login)
    page.open("/courses/new")
    page.fill("#title", "行政处罚法要点")
    page.fill("#credits", "1")
    page.click("#submit")
    page.wait_for_url("**/courses/*/edit")
    page.click("text=+ Document")
    page.fill("#title", "讲义")
    page.fill("#minutes", "5")
    page.set_input_files("#file", str(pdf))
    page.click("#submit")
    page.wait_for_url("**/courses/*/edit*")
    page.click("#publish")
    page.wait_for_selector("text=Withdraw")
    page.click("text=Preview")
    page.click("#materials + ol a")
    frame_element = page.wait_for_selector("#material-body iframe")
    src = frame_element.get_attribute("src")
    response = page.request.get(page.base_url + src)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    page.wait_for_timeout(500)
    page.shot("course-material-pdf-desktop")


def test_a_second_tab_on_another_material_says_it_is_not_counting(app, make, page, fast_beats):
    """One material at a time (issue #20, finding 5): the tab that started first counts; the
    other says so, and counts once the first is hidden."""
    cadre = make.user(role="cadre")
    with app.app_context():
        course = Course(title="行政处罚法", category="行政处罚法", credits=1, is_published=True,
                        published_at=clock.now())
        for position in range(2):
            course.materials.append(Material(position=position, title=f"第{position + 1}讲", kind="text",
                                             minutes=10, body_markdown="行政处罚的种类。"))
        db.session.add(course)
        db.session.commit()
        course_id, (first, second) = course.id, [m.id for m in course.materials]
        db.session.remove()
    page.context.add_cookies([{"name": "lang", "value": "zh", "url": page.base_url}])
    page.login(cadre.login)
    page.open(f"/courses/{course_id}/materials/{first}")
    # Each wait is for the server's answer (data-counting), not for beats sent or a sleep.
    page.wait_for_function("() => document.getElementById('study').dataset.counting === 'true'")
    other = page.context.new_page()
    other.goto(f"{page.base_url}/courses/{course_id}/materials/{second}")
    other.wait_for_function("() => document.getElementById('study').dataset.counting === 'false'")
    other.wait_for_function("() => document.getElementById('study-status').textContent.includes('本页不计时')")
    assert "正在学习其他材料" in other.inner_text("#study-status")
    assert "本页不计时" not in page.inner_text("#study-status")

    # The race this test once lost by chance, played on purpose: a regular beat of the first
    # tab is held on its way while the tab is hidden, and reaches the server after the leaving beat.
    held = []

    def hold_one_regular_beat(route):
        body = route.request.post_data_json
        if held or body["start"] or body["leaving"]:
            route.continue_()
        else:
            held.append(route)

    page.route("**/heartbeat", hold_one_regular_beat)
    for _ in range(200):  # the next beat is due within half a second
        if held:
            break
        page.wait_for_timeout(25)
    assert held
    page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {value: true, configurable: true});
        Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    page.wait_for_function("() => { const s = document.getElementById('study').dataset;"
                           " return s.answered === s.beats; }")  # the leaving beat was decided
    with page.expect_response("**/heartbeat") as late:
        held[0].continue_()
    assert late.value.json()["reason"] == "stale"
    # The leaving beat freed the clock and the late beat could not take it back: the second tab
    # counts from its next beat on.
    answered = int(other.get_attribute("#study", "data-answered"))
    other.wait_for_function(f"() => Number(document.getElementById('study').dataset.answered) > {answered}")
    assert other.get_attribute("#study", "data-counting") == "true"
    assert "本页不计时" not in other.inner_text("#study-status")
    clock.advance(timedelta(seconds=30))
    other.wait_for_function("() => document.getElementById('material-progress').value >= 30")
