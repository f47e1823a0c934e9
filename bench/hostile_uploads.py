"""What hostile and large workbooks cost the server (never part of the test suite).

    python -m bench.hostile_uploads              the new code: caps, then the bounded parse
    python -m bench.hostile_uploads --unbounded  also the old way: the 280 MB workbook parsed in
                                                 this process without caps (slow: half a minute,
                                                 1.5 GiB)

Builds, in memory: the workbook of issue #20's finding 7 (about 1 MB on disk, 280 MB of sheet XML
inside), a 1.5 KB workbook whose dimension lies (two cells a corner apart: 200 columns by
1,048,576 rows for the parser to allocate), and our own roster export of 100,000 people. Reads
each through `tabular.read_table` with the roster's limits, as the roster preview does, and
prints the time to the answer, the answer, and this process's peak resident memory after it.
"""
from __future__ import annotations

import argparse
import io
import resource
import time

import pandas as pd

from tests.test_security_uploads import workbook
from trainingapp import create_app
from trainingapp.platform import tabular
from trainingapp.platform.tabular import TableError


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _time(label: str, data: bytes, limits) -> None:
    started = time.perf_counter()
    try:
        frame = tabular.read_table(data, "upload.xlsx", limits=limits)
        answer = f"read: {len(frame):,} rows"
    except TableError as error:
        answer = f"refused: {error.message}"
    elapsed = time.perf_counter() - started
    print(f"| {label} | {len(data) / 1024:,.0f} KB | {elapsed:.2f} s | {_peak_mib():,.0f} MiB | {answer} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unbounded", action="store_true", help="also parse the 280 MB workbook the old way")
    arguments = parser.parse_args()

    block = b'<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>' * 16384  # 1 MiB of XML
    inflating = workbook("A1:B4587520", block, repeat=280)
    lying = workbook("A1", b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
                           b'<row r="1048576"><c r="GR1048576"><v>1</v></c></row>')
    people = pd.DataFrame({"姓名": [f"人员{i}" for i in range(100_000)],
                           "账号": [f"139{i:08d}" for i in range(100_000)],
                           "部门": "共和镇/综合行政执法办", "人员类别": "在编", "职务": "科员", "角色": "学员",
                           "初始密码": "", "状态": "在岗"})
    roster = tabular.to_xlsx({"花名册": people})
    import zipfile
    unzipped = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(roster)).infolist())
    print(f"Our roster export of 100,000 people: {len(roster) / 1024 / 1024:.1f} MB, "
          f"{unzipped / 1024 / 1024:.1f} MB unzipped")

    import tempfile
    folder = tempfile.mkdtemp(prefix="hostile-uploads-")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3"})
    with app.app_context():
        limits = tabular.limits_for("roster")
        print("\n| file | size | answered in | peak RSS of this process | answer |\n| --- | ---: | ---: | ---: | --- |")
        _time("warm-up: a 3-row roster (starts the forkserver)", tabular.to_xlsx({"s": people.head(3)}), limits)
        _time("1 MB workbook, 280 MB inside", inflating, limits)
        _time("1.5 KB workbook lying about its size", lying, limits)
        _time("roster export, 100,000 people", roster, limits)
        _time("the same again (forkserver warm)", roster, limits)
        print("\nThe parses ran in sandbox children (forked from the forkserver, so not this "
              "process's children: their peak is not in RUSAGE_CHILDREN).")
        before = _peak_mib()
        started = time.perf_counter()
        kind, frame = tabular.parse_workbook(roster, limits.max_cells)
        print(f"The roster's parse run in this process instead: {kind}, {time.perf_counter() - started:.2f} s, "
              f"peak RSS {before:,.0f} -> {_peak_mib():,.0f} MiB (what the sandbox child needs of its budget)")
    if arguments.unbounded:
        started = time.perf_counter()
        frame = pd.read_excel(io.BytesIO(inflating), engine="calamine", dtype=object, header=0)
        print(f"\nUnbounded, in this process (the old way): {len(frame):,} rows in "
              f"{time.perf_counter() - started:.1f} s, peak RSS {_peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
