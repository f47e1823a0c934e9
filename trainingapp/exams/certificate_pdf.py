"""The certificate (合格证书) and proof of result (成绩证明) as a one-page PDF.

fpdf2 writes the PDF in pure Python; the font it embeds (a subset: only the glyphs used) is
shipped in `fonts/` (see its README for the licence and why this font), so the document prints
the same on any machine, with or without Chinese fonts installed. The QR code (segno) carries
the verification URL; the URL and the code are printed under it for those who cannot scan.
"""
from __future__ import annotations

import io
from pathlib import Path

import segno
from flask_babel import gettext as _
from fpdf import FPDF

from .certificates import score_text

FONT = Path(__file__).parent / "fonts" / "wqy-microhei-subset.ttf"
_FAMILY = "cert"


def band_label(band: str) -> str:
    """合格 / 优秀 / 不合格, as the result page words them."""
    return {"excellent": _("Excellent"), "pass": _("Pass"), "fail": _("Fail")}.get(band, band)


def qr_png(url: str) -> bytes:
    """The QR code of `url` as a PNG (medium error correction, the standard quiet zone)."""
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def _rows(facts: dict) -> list[tuple[str, str]]:
    return [(_("Name"), facts["name"]), (_("Department"), facts["department"]), (_("Exam"), facts["exam"]),
            (_("Date"), facts["date"]),
            (_("Score"), _("%(score)s of %(total)s points", score=score_text(facts["score"]),
                           total=score_text(facts["total"]))),
            (_("Result"), band_label(facts["band"]))]


def render(facts: dict, verify_url: str, code: str) -> bytes:
    """The document stating `facts` (see certificates.facts), its QR code pointing at `verify_url`."""
    is_certificate = facts["kind"] == "certificate"
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font(_FAMILY, fname=str(FONT))
    title = _("Certificate") if is_certificate else _("Proof of result")
    pdf.set_title(f"{title} · {facts['exam']}")
    pdf.set_creator("trainingapp")
    pdf.add_page()
    width, height = pdf.w, pdf.h

    # A double frame, as printed certificates have.
    pdf.set_draw_color(150, 20, 20) if is_certificate else pdf.set_draw_color(60, 60, 60)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, width - 26, height - 26)

    pdf.set_text_color(150, 20, 20) if is_certificate else pdf.set_text_color(20, 20, 20)
    pdf.set_font(_FAMILY, size=32)
    pdf.set_xy(20, 24)
    pdf.cell(width - 40, 16, title, align="C")
    pdf.set_text_color(20, 20, 20)

    pdf.set_font(_FAMILY, size=13)
    pdf.set_xy(40, 50)
    lead = (_("This certifies that the person below passed the exam below with this result:") if is_certificate
            else _("This certifies the exam result of the person below:"))
    pdf.multi_cell(width - 80, 8, lead, align="C")

    top = 66
    label_width, value_width = 40, width - 80 - 40 - 4
    for label, value in _rows(facts):
        pdf.set_xy(40, top)
        pdf.set_font(_FAMILY, size=12)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(label_width, 9, label, align="R")
        pdf.set_text_color(20, 20, 20)
        pdf.set_font(_FAMILY, size=15)
        pdf.set_xy(40 + label_width + 4, top)
        pdf.multi_cell(value_width, 9, str(value), align="L")
        top = max(top + 10, pdf.get_y() + 1)

    # The QR code and its text, bottom left; the issuer, bottom right.
    qr_size = 38
    qr_top = height - 22 - qr_size - 10
    pdf.image(io.BytesIO(qr_png(verify_url)), x=22, y=qr_top, w=qr_size, h=qr_size)
    pdf.set_font(_FAMILY, size=8)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(22, qr_top + qr_size + 1)
    pdf.cell(150, 4, _("Scan to check that this document is valid:"))
    pdf.set_xy(22, qr_top + qr_size + 5)
    pdf.cell(150, 4, verify_url)
    pdf.set_xy(22, qr_top + qr_size + 9)
    pdf.cell(150, 4, _("Verification code: %(code)s", code=code))

    pdf.set_text_color(20, 20, 20)
    pdf.set_font(_FAMILY, size=16)
    pdf.set_xy(width - 150, height - 52)
    pdf.cell(128, 9, facts["issuer"], align="R")
    pdf.set_font(_FAMILY, size=11)
    pdf.set_xy(width - 150, height - 42)
    pdf.cell(128, 7, _("Issuing unit"), align="R")
    return bytes(pdf.output())
