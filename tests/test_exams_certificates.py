"""Certificates (合格证书) and proofs of result (成绩证明): the PDF's text and QR code, the public
verification page, revocation after a result-changing key correction, who gets which document
(issue #24, part 4)."""
import io
import re
from datetime import datetime, timedelta

import segno
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import login
from trainingapp.accounts.audit import AuditEvent
from trainingapp.exams import certificates
from trainingapp.exams.certificates import Sitting
from trainingapp.exams.models import Attempt, Certificate
from trainingapp.platform import clock
from trainingapp.platform.extensions import db


def sit(app, exam, cadre, answers):
    """The cadre starts the exam through the API, saves `answers` ({question id: response}), submits."""
    client = app.test_client()
    login(client, cadre)
    attempt_id = client.post(f"/api/exams/{exam.id}/attempts").get_json()["attempt_id"]
    for seq, (question_id, response) in enumerate(answers.items(), start=1):
        saved = client.put(f"/api/attempts/{attempt_id}/answers/{question_id}", json={"answer": response, "seq": seq})
        assert saved.status_code == 200, saved.get_json()
    assert client.post(f"/api/attempts/{attempt_id}/submit").status_code == 200
    return client, attempt_id


def download(client, exam_id, kind):
    return client.post(f"/my/exams/{exam_id}/{kind}")


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.data[:300]
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def valid_documents(app, user_id=None):
    with app.app_context():
        query = select(Certificate).where(Certificate.revoked_at.is_(None)).order_by(Certificate.id)
        if user_id is not None:
            query = query.where(Certificate.user_id == user_id)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def document(app, code):
    with app.app_context():
        found = db.session.scalar(select(Certificate).where(Certificate.code == code))
        db.session.expunge_all()
        return found


def qr_modules(image) -> list[list[bool]]:
    """The dark/light modules of a QR code image drawn with segno's scale 10 and border 4."""
    grey = image.convert("L")
    size = grey.width // 10 - 8
    return [[grey.getpixel(((4 + x) * 10 + 5, (4 + y) * 10 + 5)) < 128 for x in range(size)] for y in range(size)]


def segno_modules(url) -> list[list[bool]]:
    return [[bool(cell) for cell in row] for row in segno.make_qr(url, error="m").matrix]


def town(make):
    """共和镇 with two offices; the exam: three fixed questions worth 40 + 30 + 30 (pass 60, excellent 90)."""
    root = make.department("共和镇")
    office = make.department("综合办公室", parent=root)
    make.department("财政所", parent=root)
    q1, q2, q3 = make.question("single", answer="A"), make.question("truefalse", answer=True), \
        make.question("truefalse", answer=False)
    trainer = make.user(role="trainer")
    return root, office, (q1, q2, q3), trainer


# --- the PDF, its QR code and the verification page --------------------------------------------

def test_a_passing_cadre_downloads_a_certificate_stating_name_department_exam_date_score_band_and_issuer(
        app, make, as_role):
    root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(name="张喆堃", department=office)
    exam = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)], title="2026年度学法考试")
    other = make.exam(trainer, [cadre], fixed=[(q1, 100)], title="另一场考试")
    sit(app, other, cadre, {q1.id: "A"})
    client, attempt_id = sit(app, exam, cadre, {q1.id: "A", q2.id: True, q3.id: False})
    with app.app_context():
        submitted = db.session.get(Attempt, attempt_id).submitted_at
    local_day = certificates.local_date(submitted, app.config["BABEL_DEFAULT_TIMEZONE"])

    # The admin names the issuing unit; until then it is the top department's name.
    admin = as_role("admin")
    assert "共和镇" in admin.get("/exams/certificate-settings").get_data(as_text=True)
    assert admin.post("/exams/certificate-settings", data={"issuing_unit": "  共和镇人民政府 "}).status_code == 302

    page = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="download-certificate"' in page and 'id="download-proof"' in page
    response = download(client, exam.id, "certificate")
    text = pdf_text(response)
    for fact in ("合格证书", "张喆堃", "综合办公室", "2026年度学法考试", local_day, "100", "优秀", "共和镇人民政府"):
        assert fact in text, (fact, text)
    assert "另一场考试" not in text

    # The QR code encodes the verification URL, which the PDF also prints.
    (issued,) = [d for d in valid_documents(app, cadre.id) if d.kind == "certificate" and d.exam_id == exam.id]
    assert len(issued.code) == 22 and re.fullmatch(r"[A-Za-z0-9_-]{22}", issued.code)
    url = f"http://localhost/verify/{issued.code}"
    assert url in text.replace("\n", "")
    (image,) = PdfReader(io.BytesIO(response.data)).pages[0].images
    assert qr_modules(image.image) == segno_modules(url)

    # Downloading again hands out the same document (same code), not a new one.
    again = download(client, exam.id, "certificate")
    assert issued.code in pdf_text(again).replace("\n", "")
    assert len([d for d in valid_documents(app, cadre.id) if d.kind == "certificate"]) == 1

    # The public page, without sign-in, states what the certificate states and nothing else.
    anonymous = app.test_client()
    verified = anonymous.get(f"/verify/{issued.code}")
    body = verified.get_data(as_text=True)
    assert verified.status_code == 200 and 'id="verify-status"' in body and "有效" in body
    for fact in ("张喆堃", "综合办公室", "2026年度学法考试", local_day, "100", "优秀", "共和镇人民政府", "合格证书"):
        assert fact in body, fact
    assert "财政所" not in body and "另一场考试" not in body
    assert "no-store" in verified.headers["Cache-Control"]


def test_a_wrong_or_malformed_code_is_404_and_the_page_is_rate_limited(app, make):
    anonymous = app.test_client()
    guess = certificates.new_code()
    assert anonymous.get(f"/verify/{guess}").status_code == 404
    assert anonymous.get("/verify/short").status_code == 404
    assert anonymous.get("/verify/abcdefghijklmnopqrstu'").status_code == 404
    statuses = [anonymous.get(f"/verify/{certificates.new_code()}").status_code for _ in range(40)]
    assert 429 in statuses and statuses.index(429) >= 25, statuses


def test_a_fail_gets_no_certificate_but_a_proof_stating_score_and_result(app, make):
    _root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(name="李四", department=office)
    exam = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)], title="宪法考试")
    client, attempt_id = sit(app, exam, cadre, {q1.id: "B", q2.id: True})   # 30 of 100

    page = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="download-certificate"' not in page and 'id="download-proof"' in page and 'id="no-certificate"' in page
    refused = download(client, exam.id, "certificate")
    assert refused.status_code == 302 and refused.mimetype != "application/pdf"
    assert [d.kind for d in valid_documents(app, cadre.id)] == []
    text = pdf_text(download(client, exam.id, "proof"))
    for fact in ("成绩证明", "李四", "综合办公室", "宪法考试", "30", "不合格", "共和镇"):
        assert fact in text, (fact, text)
    assert "合格证书" not in text
    (proof,) = valid_documents(app, cadre.id)
    body = app.test_client().get(f"/verify/{proof.code}").get_data(as_text=True)
    assert "成绩证明" in body and "不合格" in body and "李四" in body


def test_nobody_downloads_someone_elses_document(app, make):
    _root, office, (q1, q2, q3), trainer = town(make)
    holder, neighbour, idle = make.user(department=office), make.user(department=office), make.user()
    exam = make.exam(trainer, [holder, idle], fixed=[(q1, 40), (q2, 30), (q3, 30)])
    sit(app, exam, holder, {q1.id: "A", q2.id: True, q3.id: False})

    for person in (neighbour, idle):  # not a candidate; a candidate without a finished attempt
        client = app.test_client()
        login(client, person)
        for kind in ("certificate", "proof"):
            response = download(client, exam.id, kind)
            assert response.status_code == 302 and response.mimetype != "application/pdf"
    anonymous = app.test_client().post(f"/my/exams/{exam.id}/certificate")
    assert anonymous.status_code in (302, 401) and anonymous.mimetype != "application/pdf"
    assert app.test_client().get(f"/my/exams/{exam.id}/certificate").status_code in (302, 405)
    assert valid_documents(app) == []


def test_a_result_changing_key_correction_revokes_the_old_code_issues_a_new_one_and_audits_it(app, make):
    _root, office, (q1, q2, q3), trainer = town(make)
    rising, falling, steady = (make.user(name=n, department=office) for n in ("王五", "赵六", "钱七"))
    exam = make.exam(trainer, [rising, falling, steady], fixed=[(q1, 40), (q2, 30), (q3, 30)], title="宪法专题考试")
    # q3's key (False) is wrong: it should be True.
    rising_client, _a = sit(app, exam, rising, {q1.id: "A", q2.id: True, q3.id: True})     # 70 -> 100
    falling_client, _b = sit(app, exam, falling, {q1.id: "B", q2.id: True, q3.id: False})  # 60 -> 30
    steady_client, _c = sit(app, exam, steady, {q1.id: "A", q2.id: True})                  # 70 -> 70
    for client in (rising_client, falling_client, steady_client):
        pdf_text(download(client, exam.id, "certificate"))
    pdf_text(download(falling_client, exam.id, "proof"))
    before = {d.user_id: d for d in valid_documents(app) if d.kind == "certificate"}
    old_proof = next(d for d in valid_documents(app, falling.id) if d.kind == "proof")

    owner = app.test_client()
    login(owner, trainer)
    done = owner.post(f"/exams/questions/{q3.id}/correct-key",
                      data={"new_key": "对", "reason": "依据新修订条文，本题应为正确", "confirm": "1"})
    assert done.status_code == 200

    # Rising: the 合格 certificate is revoked and replaced by an 优秀 one with a new code.
    old = document(app, before[rising.id].code)
    assert old.revoked_at is not None and old.replaced_by_id is not None
    (new,) = [d for d in valid_documents(app, rising.id) if d.kind == "certificate"]
    assert new.id == old.replaced_by_id and new.code != old.code
    assert (new.facts["score"], new.facts["band"]) == (100, "excellent")
    revoked_page = app.test_client().get(f"/verify/{old.code}").get_data(as_text=True)
    assert "已撤销/作废" in revoked_page and 'id="verify-replaced"' in revoked_page
    assert "王五" not in revoked_page and "宪法专题考试" not in revoked_page and "verify-facts" not in revoked_page
    assert "优秀" in app.test_client().get(f"/verify/{new.code}").get_data(as_text=True)
    assert new.code in pdf_text(download(rising_client, exam.id, "certificate")).replace("\n", "")

    # Falling: no certificate any more (revoked, not replaced); the proof is reissued with 30 不合格.
    gone = document(app, before[falling.id].code)
    assert gone.revoked_at is not None and gone.replaced_by_id is None
    page = app.test_client().get(f"/verify/{gone.code}").get_data(as_text=True)
    assert "已撤销/作废" in page and 'id="verify-replaced"' not in page
    assert document(app, old_proof.code).revoked_at is not None
    (proof,) = valid_documents(app, falling.id)
    assert proof.kind == "proof" and (proof.facts["score"], proof.facts["band"]) == (30, "fail")
    assert download(falling_client, exam.id, "certificate").status_code == 302

    # Steady: untouched.
    assert document(app, before[steady.id].code).revoked_at is None

    with app.app_context():
        entries = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.revoke")
                                     .order_by(AuditEvent.id)).all()
        details = sorted((e.details["user_id"], e.details["kind"], e.details["reason"], e.details["old"]["score"],
                          (e.details["new"] or {}).get("score"), e.actor_id) for e in entries)
    assert details == sorted([(rising.id, "certificate", "key_correction", 70, 100, trainer.id),
                              (falling.id, "certificate", "key_correction", 60, None, trainer.id),
                              (falling.id, "proof", "key_correction", 60, 30, trainer.id)])


def test_a_later_attempt_that_loses_the_pass_revokes_the_certificate(app, make):
    """With "the last attempt counts", passing, downloading and then failing must not leave a valid certificate."""
    _root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(department=office)
    exam = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)], counting="last")
    client, _first = sit(app, exam, cadre, {q1.id: "A", q2.id: True, q3.id: False})
    pdf_text(download(client, exam.id, "certificate"))
    (issued,) = valid_documents(app, cadre.id)
    clock.advance(timedelta(minutes=1))
    sit(app, exam, cadre, {q1.id: "B"})
    assert document(app, issued.code).revoked_at is not None
    assert valid_documents(app, cadre.id) == []
    assert "已撤销/作废" in app.test_client().get(f"/verify/{issued.code}").get_data(as_text=True)


def test_taking_someone_off_the_candidate_list_revokes_their_documents(app, make):
    _root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(department=office)
    exam = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)])
    client, _a = sit(app, exam, cadre, {q1.id: "A", q2.id: True, q3.id: False})
    pdf_text(download(client, exam.id, "certificate"))
    (issued,) = valid_documents(app, cadre.id)
    owner = app.test_client()
    login(owner, trainer)
    owner.post(f"/exams/{exam.id}/candidates", data={"action": "remove", "person": cadre.id, "reason": "调离"})
    assert document(app, issued.code).revoked_at is not None and valid_documents(app) == []
    assert download(client, exam.id, "proof").status_code in (302, 404)


def test_exempting_someone_who_sat_revokes_their_documents_and_lifting_it_offers_them_again(app, make):
    """免考 wins, as in the reports: an exempt person's result counts nowhere, so a certificate
    issued before the exemption is revoked (the verification page says so) and none is offered."""
    _root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(department=office)
    exam = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)])
    client, attempt_id = sit(app, exam, cadre, {q1.id: "A", q2.id: True, q3.id: False})
    pdf_text(download(client, exam.id, "certificate"))
    (issued,) = valid_documents(app, cadre.id)
    owner = app.test_client()
    login(owner, trainer)
    owner.post(f"/exams/{exam.id}/candidates", data={"action": "exempt", "person": cadre.id,
                                                     "reason": "距退休不足两年"})
    assert document(app, issued.code).revoked_at is not None and valid_documents(app) == []
    assert 'id="documents"' not in client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert download(client, exam.id, "certificate").status_code in (302, 404)
    owner.post(f"/exams/{exam.id}/candidates", data={"action": "unexempt", "person": cadre.id, "reason": "误设"})
    assert 'id="download-certificate"' in client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)


def test_a_make_up_pass_is_certified_under_the_main_exam(app, make):
    _root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(department=office)
    main = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)], title="年度考试")
    client, failed_id = sit(app, main, cadre, {q2.id: True})                 # 30: fail
    makeup = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)], title="年度考试补考",
                       makeup_of_id=main.id)
    _c, attempt_id = sit(app, makeup, cadre, {q1.id: "A", q2.id: True})      # 70: pass
    page = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="download-certificate"' in page
    # The failed main attempt's page shows 30 and 不合格, and says which result the documents state.
    page = client.get(f"/my/attempts/{failed_id}/result").get_data(as_text=True)
    counting = re.search(r'<p class="mb-2" id="counting-result">(.*?)</p>', page, re.S).group(1)
    assert "70" in counting and "合格" in counting and "不合格" not in counting and "补考" in counting
    assert 'id="download-certificate"' in page
    text = pdf_text(download(client, makeup.id, "certificate"))
    assert "年度考试" in text and "70" in text and "合格" in text
    (issued,) = valid_documents(app, cadre.id)
    assert issued.exam_id == main.id


def test_no_document_for_an_exam_that_hides_the_score(app, make):
    _root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(department=office)
    exam = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)], review_policy="never")
    client, attempt_id = sit(app, exam, cadre, {q1.id: "A", q2.id: True, q3.id: False})
    assert 'id="documents"' not in client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert download(client, exam.id, "proof").status_code == 302 and valid_documents(app) == []


def test_issuing_unit_setting_is_the_admins_and_refuses_bad_input(app, make, as_role):
    make.department("共和镇")
    admin = as_role("admin")
    empty = admin.post("/exams/certificate-settings", data={"issuing_unit": "   "})
    assert empty.status_code == 400 and "共和镇人民政府" in empty.get_data(as_text=True)
    long = admin.post("/exams/certificate-settings", data={"issuing_unit": "县" * 101})
    assert long.status_code == 400 and "101" in long.get_data(as_text=True)
    assert as_role("cadre").get("/exams/certificate-settings").status_code == 403
    assert as_role("trainer").post("/exams/certificate-settings", data={"issuing_unit": "x"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "certificate.settings")) is None


# --- the pure rules ---------------------------------------------------------------------------

def test_codes_are_128_random_bits_in_url_safe_characters():
    codes = {certificates.new_code() for _ in range(1000)}
    assert len(codes) == 1000 and all(certificates.looks_like_code(code) for code in codes)
    assert not certificates.looks_like_code("a" * 21) and not certificates.looks_like_code("a" * 21 + "/")


def test_standing_takes_the_counting_attempt_and_the_better_make_up():
    t = [datetime(2026, 5, day, 2) for day in range(1, 6)]
    main = [Sitting(1, 70, t[0]), Sitting(2, 95, t[1]), Sitting(3, 95, t[2])]
    best = certificates.standing(main, "best", [], "best", 60, 90)
    assert (best.attempt_id, best.score, best.band) == (2, 95, "excellent")
    last = certificates.standing(main[:2] + [Sitting(3, 40, t[2])], "last", [], "best", 60, 90)
    assert (last.attempt_id, last.band) == (3, "fail")
    makeup = certificates.standing([Sitting(1, 40, t[0])], "best", [Sitting(9, 65, t[3])], "best", 60, 90)
    assert (makeup.attempt_id, makeup.score, makeup.band) == (9, 65, "pass")
    kept = certificates.standing([Sitting(1, 80, t[0])], "best", [Sitting(9, 80, t[3])], "best", 60, 90)
    assert kept.attempt_id == 1  # a make-up counts only when better
    assert certificates.standing([], "best", [], "best", 60, 90) is None
    assert certificates.earns("certificate", "pass") and not certificates.earns("certificate", "fail")
    assert certificates.earns("proof", "fail") and not certificates.earns("proof", "absent")
    # 18:00 UTC is the next day in Beijing.
    assert certificates.local_date(datetime(2026, 5, 1, 18), "Asia/Shanghai") == "2026-05-02"


def test_a_mock_exam_passed_with_full_marks_earns_no_certificate_and_no_proof(app, make):
    """A mock exam (模拟考试) counts nowhere, so it proves nothing: no box on the result page and the
    download refuses, even for 100 points; the verification page has nothing to find."""
    _root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(department=office)
    mock = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)], is_mock=True, title="模拟考试一")
    client, attempt_id = sit(app, mock, cadre, {q1.id: "A", q2.id: True, q3.id: False})
    page = client.get(f"/my/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="documents"' not in page and 'id="download-certificate"' not in page
    for kind in ("certificate", "proof"):
        assert download(client, mock.id, kind).status_code == 302
    assert valid_documents(app) == []


def test_the_qr_code_points_at_the_configured_public_address(app, make):
    """A town serving cadres on an intranet address sets PUBLIC_URL, so the QR code on a certificate
    leads an outside reader to the platform's public address, not to the address the cadre used."""
    _root, office, (q1, q2, q3), trainer = town(make)
    cadre = make.user(department=office)
    exam = make.exam(trainer, [cadre], fixed=[(q1, 40), (q2, 30), (q3, 30)])
    client, _attempt = sit(app, exam, cadre, {q1.id: "A", q2.id: True, q3.id: False})
    app.config["PUBLIC_URL"] = "https://xuefa.gonghe.gov.cn"
    response = download(client, exam.id, "certificate")
    (issued,) = valid_documents(app, cadre.id)
    url = f"https://xuefa.gonghe.gov.cn/verify/{issued.code}"
    assert url in pdf_text(response).replace("\n", "") and "localhost" not in pdf_text(response)
    (image,) = PdfReader(io.BytesIO(response.data)).pages[0].images
    assert qr_modules(image.image) == segno_modules(url)
