"""Report downloads: .xlsx with several sheets (numbers as numbers, rates as percentages,
a native Excel bar chart) and .csv in UTF-8 with BOM; formula injection neutralised."""
from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from flask_babel import force_locale

from ..accounts.models import CATEGORIES
from ..platform.clock import to_local
from ..platform.tabular import to_csv, to_xlsx, xlsx_chunks
from ..training.outreach.models import EVENT_KINDS
from ..training.sessions.models import MODES, SESSION_KINDS
from . import numbers
from .definitions import definitions as report_definitions
from .definitions import followup_definitions
from .exam_report import STATUS_LABELS, ExamReport, people
from .followup_report import FollowupList

FIGURE_COLUMNS = ["应参考人数", "免考人数", "实际参考人数", "参考率", "合格人数", "合格率", "优秀人数", "优秀率",
                  "平均分", "最高分", "最低分"]
#: Listed after 参考率 only when some result awaits marks: an exam without any reads as before.
PENDING_COLUMN = "待阅卷人数"
RATE_COLUMNS = {"参考率", "合格率", "优秀率"}
COUNT_COLUMNS = {"应参考人数", "免考人数", "实际参考人数", PENDING_COLUMN, "合格人数", "优秀人数"}
SCORE_COLUMNS = {"平均分", "最高分", "最低分"}
#: The .csv's last column: every row names what its rates divide by, since a .csv has no
#: 口径说明 sheet (a column, not a line above the header, so every program reads the header).
BASIS_COLUMN = "口径"


def definitions(denominator: str, *, show_empty: bool = False, pending: int = 0) -> list[tuple[str, str]]:
    """The report's definitions in Chinese, as the annual report and the official forms have them."""
    with force_locale("zh"):
        return report_definitions(denominator, show_empty=show_empty, pending=pending)


def basis(denominator: str, pending: int = 0) -> str:
    """What a report's rates divide by, in one line (the .csv's 口径 column); with results
    awaiting marks, that they are in none of 合格, 优秀 and 不合格 yet."""
    base = "实际参考人数" if denominator == "participants" else "应参考人数"
    line = f"参考率=实际参考人数÷应参考人数；合格率、优秀率=合格人数、优秀人数÷{base}"
    if pending:
        line += f"；待阅卷{pending}人已计入实际参考人数，阅卷完成前不计入合格、优秀、不合格，合格率、优秀率尚非最终结果"
    return line


def figure_columns(pending: bool) -> list[str]:
    """The figure columns of a report; 待阅卷人数 only when some result awaits marks."""
    if not pending:
        return list(FIGURE_COLUMNS)
    at = FIGURE_COLUMNS.index("合格人数")
    return [*FIGURE_COLUMNS[:at], PENDING_COLUMN, *FIGURE_COLUMNS[at:]]


def _with_pending(values: list, pending: bool, value) -> list:
    """The figure values with the pending count put in its column, when the report has one."""
    if pending:
        values.insert(FIGURE_COLUMNS.index("合格人数"), value)
    return values


def _figure_values(figures, pending: bool = False) -> list:
    return _with_pending(
        [figures.required, figures.exempt, figures.participants, figures.participation_rate, figures.passed,
         figures.pass_rate, figures.excellent, figures.excellent_rate, numbers.score_cell(figures.average),
         numbers.score_cell(figures.highest), numbers.score_cell(figures.lowest)], pending, figures.pending)


def _figure_texts(figures, pending: bool = False) -> list[str]:
    """The figures as the page writes them (the .csv holds exactly these texts)."""
    return _with_pending(
        [numbers.count(figures.required), numbers.count(figures.exempt), numbers.count(figures.participants),
         numbers.rate(figures.participation_rate), numbers.count(figures.passed), numbers.rate(figures.pass_rate),
         numbers.count(figures.excellent), numbers.rate(figures.excellent_rate), numbers.score(figures.average),
         numbers.score(figures.highest), numbers.score(figures.lowest)], pending,
        numbers.count(figures.pending))


def exam_frames(report: ExamReport) -> dict[str, pd.DataFrame]:
    """The sheets of an exam report (built with its records) as frames (also what the tests
    read back)."""
    rows = report.shown_rows
    pending = bool(report.total.pending)
    columns = ["部门", *figure_columns(pending)]
    summary = pd.DataFrame([["合计", *_figure_values(report.total, pending)]] +
                           [["\u3000" * row.depth + row.name, *_figure_values(row.figures, pending)]
                            for row in rows if row.depth <= 1],
                           columns=columns)
    departments = pd.DataFrame([["\u3000" * row.depth + row.name, *_figure_values(row.figures, pending)]
                                for row in rows], columns=columns)
    listed = people(report)
    labels = _status_labels()
    person_columns = ["姓名", "账号", "部门", "人员类别", "状态", "作答次数", "计分成绩", "切屏次数"]
    people_frame = pd.DataFrame([[p.name, p.login, p.department, p.category, labels[p.status],
                                  p.attempts, numbers.score_cell(p.score), p.tab_switches] for p in listed],
                                columns=person_columns)
    absent = people_frame[people_frame["状态"] == labels["absent"]]
    notes = pd.DataFrame(definitions(report.denominator, show_empty=report.show_empty, pending=report.total.pending),
                         columns=["指标", "口径"])
    return {"汇总": summary, "各部门": departments, "人员明细": people_frame, "未参考名单": absent, "口径说明": notes}


def exam_xlsx(report: ExamReport) -> bytes:
    return b"".join(exam_xlsx_chunks(report))


def exam_xlsx_chunks(report: ExamReport) -> Iterator[bytes]:
    """The exam report workbook as a stream: the frames are built now (every database read
    happens before the response starts), the workbook is written when the stream is read."""
    frames = exam_frames(report)
    title = report.exam.title
    figure_formats = {header: numbers.RATE_FORMAT if header in RATE_COLUMNS else numbers.COUNT_FORMAT
                      for header in figure_columns(True) if header in RATE_COLUMNS | COUNT_COLUMNS}

    def finish(workbook, worksheets) -> None:
        summary = frames["汇总"]
        rows = len(summary) + 1  # with the header row
        if rows > 2:
            chart = workbook.add_chart({"type": "bar"})
            headers = list(summary.columns)
            for column_name in ("参考率", "优秀率"):
                column = headers.index(column_name)
                # Each bar is named by the department on its own row (合计 included).
                chart.add_series({"name": ["汇总", 0, column], "categories": ["汇总", 1, 0, rows - 1, 0],
                                  "values": ["汇总", 1, column, rows - 1, column]})
            chart.set_title({"name": f"{title}：各部门参考率与优秀率"})
            # A bar chart lies on its side: its value axis is XlsxWriter's x axis.
            chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
            chart.set_size({"width": _cm_to_pixels(18), "height": _cm_to_pixels(4 + 0.6 * rows)})
            worksheets["汇总"].insert_chart(rows + 2, 0, chart)

    return xlsx_chunks(frames, formats={"汇总": figure_formats, "各部门": figure_formats}, finish=finish)


def _cm_to_pixels(centimetres: float) -> int:
    return round(centimetres / 2.54 * 96)


def exam_csv(report: ExamReport) -> bytes:
    """合计 and the listed departments, every figure written as on the page, and a 口径 column
    naming what the rates divide by; UTF-8 with BOM, header on the first line."""
    pending = report.total.pending
    line = basis(report.denominator, pending)
    frame = pd.DataFrame([["合计", *_figure_texts(report.total, bool(pending)), line]] +
                         [["\u3000" * row.depth + row.name, *_figure_texts(row.figures, bool(pending)), line]
                          for row in report.shown_rows],
                         columns=["部门", *figure_columns(bool(pending)), BASIS_COLUMN])
    return to_csv(frame)


def _status_labels() -> dict[str, str]:
    """The status labels in the current language, translated once rather than once per person."""
    return {status: str(label) for status, label in STATUS_LABELS.items()}


def people_xlsx(rows, title: str) -> bytes:
    labels = _status_labels()
    frame = pd.DataFrame([[p.name, p.login, p.department, p.category, labels[p.status], p.attempts,
                           p.score] for p in rows], columns=["姓名", "账号", "部门", "人员类别", "状态", "作答次数",
                                                            "计分成绩"])
    return to_xlsx({title[:31]: frame})


def training_xlsx(report) -> bytes:
    """Training and outreach figures: summary, by kind, by month, by department, events, hours."""
    def totals_row(label, totals):
        return [label, totals.sessions, totals.attendances, totals.people, totals.expected,
                totals.attendance_rate, totals.hours]
    columns = ["分组", "场次", "人次", "人数", "应到人数", "出勤率", "学时"]
    summary = pd.DataFrame([totals_row("合计", report.total)] +
                           [totals_row(str(SESSION_KINDS.get(k, k)), t) for k, t in report.by_kind.items()] +
                           [totals_row(str(MODES.get(k, k)), t) for k, t in report.by_mode.items()],
                           columns=columns)
    months = pd.DataFrame([totals_row(f"{m}月", report.by_month[m]) for m in sorted(report.by_month)],
                          columns=columns)
    departments = pd.DataFrame([totals_row("\u3000" * depth + report.names[d], report.by_department[d])
                                for d, depth in report.department_rows if d in report.by_department],
                               columns=columns)
    events = pd.DataFrame([["合计", *report.events_total]] +
                          [[str(EVENT_KINDS.get(k, k)), *v] for k, v in report.events_by_kind.items()],
                          columns=["活动类型", "场次", "惠及人次"])
    duties = pd.DataFrame([[report.names.get(d, d), p.planned, p.done, p.rate]
                           for d, p in report.responsibilities.items()],
                          columns=["部门", "计划场次", "已开展", "完成率"])
    return to_xlsx({"汇总": summary, "按月": months, "按部门": departments, "普法活动": events, "责任清单": duties})


FOLLOWUP_COLUMNS = ["序号", "部门", "姓名", "账号", "人员类别", "考试", "结果", "计分成绩", "补考"]
FOLLOWUP_SHEET = "不合格和未参考人员名单"


def followup_title(listing: FollowupList) -> str:
    """The list's title as an official document has it (临时 while it may still change)."""
    what = (f"{listing.year}年学法考试" if listing.year is not None
            else f"“{listing.parts[0].exam.title}”" if listing.parts else "学法考试")
    unit = f"{listing.unit}" if listing.unit else ""
    return f"{unit}{what}不合格/未参考人员名单" + ("" if listing.final else "（临时）")


def followup_frames(listing: FollowupList) -> dict[str, pd.DataFrame]:
    """The list's sheets as frames, in the Chinese of official documents whatever the interface
    language: the list, the figures per exam (to check it against the reports) and the 口径."""
    with force_locale("zh"):
        results = {"fail": str(STATUS_LABELS["fail"]), "absent": str(STATUS_LABELS["absent"])}
        categories = {code: str(label) for code, label in CATEGORIES.items()}
        notes = followup_definitions()
    makeup = {None: "无补考", True: "已参加补考", False: "未参加补考"}
    people_frame = pd.DataFrame([[index, row.department, row.name, row.login,
                                  categories.get(row.entry.category, row.entry.category), row.exam_title,
                                  results[row.entry.status], numbers.score_cell(row.entry.score),
                                  makeup[row.entry.took_makeup]]
                                 for index, row in enumerate(listing.rows, start=1)], columns=FOLLOWUP_COLUMNS)
    waiting = bool(listing.awaiting_marks)
    exams = pd.DataFrame([[part.exam.title, _window(part.exam), part.makeup.title if part.makeup else "无",
                           part.figures.required, part.figures.exempt, part.figures.participants,
                           part.figures.passed, part.failed, part.absent,
                           *([part.figures.pending] if waiting else []),
                           "最终" if part.final else
                           "临时（尚有成绩待阅卷）" if part.figures.pending else "临时（考试或补考尚未结束）"]
                          for part in listing.parts],
                         columns=["考试", "考试时间", "补考", "应参考人数", "免考人数", "实际参考人数", "合格人数",
                                  "不合格人数", "未参考人数", *([PENDING_COLUMN] if waiting else []), "名单状态"])
    about = [("名单", followup_title(listing)),
             ("范围", (listing.unit or "全部部门") + (f"，{categories[listing.category]}" if listing.category else "")),
             ("名单状态", "最终" if listing.final else "临时：考试或补考尚未结束，名单还会变化"),
             ("导出时间", f"{to_local(listing.built_at):%Y-%m-%d %H:%M}")]
    return {FOLLOWUP_SHEET: people_frame, "各考试": exams,
            "口径说明": pd.DataFrame(about + notes, columns=["指标", "口径"])}


def _window(exam) -> str:
    return f"{to_local(exam.opens_at):%Y-%m-%d}至{to_local(exam.closes_at):%Y-%m-%d}"


def followup_xlsx_chunks(listing: FollowupList) -> Iterator[bytes]:
    """The list's workbook as a stream (frames built now, the workbook written as it is read)."""
    counts = {header: numbers.COUNT_FORMAT for header in ("应参考人数", "免考人数", "实际参考人数", "合格人数",
                                                           "不合格人数", "未参考人数", PENDING_COLUMN)}
    return xlsx_chunks(followup_frames(listing), formats={"各考试": counts})
