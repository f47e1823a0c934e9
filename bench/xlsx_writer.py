"""The .xlsx writer on the exam export's people sheets, in process (never part of the test suite).

    python -m bench.xlsx_writer                   tabular.to_xlsx and openpyxl's write-only mode
    python -m bench.xlsx_writer --rows 20000      a smaller sheet

Writes the shape of the county-scale exam export's 人员明细 and 未参考名单 sheets (--rows and a
twentieth of them; name, login, department path, category, status, attempts, score, tab
switches) through `trainingapp.platform.tabular.to_xlsx` (XlsxWriter, constant memory) and,
for comparison, through openpyxl's write-only mode with the same neutralisation, and prints
the seconds, the CPU seconds and the size of each. docs/scale.md quotes it.
"""
from __future__ import annotations

import argparse
import io
import time

import numpy as np
import pandas as pd


def people(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(2026)
    return pd.DataFrame({
        "姓名": [f"张{chr(0x4e00 + i % 5000)}{chr(0x4e00 + (i * 7) % 5000)}" for i in range(rows)],
        "账号": [f"139{i:08d}" for i in range(rows)],
        "部门": [f"基准县/基准{i % 12:02d}镇/司法所" for i in range(rows)],
        "人员类别": ["在编"] * rows, "状态": ["已参考"] * rows,
        "作答次数": rng.integers(0, 3, rows),
        "计分成绩": [None if i % 20 == 0 else float(i % 100) for i in range(rows)],
        "切屏次数": rng.integers(0, 5, rows)})


def openpyxl_write_only(sheets: dict[str, pd.DataFrame]) -> bytes:
    from openpyxl import Workbook

    from trainingapp.platform.tabular import neutralise
    workbook = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.freeze_panes = "A2"
        sheet.append([neutralise(str(c)) for c in frame.columns])
        for values in zip(*[frame[c].tolist() for c in frame.columns]):
            sheet.append([neutralise(v) if isinstance(v, str) else
                          int(v) if isinstance(v, np.integer) else v for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> None:
    from trainingapp.platform.tabular import to_xlsx
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = people(args.rows)
    sheets = {"人员明细": frame, "未参考名单": frame.head(args.rows // 20)}
    for label, write in (("tabular.to_xlsx (XlsxWriter, constant memory)", to_xlsx),
                         ("openpyxl write-only", openpyxl_write_only)):
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            content = write(sheets)
            print(f"{label}: {time.perf_counter() - wall:.2f} s, {time.process_time() - cpu:.2f} s CPU, "
                  f"{len(content):,} bytes", flush=True)


if __name__ == "__main__":
    main()
