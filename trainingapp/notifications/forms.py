"""Forms of notifications: a person's e-mail choice, a department's group robot."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ..accounts.forms import choices
from .webhooks import LABELS


class EmailSettingsForm(FlaskForm):
    email_off = BooleanField(_l("Do not send me reminders by e-mail (notifications on the platform stay)"))
    submit = SubmitField(_l("Save"))


class WebhookForm(FlaskForm):
    department_id = SelectField(_l("Department"), coerce=int, validators=[DataRequired()])
    kind = SelectField(_l("Group robot"), choices=choices(LABELS))
    url = StringField(_l("Webhook address"), validators=[DataRequired(), Length(max=500)],
                      render_kw={"autocomplete": "off", "inputmode": "url"})
    secret = StringField(_l("Signing secret (DingTalk 加签, optional)"), validators=[Optional(), Length(max=200)],
                         render_kw={"autocomplete": "off"})
    submit = SubmitField(_l("Save"))
