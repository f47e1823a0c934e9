"""Use cases of the question bank: preview and import files, save, retire, export."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, or_, select
from sqlalchemy.exc import IntegrityError

from ..accounts import audit
from ..platform.clock import now
from ..platform.errors import DomainError
from ..platform.extensions import db
from ..platform.tabular import RowError, TableError, limits_for, match_key, to_xlsx
from . import citing
from .docx_writer import questions_to_docx
from .formats import INDEFINITE_NAME, export_questions
from .models import Question, QuestionImport
from .parsing import (
    CHOICE_TYPES,
    ParseResult,
    QuestionData,
    check_fields,
    dedup_key,
    parse_upload,
    rows_under_header,
)
from .usage import ExamLock, locks_of, usage_of
from .word_import import WORD_FORMATS, rejected_frame

_CHUNK = 500  # keys per IN (...) query: well under SQLite's variable limit


class QuestionInvalid(Exception):
    """The edited question has problems; `errors` names each field."""

    def __init__(self, errors: list[RowError]):
        super().__init__("invalid question")
        self.errors = errors


@dataclass
class ImportPreview:
    """What importing a file would do: errors, duplicates (in the file or the bank), new questions."""

    format: str
    errors: list[RowError]
    duplicates: list[RowError]
    new: list[tuple[int, QuestionData]]
    extra_columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    #: The spreadsheet row the headers were read from (None for text formats).
    header_row: int | None = None
    #: Notes that are not errors (pictures that are not imported).
    notes: list[RowError] = field(default_factory=list)
    #: Dedup key by row number of the new questions.
    keys: dict[int, str] = field(default_factory=dict, repr=False)
    #: Where each question came from in a Word or text bank ("paragraphs 45–49"), by row number.
    sources: dict[int, str] = field(default_factory=dict)
    #: What each new question's 依据条款 cites, resolved against the library or not, by row number.
    citations: dict[int, list[citing.Resolved]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row is not None})

    def citation_rows(self, resolved: bool) -> list[tuple[int, citing.Resolved]]:
        """(row, citation) of the new questions' citations that did (or did not) resolve."""
        return [(row, cited) for row, found in self.citations.items() for cited in found
                if cited.resolved == resolved]

    def counts(self, attribute: str) -> dict[str, int]:
        counted: dict[str, int] = {}
        for _row, question in self.new:
            key = getattr(question, attribute)
            counted[key] = counted.get(key, 0) + 1
        return dict(sorted(counted.items()))


@dataclass
class ImportOutcome:
    preview: ImportPreview
    imported: int = 0
    record: QuestionImport | None = None
    rejected_sheet: bytes | None = None


def existing_ids(keys: list[str]) -> dict[str, int]:
    """dedup key -> id of questions already in the bank."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        found.update(db.session.execute(select(Question.dedup_key, Question.id)
                                        .where(Question.dedup_key.in_(chunk))).all())
    return found


def parse_for_staging(data: bytes, filename: str, *, max_rows: int) -> dict | None:
    """The file parsed once, when it is uploaded, as JSON kept with the staged upload, so the
    preview and the confirmation do not parse 20,000 rows again (the bank is still checked
    each time). None when the file is unreadable: the preview says why, as before."""
    try:
        return parse_upload(data, filename, max_rows=max_rows, limits=limits_for("questions")).to_json()
    except TableError:
        return None


def preview_import(data: bytes, filename: str, *, max_rows: int, category: str | None = None,
                   parsed: dict | None = None) -> ImportPreview:
    """Parse and check a file against the bank; changes nothing. TableError for a bad file.
    `parsed`: what `parse_for_staging` made of these same bytes (then they are not parsed again)."""
    result = (ParseResult.from_json(parsed) if parsed
              else parse_upload(data, filename, max_rows=max_rows, limits=limits_for("questions")))
    questions = result.questions
    if category:
        for _row, question in questions:
            question.category = category
    notes = [*result.notes, *_match_categories(questions)]
    # The key does not depend on the category, so the parser's keys hold after the override above.
    keys = [result.keys.get(row) or dedup_key(q) for row, q in questions]
    in_bank = existing_ids(keys)
    duplicates = list(result.duplicates)
    new, new_keys = [], {}
    for (row, question), key in zip(questions, keys):
        if key in in_bank:
            duplicates.append(RowError(row, None, str(_l("already in the bank as question #%(id)s; skipped",
                                                         id=in_bank[key]))))
        else:
            new.append((row, question))
            new_keys[row] = key
    duplicates.sort(key=lambda e: (e.row or 0))
    resolver = citing.Resolver()
    cited = {row: found for row, question in new if question.basis
             for found in [resolver.resolve(question.basis)] if found}
    return ImportPreview(result.format, result.errors, duplicates, new, result.extra_columns, result.rows_read,
                         keys=new_keys, header_row=result.header_row, notes=notes, sources=result.sources,
                         citations=cited)


def _match_categories(questions: list[tuple[int, QuestionData]]) -> list[RowError]:
    """Write each category as the bank (or, for a new one, the file's first row) spells it when
    it differs only in full-/half-width forms or spaces: "行政处罚法（2021）" joins "行政处罚法(2021)"
    instead of starting a second category. One note per spelling changed."""
    known = {match_key(name): name for name in reversed(categories())}
    changed: dict[tuple[str, str], list[int]] = {}
    for row, question in questions:
        if not question.category:
            continue
        spelling = known.setdefault(match_key(question.category), question.category)
        if spelling != question.category:
            changed.setdefault((question.category, spelling), []).append(row)
            question.category = spelling
    return [RowError(rows[0], None, str(_l(
        "law category \"%(written)s\" was taken as \"%(category)s\", ignoring full-width/half-width forms and "
        "spaces (%(n)s question(s))", written=written, category=spelling, n=len(rows))))
        for (written, spelling), rows in changed.items()]


def import_questions(actor, data: bytes, filename: str, *, max_rows: int, category: str | None = None,
                     valid_only: bool = False, parsed: dict | None = None) -> ImportOutcome:
    """Import a whole file in one transaction: nothing when any row has an error, unless
    `valid_only`, where the valid rows land and the rejected ones come back as a sheet."""
    preview = preview_import(data, filename, max_rows=max_rows, category=category, parsed=parsed)
    outcome = ImportOutcome(preview)
    if preview.errors and not (valid_only and preview.new):
        return outcome
    actor_id = getattr(actor, "id", None)
    record = QuestionImport(filename=filename[:255], format=preview.format or "", created_by_id=actor_id,
                            imported=len(preview.new), duplicates=len(preview.duplicates),
                            rejected=len(preview.rejected_rows))
    db.session.add(record)
    db.session.flush()
    stamp = now()
    rows = [_row_values(q, record.id, actor_id, stamp, preview.keys.get(row)) for row, q in preview.new]
    try:
        _insert_questions(rows)
        citing.rebuild(sorted(existing_ids([row["dedup_key"] for row in rows if row["basis"]]).values()))
        audit.record("questions.import", actor=actor, subject=filename[:200], imported=len(rows),
                     duplicates=len(preview.duplicates), rejected=len(preview.rejected_rows))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_l("Another import added some of these questions at the same moment; "
                             "check the file again.")) from None
    outcome.imported, outcome.record = len(rows), record
    if preview.errors:
        outcome.rejected_sheet = rejected_rows_sheet(data, filename, preview)
    return outcome


def _insert_questions(rows: list[dict]) -> None:
    """New questions in the import's transaction: PostgreSQL's COPY (20,000 in a fraction of a
    second, where an INSERT per row takes seconds), elsewhere one executemany."""
    if not rows:
        return
    connection = db.session.connection()
    table = Question.__table__
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    import psycopg

    columns = list(rows[0])
    as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
    names = ", ".join(f'"{name}"' for name in columns)
    driver = connection.connection.driver_connection  # the session's own connection and transaction
    try:
        with driver.cursor() as cursor, cursor.copy(f"COPY question ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[name]) if name in as_json else row[name] for name in columns])
    except psycopg.IntegrityError as error:
        raise IntegrityError("COPY question", None, error) from error


def _row_values(question: QuestionData, import_id, actor_id, stamp, key: str | None = None) -> dict:
    return dict(qtype=question.qtype, stem=question.stem, options=list(question.options),
                answer=question.answer, explanation=question.explanation, points=question.points,
                difficulty=question.difficulty, category=question.category,
                knowledge_point=question.knowledge_point, basis=question.basis,
                is_active=question.is_active, dedup_key=key or dedup_key(question), import_id=import_id,
                created_by_id=actor_id, created_at=stamp, updated_at=stamp)


def rejected_rows_sheet(data: bytes, filename: str, preview: ImportPreview) -> bytes:
    """The rows that were rejected, as they were written, with an 错误 column saying why."""
    if preview.format in WORD_FORMATS:
        return to_xlsx({"未导入": rejected_frame(data, filename, preview.errors, preview.sources,
                                                 limits_for("questions"))})
    messages: dict[int, list[str]] = {}
    for error in preview.errors:
        where = f"{error.column}: " if error.column else ""
        messages.setdefault(error.row or 0, []).append(where + str(error.message))
    frame = None
    if filename.lower().endswith((".xlsx", ".xls", ".csv")):
        try:
            frame = rows_under_header(data, filename, limits_for("questions"))
        except TableError:
            # Read once already; if it cannot be read again now (the parsers are busy), the
            # import has landed all the same: the sheet lists the rows and why, without their cells.
            frame = None
    if frame is not None:
        frame = frame.loc[[r for r in preview.rejected_rows if r in frame.index]].copy()
        frame.insert(0, "错误", ["；".join(messages[r]) for r in frame.index])
        frame.insert(0, "原行号", list(frame.index))
    else:
        frame = pd.DataFrame([(row, "；".join(found)) for row, found in sorted(messages.items())],
                             columns=["原位置", "错误"])
    return to_xlsx({"未导入": frame})


# --- single questions ---------------------------------------------------------------------

FIELD_LABELS = {"type": _l("Type"), "stem": _l("Stem"), "answer": _l("Answer"), "explanation": _l("Explanation"),
                "points": _l("Points"), "difficulty": _l("Difficulty"), "category": _l("Law category"),
                "knowledge_point": _l("Knowledge point"), "basis": _l("Legal basis"), "status": _l("Status"),
                "reference": _l("Reference answer"), "rubric": _l("Scoring points"),
                "subquestions": _l("Sub-questions")}


def _label(key: str) -> str:
    if key.startswith("option_"):
        return str(_l("Option %(letter)s", letter=key[-1]))
    return str(FIELD_LABELS.get(key, key))


#: What candidates saw and were graded against: locked while a published exam holds the
#: question (usage.locks_of). Explanation, legal basis, category, knowledge point and
#: difficulty stay editable: they change no paper and no score (a published exam's pool was
#: fixed at publication).
LOCKED_FIELDS = ("qtype", "stem", "options", "answer", "points")
_AUDITED_FIELDS = LOCKED_FIELDS + ("explanation", "difficulty", "category", "knowledge_point", "basis",
                                   "is_active")


class QuestionLocked(DomainError):
    """A change a published exam's lock forbids; `locks` names the exams."""

    def __init__(self, message, locks: list[ExamLock]):
        super().__init__(message)
        self.locks = locks


def _locked_label(name: str) -> str:
    return str(_l("Options")) if name == "options" else _label("type" if name == "qtype" else name)


def _exam_names(locks: list[ExamLock]) -> str:
    return "、".join(f"《{lock.title}》" for lock in locks)


def _values(question: Question) -> dict:
    return {"qtype": question.qtype, "stem": question.stem,
            "options": list(question.options or []) if question.qtype in CHOICE_TYPES else [],
            "answer": question.answer, "points": float(question.points), "explanation": question.explanation,
            "difficulty": question.difficulty, "category": question.category,
            "knowledge_point": question.knowledge_point, "basis": question.basis, "is_active": question.is_active}


def _data_values(data: QuestionData) -> dict:
    return {"qtype": data.qtype, "stem": data.stem,
            "options": list(data.options) if data.qtype in CHOICE_TYPES else [], "answer": data.answer,
            "points": float(data.points), "explanation": data.explanation, "difficulty": data.difficulty,
            "category": data.category, "knowledge_point": data.knowledge_point, "basis": data.basis,
            "is_active": data.is_active}


def _refuse_retiring(question: Question, locks: list[ExamLock]) -> None:
    running = [lock for lock in locks if lock.is_open]
    if running:
        raise QuestionLocked(_l("Question #%(id)s is used by %(exams)s, which has not closed yet: it cannot be "
                                "retired or deleted until the exam closes.", id=question.id,
                                exams=_exam_names(running)), running)


def save_question(actor, question: Question | None, fields: dict) -> Question:
    """Create or update one question with the import's validation; QuestionInvalid lists problems.
    A question a published exam locks (usage.locks_of) keeps its LOCKED_FIELDS (QuestionLocked
    names the exams and points to the key correction) and is not retired while such an exam is
    open. Every creation and every change (old and new value per changed field) is audited."""
    if (question is not None and question.qtype == "multiple" and len(question.answer or []) == 1
            and fields.get("type") == "multiple"):
        # A 不定项 question (one key among checkboxes) stays one: the form knows only "multiple".
        fields = {**fields, "type": INDEFINITE_NAME}
    data, errors = check_fields(fields, None, _label)
    if errors:
        raise QuestionInvalid(errors)
    key = dedup_key(data)
    changes = {}
    if question is not None:
        before, after = _values(question), _data_values(data)
        changes = {name: [before[name], after[name]] for name in _AUDITED_FIELDS if before[name] != after[name]}
        locked = [name for name in LOCKED_FIELDS if name in changes]
        if locked or changes.get("is_active") == [True, False]:
            locks = locks_of([question.id])[question.id]
            if locks and locked:
                raise QuestionLocked(_l(
                    "Question #%(id)s is used by the published exam(s) %(exams)s, so its type, stem, options, "
                    "answer and points cannot change here (%(fields)s changed). To fix a wrong key, use "
                    "“Correct the key and regrade”; the explanation, legal basis, category, knowledge point "
                    "and difficulty can still be edited.", id=question.id, exams=_exam_names(locks),
                    fields="、".join(_locked_label(name) for name in locked)), locks)
            if changes.get("is_active") == [True, False]:
                _refuse_retiring(question, locks)
    clash = db.session.scalar(select(Question.id).where(Question.dedup_key == key))
    if clash is not None and (question is None or clash != question.id):
        raise QuestionInvalid([RowError(None, None, str(_l(
            "An identical question is already in the bank (question #%(id)s).", id=clash)))])
    creating = question is None
    if creating:
        question = Question(created_by_id=actor.id)
        db.session.add(question)
    question.apply(data)
    db.session.flush()
    if creating or "basis" in changes:
        citing.rebuild([question.id])
    if creating:
        audit.record("question.create", actor=actor, subject=f"#{question.id} {question.stem}"[:200],
                     question_id=question.id)
    elif changes:
        audit.record("question.edit", actor=actor, subject=f"#{question.id} {question.stem}"[:200],
                     question_id=question.id, changes=changes)
    db.session.commit()
    return question


def set_active(actor, question: Question, active: bool) -> None:
    """Retire (停用) or reactivate, audited: retired questions are never drawn into new papers.
    A question an open (running or upcoming) published exam holds is not retired (QuestionLocked)."""
    if question.is_active == active:
        return
    if not active:
        _refuse_retiring(question, locks_of([question.id])[question.id])
    question.is_active = active
    audit.record("question.retire" if not active else "question.reactivate", actor=actor,
                 subject=f"#{question.id} {question.stem}"[:200], question_id=question.id)
    db.session.commit()


def delete_question(actor, question: Question) -> None:
    """Delete a question no exam has used, audited with what it was; a used one must be retired
    instead (and one an open exam holds cannot even be retired yet)."""
    _refuse_retiring(question, locks_of([question.id])[question.id])
    if usage_of([question.id])[question.id].used:
        raise DomainError(_l("This question has been used in an exam; retire it instead of deleting it."))
    audit.record("question.delete", actor=actor, subject=f"#{question.id} {question.stem}"[:200],
                 question_id=question.id, question=_values(question))
    db.session.delete(question)
    db.session.commit()


# --- browsing and export -------------------------------------------------------------------

@dataclass
class Filters:
    q: str = ""
    qtype: str = ""
    category: str = ""
    difficulty: str = ""
    status: str = ""
    import_id: int | None = None

    def as_args(self) -> dict:
        return {k: v for k, v in vars(self).items() if v not in ("", None)}


def filtered(filters: Filters):
    """A select of questions matching the filters, newest first."""
    query = select(Question)
    if filters.q:
        words = filters.q.split()
        query = query.where(*[or_(Question.stem.contains(w, autoescape=True),
                                  Question.knowledge_point.contains(w, autoescape=True),
                                  Question.basis.contains(w, autoescape=True)) for w in words])
    if filters.qtype:
        query = query.where(Question.qtype == filters.qtype)
    if filters.category:
        query = query.where(Question.category == filters.category)
    if filters.difficulty:
        query = query.where(Question.difficulty == filters.difficulty)
    if filters.status in ("active", "inactive"):
        query = query.where(Question.is_active.is_(filters.status == "active"))
    if filters.import_id:
        query = query.where(Question.import_id == filters.import_id)
    return query.order_by(Question.id.desc())


def categories() -> list[str]:
    return [c for c in db.session.scalars(select(Question.category).distinct().order_by(Question.category)) if c]


def export(actor, filters: Filters, fmt: str) -> tuple[bytes, str, str]:
    """The filtered questions as a file of format xlsx/csv/json/gift (oldest first)."""
    questions = db.session.scalars(filtered(filters).order_by(None).order_by(Question.id)).all()
    content = export_questions([q.to_data() for q in questions], fmt)
    audit.record("questions.export", actor=actor, subject=fmt, count=len(questions))  # actor None: CLI
    db.session.commit()
    return content


def export_word(actor, filters: Filters, answers: str) -> bytes:
    """The filtered questions as a printable Word paper (docx_writer), answers "inline" or as a
    "key" at the end; audited like the other exports."""
    questions = db.session.scalars(filtered(filters).order_by(None).order_by(Question.id)).all()
    title = f"{filters.category}题库" if filters.category else "法律知识题库"
    content = questions_to_docx([q.to_data() for q in questions], title=title, answers=answers)
    audit.record("questions.export", actor=actor, subject=f"docx-{answers}", count=len(questions))
    db.session.commit()
    return content
