"""Workbooks are written by XlsxWriter in constant memory and streamed in pieces
(trainingapp.platform.tabular), and read back exactly as the same frames written cell by cell
through openpyxl, as the exports were before."""
import io
import math
import zipfile
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.xlsx_reference import column_widths, openpyxl_workbook
from trainingapp.platform import tabular


def _frame(rows: int) -> pd.DataFrame:
    texts = ["普通文字", "=1+2", "+86 138", "@SUM(A1)", "-5", "a < b & c > d", "  spaced  ", "", "'quoted",
             "line\nbreak", "ctrl\x01char"]
    return pd.DataFrame({
        "文字": [texts[i % len(texts)] for i in range(rows)],
        "整数": np.arange(rows, dtype="int64"),
        "小数": [None if i % 7 == 0 else i / 4 for i in range(rows)],
        "是否": [i % 3 == 0 for i in range(rows)],
        "混合": [(i, f"x{i}", 1.5, None, True)[i % 5] for i in range(rows)],
        "缺失": [float("nan")] * rows,
    })


def _expected(frame: pd.DataFrame) -> pd.DataFrame:
    """What the openpyxl path writes for the same frame (control characters it refuses are dropped)."""
    return frame.assign(文字=frame["文字"].str.replace("\x01", "", regex=False))


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(tabular, "CHUNK_BYTES", 16 * 1024)


def test_streamed_sheet_reads_back_like_the_openpyxl_one():
    frame = _frame(60)
    streamed = tabular.to_xlsx({"长表": frame, "短表": frame.head(3)})
    plain = openpyxl_workbook({"长表": _expected(frame), "短表": frame.head(3)})
    for engine in ("openpyxl", "calamine"):
        got = pd.read_excel(io.BytesIO(streamed), sheet_name=None, engine=engine)
        want = pd.read_excel(io.BytesIO(plain), sheet_name=None, engine=engine)
        assert list(got) == ["长表", "短表"]
        for name in got:
            pd.testing.assert_frame_equal(got[name], want[name], obj=f"{engine} {name}")
    sheet = load_workbook(io.BytesIO(streamed))["长表"]
    assert sheet.max_row == 61 and sheet.freeze_panes == "A2"
    assert sheet["A3"].value == "'=1+2"  # formulas neutralised, as everywhere
    assert sheet["A3"].data_type == "s" and sheet["B61"].value == 59 and sheet["D2"].value is True
    assert column_widths(sheet) == column_widths(load_workbook(io.BytesIO(plain))["长表"])


def test_streaming_yields_the_workbook_in_pieces(small_chunks):
    frame = _frame(3000)
    chunks = list(tabular.xlsx_chunks({"长表": frame}))
    assert len(chunks) > 2
    content = b"".join(chunks)
    assert zipfile.ZipFile(io.BytesIO(content)).testzip() is None
    back = pd.read_excel(io.BytesIO(content), engine="calamine")
    assert len(back) == 3000 and back["整数"].tolist() == list(range(3000))


def test_a_long_sheet_of_dates_reads_back_as_dates():
    frame = pd.DataFrame({"签到时间": [datetime(2026, 3, 1, 9, minute) for minute in range(20)]})
    content = tabular.to_xlsx({"签到": frame})
    back = pd.read_excel(io.BytesIO(content))
    assert list(back["签到时间"]) == list(frame["签到时间"])


def test_non_finite_numbers_are_written_as_pandas_does():
    frame = pd.DataFrame({"值": [1.0, math.inf, -math.inf, math.nan, 2.5, 3.0]})
    streamed = pd.read_excel(io.BytesIO(tabular.to_xlsx({"s": frame})), dtype=str)
    plain = pd.read_excel(io.BytesIO(openpyxl_workbook({"s": frame})), dtype=str)
    pd.testing.assert_frame_equal(streamed, plain)


def test_every_kind_of_value_is_written_as_openpyxl_wrote_it():
    """Cell values and number formats of XlsxWriter's workbook are those of the pandas/openpyxl one."""
    from datetime import date, time, timedelta
    from decimal import Decimal
    rows = 30
    frame = _frame(rows).assign(
        时间=[datetime(2026, 3, 1, 9, i) for i in range(rows)],
        日期=[date(2026, 1, 1 + i) for i in range(rows)],
        钟点=[time(9, i) for i in range(rows)],
        缺时=[pd.NaT if i % 2 else pd.Timestamp("2026-01-02 03:04:05") for i in range(rows)],
        金额=[Decimal("1.25")] * rows, 时长=[timedelta(days=1, hours=6)] * rows)
    frame = _expected(frame)

    def cells(content):
        sheet = load_workbook(io.BytesIO(content)).active
        return [[(c.value if c.value != "" else None, c.number_format) for c in row] for row in sheet.iter_rows()]

    assert cells(tabular.to_xlsx({"表": frame})) == cells(openpyxl_workbook({"表": frame}))
