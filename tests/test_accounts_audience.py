"""Audience: department subtrees × staff categories, plus people added or removed, against the real DB."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from trainingapp.accounts.audience import Audience, Group, display_order, logins_to_ids
from trainingapp.accounts.models import CATEGORIES, User
from trainingapp.accounts.permissions import department_tree
from trainingapp.platform.extensions import db


@pytest.fixture
def town(make):
    """共和镇 ─ 司法所, 应急办 ─ 来苏村; 另一镇; people of several categories, one retired."""
    root = make.department("共和镇")
    office, emergency = make.department("司法所", root), make.department("应急办", root)
    village = make.department("来苏村", emergency)
    other = make.department("另一镇")
    people = {
        "office_staff": make.user(department=office, name="甲"),
        "office_aux": make.user(department=office, category="auxiliary", name="乙"),
        "emergency_staff": make.user(department=emergency, name="丙"),
        "village_cadre": make.user(department=village, category="village", name="丁"),
        "village_staff": make.user(department=village, name="戊"),
        "village_retired": make.user(department=village, status="retired", name="己"),
        "other_staff": make.user(department=other, name="庚"),
    }
    return {"root": root, "office": office, "emergency": emergency, "village": village, "other": other,
            "people": people}


@contextmanager
def statements(app):
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def names(people):
    return {p.name for p in people}


def test_subtrees_times_categories_plus_and_minus_people(app, town):
    p = town["people"]
    with app.app_context():
        tree = department_tree()
        subtree = Audience.of([town["emergency"].id], ["staff"])
        assert names(subtree.people(tree)) == {"丙", "戊"}  # below 应急办, 在编, in post
        with_people = Audience.of([town["emergency"].id], ["staff"],
                                  added=[p["office_aux"].id, p["village_retired"].id],
                                  removed=[p["emergency_staff"].id])
        assert names(with_people.people(tree)) == {"乙", "戊"}  # the retired person added is still not in post
        every_category = Audience.of([town["root"].id])
        assert names(every_category.people(tree)) == {"甲", "乙", "丙", "丁", "戊"}
        nobody = Audience()
        assert nobody.people(tree) == [] and nobody.count(tree) == 0
        assert names(Audience.everyone().people(tree)) == {"甲", "乙", "丙", "丁", "戊", "庚"}
        assert names(Audience.of([None], ["village"]).people(tree)) == {"丁"}


def test_groups_with_their_own_categories_add_up(app, town):
    with app.app_context():
        tree = department_tree()
        audience = Audience((Group(town["office"].id, frozenset({"auxiliary"})),
                             Group(town["village"].id, frozenset({"village"})),
                             Group(town["other"].id)))
        assert names(audience.people(tree)) == {"乙", "丁", "庚"}


def test_people_is_one_statement_and_ids_a_subquery(app, town):
    with app.app_context():
        tree = department_tree()
        audience = Audience.of([town["office"].id, town["emergency"].id, town["village"].id], ["staff", "village"],
                               added=[town["people"]["other_staff"].id])
        with statements(app) as seen:
            people = audience.people(tree)
        assert len(seen) == 1 and len(people) == 5
        # The departments of all groups with the same categories go into one IN list.
        assert seen[0].count("department_id IN") == 1
        counted = db.session.scalar(select(func.count()).select_from(User).where(User.id.in_(audience.ids(tree))))
        assert counted == audience.count(tree) == 5


def test_people_come_in_the_trees_order_then_by_name(app, make, town):
    make.user(department=town["office"], name="子")
    with app.app_context():
        tree = department_tree()
        people = Audience.of([town["root"].id], ["staff"]).people(tree)
        # 司法所 then 应急办 then 来苏村 (below 应急办), as the tree lists them; by name within each.
        assert [p.name for p in people] == sorted(["甲", "子"]) + ["丙", "戊"]
        assert people == sorted(people, key=display_order(tree))


def test_includes_agrees_with_people(app, town):
    p = town["people"]
    audiences = [Audience.of([town["emergency"].id], ["staff"]), Audience.of([town["root"].id]),
                 Audience.of([town["root"].id], ["staff"], added=[p["other_staff"].id], removed=[p["office_staff"].id]),
                 Audience.everyone(), Audience.of([None], ["auxiliary"]), Audience(),
                 Audience.of([town["village"].id, 999_999], ["village"])]
    with app.app_context():
        tree = department_tree()
        everybody = db.session.scalars(select(User)).all()
        for audience in audiences:
            members = {person.id for person in audience.people(tree)}
            with statements(app) as seen:
                included = {person.id for person in everybody if audience.includes(person, tree)}
            assert included == members, audience
            assert seen == []


def test_a_deleted_department_names_nobody(app, town):
    with app.app_context():
        tree = department_tree()
        assert Audience.of([999_999]).people(tree) == []
        assert Audience.of([999_999]).labels(tree, CATEGORIES) == []


def test_stored_shape_round_trips(app, town):
    stored = [{"department_id": town["office"].id, "categories": ["auxiliary", "staff"]},
              {"department_id": town["village"].id, "categories": []}]
    audience = Audience.from_json(stored, added=["3", 1], removed=None)
    assert audience.groups_json() == stored
    assert audience.added_json() == [1, 3] and audience.removed_json() == []
    assert audience.departments == [town["office"].id, town["village"].id]
    assert audience.categories == {"auxiliary", "staff"}
    assert Audience.from_json(None) == Audience()
    # Immutable: a value, equal to another built the same way.
    assert Audience.of([1], ["staff"]) == Audience.of([1, 1], ["staff"])
    with pytest.raises(AttributeError):
        audience.added = frozenset()


def test_simplified_says_the_same_in_fewer_groups(app, town):
    with app.app_context():
        tree = department_tree()
        nested = Audience.of([town["root"].id, town["village"].id, town["other"].id], list(CATEGORIES))
        simple = nested.simplified(tree, CATEGORIES)
        assert simple.groups == (Group(town["root"].id), Group(town["other"].id))
        assert names(simple.people(tree)) == names(nested.people(tree))
        # A department below another is kept when it names categories the one above does not.
        wider = Audience((Group(town["root"].id, frozenset({"staff"})),
                          Group(town["village"].id, frozenset({"village"}))))
        assert wider.simplified(tree, CATEGORIES) == wider


def test_labels_name_the_path_and_the_categories(app, town):
    with app.app_context():
        tree = department_tree()
        audience = Audience.of([town["village"].id], ["village", "staff"])
        assert audience.labels(tree, {"staff": "在编", "village": "村干部"}) == ["共和镇/应急办/来苏村 · 在编, 村干部"]
        assert Audience.everyone().labels(tree, CATEGORIES) == []


def test_logins_are_resolved_in_one_query_in_the_order_given(app, make):
    first, second = make.user(login="a1"), make.user(login="b2")
    with app.app_context():
        with statements(app) as seen:
            found, unknown = logins_to_ids(["b2", "zz", "a1", "b2"])
        assert found == [second.id, first.id] and unknown == ["zz"] and len(seen) == 1


# --- the form on the three pages ---------------------------------------------------------------

def english(client):
    client.set_cookie("lang", "en")
    return client


def test_exam_candidates_page_reads_and_shows_the_audience(app, make, town, as_role):
    from trainingapp.exams.models import Exam
    trainer = english(as_role("trainer"))
    extra, gone = make.user(login="extra1", department=town["other"]), town["people"]["emergency_staff"]
    exam = make.exam(trainer.user, [], publish=False)
    refused = trainer.post(f"/exams/{exam.id}/audience", data={
        "departments": [str(town["emergency"].id)], "added": "extra1, nobody-1", "removed": "nobody-2"})
    assert refused.status_code == 200 and "Unknown logins: nobody-1, nobody-2" in refused.get_data(as_text=True)
    saved = trainer.post(f"/exams/{exam.id}/audience", data={
        "departments": [str(town["emergency"].id), "x", "999999"], "added": "EXTRA1", "removed": gone.login})
    assert saved.status_code == 302
    with app.app_context():
        stored = db.session.get(Exam, exam.id)
        # No category ticked: an exam is for established staff.
        assert stored.audience == [{"department_id": town["emergency"].id, "categories": ["staff"]}]
        assert (stored.audience_added, stored.audience_removed) == ([extra.id], [gone.id])
    page = trainer.get(f"/exams/{exam.id}/audience").get_data(as_text=True)
    assert f'id="d{town["emergency"].id}" checked' in page and 'id="c-staff" checked' in page
    assert ">\r\nextra1</textarea>" in page and f">\r\n{gone.login}</textarea>" in page
    assert "Who would be a candidate now (2)" in page  # 戊 below 应急办, and extra1


def test_session_page_keeps_what_was_typed_after_an_unknown_login(app, make, town, as_role):
    trainer = english(as_role("trainer", department=town["root"]))
    created = trainer.post("/sessions/new", data={
        "title": "培训", "kind": "class", "department_id": town["office"].id, "trainer_id": trainer.user.id,
        "trainer_name": "", "starts_at": "2026-03-10T09:00", "ends_at": "2026-03-10T11:00", "place": "",
        "mode": "offline", "hours": "2"})
    session_id = int(created.headers["Location"].split("/")[-2])
    refused = trainer.post(f"/sessions/{session_id}/expected", data={
        "departments": [str(town["village"].id)], "categories": ["village"], "added": "ghost-1 ghost-2"})
    text = refused.get_data(as_text=True)
    assert "Nobody has the login ghost-1、ghost-2" in text
    assert f'id="d{town["village"].id}" checked' in text and 'id="c-village" checked' in text
    assert "ghost-1 ghost-2</textarea>" in text and 'name="removed"' not in text
    assert trainer.post(f"/sessions/{session_id}/expected", data={
        "departments": [str(town["village"].id)]}).status_code == 302
    page = trainer.get(f"/sessions/{session_id}/expected").get_data(as_text=True)
    assert "Expected now (2)" in page  # every category at 来苏村, in post


@pytest.mark.parametrize("departments,categories,stored", [
    ((), (), []),                                                             # nothing: everyone
    ((), tuple(CATEGORIES), []),                                              # every category: everyone too
    (("root", "village"), ("staff",), [("root", ["staff"])]),                 # 来苏村 is inside 共和镇
    ((), ("village",), [("root", ["village"]), ("other", ["village"])]),      # categories alone: everywhere
])
def test_course_page_stores_the_audience_in_few_words(app, town, as_role, departments, categories, stored):
    from trainingapp.training.courses.models import Course
    trainer = as_role("trainer", department=town["office"])
    response = trainer.post("/courses/new", data={"title": "宪法", "credits": "1",
                                                  "departments": [str(town[name].id) for name in departments],
                                                  "categories": list(categories)})
    assert response.status_code == 302
    course_id = int(response.headers["Location"].split("/")[-2])
    with app.app_context():
        audience = db.session.get(Course, course_id).audience
    assert audience == [{"department_id": town[name].id, "categories": cats} for name, cats in stored]
