"""Each partial-credit rule does what its setting says: multiple choice and fill-in are set apart."""
import pytest

from tests.conftest import login


@pytest.fixture
def paper(app, make):
    """A paper of one 2-blank fill-in worth 10 and one multiple choice (key AB) worth 10."""
    fill = make.question("fill", stem="行政复议期限为____日，可延长____日", answer=[["六十", "60"], ["三十", "30"]])
    multiple = make.question("multiple", answer=["A", "B"])
    trainer, cadre = make.user(role="trainer"), make.user(role="cadre")

    def take(**settings):
        exam = make.exam(trainer, [cadre], fixed=[(fill, 10), (multiple, 10)], shuffle_options=False, **settings)
        client = app.test_client()
        login(client, cadre)
        body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
        attempt = body["attempt_id"]
        answers = {fill.id: ["60", "十"], multiple.id: ["A"]}  # one blank of two; one option of two
        for seq, question in enumerate(body["questions"], 1):
            assert client.put(f"/api/attempts/{attempt}/answers/{question['id']}",
                              json={"answer": answers[question["id"]], "seq": seq}).status_code == 200
        assert client.post(f"/api/attempts/{attempt}/submit").status_code == 200
        with app.app_context():
            from trainingapp.exams.models import Answer
            from trainingapp.platform.extensions import db
            return {row.question_id: row.score for row in db.session.scalars(
                db.select(Answer).where(Answer.attempt_id == attempt))}, fill.id, multiple.id
    return take


def test_by_default_neither_type_earns_partial_credit(paper):
    scores, fill, multiple = paper()
    assert scores == {fill: 0, multiple: 0}


def test_partial_multiple_choice_gives_no_per_blank_credit_on_fill_ins(paper):
    scores, fill, multiple = paper(multiple_scoring="partial")
    assert scores == {fill: 0, multiple: 5}


def test_per_blank_fill_in_credit_is_its_own_setting(paper):
    scores, fill, multiple = paper(fill_scoring="per_blank")
    assert scores == {fill: 5, multiple: 0}


def test_the_settings_form_offers_both_rules_with_what_they_do(as_role):
    page = as_role("trainer").get("/exams/new").get_data(as_text=True)
    assert 'name="fill_scoring"' in page and 'name="multiple_scoring"' in page
