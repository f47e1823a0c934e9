"""Word export -> Word import gives the same questions, through the real pages (issue #23).

Needs the .docx import (issue #23 part 1). The Word reader folds runs of spaces inside a line
(“（  ）” comes back “（ ）”), which the bank's own identity (parsing.dedup_key) ignores too; so
texts are compared with runs of spaces folded, everything else exactly.
"""
import io
import re

import pytest
from sqlalchemy import select

from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question


def _fold(text):
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


def _bank(app, *, explanations):
    with app.app_context():
        rows = []
        for q in db.session.scalars(select(Question)):
            row = (q.qtype, _fold(q.stem), [_fold(o) for o in q.options], q.answer, q.points, q.category)
            rows.append(row + ((_fold(q.explanation), q.knowledge_point, q.basis) if explanations else ()))
        return sorted(rows, key=str)


def _upload(client, content, filename, category):
    response = client.post("/questions/import", data={"file": (io.BytesIO(content), filename), "category": category},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    confirm = re.search(r'action="(/questions/import/[^"]+/confirm)"', preview).group(1)
    return preview, confirm


@pytest.mark.parametrize("answers", ["inline", "key"])
def test_word_export_then_import_gives_the_same_questions(app, as_role, make, answers):
    trainer = as_role("trainer")
    for n in range(7):  # seven in a row: the key groups them "1-5 …  6-7 …"
        make.question("single", stem=f"第{n + 1}道单选题（  ）", options=["甲", "乙", "丙", "丁"], answer="ABCD"[n % 4])
    make.question("single", stem="第一行\n第二行：下列说法正确的是", options=["选项一\n续行", "选项二"], answer="B",
                  points=2.5, explanation="解析第一段\n解析第二段")
    make.question("multiple", stem="下列属于行政处罚的有（  ）。", options=["警告", "罚款", "拘留", "记过", "降级"],
                  answer=["A", "B", "C"])
    with app.app_context():  # the factory sets no knowledge point: give one question its own
        db.session.execute(Question.__table__.update().where(Question.stem == "第1道单选题（  ）")
                           .values(knowledge_point="处罚种类"))
        db.session.commit()
    make.question("multiple", stem="两项都对的多选题", options=["甲", "乙"], answer=["A", "B"], points=4)
    make.question("truefalse", stem="宪法是国家的根本法。", answer=True)
    make.question("truefalse", stem="行政拘留可以由规章设定。", answer=False, explanation="")
    make.question("fill", stem="应当在____日内提出____申请。", answer=[["六十", "60"], ["行政复议"]])
    make.question("fill", stem="中止执行满____年未恢复执行的，不再执行。", answer=[["三", "3"]], points=1)
    before = _bank(app, explanations=answers == "inline")
    exported = trainer.get(f"/questions/export.docx?answers={answers}")
    assert exported.status_code == 200
    with app.app_context():
        db.session.execute(Question.__table__.delete())
        db.session.commit()
    preview, confirm = _upload(trainer, exported.data, "export.docx", category="行政处罚法")
    assert 'data-count="new">14<' in preview and 'data-count="rejected">0<' in preview, preview[:3000]
    assert trainer.post(confirm, data={"mode": "all"}).status_code == 200
    assert _bank(app, explanations=answers == "inline") == before


def test_the_word_template_and_the_sample_bank_import_cleanly(app, as_role):
    from pathlib import Path
    trainer = as_role("trainer")
    preview, confirm = _upload(trainer, trainer.get("/questions/template.docx").data, "template.docx", "")
    assert 'data-count="new">20<' in preview and 'data-count="rejected">0<' in preview, preview[:3000]
    sample = (Path(__file__).resolve().parent.parent / "question_bank" / "sample_bank.docx").read_bytes()
    preview, confirm = _upload(trainer, sample, "sample_bank.docx", "")
    assert 'data-count="new">40<' in preview and 'data-count="rejected">0<' in preview, preview[:3000]
    trainer.post(confirm, data={"mode": "all"})
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Question.id))) == 40
