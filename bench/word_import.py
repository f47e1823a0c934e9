"""How long the preview of a Word bank takes (issue #23: 2,000 questions in under 10 s).

    python -m bench.word_import                  2,000 questions
    python -m bench.word_import --questions 5000

Builds, in memory, a .docx the way a trainer's bank is written in Word: automatic numbering for
the section headings ("一、"), the questions ("1.") and the options ("A." restarting under each
question), the answer and the explanation inline, a new section every 100 questions. Then goes
through the real pages with Flask's test client, signed in as a trainer, against a fresh SQLite
database: the upload (the .docx checked, read in the sandbox child, recognised, every question
validated, the result staged) and the preview page (the bank checked for duplicates, every
question rendered with its paragraphs, type, options and key).
"""
from __future__ import annotations

import argparse
import io
import re
import resource
import tempfile
import time

from tests.conftest import Factory, login
from tests.word_docs import auto_numbered_bank
from trainingapp import create_app
from trainingapp.platform.config import TestConfig
from trainingapp.platform.extensions import db


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=2000)
    arguments = parser.parse_args()

    started = time.perf_counter()
    data = auto_numbered_bank(arguments.questions, section_every=100)
    print(f"Built a .docx of {arguments.questions:,} questions: {len(data) / 1024:,.0f} KB "
          f"in {time.perf_counter() - started:.1f} s")

    folder = tempfile.mkdtemp(prefix="word-import-")
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3"})
    with app.app_context():
        db.create_all()
    trainer = Factory(app).user(role="trainer")
    client = app.test_client()
    login(client, trainer)

    def upload(content: bytes, name: str):
        response = client.post("/questions/import", data={"file": (io.BytesIO(content), name)},
                               content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response.headers["Location"]

    client.get(upload(auto_numbered_bank(3), "warm-up.docx"))  # starts the forkserver
    print("\n| step | seconds |\n| --- | ---: |")
    started = time.perf_counter()
    location = upload(data, "题库.docx")
    upload_seconds = time.perf_counter() - started
    print(f"| upload: check, read (sandbox), recognise, validate, stage | {upload_seconds:.2f} |")
    started = time.perf_counter()
    page = client.get(location).get_data(as_text=True)
    preview_seconds = time.perf_counter() - started
    print(f"| preview page: bank checked, {arguments.questions:,} questions shown | {preview_seconds:.2f} |")
    print(f"| **upload + preview** | **{upload_seconds + preview_seconds:.2f}** |")
    new = re.search(r'data-count="new">(\d+)<', page).group(1)
    rejected = re.search(r'data-count="rejected">(\d+)<', page).group(1)
    print(f"\n{new} new questions, {rejected} with problems; preview page {len(page.encode()) / 1024:,.0f} KB; "
          f"peak RSS of this process {_peak_mib():,.0f} MiB")
    assert int(new) == arguments.questions and rejected == "0"

if __name__ == "__main__":
    main()
