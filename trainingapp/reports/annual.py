"""The annual summary (年度报告素材): the paragraph a town puts in its annual report on
law-based government, every figure computed from the records and linked to them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..accounts.tree import DepartmentTree
from ..exams.finalising import finalize_overdue
from ..exams.models import Exam
from ..platform.clock import now
from ..platform.extensions import db
from . import exam_report
from .models import rate_denominator
from .queries import department_tree, makeup_of
from .training_report import build as build_training


@dataclass(frozen=True)
class Figure:
    """One number of the paragraph, with where its records are (an endpoint and its arguments)."""

    value: str
    endpoint: str
    args: tuple = ()


#: Why an exam of the year is not in the paragraph (the page says which, and why).
LEFT_OUT_REASONS = ("open", "no_candidates", "no_submissions")


@dataclass(frozen=True)
class AnnualSummary:
    year: int
    unit: str
    figures: dict[str, Figure]
    exams: list[Exam]  # the exams the paragraph reports
    segments: list[tuple[str, str | None]]  # (text, figure key or None)
    #: Exams of the year left out of the paragraph, each with a code from LEFT_OUT_REASONS.
    left_out: list[tuple[Exam, str]] = field(default_factory=list)
    #: Results of the reported exams still awaiting marks (待阅卷): the text says so per exam.
    pending: int = 0

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


def _sentence(clauses: list[str]) -> str:
    """Clauses joined into one sentence; nothing when every clause was left out."""
    return "，".join(clause for clause in clauses if clause) + "。" if any(clauses) else ""


def _mode_phrase(modes: set[str]) -> str:
    """How sessions were held, said only when the records show it."""
    if "hybrid" in modes or {"online", "offline"} <= modes:
        return "采用线上线下相结合的方式"
    if modes == {"online"}:
        return "均采用线上方式"
    return ""


def _exam_is_final(exam: Exam, makeup: Exam | None, moment) -> bool:
    """True once the exam and its published make-up have closed: only then are its figures final."""
    return exam.closes_at <= moment and (makeup is None or makeup.closes_at <= moment)


def _main_exams(year: int) -> list[Exam]:
    return db.session.scalars(select(Exam).where(Exam.year == year, Exam.state == "published",
                                                 Exam.makeup_of_id.is_(None), Exam.counts_officially)
                              .order_by(Exam.opens_at)).all()


def finalize_overdue_of_year(year: int) -> int:
    """Close the overdue attempts of the year's final exams (the ones the summary counts): the
    step before `build` on the page and in the command. Commits; returns how many were closed."""
    moment = now()
    return sum(finalize_overdue(exam.id) for exam in _main_exams(year)
               if _exam_is_final(exam, makeup_of(exam), moment))


def build(year: int, *, root_id: int | None = None, scope: set[int] | None = None,
          tree: DepartmentTree | None = None) -> AnnualSummary:
    """Training classes and 人次, enforcement and 法律明白人 training, the law exam's
    participation and excellence for cadres on the establishment (在编), lectures, outreach
    events and people reached, for one year (and optionally one department subtree).

    Guarantees a paragraph that can be pasted as it is: a clause whose figure is zero is left
    out (a sentence whose every clause is zero disappears), no rate is written as "—", and an
    exam that is still open, has no 在编 candidate here or no submitted attempt yet is left out
    of the text and listed in `left_out` instead. Reads only: call `finalize_overdue` first.
    """
    if tree is None:
        tree = department_tree()
    training = build_training(date(year, 1, 1), date(year, 12, 31), scope=scope, root_id=root_id, tree=tree)
    unit = tree.names.get(root_id, "我镇") if root_id is not None else "我镇"
    args = (("year", year),) + ((("root", root_id),) if root_id else ())
    kinds = training.by_kind

    def kind(code, attr):
        totals = kinds.get(code)
        return getattr(totals, attr) if totals else 0

    online_enforcement = sum(1 for s in training.sessions if s.kind == "enforcement" and s.mode != "offline")
    legal_literate_modes = {s.mode for s in training.sessions if s.kind == "legal_literate"}
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
        "year": Figure(str(year), "reports.training_report", args),
    }
    opening = "{year}年，" + unit + "深入推进法治政府建设，扎实开展学法用法和法治宣传教育工作。"
    template = ""
    if training.total.sessions:
        template += _sentence(["全年举办各类培训班{classes}场次",
                               "培训学员{attendances}人次（{people}人）" if training.total.attendances else ""])
    if kind("enforcement", "sessions"):
        template += _sentence(["组织行政执法人员培训{enforcement}场次"
                               + ("、{enforcement_attendances}人次" if kind("enforcement", "attendances") else ""),
                               "其中线上培训{enforcement_online}场次" if online_enforcement else ""])
    if kind("legal_literate", "sessions"):
        often = "定期" if kind("legal_literate", "sessions") > 1 else ""  # one session is not "regular"
        reached = "、{legal_literate_attendances}人次" if kind("legal_literate", "attendances") else ""
        template += _sentence([often + "组织法律明白人培训{legal_literate}场次" + reached,
                               _mode_phrase(legal_literate_modes)])
    denominator = rate_denominator()
    reported, left_out, waiting = [], [], 0
    moment = now()
    for exam in _main_exams(year):
        makeup = makeup_of(exam)
        if not _exam_is_final(exam, makeup, moment):
            left_out.append((exam, "open"))
            continue
        report = exam_report.build(exam, denominator=denominator, category="staff", root_id=root_id, scope=scope,
                                   tree=tree, makeup=makeup)
        if not report.total.required:
            left_out.append((exam, "no_candidates"))
            continue
        if not report.total.participants:
            left_out.append((exam, "no_submissions"))
            continue
        index = len(reported)
        reported.append(exam)
        exam_args = (("exam_id", exam.id), ("category", "staff")) + ((("root", root_id),) if root_id else ())
        figures[f"exam{index}_required"] = Figure(f"{report.total.required:,}", "reports.exam_report", exam_args)
        figures[f"exam{index}_participants"] = Figure(f"{report.total.participants:,}", "reports.exam_report",
                                                      exam_args)
        figures[f"exam{index}_participation"] = Figure(_pct(report.total.participation_rate), "reports.exam_report",
                                                       exam_args)
        figures[f"exam{index}_excellent"] = Figure(_pct(report.total.excellent_rate), "reports.exam_report",
                                                   exam_args)
        # Results awaiting marks (待阅卷) are participants but not yet excellent or not: the
        # paragraph says how many, and that the excellence rate is provisional.
        pending = report.total.pending
        waiting += pending
        figures[f"exam{index}_pending"] = Figure(f"{pending:,}", "reports.exam_report", exam_args)
        excellent = f"优秀率暂为{{exam{index}_excellent}}" if pending else f"优秀率达{{exam{index}_excellent}}"
        template += _sentence([f"组织{unit}在编干部参加“{exam.title}”",
                               f"应参考{{exam{index}_required}}人",
                               f"实际参考{{exam{index}_participants}}人",
                               f"考试参加率达到{{exam{index}_participation}}",
                               excellent if report.total.excellent else "",
                               f"另有{{exam{index}_pending}}人的成绩尚待阅卷，未计入优秀率" if pending else ""])
    outreach = _sentence(["开展法治宣传讲座{lectures}场" if lectures_sessions + lecture_events else "",
                          "开展日常法律“六进”宣传{six_into}场次" if six_into else "",
                          "全年各类普法活动{events}场次" if events else "",
                          "惠及群众达{audience}人次" if events and audience else ""])
    template += outreach
    if not template:
        template = "本年度暂无可统计的培训、考试和普法活动数据。"
    return AnnualSummary(year=year, unit=unit, figures=figures, exams=reported, segments=_parse(opening + template),
                         left_out=left_out, pending=waiting)


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
    if summary.pending:
        document.add_paragraph(f"注：尚有{summary.pending}人的考试成绩待阅卷，阅卷完成后考试数据将更新。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
