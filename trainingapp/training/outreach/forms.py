"""Forms of outreach events and responsibility lists."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ...accounts.forms import choices
from .models import EVENT_KINDS, TARGETS, THEMES


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Give the event a title, e.g. 宪法宣传周进社区.")), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(EVENT_KINDS))
    # No Optional() here: it would stop the chain before validate_target/validate_theme run.
    target = SelectField(_l("Where it went (\"six into\" events)"))
    theme = SelectField(_l("Theme day"))
    held_on = DateField(_l("Date"), validators=[InputRequired(_l("Give the date of the event."))])
    department_id = SelectField(_l("Organising department"), coerce=int,
                                validators=[DataRequired(_l("Choose the department that organised the event."))])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    audience = IntegerField(_l("People reached (惠及人次)"), default=0, validators=[
        InputRequired(_l("Count the people reached; 0 when unknown.")),
        NumberRange(0, 10_000_000, _l("The count is a whole number of 0 or more."))],
        description=_l("Counted by hand: people in the audience, leaflets handed out to people, visitors."))
    description = TextAreaField(_l("What happened"), render_kw={"rows": 4}, validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target.choices = choices([("", _l("— choose —")), *TARGETS.items()])
        self.theme.choices = choices([("", _l("— choose —")), *THEMES.items()])

    def validate_target(self, field):
        if self.kind.data == "six_into" and not field.data:
            raise ValidationError(_l("Choose where the \"six into\" event went."))

    def validate_theme(self, field):
        if self.kind.data == "theme_day" and not field.data:
            raise ValidationError(_l("Choose the theme day, or pick another kind of event."))

    def fields_for_service(self) -> dict:
        return {"title": self.title.data.strip(), "kind": self.kind.data, "target": self.target.data or None,
                "theme": self.theme.data or None, "held_on": self.held_on.data,
                "department_id": self.department_id.data, "place": (self.place.data or "").strip(),
                "audience": self.audience.data, "description": (self.description.data or "").strip()}


class EventFilesForm(FlaskForm):
    files = MultipleFileField(_l("Photos and documents"),
                              description=_l("Photos (.jpg, .png) are shown on the page; documents (.pdf, .doc, "
                                             ".docx, .ppt, .pptx) are offered as downloads."),
                              render_kw={"accept": ".jpg,.jpeg,.png,.pdf,.doc,.docx,.ppt,.pptx"})
    submit = SubmitField(_l("Upload"))


class ResponsibilityItemForm(FlaskForm):
    law = StringField(_l("Law or regulation"), validators=[
        DataRequired(_l("Name the law, e.g. 《安全生产法》.")), Length(max=200)])
    planned_events = IntegerField(_l("Events planned this year"), default=1, validators=[
        InputRequired(_l("Say how many events are planned; 0 is allowed.")),
        NumberRange(0, 10_000, _l("The count is a whole number of 0 or more."))])
    submit = SubmitField(_l("Save"))
