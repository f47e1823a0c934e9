"""Importing a law's text: browser upload and paste, .docx and GB18030 .txt, the command line,
versions side by side, activation (law_changed once) and repeal."""
import io
from contextlib import contextmanager
from datetime import date, datetime

from docx import Document
from sqlalchemy import func, select

from tests.law_texts import TITLE, WHOLE, text
from trainingapp.laws import services
from trainingapp.laws.models import Article, Law, LawVersion
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.platform.signals import law_changed


@contextmanager
def received():
    """Every law_changed sent meanwhile, as a list of its keywords (answered with 2 questions)."""
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)
        return 2
    law_changed.connect(receiver)
    try:
        yield calls
    finally:
        law_changed.disconnect(receiver)


def _upload(client, **data):
    response = client.post("/laws/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.data[:800]
    return response.headers["Location"]


def _confirm(client, preview_url, **details):
    page = client.get(preview_url)
    assert page.status_code == 200
    form = {"title": TITLE, "issued_on": "2021-01-22", "effective_on": "2021-07-15", **details}
    return client.post(preview_url, data=form)


def _counts():
    return db.session.scalar(select(func.count()).select_from(LawVersion)), \
        db.session.scalar(select(func.count()).select_from(Article))


def test_pasted_text_previews_structure_then_imports_on_confirm(app, as_role):
    clock.freeze(datetime(2026, 3, 1, 4))
    trainer = as_role("trainer")
    preview_url = _upload(trainer, text=WHOLE)
    page = trainer.get(preview_url).get_data(as_text=True)
    assert 'data-count="articles">6<' in page
    assert "第二章 罚款" in page and "第一节 数额" in page
    assert 'value="中华人民共和国测试法"' in page and 'value="2021-01-22"' in page and 'value="2021-07-15"' in page
    with app.app_context():
        assert _counts() == (0, 0)  # nothing lands before confirming
    response = trainer.post(preview_url, data={"title": TITLE, "short_title": "测试法", "issuer": "全国人大常委会",
                                               "issued_on": "2021-01-22", "effective_on": "2021-07-15"})
    assert response.status_code == 302
    with app.app_context():
        version = db.session.scalar(select(LawVersion))
        assert version.law.short_title == "测试法" and version.issuer == "全国人大常委会"
        assert [(a.number, a.suffix) for a in version.articles] == [(1, 0), (2, 0), (3, 0), (3, 1), (4, 0), (5, 0)]
        assert version.articles[1].text.count("\n") == 3
        assert version.articles[3].heading == "第一编 总则 / 第二章 罚款 / 第一节 数额"
        assert version.made_current_at is not None  # in force already: current from its import
    assert response.headers["Location"].endswith(f"/laws/{version.law_id}/versions/{version.id}")


def test_a_text_with_errors_cannot_be_confirmed(app, as_role):
    trainer = as_role("trainer")
    preview_url = _upload(trainer, text=text("第一条　甲。", "第一条　又是甲。"))
    page = trainer.get(preview_url).get_data(as_text=True)
    assert "第4行: 第一条重复出现（第一次在第3行）。" in page
    assert "导入此版本" not in page
    response = _confirm(trainer, preview_url, title="某规定")
    assert response.status_code == 200
    with app.app_context():
        assert _counts() == (0, 0)


def test_gaps_need_the_excerpt_box(app, as_role):
    trainer = as_role("trainer")
    preview_url = _upload(trainer, text=text("第一条　甲。", "第三条　丙。"))
    assert _confirm(trainer, preview_url, title="某规定").status_code == 200
    with app.app_context():
        assert _counts() == (0, 0)
    assert _confirm(trainer, preview_url, title="某规定", excerpt="y").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(LawVersion)).note == "节选"


def test_docx_upload(app, as_role):
    document = Document()
    for line in WHOLE.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    trainer = as_role("admin")
    preview_url = _upload(trainer, file=(io.BytesIO(buffer.getvalue()), "测试法.docx"))
    page = trainer.get(preview_url).get_data(as_text=True)
    assert 'data-count="articles">6<' in page and 'data-count="problems">0<' in page
    assert _confirm(trainer, preview_url).status_code == 302
    with app.app_context():
        assert _counts() == (1, 6)


def test_gb18030_text_file_and_problems_by_line(app, as_role):
    trainer = as_role("trainer")
    content = text("第一条　甲。", "第二条　乙。", "第四条　丁。").encode("gb18030")
    preview_url = _upload(trainer, file=(io.BytesIO(content), "规定.txt"))
    page = trainer.get(preview_url).get_data(as_text=True)
    assert "第5行: 第四条紧接在第二条之后：缺少第三条。" in page
    assert 'value="中华人民共和国测试法"' in page


def test_second_import_is_a_new_version_and_the_same_date_is_refused(app, as_role):
    clock.freeze(datetime(2026, 3, 1, 4))
    admin = as_role("admin")
    first = text("第一条　旧文。", "第二条　本法自2020年1月1日起施行。")
    assert _confirm(admin, _upload(admin, text=first), issued_on="2019-06-01",
                    effective_on="2020-01-01").status_code == 302
    second = text("第一条　新文。", "第二条　本法自2027年1月1日起施行。")
    preview_url = _upload(admin, text=second)
    page = admin.get(preview_url).get_data(as_text=True)
    assert "已在法规库中：本文本将作为新版本" in page
    page = _confirm(admin, preview_url, issued_on="2026-02-01", effective_on="2020-01-01").get_data(as_text=True)
    assert "已有自2020-01-01起施行的版本" in page
    with received() as calls:
        assert _confirm(admin, preview_url, issued_on="2026-02-01", effective_on="2027-01-01").status_code == 302
    assert calls == []  # not in force yet
    with app.app_context():
        law = db.session.scalar(select(Law))
        assert [v.effective_on for v in law.versions] == [date(2020, 1, 1), date(2027, 1, 1)]
        assert [services.status_of(v) for v in law.versions] == ["in_force", "not_yet"]
        assert services.current_version(law).effective_on == date(2020, 1, 1)
        assert [services.status_of(v, date(2027, 1, 1)) for v in law.versions] == ["amended", "in_force"]


def test_activate_sends_law_changed_once_on_the_effective_date(app, as_role, runner):
    clock.freeze(datetime(2026, 3, 1, 4))
    admin = as_role("admin")
    _confirm(admin, _upload(admin, text=text("第一条　旧文。")), issued_on="2019-06-01", effective_on="2020-01-01")
    _confirm(admin, _upload(admin, text=text("第一条　新文。")), issued_on="2026-02-01", effective_on="2026-06-01")
    with app.app_context():
        old, new = db.session.scalar(select(Law)).versions
        old_id, new_id, law_id = old.id, new.id, old.law_id
    with received() as calls:
        assert "0 laws changed" in runner.invoke(args=["laws", "activate"]).output
        clock.freeze(datetime(2026, 6, 1, 1))  # 09:00 in Shanghai
        result = runner.invoke(args=["laws", "activate"])
        assert "2 questions to review" in result.output and "1 laws changed" in result.output
        assert "0 laws changed" in runner.invoke(args=["laws", "activate"]).output
    assert calls == [{"law_id": law_id, "old_version_id": old_id, "new_version_id": new_id}]
    with app.app_context():
        assert db.session.get(LawVersion, new_id).made_current_at == datetime(2026, 6, 1, 1)


def test_import_of_a_version_already_in_force_sends_law_changed(app, as_role):
    clock.freeze(datetime(2026, 3, 1, 4))
    admin = as_role("admin")
    _confirm(admin, _upload(admin, text=text("第一条　旧文。")), issued_on="2019-06-01", effective_on="2020-01-01")
    with received() as calls:
        _confirm(admin, _upload(admin, text=text("第一条　新文。")), issued_on="2025-06-01", effective_on="2026-01-01")
        # An older text imported afterwards changes nothing.
        _confirm(admin, _upload(admin, text=text("第一条　更旧。")), issued_on="2010-06-01", effective_on="2011-01-01")
    assert len(calls) == 1 and calls[0]["new_version_id"] is not None


def test_repeal_sends_law_changed_without_a_new_version(app, as_role):
    clock.freeze(datetime(2026, 3, 1, 4))
    admin = as_role("admin")
    _confirm(admin, _upload(admin, text=text("第一条　甲。")), issued_on="2019-06-01", effective_on="2020-01-01")
    with app.app_context():
        law = db.session.scalar(select(Law))
        law_id, version_id = law.id, law.versions[0].id
    assert "标记为已废止" in admin.get(f"/laws/{law_id}").get_data(as_text=True)
    with received() as calls:
        response = admin.post(f"/laws/{law_id}/repeal", data={"repealed_on": "2026-03-01"})
    assert response.status_code == 302
    assert calls == [{"law_id": law_id, "old_version_id": version_id, "new_version_id": None}]
    page = admin.get(f"/laws/{law_id}").get_data(as_text=True)
    assert 'data-status="repealed"' in page
    assert 'data-status="repealed"' in admin.get("/laws/?status=repealed").get_data(as_text=True)


def test_a_repeal_from_a_later_day_takes_effect_on_that_day(app, as_role, runner):
    # A regulation announced to be repealed next month is in force until then: questions on it
    # stay in papers until the day, and are marked for review on the day (by `laws activate`).
    clock.freeze(datetime(2026, 3, 1, 4))
    admin = as_role("admin")
    _confirm(admin, _upload(admin, text=text("第一条　甲。")), issued_on="2019-06-01", effective_on="2020-01-01")
    _confirm(admin, _upload(admin, text=text("第一条　乙。")), issued_on="2026-02-01", effective_on="2026-03-20")
    with app.app_context():
        law = db.session.scalar(select(Law))
        law_id, (old_id, new_id) = law.id, [v.id for v in law.versions]
    with received() as calls:
        response = admin.post(f"/laws/{law_id}/repeal", data={"repealed_on": "2026-04-01"}, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert "将于2026-04-01起废止" in page and calls == []
        assert 'data-status="in_force"' in admin.get(f"/laws/{law_id}").get_data(as_text=True)
        # The new version before the repeal day still becomes current on its own day.
        clock.freeze(datetime(2026, 3, 20, 1))
        assert "new version in force; 2 questions to review" in runner.invoke(args=["laws", "activate"]).output
        clock.freeze(datetime(2026, 4, 1, 1))  # 09:00 in Shanghai
        result = runner.invoke(args=["laws", "activate"])
        assert "repealed; 2 questions to review" in result.output and "1 laws changed" in result.output
        assert "0 laws changed" in runner.invoke(args=["laws", "activate"]).output
    assert calls == [{"law_id": law_id, "old_version_id": old_id, "new_version_id": new_id},
                     {"law_id": law_id, "old_version_id": new_id, "new_version_id": None}]
    # (A month on, the admin's session has long ended: a fresh one reads the page.)
    assert 'data-status="repealed"' in as_role("admin").get(f"/laws/{law_id}").get_data(as_text=True)


def test_cadre_cannot_import_or_repeal(app, as_role):
    cadre = as_role("cadre")
    assert cadre.get("/laws/import").status_code == 403
    assert cadre.post("/laws/import", data={"text": WHOLE}).status_code == 403
    assert cadre.post("/laws/1/repeal", data={"repealed_on": "2026-01-01"}).status_code == 403
    assert as_role("trainer").post("/laws/1/repeal", data={"repealed_on": "2026-01-01"}).status_code == 403


# --- the command line ---------------------------------------------------------------------------

def test_cli_dry_run_prints_structure_and_writes_nothing(app, runner, tmp_path):
    path = tmp_path / "law.txt"
    path.write_text(WHOLE, encoding="utf-8")
    result = runner.invoke(args=["laws", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "第一编 总则: 5" in result.output and "    第一节 数额: 3" in result.output
    assert "articles: 6" in result.output
    with app.app_context():
        assert _counts() == (0, 0)


def test_cli_exit_status_and_import(app, runner, make, tmp_path):
    make.user(role="admin")
    bad = tmp_path / "bad.txt"
    bad.write_text(text("第一条　甲。", "第三条　丙。"), encoding="gb18030")
    result = runner.invoke(args=["laws", "import", str(bad), "--dry-run"])
    assert result.exit_code == 1
    assert "gap: 第4行: 第三条紧接在第一条之后：缺少第二条。" in result.output
    result = runner.invoke(args=["laws", "import", str(bad)])
    assert result.exit_code == 1 and "nothing was imported" in result.output
    result = runner.invoke(args=["laws", "import", str(bad), "--excerpt", "--effective", "2020-05-01"])
    assert result.exit_code == 0, result.output
    good = tmp_path / "good.txt"
    good.write_text(WHOLE, encoding="utf-8")
    result = runner.invoke(args=["laws", "import", str(good), "--short-title", "测试法"])
    assert result.exit_code == 0, result.output
    assert "6 articles, in effect from 2021-07-15" in result.output
    with app.app_context():
        assert _counts() == (2, 8)
    result = runner.invoke(args=["laws", "import", str(good)])
    assert result.exit_code == 1 and "已有自2021-07-15起施行的版本" in result.output


def test_a_preamble_is_stored_and_shown_before_the_articles(app, as_role):
    from tests.test_laws_parser import CONSTITUTION
    clock.freeze(datetime(2026, 3, 1, 4))
    trainer = as_role("trainer")
    preview_url = _upload(trainer, text=CONSTITUTION)
    page = trainer.get(preview_url).get_data(as_text=True)
    assert 'id="preview-preamble"' in page and 'data-count="problems">0<' in page
    response = trainer.post(preview_url, data={"title": "中华人民共和国示例宪法", "short_title": "示例宪法",
                                               "issuer": "全国人民代表大会", "issued_on": "1982-12-04",
                                               "effective_on": "1982-12-04"})
    assert response.status_code == 302
    with app.app_context():
        version = db.session.scalar(select(LawVersion))
        assert version.preamble.startswith("中国是世界上历史最悠久的国家之一。")
        law_id = version.law_id
    page = as_role("cadre").get(f"/laws/{law_id}").get_data(as_text=True)
    assert page.index('id="preamble"') < page.index("第一条")
