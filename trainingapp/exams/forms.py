"""Forms for composing and running exams."""
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..accounts.audience_form import AudienceForm
from ..accounts.forms import choices
from ..platform.clock import to_local, to_utc
from .models import UNLIMITED_ATTEMPTS

REVIEW_LABELS = {"score": _l("Score only, right after submitting"),
                 "after_submit": _l("Full review right after submitting (answers, keys, explanations, legal "
                                    "basis); with question secrecy on, the keys once the exam has closed"),
                 "full": _l("Full review (answers, keys, explanations) after the window closes"),
                 "never": _l("Nothing: candidates see neither score nor review")}
COUNTING_LABELS = {"best": _l("The best attempt counts"), "last": _l("The last attempt counts")}
SCORING_LABELS = {"all_or_nothing": _l("Multiple choice: all or nothing"),
                  "partial": _l("Multiple choice: partial credit for a correct subset")}
FILL_SCORING_LABELS = {"all_or_nothing": _l("Fill-in: every blank right for the points"),
                       "per_blank": _l("Fill-in: a share of the points for each right blank")}


class ExamForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description and rules for candidates"), render_kw={"rows": 3})
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    opens_at = DateTimeLocalField(_l("Opens at"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Closes at"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    latest_start_at = DateTimeLocalField(_l("Latest start (optional)"), validators=[Optional()],
                                         format="%Y-%m-%dT%H:%M")
    duration_minutes = IntegerField(_l("Duration (minutes)"), default=60,
                                    validators=[InputRequired(), NumberRange(1, 600)])
    attempts_allowed = IntegerField(_l("Attempts allowed"), default=3, validators=[InputRequired(), NumberRange(1, 20)])
    is_mock = BooleanField(_l("Mock exam (模拟考试): counted in no report, rate or certificate"),
                           description=_l("Candidates find it under Mock exams. It cannot change after publication."))
    unlimited_attempts = BooleanField(_l("Unlimited attempts (mock exams only)"))
    allow_personal_mock = BooleanField(
        _l("Candidates may sit personal mock exams from this exam's rules while it is open"),
        description=_l("Each mock is a fresh draw from the same questions, never the paper of the candidate's own "
                       "attempt, and counts nowhere. While the questions are kept secret, its review shows the "
                       "score only."))
    counting = SelectField(_l("Which attempt counts"), choices=choices(COUNTING_LABELS))
    pass_mark = DecimalField(_l("Pass mark"), places=2, validators=[Optional(), NumberRange(0)],
                             description=_l("Empty: 60 percent of the total."))
    excellent_mark = DecimalField(_l("Excellent mark"), places=2, validators=[Optional(), NumberRange(0)],
                                  description=_l("Empty: 90 percent of the total."))
    multiple_scoring = SelectField(_l("Scoring of multiple choice"), choices=choices(SCORING_LABELS),
                                   description=_l("Partial credit: choosing only right options, but not all of them, "
                                                  "earns the share chosen; any wrong option earns nothing."))
    fill_scoring = SelectField(_l("Scoring of fill-in questions"), choices=choices(FILL_SCORING_LABELS),
                               description=_l("Per blank: a question with 2 blanks worth 10 points gives 5 for "
                                              "one right blank."))
    shuffle_questions = BooleanField(_l("Shuffle the order of questions for each attempt"), default=True)
    shuffle_options = BooleanField(_l("Shuffle the order of options for each attempt"), default=True)
    review_policy = SelectField(_l("What candidates see afterwards"), choices=choices(REVIEW_LABELS))
    protect_questions = BooleanField(
        _l("Keep the questions secret while the exam runs"), default=True,
        description=_l("Until this exam and any make-up of it have closed, the questions it can draw are left out "
                       "of practice, and no review or wrong-answer book shows their answers or explanations. "
                       "Leave it on: otherwise practice hands out this exam's answer key."))
    tab_switch_limit = IntegerField(_l("Tab-switch limit (optional)"), validators=[Optional(), NumberRange(0, 100)],
                                    description=_l("Leaving the exam page more often than this submits the attempt."))
    required_credits = DecimalField(_l("Study credits required this year (optional)"), places=1,
                                    validators=[Optional(), NumberRange(0, 1000)])
    required_course_ids = SelectMultipleField(_l("Courses to complete first (optional)"), coerce=int,
                                              validators=[Optional()],
                                              description=_l("Hold Ctrl (or ⌘) to choose several."))
    makeup_of_id = SelectField(_l("Make-up (补考) of"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def fields_for_service(self) -> dict:
        return {"title": self.title.data.strip(), "description": (self.description.data or "").strip(),
                "year": self.year.data, "opens_at": to_utc(self.opens_at.data),
                "closes_at": to_utc(self.closes_at.data), "latest_start_at": to_utc(self.latest_start_at.data),
                "duration_minutes": self.duration_minutes.data,
                "attempts_allowed": UNLIMITED_ATTEMPTS if self.is_mock.data and self.unlimited_attempts.data
                else self.attempts_allowed.data,
                "is_mock": self.is_mock.data, "allow_personal_mock": self.allow_personal_mock.data,
                "counting": self.counting.data,
                "pass_mark": float(self.pass_mark.data) if self.pass_mark.data is not None else None,
                "excellent_mark": float(self.excellent_mark.data) if self.excellent_mark.data is not None else None,
                "multiple_scoring": self.multiple_scoring.data, "fill_scoring": self.fill_scoring.data,
                "shuffle_questions": self.shuffle_questions.data,
                "shuffle_options": self.shuffle_options.data, "review_policy": self.review_policy.data,
                "protect_questions": self.protect_questions.data,
                "tab_switch_limit": self.tab_switch_limit.data,
                "required_credits": float(self.required_credits.data) if self.required_credits.data else None,
                "required_course_ids": sorted(set(self.required_course_ids.data or [])),
                "makeup_of_id": self.makeup_of_id.data or None}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.is_mock.data and self.unlimited_attempts.data and self.attempts_allowed.errors:
            # Unlimited attempts: the number is not used, whatever it says.
            self.attempts_allowed.errors = []
            valid = not any(f.errors for f in self)
        return valid

    def validate_unlimited_attempts(self, field):
        from wtforms.validators import ValidationError
        if field.data and not self.is_mock.data:
            raise ValidationError(_l("Only a mock exam can have unlimited attempts."))

    @staticmethod
    def defaults(moment: datetime, *, mock: bool = False) -> dict:
        """A new exam's starting values; a mock exam's: unlimited attempts, full review after submitting."""
        start = to_local(moment).replace(minute=0, second=0, microsecond=0) + timedelta(days=1, hours=1)
        values = {"year": start.year, "opens_at": start, "closes_at": start + timedelta(days=7)}
        if mock:
            values.update(is_mock=True, unlimited_attempts=True, review_policy="after_submit")
        return values


class CandidatesForm(AudienceForm):
    """Who an exam is for; with no category ticked it is for established staff (在编)."""
    default_categories = ("staff",)


class ReasonForm(FlaskForm):
    """Changes after publication always carry a reason."""
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
    minutes = IntegerField(_l("Extra minutes"), validators=[Optional(), NumberRange(1, 600)])
    login = StringField(_l("Login of the person to add"), validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("Apply"))


class PublishForm(FlaskForm):
    """Publishing cannot be undone, so the trainer ticks that they know it before the server acts."""
    confirmed = BooleanField(_l("I have checked the paper and the candidates: after publishing, the paper rules, "
                                "the marks and the candidate list cannot be changed."),
                             validators=[DataRequired(_l("Tick the box to confirm: publishing cannot be undone."))])


class KeyCorrectionForm(FlaskForm):
    """The new key of a question published exams use, and why: previewed, then confirmed."""
    new_key = StringField(_l("New key"), validators=[DataRequired(_l("Write the new key.")), Length(max=2000)],
                          description=_l("In the editor's notation: B, ABD, 对/错, or 十五日;15日|书面."))
    reason = TextAreaField(_l("Reason for the correction"), render_kw={"rows": 2},
                           validators=[DataRequired(_l("Give the reason for the correction: it is kept with it.")),
                                       Length(max=500)])
    preview = SubmitField(_l("Preview the effect"))
    confirm = SubmitField(_l("Correct the key and regrade"))
