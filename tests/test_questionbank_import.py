"""Question import through the real pages and the CLI: preview, confirm, all-or-nothing."""
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import to_xlsx
from trainingapp.questionbank.models import Question, QuestionImport

BANK = Path(__file__).resolve().parent.parent / "question_bank"
HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分值", "难度", "法律法规分类",
          "知识点", "依据条款"]
GOOD = [
    ["单选", "行政处罚的实施机关是？", "甲", "乙", "丙", "丁", "b", "解析一", "2", "易", "行政处罚法", "主体",
     "第十七条"],
    ["多选题", "下列属于行政处罚的有？", "警告", "罚款", "拘留", "记过", "A、B、C", "", "3", "中", "行政处罚法",
     "", ""],
    ["判断", "宪法是国家的根本法。", "", "", "", "", "√", "", "", "易", "宪法", "", ""],
    ["填空", "申请人应当在____日内提出。", "", "", "", "", "十五;15", "", "", "难", "行政复议法", "", ""],
]


def sheet(rows, header=HEADER):
    return to_xlsx({"题目": pd.DataFrame(rows, columns=header)})


def count(app, model=Question):
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def upload(client, content, filename="bank.xlsx", category=""):
    response = client.post("/questions/import", data={"file": (io.BytesIO(content), filename),
                                                      "category": category},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    preview = client.get(response.headers["Location"])
    confirm = re.search(r'action="(/questions/import/[^"]+/confirm)"', preview.get_data(as_text=True)).group(1)
    return preview.get_data(as_text=True), confirm


@pytest.fixture
def trainer(as_role):
    return as_role("trainer")


def test_cadres_and_liaisons_cannot_reach_the_bank(as_role):
    for role in ("cadre", "liaison"):
        client = as_role(role)
        for url in ("/questions", "/questions/import", "/questions/new", "/questions/export?fmt=json"):
            assert client.get(url).status_code == 403, (role, url)


def test_preview_then_confirm_imports_every_type(app, trainer):
    page, confirm = upload(trainer, sheet(GOOD))
    assert 'data-count="new">4<' in page and 'data-count="rejected">0<' in page
    assert count(app) == 0
    done = trainer.post(confirm, data={"mode": "all"})
    assert done.status_code == 200
    with app.app_context():
        stored = {q.qtype: q for q in db.session.scalars(select(Question))}
        assert stored["single"].answer == "B" and stored["single"].options == ["甲", "乙", "丙", "丁"]
        assert stored["multiple"].answer == ["A", "B", "C"]
        assert stored["truefalse"].answer is True and stored["truefalse"].points == 2
        assert stored["fill"].answer == [["十五", "15"]]
        record = db.session.scalar(select(QuestionImport))
        assert record.imported == 4 and stored["fill"].import_id == record.id


def test_the_file_is_parsed_once_when_uploaded(app, trainer, monkeypatch):
    """A 20,000-row file takes seconds to parse: the upload parses it, the preview and the
    confirmation use that result (and still check the bank, which may have changed)."""
    from trainingapp.questionbank import services
    rows = GOOD + [["单选", "", "甲", "乙", "", "", "A", "", "", "", "", "", ""]]  # row 6: no stem
    response = trainer.post("/questions/import", data={"file": (io.BytesIO(sheet(rows)), "bank.xlsx"),
                                                       "category": "宪法"}, content_type="multipart/form-data")

    def parse_again(*_args, **_kwargs):
        raise AssertionError("parsed again")
    monkeypatch.setattr(services, "parse_upload", parse_again)
    page = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-count="new">4<' in page and 'data-count="rejected">1<' in page and "题干" in page
    confirm = re.search(r'action="(/questions/import/[^"]+/confirm)"', page).group(1)
    assert trainer.post(confirm, data={"mode": "all"}).status_code == 302  # errors: nothing imported
    assert count(app) == 0
    trainer.post(confirm, data={"mode": "valid_only"})
    with app.app_context():
        stored = db.session.scalars(select(Question)).all()
        assert len(stored) == 4 and {q.category for q in stored} == {"宪法"}  # the upload's category
        assert {q.qtype: q.answer for q in stored}["fill"] == [["十五", "15"]]


def test_a_file_with_errors_imports_nothing_and_lists_every_error(app, trainer):
    rows = GOOD + [
        ["单选", "", "甲", "乙", "", "", "A", "", "", "", "", "", ""],            # row 6: empty stem
        ["单选", "两个答案？", "甲", "乙", "丙", "", "AB", "", "", "", "", "", ""],  # row 7: two answers
        ["多选", "一个答案？", "甲", "乙", "丙", "", "A", "", "", "", "", "", ""],   # row 8: one answer
        ["判断", "真假？", "", "", "", "", "也许", "", "", "", "", "", ""],         # row 9: not true/false
        ["论述", "类型？", "", "", "", "", "x", "", "", "", "", "", ""],            # row 10: unknown type
        ["单选", "没有D？", "甲", "乙", "丙", "", "D", "", "", "", "", "", ""],     # row 11: no option D
        ["单选", "分值？", "甲", "乙", "", "", "A", "", "-1", "", "", "", ""],      # row 12: bad points
    ]
    page, confirm = upload(trainer, sheet(rows))
    for row in range(6, 13):
        assert f"<td>{row}</td>" in page, row
    assert 'data-count="rejected">7<' in page
    trainer.post(confirm, data={"mode": "all"})
    assert count(app) == 0


def test_import_only_valid_rows_then_download_the_rejected_ones(app, trainer):
    rows = GOOD + [["单选", "没有D？", "甲", "乙", "丙", "", "D", "", "", "", "", "", ""]]
    _page, confirm = upload(trainer, sheet(rows))
    done = trainer.post(confirm, data={"mode": "valid_only"}).get_data(as_text=True)
    assert count(app) == 4
    link = re.search(r'href="(/downloads/[^"]+)"', done).group(1)
    rejected = pd.read_excel(io.BytesIO(trainer.get(link).data), dtype=str)
    assert list(rejected["原行号"]) == ["6"]
    assert "D" in rejected["错误"][0] and rejected["题干"][0] == "没有D？"
    assert trainer.get(link).status_code == 404


def test_duplicates_in_the_bank_and_in_the_file_are_reported_and_skipped(app, trainer):
    _page, confirm = upload(trainer, sheet(GOOD))
    trainer.post(confirm, data={"mode": "all"})
    again = [["单选", "  行政处罚的实施机关是? ", "甲", "乙", "丙", "丁", "B", "", "", "", "", "", ""],
             ["判断", "新的判断题。", "", "", "", "", "对", "", "", "", "", "", ""],
             ["判断", "新的判断题。", "", "", "", "", "对", "", "", "", "", "", ""]]
    page, confirm = upload(trainer, sheet(again))
    assert 'data-count="new">1<' in page and 'data-count="duplicates">2<' in page
    # Duplicates are skipped, not errors: their table is not captioned as problems found.
    duplicates_table = page.split("<details", 1)[1].split("</details>", 1)[0]
    assert "发现的问题" not in duplicates_table and "重复" in duplicates_table
    trainer.post(confirm, data={"mode": "all"})
    assert count(app) == 5


def test_category_override_applies_to_every_question(app, trainer):
    _page, confirm = upload(trainer, sheet(GOOD), category="安全生产法")
    trainer.post(confirm, data={"mode": "all"})
    with app.app_context():
        assert set(db.session.scalars(select(Question.category))) == {"安全生产法"}


def test_missing_required_column_stops_the_import_with_its_name(trainer):
    content = sheet([["单选", "题干"]], header=["题型", "题干"])
    response = trainer.post("/questions/import", data={"file": (io.BytesIO(content), "b.xlsx")},
                            content_type="multipart/form-data", follow_redirects=True)
    assert "答案" in response.get_data(as_text=True)


def test_files_over_the_size_limit_are_refused(app, trainer):
    app.config["QUESTION_IMPORT_MAX_MB"] = 1
    try:
        big = b"x" * (1024 * 1024 + 10)
        response = trainer.post("/questions/import", data={"file": (io.BytesIO(big), "b.csv")},
                                content_type="multipart/form-data")
        assert response.status_code == 200 and "1 MB" in response.get_data(as_text=True)
    finally:
        app.config["QUESTION_IMPORT_MAX_MB"] = 10


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json", "gift"])
def test_export_then_import_into_an_empty_bank_round_trips(app, trainer, fmt):
    rows = GOOD + [["单选", "第一行\n第二行, \"引号\" {大括号} ~=#:", "选项,一", "=1+1", "丙", "丁", "C", "解析\n两行",
                    "2.5", "中", "民法典", "知识点", "第1条"]]
    _page, confirm = upload(trainer, sheet(rows))
    trainer.post(confirm, data={"mode": "all"})
    with app.app_context():
        before = sorted((q.to_data() for q in db.session.scalars(select(Question))), key=lambda q: q.stem)
    exported = trainer.get(f"/questions/export?fmt={fmt}")
    assert exported.status_code == 200
    with app.app_context():
        db.session.execute(Question.__table__.delete())
        db.session.commit()
    _page, confirm = upload(trainer, exported.data, f"export.{fmt}")
    trainer.post(confirm, data={"mode": "all"})
    with app.app_context():
        after = sorted((q.to_data() for q in db.session.scalars(select(Question))), key=lambda q: q.stem)
    assert after == before


def test_the_sample_bank_imports_cleanly(app, runner, make):
    make.user(role="admin")
    files = sorted(BANK.glob("bank_*.csv"))
    assert len(files) >= 10
    total = 0
    for path in files:
        result = runner.invoke(args=["questions", "import", str(path)])
        assert result.exit_code == 0, (path.name, result.output)
        total += int(re.search(r"imported: (\d+)", result.output).group(1))
    assert total >= 300
    with app.app_context():
        types = set(db.session.scalars(select(Question.qtype).distinct()))
        laws = set(db.session.scalars(select(Question.category).distinct()))
        missing_basis = db.session.scalar(select(func.count(Question.id)).where(
            (Question.basis == "") | (Question.explanation == "")))
    assert types == {"single", "multiple", "truefalse", "fill"}
    assert len(laws) >= 10 and missing_basis == 0


def test_cli_dry_run_and_exit_status(app, runner, make, tmp_path):
    make.user(role="admin")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet(GOOD + [["单选", "", "甲", "乙", "", "", "A", "", "", "", "", "", ""]]))
    result = runner.invoke(args=["questions", "import", str(bad), "--dry-run"])
    assert result.exit_code == 1 and "6" in result.output
    result = runner.invoke(args=["questions", "import", str(bad)])
    assert result.exit_code == 1 and "nothing was imported" in result.output
    assert count(app) == 0
    good = tmp_path / "good.xlsx"
    good.write_bytes(sheet(GOOD))
    assert runner.invoke(args=["questions", "import", str(good), "--category", "宪法"]).exit_code == 0
    result = runner.invoke(args=["questions", "import", str(good)])
    assert result.exit_code == 0 and "duplicates: 4" in result.output  # duplicates are not errors
    out = tmp_path / "out.json"
    assert runner.invoke(args=["questions", "export", "-o", str(out), "--category", "宪法"]).exit_code == 0
    assert len(json.loads(out.read_text("utf-8"))) == 4
    assert runner.invoke(args=["questions", "export", "-o", str(tmp_path / "x.doc")]).exit_code != 0


def test_exports_neutralise_formulas(app, trainer):
    _page, confirm = upload(trainer, sheet([["单选", "=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-1", "丁", "A",
                                              "", "", "", "", "", ""]]))
    trainer.post(confirm, data={"mode": "all"})
    frame = pd.read_excel(io.BytesIO(trainer.get("/questions/export?fmt=xlsx").data), dtype=str)
    assert frame["题干"][0].startswith("'=") and frame["选项A"][0].startswith("'@")
    text = trainer.get("/questions/export?fmt=csv").data.decode("utf-8-sig")
    assert "'=cmd" in text and "'+1" in text


def test_valid_rows_that_landed_are_reported_even_when_the_rejected_rows_cannot_be_read_again(app, trainer,
                                                                                             monkeypatch):
    """The rejected-rows sheet reads the file a second time, after the import committed: when the
    parsers refuse it then (here: no time left for a parse), the page still says what landed, and
    the sheet lists the rejected rows with their errors."""
    rows = GOOD + [["单选", "没有D？", "甲", "乙", "丙", "", "D", "", "", "", "", "", ""]]
    _page, confirm = upload(trainer, sheet(rows))
    monkeypatch.setitem(app.config, "UPLOAD_PARSE_SECONDS", 0.0)
    done = trainer.post(confirm, data={"mode": "valid_only"})
    assert done.status_code == 200 and count(app) == 4
    link = re.search(r'href="(/downloads/[^"]+)"', done.get_data(as_text=True)).group(1)
    rejected = pd.read_excel(io.BytesIO(trainer.get(link).data), dtype=str)
    assert list(rejected["原位置"]) == ["6"] and "D" in rejected["错误"][0]


def test_workbooks_are_read_where_no_sandbox_can_run(app, monkeypatch):
    """Windows has no per-process resource limits: the sandbox module cannot load, and a
    workbook is read in process, still bounded by the unzipped-size and cell caps."""
    import sys

    from trainingapp.platform.tabular import limits_for, read_table
    monkeypatch.setitem(sys.modules, "trainingapp.platform.sandbox", None)  # `import` now raises ImportError
    with app.app_context():
        frame = read_table(sheet(GOOD), "bank.xlsx", limits=limits_for("questions"))
    assert len(frame) == len(GOOD) and frame.iloc[0, 1] == "行政处罚的实施机关是？"
