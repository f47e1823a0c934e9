"""Forms of training sessions, attendance and self check-in."""
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateTimeLocalField, DecimalField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ...accounts.audience_form import AudienceForm, category_field
from ...accounts.forms import choices
from .models import MODES, SESSION_KINDS
from .services import to_local, to_utc


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Give the session a title, e.g. 2026年安全生产法专题培训.")), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(SESSION_KINDS))
    department_id = SelectField(_l("Organising department"), coerce=int,
                                validators=[DataRequired(_l("Choose the department that organises the session."))])
    trainer_id = SelectField(_l("Trainer"), coerce=int)
    trainer_name = StringField(_l("Or an outside lecturer's name"), validators=[Optional(), Length(max=64)],
                               description=_l("For a lecturer without an account, e.g. a lawyer of a law firm."))
    starts_at = DateTimeLocalField(_l("Starts at"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(_l("Give the date and time the session starts."))])
    ends_at = DateTimeLocalField(_l("Ends at"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired(_l("Give the date and time the session ends."))])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)],
                        description=_l("A room, or the meeting link for an online session."))
    mode = SelectField(_l("Mode"), choices=choices(MODES))
    hours = DecimalField(_l("Credit hours (学时)"), places=1, default=2,
                         validators=[InputRequired(_l("Give the credit hours, e.g. 2 or 1.5.")),
                                     NumberRange(0, 100, _l("Credit hours are between 0 and 100."))])
    rotate_codes = BooleanField(_l("Change the check-in code every minute"),
                                description=_l("A code sent to someone outside the room then stops working "
                                               "within two minutes."))
    submit = SubmitField(_l("Save"))

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start; correct the end time."))

    def validate_trainer_name(self, field):
        if not self.trainer_id.data and not (field.data or "").strip():
            raise ValidationError(_l("Choose a trainer from the list above or type the name of an outside lecturer."))

    def fields_for_service(self) -> dict:
        return {"title": self.title.data.strip(), "kind": self.kind.data, "department_id": self.department_id.data,
                "trainer_id": self.trainer_id.data or None, "trainer_name": (self.trainer_name.data or "").strip(),
                "starts_at": to_utc(self.starts_at.data), "ends_at": to_utc(self.ends_at.data),
                "place": (self.place.data or "").strip(), "mode": self.mode.data, "hours": float(self.hours.data),
                "rotate_codes": self.rotate_codes.data}

    def load(self, session) -> None:
        """Fill a GET form from a stored session (times shown in local time)."""
        self.starts_at.data, self.ends_at.data = to_local(session.starts_at), to_local(session.ends_at)
        self.trainer_id.data = session.trainer_id or 0

    @staticmethod
    def defaults(moment: datetime) -> dict:
        start = to_local(moment).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return {"starts_at": start, "ends_at": start + timedelta(hours=2), "hours": 2}


class ExpectedForm(AudienceForm):
    """Who is expected at a session: nothing ticked among the categories means every category."""
    categories = category_field(_l("Staff categories (none ticked: everybody)"))
    removed = None
    unknown_logins_message = _l("Nobody has the login %(logins)s; correct it (one login per line) and save again.")
    unknown_logins_separator = "、"


class SigninUploadForm(FlaskForm):
    file = FileField(_l("Typed sign-in sheet (.xlsx, .xls or .csv)"), validators=[
        FileRequired(_l("Choose a file first.")),
        FileAllowed(["xlsx", "xls", "csv"], _l("Upload an .xlsx, .xls or .csv file."))])
    submit = SubmitField(_l("Check the file"))


class CheckinCodeForm(FlaskForm):
    code = StringField(_l("Check-in code"), validators=[DataRequired(_l("Type the 6 digits shown on the screen."))],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 12,
                                  "pattern": "[0-9０-９ ]*", "autofocus": True})
    submit = SubmitField(_l("Check in"))


class WalkInForm(FlaskForm):
    login = StringField(_l("Login of the person"), validators=[
        DataRequired(_l("Type the login (mobile or staff number) of the person who came.")), Length(max=64)])
    submit = SubmitField(_l("Add"))
