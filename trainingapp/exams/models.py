"""Exams, their papers and candidates, attempts and saved answers."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false, text, true
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..platform.clock import now
from ..platform.extensions import db

PAPER_MODES = ("rules", "fixed")
COUNTING = ("best", "last")
MULTIPLE_SCORING = ("all_or_nothing", "partial")
FILL_SCORING = ("all_or_nothing", "per_blank")
REVIEW_POLICIES = ("never", "score", "full", "after_submit")
#: The policies whose review shows keys (when: timing.review_open).
REVIEWED_POLICIES = ("full", "after_submit")
EXAM_STATES = ("draft", "published")
ATTEMPT_STATES = ("in_progress", "submitted", "auto_submitted")
#: `attempts_allowed` of a mock exam with unlimited attempts: the attempt checks stay plain
#: arithmetic, and nobody sits a mock exam a thousand times in one window.
UNLIMITED_ATTEMPTS = 999


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Exam(db.Model):
    __tablename__ = "exam"
    __table_args__ = (
        CheckConstraint(_in("paper_mode", PAPER_MODES), name="paper_mode_known"),
        CheckConstraint(_in("counting", COUNTING), name="counting_known"),
        CheckConstraint(_in("multiple_scoring", MULTIPLE_SCORING), name="multiple_scoring_known"),
        CheckConstraint(_in("fill_scoring", FILL_SCORING), name="fill_scoring_known"),
        CheckConstraint(_in("review_policy", REVIEW_POLICIES), name="review_policy_known"),
        CheckConstraint(_in("state", EXAM_STATES), name="state_known"),
        CheckConstraint("closes_at > opens_at", name="window_positive"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("attempts_allowed > 0", name="attempts_positive"),
        # A published exam carries its publication time, a draft none.
        CheckConstraint("(state = 'published') = (published_at IS NOT NULL)", name="published_has_time"),
        # A personal mock exam is a mock exam.
        CheckConstraint("personal_mock_of_id IS NULL OR is_mock", name="personal_mock_is_mock"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int]
    opens_at: Mapped[object] = mapped_column(db.DateTime)
    closes_at: Mapped[object] = mapped_column(db.DateTime)
    #: No new attempt may start after this moment (None: until the window closes).
    latest_start_at: Mapped[object | None] = mapped_column(db.DateTime)
    duration_minutes: Mapped[int]
    pass_mark: Mapped[float] = mapped_column(db.Numeric(7, 2, asdecimal=False))
    excellent_mark: Mapped[float] = mapped_column(db.Numeric(7, 2, asdecimal=False))
    attempts_allowed: Mapped[int] = mapped_column(default=3)
    counting: Mapped[str] = mapped_column(String(10), default="best")
    #: A make-up (补考) points at its main exam; the better result of the two counts.
    makeup_of_id: Mapped[int | None] = mapped_column(ForeignKey("exam.id"), index=True)
    paper_mode: Mapped[str] = mapped_column(String(10), default="rules")
    #: The paper's sections in order, one per question type: [{"type": "single", "title": None
    #: (the default 单项选择题) or the trainer's}, ...]; None: the default order (exams/sections.py).
    sections: Mapped[list | None] = mapped_column(db.JSON)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    multiple_scoring: Mapped[str] = mapped_column(String(20), default="all_or_nothing")
    #: Fill-in questions with several blanks: all blanks right for the points, or a share per right blank.
    fill_scoring: Mapped[str] = mapped_column(String(20), default="all_or_nothing", server_default="all_or_nothing")
    #: What a candidate sees of a finished attempt and when (see timing.review_open, review_notice.py).
    review_policy: Mapped[str] = mapped_column(String(20), default="score")
    #: 题目保密: while the exam (or a make-up of it) can still be taken, its pool is not
    #: practised and its keys are shown in no review (see exams/secrecy.py).
    protect_questions: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: Times the page may lose visibility; past it the attempt is submitted (None: unlimited).
    tab_switch_limit: Mapped[int | None]
    #: Saves and submits sent before the deadline but arriving this much later still count.
    grace_seconds: Mapped[int] = mapped_column(default=60)
    #: Study credits (学分) a candidate needs in the exam's year before starting (None: none).
    required_credits: Mapped[float | None] = mapped_column(db.Numeric(6, 1, asdecimal=False))
    #: Courses a candidate must have completed before starting (course ids; empty: none).
    required_course_ids: Mapped[list] = mapped_column(db.JSON, default=list)
    #: Audience before publication: [{"department_id": 3, "categories": ["staff"]}, ...]
    audience: Mapped[list] = mapped_column(db.JSON, default=list)
    #: People added to or removed from the audience by hand before publication (user ids).
    audience_added: Mapped[list] = mapped_column(db.JSON, default=list)
    audience_removed: Mapped[list] = mapped_column(db.JSON, default=list)
    #: The questions rule papers draw from, fixed at publication:
    #: [[id, type, category, difficulty, option count, blank count], ...]
    pool_snapshot: Mapped[list | None] = mapped_column(db.JSON, deferred=True)  # large: loaded only to draw
    #: 模拟考试: taken like any exam, counted nowhere (reports, rates, the annual summary,
    #: certificates, lists of who failed): select counted exams with `Exam.counts_officially`.
    is_mock: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Candidates may sit personal mock exams drawn from this exam's rules while it is open.
    allow_personal_mock: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: A personal mock exam: one person's hidden copy of this real exam's rules, drawing from its
    #: pool snapshot (see exams/mock.py); its attempts never touch the real exam's.
    personal_mock_of_id: Mapped[int | None] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    #: Subjective answers are marked twice (双评), by two people; see exams/marking.py.
    double_marking: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Double marks further apart than this (in the paper's points) go to arbitration (仲裁).
    marking_tolerance: Mapped[float] = mapped_column(db.Numeric(6, 2, asdecimal=False), default=2.0,
                                                     server_default=text("2"))
    #: Markers see "答卷 #n", never the candidate's name (on unless the manager turns it off).
    anonymous_marking: Mapped[bool] = mapped_column(default=True, server_default=true())
    state: Mapped[str] = mapped_column(String(10), default="draft")
    published_at: Mapped[object | None] = mapped_column(db.DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    updated_at: Mapped[object] = mapped_column(db.DateTime, default=now, onupdate=now)

    rules: Mapped[list[ExamRule]] = relationship(back_populates="exam", order_by="ExamRule.position",
                                                 cascade="all, delete-orphan")
    fixed_items: Mapped[list[ExamFixedItem]] = relationship(back_populates="exam",
                                                            order_by="ExamFixedItem.position",
                                                            cascade="all, delete-orphan")
    makeup_of: Mapped[Exam | None] = relationship(remote_side=[id], foreign_keys=[makeup_of_id])
    personal_mock_of: Mapped[Exam | None] = relationship(remote_side=[id], foreign_keys=[personal_mock_of_id])
    created_by = relationship("User")

    @hybrid_property
    def counts_officially(self) -> bool:
        """Whether results of this exam count (reports, rates, certificates): not a mock exam.
        In queries: `select(Exam).where(Exam.counts_officially)`."""
        return not self.is_mock

    @counts_officially.inplace.expression
    @classmethod
    def _counts_officially_expression(cls):
        return cls.is_mock.is_(False)

    @property
    def unlimited_attempts(self) -> bool:
        return self.attempts_allowed >= UNLIMITED_ATTEMPTS

    @property
    def is_published(self) -> bool:
        return self.state == "published"

    @property
    def partial_types(self) -> frozenset:
        """The question types whose partly right answers earn a share of the points in this exam."""
        return frozenset({"multiple"} if self.multiple_scoring == "partial" else set()) | frozenset(
            {"fill"} if self.fill_scoring == "per_blank" else set())

    @property
    def total_points(self) -> float:
        if self.paper_mode == "rules":
            return round(sum(r.count * float(r.points) for r in self.rules), 2)
        return round(sum(float(i.points) for i in self.fixed_items), 2)

    @property
    def question_count(self) -> int:
        if self.paper_mode == "rules":
            return sum(r.count for r in self.rules)
        return len(self.fixed_items)


class ExamRule(db.Model):
    """Draw `count` active questions of a type (and category, difficulty, cited law) worth `points` each."""

    __tablename__ = "exam_rule"
    __table_args__ = (CheckConstraint("count > 0", name="count_positive"),
                      CheckConstraint("points > 0", name="points_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    qtype: Mapped[str] = mapped_column(String(10))
    category: Mapped[str | None] = mapped_column(String(50))
    difficulty: Mapped[str | None] = mapped_column(String(10))
    #: Draw only questions citing this law (None: any law); see questionbank.citing.
    law_id: Mapped[int | None] = mapped_column(ForeignKey("law.id", ondelete="SET NULL"))
    count: Mapped[int]
    points: Mapped[float] = mapped_column(db.Numeric(6, 2, asdecimal=False))

    exam: Mapped[Exam] = relationship(back_populates="rules")
    law = relationship("Law")


class ExamFixedItem(db.Model):
    __tablename__ = "exam_fixed_item"
    __table_args__ = (UniqueConstraint("exam_id", "question_id", name="uq_exam_fixed_item_question"),
                      CheckConstraint("points > 0", name="points_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    points: Mapped[float] = mapped_column(db.Numeric(6, 2, asdecimal=False))

    exam: Mapped[Exam] = relationship(back_populates="fixed_items")
    question = relationship("Question")


class ExamCandidate(db.Model):
    """Someone who must sit the exam, fixed at publication with their department then."""

    __tablename__ = "exam_candidate"
    __table_args__ = (UniqueConstraint("exam_id", "user_id", name="uq_exam_candidate_person"),
                      Index("ix_exam_candidate_exam_department", "exam_id", "department_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    #: The department and category at publication: reports count people here, even after a move.
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    category: Mapped[str] = mapped_column(String(20))
    #: 免考 with its reason (None: not exempt).
    exempt_reason: Mapped[str | None] = mapped_column(String(200))
    #: Taken off the list after publication (kept for the record, counted nowhere).
    removed: Mapped[bool] = mapped_column(default=False)
    extra_minutes: Mapped[int] = mapped_column(default=0)
    extra_attempts: Mapped[int] = mapped_column(default=0)
    added_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    exam: Mapped[Exam] = relationship()
    user = relationship("User")
    department = relationship("Department")

    @property
    def is_exempt(self) -> bool:
        return self.exempt_reason is not None


class CandidateChange(db.Model):
    """Who changed the candidate list after publication, how and why."""

    __tablename__ = "candidate_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    #: "add", "remove", "exempt", "unexempt", "extra_time", "extra_attempt"
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200))
    value: Mapped[int | None]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    user = relationship("User", foreign_keys=[user_id])
    changed_by = relationship("User", foreign_keys=[changed_by_id])


class Attempt(db.Model):
    __tablename__ = "attempt"
    __table_args__ = (
        CheckConstraint(_in("status", ATTEMPT_STATES), name="status_known"),
        # Finished exactly when it has a submission time.
        CheckConstraint("(status = 'in_progress') = (submitted_at IS NULL)", name="finished_has_time"),
        UniqueConstraint("exam_id", "user_id", "number", name="uq_attempt_number"),
        # At most one attempt in progress per person and exam, whatever races happen.
        Index("uq_attempt_in_progress", "exam_id", "user_id", unique=True,
              sqlite_where=text("status = 'in_progress'"), postgresql_where=text("status = 'in_progress'")),
        Index("ix_attempt_open_deadline", "status", "deadline_at"),
        # Only a finished attempt waits for marks, and a result waiting for marks has no score.
        CheckConstraint("NOT awaiting_marks OR (status <> 'in_progress' AND score IS NULL)",
                        name="awaiting_marks_finished_unscored"),
        # Marking queues and reports find the waiting attempts of an exam. Partial: a plain
        # (exam_id, awaiting_marks) index lured PostgreSQL's planner into reading every attempt of
        # the exam for each autosave instead of the one attempt by its primary key.
        Index("ix_attempt_awaiting_marks", "exam_id", sqlite_where=text("awaiting_marks"),
              postgresql_where=text("awaiting_marks")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    number: Mapped[int]
    #: The draw is reproducible from this seed; the drawn paper is stored anyway (below).
    seed: Mapped[int] = mapped_column(db.BigInteger)
    #: [{"q": question id, "p": points, "t": type, "o": option order, "b": blanks}, ...] in order.
    paper: Mapped[list] = mapped_column(db.JSON)
    started_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    deadline_at: Mapped[object] = mapped_column(db.DateTime)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    submitted_at: Mapped[object | None] = mapped_column(db.DateTime)
    #: Why an attempt was closed by the server: "deadline", "tab_limit" (None: by the candidate).
    finish_reason: Mapped[str | None] = mapped_column(String(16))
    #: The result: None while in progress, and while `awaiting_marks` (a result that waits for
    #: marking is neither a pass nor a fail).
    score: Mapped[float | None] = mapped_column(db.Numeric(7, 2, asdecimal=False))
    #: What the machine scored at closing (objective questions); `score` once nothing awaits marks.
    objective_score: Mapped[float | None] = mapped_column(db.Numeric(7, 2, asdecimal=False))
    #: Closed with answers to subjective questions (简答, 案例分析) that nobody has marked yet
    #: (待阅卷); cleared, and `score` set, when the last of them gets its final mark.
    awaiting_marks: Mapped[bool] = mapped_column(default=False, server_default=false())
    total: Mapped[float] = mapped_column(db.Numeric(7, 2, asdecimal=False))
    receipt: Mapped[str | None] = mapped_column(String(24))
    tab_switches: Mapped[int] = mapped_column(default=0)

    exam: Mapped[Exam] = relationship()
    user = relationship("User")

    @property
    def is_finished(self) -> bool:
        return self.status != "in_progress"


class PreparedPaper(db.Model):
    """A candidate's first paper, drawn before the window opens (`flask --app run exams prepare`),
    so the synchronized start at the opening minute is one insert: exactly the paper `seed`
    gives from the pool snapshot of the publication `published_at` (a paper of another
    publication is never used). A start that finds none draws as before."""

    __tablename__ = "prepared_paper"

    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    #: The exam's publication time when drawn: the draw belongs to that pool snapshot.
    published_at: Mapped[object] = mapped_column(db.DateTime)
    seed: Mapped[int] = mapped_column(db.BigInteger)
    #: As Attempt.paper.
    paper: Mapped[list] = mapped_column(db.JSON)
    total: Mapped[float] = mapped_column(db.Numeric(7, 2, asdecimal=False))
    prepared_at: Mapped[object] = mapped_column(db.DateTime, default=now)


class Answer(db.Model):
    """The latest acknowledged answer to one question of one attempt (saved by upsert)."""

    __tablename__ = "answer"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), primary_key=True, index=True)
    response: Mapped[object | None] = mapped_column(db.JSON)
    #: The client's sequence number: an older save arriving late never overwrites a newer one.
    seq: Mapped[int] = mapped_column(db.BigInteger, default=0)
    saved_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    score: Mapped[float | None] = mapped_column(db.Numeric(7, 2, asdecimal=False))
    is_correct: Mapped[bool | None]


class AttemptEvent(db.Model):
    """Tab switches and similar signals from the exam page."""

    __tablename__ = "attempt_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[object] = mapped_column(db.DateTime, default=now)


MARK_ROUNDS = ("first", "second", "arbitration")


class Mark(db.Model):
    """One mark a marker gave one subjective answer in one round (first, second, arbitration);
    changed in place by a remark (the audit log keeps the old marks). The answer's final mark,
    by the rule in exams/marking.py, is written to `Answer.score`."""

    __tablename__ = "mark"
    __table_args__ = (
        CheckConstraint(_in("round", MARK_ROUNDS), name="round_known"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        # One mark per answer and round: two markers saving the same round, the first wins.
        UniqueConstraint("attempt_id", "question_id", "round", name="uq_mark_round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    round: Mapped[str] = mapped_column(String(12))
    marker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    #: Per part: {"total": 4.5} or, where the part has scoring points, {"points": [2, 2.5], "total": 4.5}.
    parts: Mapped[list] = mapped_column(db.JSON)
    total: Mapped[float] = mapped_column(db.Numeric(7, 2, asdecimal=False))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    updated_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    marker = relationship("User")


class MarkClaim(db.Model):
    """A marker holds an answer of a round for a short lease, so that two markers of the same
    round are never given the same answer at once (exams/marking_service.py)."""

    __tablename__ = "mark_claim"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), primary_key=True)
    round: Mapped[str] = mapped_column(String(12), primary_key=True)
    marker_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    expires_at: Mapped[object] = mapped_column(db.DateTime)


class ExamMarker(db.Model):
    """A trainer the exam's manager asked to mark it (besides its managers)."""

    __tablename__ = "exam_marker"

    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    added_at: Mapped[object] = mapped_column(db.DateTime, default=now)

    user = relationship("User", foreign_keys=[user_id])


CERTIFICATE_KINDS = ("certificate", "proof")


class Certificate(db.Model):
    """A certificate (合格证书) or proof of result (成绩证明) as issued: what it states, frozen.

    Its code is what the QR code and /verify/<code> carry: 128 random bits, stored as issued
    (see exams/certificate_issuing.py for why not hashed). A result-changing regrade or a new
    attempt revokes it and, where the new result still earns one, issues its replacement."""

    __tablename__ = "certificate"
    __table_args__ = (
        CheckConstraint(_in("kind", CERTIFICATE_KINDS), name="kind_known"),
        # Only a revoked certificate can have been replaced.
        CheckConstraint("replaced_by_id IS NULL OR revoked_at IS NOT NULL", name="replaced_is_revoked"),
        # One valid document of a kind per person and exam, however downloads race.
        Index("uq_certificate_valid", "user_id", "exam_id", "kind", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    #: The main exam: a make-up's result is certified under the exam it makes up for.
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id"), index=True)
    #: The attempt whose score counted when it was issued.
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="SET NULL"))
    #: What the document states (name, department, exam, date, score, band, issuer), as printed.
    facts: Mapped[dict] = mapped_column(db.JSON)
    issued_at: Mapped[object] = mapped_column(db.DateTime, default=now)
    revoked_at: Mapped[object | None] = mapped_column(db.DateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))


class CertificateSetting(db.Model):
    """Certificate settings an admin can change (the issuing unit)."""

    __tablename__ = "certificate_setting"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
