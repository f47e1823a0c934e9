"""A cadre answers a case analysis (案例分析) on a 390 px phone in a real Chromium: each sub-question
in its own textarea, the network cut while typing, restored, the page reloaded with answers still
unsent, the length limit refused on the page, and every text on the server after the submission."""
import pytest

from tests.conftest import _page
from tests.test_exams_browser import ANSWERS, attempt_row, open_exam, saved_answers
from tests.test_exams_subjective import LONG_TEXT, subjective_question

pytestmark = pytest.mark.browser


@pytest.fixture
def phone390(browser, live_server):
    """A 390 px wide phone (an iPhone 12-15 in portrait)."""
    context, wrapped = _page(browser, live_server, viewport={"width": 390, "height": 844},
                             device_scale_factor=2, is_mobile=True, has_touch=True)
    yield wrapped
    context.close()


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, (page.url, width)


def state(page, selector):
    return page.get_attribute(selector, "data-state")


def test_a_cadre_answers_a_case_analysis_on_a_phone_through_a_network_cut(app, phone390, make):
    phone = phone390
    single = make.question("single")
    case, _markers = subjective_question(app, "case", parts=3, marks=10)
    trainer, cadre = make.user(role="trainer"), make.user(name="考生丙")
    exam = make.exam(trainer, [cadre], fixed=[(single, 10), (case, 30)], shuffle_questions=False,
                     title="案例分析练习（手机）")
    attempt_id = open_exam(phone, cadre, exam)
    assert phone.get_attribute("#exam", "data-layout") == "one"
    phone.click(f'#q-{single.id} label:has(input[value="A"])')
    phone.click("#exam-next")

    box = f"#q-{case.id}"
    areas = [f"{box} textarea[data-part='{n}']" for n in range(3)]
    counters = [f"#q{case.id}-p{n}-count" for n in range(3)]
    phone.wait_for_selector(areas[0])
    # The case material, then each sub-question above its own textarea; the limit is said at once.
    assert case.stem in phone.text_content(f"{box} .exam-stem")
    for n in range(3):
        assert case.options[n] in phone.text_content(f"{box} label[for='q{case.id}-p{n}']")
        assert phone.text_content(counters[n]) == "0 / 5000 字"
    fits(phone)
    empty_height = phone.evaluate(f"document.querySelector(\"{areas[0]}\").offsetHeight")

    # Sub-question 1, typed as a person types, then a long text pasted: saved, and the box grows.
    phone.locator(areas[0]).press_sequentially("程序违法。", delay=20)
    phone.fill(areas[0], LONG_TEXT)
    phone.wait_for_function("id => document.querySelector('#q-' + id + ' .exam-save').dataset.state === 'saved'",
                            arg=case.id)
    # Near the limit (from 4,500 characters) the counter says how many are left.
    assert phone.text_content(counters[0]) == f"{len(LONG_TEXT)} / 5000 字，还可输入 {5000 - len(LONG_TEXT)} 字"
    assert state(phone, counters[0]) == "near"
    phone.shot("case-analysis-phone")
    grown = phone.evaluate(f"document.querySelector(\"{areas[0]}\").offsetHeight")
    assert empty_height < grown <= 844 * 0.6 + 2
    fits(phone)
    assert saved_answers(app, attempt_id)[case.id] == [LONG_TEXT, "", ""]

    # The network drops while sub-question 2 is typed: kept on the phone, marked as not saved.
    phone.context.set_offline(True)
    phone.locator(areas[1]).press_sequentially("第二问：应当先行告知并听取陈述申辩。", delay=20)
    phone.wait_for_selector(f'{box} .exam-save[data-state="unsaved"]')
    assert phone.is_visible("#exam-problem")
    pending = phone.evaluate(f"JSON.parse(localStorage.getItem('exam.{attempt_id}.pending'))")
    assert pending[str(case.id)]["answer"][1] == "第二问：应当先行告知并听取陈述申辩。"
    phone.context.set_offline(False)  # "online": sent at once
    phone.wait_for_selector(f'{box} .exam-save[data-state="saved"]')
    assert saved_answers(app, attempt_id)[case.id][1] == "第二问：应当先行告知并听取陈述申辩。"

    # The answers cannot reach the server while sub-question 3 is written, and the page is
    # reloaded before they can: the unsent text comes back from the phone.
    phone.route(ANSWERS, lambda route: route.abort())
    phone.locator(areas[2]).press_sequentially("第三问：撤销。", delay=20)
    phone.wait_for_selector(f'{box} .exam-save[data-state="unsaved"]')
    phone.on("dialog", lambda dialog: dialog.accept())  # "leave the page with unsaved answers?"
    phone.reload()
    phone.wait_for_selector("#exam.is-ready")
    assert phone.is_visible(areas[2])  # the question it was on
    assert [phone.input_value(area) for area in areas] == [LONG_TEXT, "第二问：应当先行告知并听取陈述申辩。",
                                                            "第三问：撤销。"]
    assert state(phone, f"{box} .exam-save") == "unsaved"
    phone.unroute(ANSWERS)
    phone.context.set_offline(True)
    phone.context.set_offline(False)
    phone.wait_for_selector(f'{box} .exam-save[data-state="saved"]')

    # Beyond 5,000 characters the page refuses clearly and sends nothing; shortened, it saves.
    phone.fill(areas[2], "长" * 5001)
    phone.wait_for_selector(f'{box} .exam-save[data-state="refused"]')
    assert state(phone, counters[2]) == "over" and "超出 1 字" in phone.text_content(counters[2])
    assert "第3小题" in phone.text_content(f"{box} .exam-refused") and phone.is_visible(f"{box} .exam-refused")
    assert state(phone, "#exam-saved") == "unsaved"  # not "all answers saved" while one is refused
    assert "1个答案未被接受" in phone.text_content("#exam-saved")
    phone.click("#exam-submit")  # the confirmation names it before anything is submitted
    phone.wait_for_selector("#exam-confirm-modal.show")
    assert phone.text_content("#exam-confirm-refused") == (
        "答案未被接受（例如超出字数）的题目：2。这些题将按上一次保存的答案交卷。")
    phone.click("#exam-confirm-modal .modal-footer [data-bs-dismiss=modal]")
    phone.wait_for_selector("#exam-confirm-modal", state="hidden")
    fits(phone)
    phone.shot("case-analysis-phone-too-long")
    assert saved_answers(app, attempt_id)[case.id][2] == "第三问：撤销。"
    phone.fill(areas[2], "第三问：撤销该处罚决定。")
    phone.locator(areas[2]).blur()
    phone.wait_for_selector(f'{box} .exam-save[data-state="saved"]')
    assert phone.is_hidden(f"{box} .exam-refused") and state(phone, "#exam-saved") == "saved"

    phone.click("#exam-nav-box summary")
    assert phone.locator(".exam-nav-btn.is-answered").count() == 2
    phone.click("#exam-nav-box summary")
    phone.click("#exam-submit")
    phone.wait_for_selector("#exam-confirm-modal.show")
    assert phone.text_content("#exam-confirm-unanswered") == "您已答完所有试题。"
    phone.click("#exam-confirm")
    phone.wait_for_url(f"**/my/attempts/{attempt_id}/result")
    fits(phone)
    phone.shot("case-analysis-phone-result")
    assert attempt_row(app, attempt_id)["status"] == "submitted"
    assert attempt_row(app, attempt_id)["score"] is None  # 待阅卷
    assert saved_answers(app, attempt_id) == {
        single.id: "A", case.id: [LONG_TEXT, "第二问：应当先行告知并听取陈述申辩。", "第三问：撤销该处罚决定。"]}


def test_an_unanswered_case_is_named_before_submitting(app, phone390, make):
    phone = phone390
    short, _ = subjective_question(app, "short")
    case, _ = subjective_question(app, "case", parts=2)
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], fixed=[(short, 10), (case, 20)], shuffle_questions=False)
    open_exam(phone, cadre, exam)
    phone.fill(f"#q-{short.id} textarea", "   ")  # only spaces: not an answer
    phone.click("#exam-next")
    phone.fill(f"#q-{case.id} textarea[data-part='1']", "只答了第二问")  # any sub-question answers the case
    phone.locator(f"#q-{case.id} textarea[data-part='1']").blur()
    phone.click("#exam-submit")
    phone.wait_for_selector("#exam-confirm-modal.show")
    assert phone.text_content("#exam-confirm-unanswered") == "尚未作答的题目：1。"
