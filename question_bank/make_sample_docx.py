"""Write question_bank/sample_bank.docx: 40 questions of two of the sample banks, as Word.

    python question_bank/make_sample_docx.py

The demo shows the Word import with it. The questions are the first 12 single choice, 4
multiple choice, 2 true/false and 2 fill-in questions of each law, in the layout the Word
export writes (answers, explanation and legal basis after each question).
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from trainingapp.questionbank.docx_writer import questions_to_docx  # noqa: E402
from trainingapp.questionbank.parsing import parse_upload  # noqa: E402

SOURCES = ("bank_xingzheng_xuke_fa.csv", "bank_xingzheng_fuyi_fa.csv")
PER_LAW = {"single": 12, "multiple": 4, "truefalse": 2, "fill": 2}
TITLE = "行政许可法、行政复议法题库（示例）"
TARGET = HERE / "sample_bank.docx"


def sample_questions():
    """The 40 questions of the sample, in the order of their files."""
    chosen = []
    for name in SOURCES:
        result = parse_upload((HERE / name).read_bytes(), name, max_rows=1000)
        if result.errors:
            raise SystemExit(f"{name}: {result.errors}")
        taken = dict.fromkeys(PER_LAW, 0)
        for _row, question in result.questions:
            if taken[question.qtype] < PER_LAW[question.qtype]:
                taken[question.qtype] += 1
                chosen.append(question)
    return chosen


def write_sample(target: Path = TARGET) -> Path:
    target.write_bytes(questions_to_docx(sample_questions(), title=TITLE))
    return target


if __name__ == "__main__":
    print(write_sample())
