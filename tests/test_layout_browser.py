"""Layouts people complained about, measured in a real Chromium on the demo data: phone-width tables
that scroll sideways with their first column held and never break Chinese one character per line,
chart labels of at least 11 px, selects whose chosen text is not cut off (paper rules on a phone,
question-bank filters on a desktop), and long lists that read as one card per row on a phone."""
import pytest

from trainingapp.platform.extensions import db

pytestmark = pytest.mark.browser

#: Width of a select's chosen text plus its padding (the arrow sits in the right padding), against its width.
SELECT_CUT = """sel => [...document.querySelectorAll(sel)].filter(s => {
  const style = getComputedStyle(s), canvas = document.createElement('canvas').getContext('2d');
  canvas.font = style.font;
  const text = s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : '';
  const needed = canvas.measureText(text).width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  return needed > s.clientWidth + 1;
}).map(s => s.id || s.name)"""

#: Cells (of the first columns) taller than two lines of their own text: Chinese broken char by char.
TALL_CELLS = """([sel, columns]) => [...document.querySelectorAll(sel + ' tr')].flatMap(tr =>
  [...tr.children].slice(0, columns).filter(cell => {
    const line = parseFloat(getComputedStyle(cell).lineHeight) || 24;
    return cell.textContent.trim() && cell.getBoundingClientRect().height > 2.6 * line;
  }).map(cell => cell.textContent.trim()))"""

#: The smallest label of the page's charts as drawn, in CSS pixels.
SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll('svg.chart')].flatMap(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')) * scale);
}))"""


@pytest.fixture
def demo(app):
    """The demo data set; its exams' ids in order (PostgreSQL's sequences do not restart per test):
    the first is the finished exam with results, the fourth the upcoming one drawn by rules."""
    from trainingapp.exams.models import Exam
    from trainingapp.web.demo import load_demo
    with app.app_context():
        assert load_demo()
        ids = list(db.session.scalars(db.select(Exam.id).order_by(Exam.id)))
        db.session.remove()
    return {"finished": ids[0], "upcoming": ids[3]}


def test_wide_tables_on_a_phone_scroll_with_the_first_column_held(demo, phone):
    phone.login("admin", "demo-pass-2026")
    pages = [(f"/exams/{demo['finished']}/candidates", "#candidates", 4),
             (f"/reports/exams/{demo['finished']}", "#department-table", 12)]
    for path, table, columns in pages:
        phone.open(path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= phone.viewport_size["width"] + 2, path
        assert phone.evaluate(TALL_CELLS, [table, columns]) == [], path
        first = phone.locator(f"{table} tbody tr:first-child > :first-child")
        assert first.evaluate("cell => getComputedStyle(cell).position") == "sticky"
        # Scrolled sideways, the first column stays where it was.
        before = first.bounding_box()["x"]
        phone.locator(table).evaluate("t => t.parentElement.scrollLeft = 400")
        assert abs(first.bounding_box()["x"] - before) < 1
        phone.shot(f"layout-phone-{table[1:]}")


def test_lists_behind_the_home_figures_become_cards_on_a_phone(demo, phone):
    phone.login("admin", "demo-pass-2026")
    for path, table in (("/people", "table.table-cards"), ("/exams", "#exam-list"),
                        (f"/reports/exams/{demo['finished']}/people", "#people"),
                        ("/reports/followup?year=2026", "#followup-people")):
        phone.open(path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= phone.viewport_size["width"] + 2, path
        row = phone.locator(f"{table} tbody tr").first
        assert row.evaluate("tr => getComputedStyle(tr).display") == "block", path
        # Each cell names its column.
        labelled = phone.locator(f"{table} tbody tr:first-child td[data-label]").first
        label = labelled.evaluate("td => getComputedStyle(td, '::before').content")
        assert label not in ("none", "normal", '""'), path
        phone.shot("cards-" + path.strip("/").replace("/", "-").replace("?", "-"))
    phone.context.clear_cookies()
    phone.login("cadre", "demo-pass-2026")
    phone.open("/learning")
    assert phone.evaluate("document.documentElement.scrollWidth") <= phone.viewport_size["width"] + 2
    assert phone.locator("#exams tbody tr").first.evaluate("tr => getComputedStyle(tr).display") == "block"
    phone.shot("cards-learning")


def test_chart_labels_are_at_least_11_px_on_a_phone_and_a_desktop(demo, phone, page):
    for view in (phone, page):
        view.login("admin", "demo-pass-2026")
        view.open(f"/reports/exams/{demo['finished']}")
        assert view.evaluate(SMALLEST_CHART_TEXT) >= 11
        assert view.evaluate("document.documentElement.scrollWidth") <= view.viewport_size["width"] + 2
        view.open("/reports/training")
        assert view.evaluate(SMALLEST_CHART_TEXT) >= 11
    phone.shot("layout-phone-charts")


def test_paper_rule_selects_are_not_cut_on_a_phone(demo, phone):
    phone.login("trainer", "demo-pass-2026")
    phone.open(f"/exams/{demo['upcoming']}/paper")
    assert phone.locator("#rules select").count() >= 9
    assert phone.evaluate(SELECT_CUT, "#rules select") == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= phone.viewport_size["width"] + 2
    phone.shot("layout-phone-paper-rules")


def test_question_bank_filters_are_not_cut_on_a_desktop(demo, page):
    page.login("trainer", "demo-pass-2026")
    page.open("/questions")
    assert page.evaluate(SELECT_CUT, "form[role=search] select") == []
