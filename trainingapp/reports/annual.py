"""The annual summary (年度报告素材): the paragraph a town puts in its annual report on
law-based government, every figure computed from the records and linked to them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..accounts.models import Department
from ..exams.models import Exam
from ..extensions import db
from . import exam_report
from .models import rate_denominator
from .training_report import build as build_training


@dataclass(frozen=True)
class Figure:
    """One number of the paragraph, with where its records are (an endpoint and its arguments)."""

    value: str
    endpoint: str
    args: tuple = ()


@dataclass
class AnnualSummary:
    year: int
    unit: str
    figures: dict[str, Figure]
    exams: list[Exam]
    segments: list[tuple[str, str | None]]  # (text, figure key or None)

    @property
    def text(self) -> str:
        return "".join(self.figures[key].value if key else text for text, key in self.segments)


def _pct(value) -> str:
    if value is None:
        return "—"
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _parse(template: str) -> list[tuple[str, str | None]]:
    """'举办{sessions}场' -> [('举办', None), ('', 'sessions'), ('场', None)]."""
    segments, rest = [], template
    while "{" in rest:
        before, _brace, after = rest.partition("{")
        key, _close, rest = after.partition("}")
        if before:
            segments.append((before, None))
        segments.append(("", key))
    if rest:
        segments.append((rest, None))
    return segments


def build(year: int, *, root_id: int | None = None, scope: set[int] | None = None) -> AnnualSummary:
    """Training classes and 人次, enforcement and 法律明白人 training, the law exam's
    participation and excellence for cadres on the establishment (在编), lectures, outreach
    events and people reached, for one year (and optionally one department subtree)."""
    training = build_training(date(year, 1, 1), date(year, 12, 31), scope=scope, root_id=root_id)
    unit = "我镇"
    if root_id is not None:
        root = db.session.get(Department, root_id)
        unit = root.name if root else unit
    args = (("year", year),) + ((("root", root_id),) if root_id else ())
    kinds = training.by_kind

    def kind(code, attr):
        totals = kinds.get(code)
        return getattr(totals, attr) if totals else 0

    online_enforcement = sum(1 for s in training.sessions if s.kind == "enforcement" and s.mode != "offline")
    lectures_sessions = kind("lecture", "sessions")
    lecture_events = training.events_by_kind.get("lecture", (0, 0))[0]
    six_into = training.events_by_kind.get("six_into", (0, 0))[0]
    events, audience = training.events_total
    figures = {
        "classes": Figure(str(training.total.sessions), "reports.training_sessions", args),
        "attendances": Figure(f"{training.total.attendances:,}", "reports.training_report", args),
        "people": Figure(f"{training.total.people:,}", "reports.training_report", args),
        "enforcement": Figure(str(kind("enforcement", "sessions")), "reports.training_sessions",
                              args + (("kind", "enforcement"),)),
        "enforcement_online": Figure(str(online_enforcement), "reports.training_sessions",
                                     args + (("kind", "enforcement"),)),
        "enforcement_attendances": Figure(f"{kind('enforcement', 'attendances'):,}", "reports.training_sessions",
                                          args + (("kind", "enforcement"),)),
        "legal_literate": Figure(str(kind("legal_literate", "sessions")), "reports.training_sessions",
                                 args + (("kind", "legal_literate"),)),
        "legal_literate_attendances": Figure(f"{kind('legal_literate', 'attendances'):,}",
                                             "reports.training_sessions", args + (("kind", "legal_literate"),)),
        "lectures": Figure(str(lectures_sessions + lecture_events), "reports.training_events",
                           args + (("kind", "lecture"),)),
        "six_into": Figure(str(six_into), "reports.training_events", args + (("kind", "six_into"),)),
        "events": Figure(str(events), "reports.training_events", args),
        "audience": Figure(f"{audience:,}", "reports.training_events", args),
    }
    exams = db.session.scalars(select(Exam).where(Exam.year == year, Exam.state == "published",
                                                  Exam.makeup_of_id.is_(None)).order_by(Exam.opens_at)).all()
    template = ("{year}年，" + unit + "深入推进法治政府建设，扎实开展学法用法和法治宣传教育工作。"
                "全年举办各类培训班{classes}场次，培训学员{attendances}人次（{people}人）。"
                "组织行政执法人员培训{enforcement}场次、{enforcement_attendances}人次，其中线上培训{enforcement_online}场次；"
                "定期组织法律明白人培训{legal_literate}场次、{legal_literate_attendances}人次，采用线上线下相结合的方式。")
    figures["year"] = Figure(str(year), "reports.training_report", args)
    denominator = rate_denominator()
    for index, exam in enumerate(exams):
        report = exam_report.build(exam, denominator=denominator, category="staff", root_id=root_id, scope=scope)
        exam_args = (("exam_id", exam.id), ("category", "staff")) + ((("root", root_id),) if root_id else ())
        figures[f"exam{index}_required"] = Figure(str(report.total.required), "reports.exam_report", exam_args)
        figures[f"exam{index}_participants"] = Figure(str(report.total.participants), "reports.exam_report", exam_args)
        figures[f"exam{index}_participation"] = Figure(_pct(report.total.participation_rate), "reports.exam_report",
                                                       exam_args)
        figures[f"exam{index}_excellent"] = Figure(_pct(report.total.excellent_rate), "reports.exam_report",
                                                   exam_args)
        template += (f"组织{unit}在编干部参加“{exam.title}”，应参考{{exam{index}_required}}人，"
                     f"实际参考{{exam{index}_participants}}人，考试参加率达到{{exam{index}_participation}}，"
                     f"优秀率达{{exam{index}_excellent}}。")
    template += ("开展法治宣传讲座{lectures}场，开展日常法律“六进”宣传{six_into}场次，"
                 "全年各类普法活动{events}场次，惠及群众达{audience}人次。")
    return AnnualSummary(year=year, unit=unit, figures=figures, exams=exams, segments=_parse(template))


def docx(summary: AnnualSummary) -> bytes:
    """The paragraph as a Word document, with a table of the figures and their sources."""
    import io

    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.add_heading(f"{summary.year}年度学法考试与法治宣传教育情况（年度报告素材）", level=1)
    paragraph = document.add_paragraph(summary.text)
    paragraph.paragraph_format.first_line_indent = Pt(24)
    document.add_paragraph("以上数据由学法考试培训平台根据培训签到、考试和普法活动记录自动统计。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
