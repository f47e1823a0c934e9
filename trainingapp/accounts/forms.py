"""Forms of accounts: sign-in, passwords, people, departments, roster upload."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from .models import CATEGORIES, ROLES, STATUSES


class LoginForm(FlaskForm):
    login = StringField(_l("Login (mobile or staff number)"), validators=[DataRequired(), Length(max=64)],
                        render_kw={"autocomplete": "username", "autofocus": True, "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=128)],
                        description=_l("At least 8 characters; not containing your login, your name or its pinyin; "
                                        "not a common password."),
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change password"))


def choices(pairs):
    """WTForms choices from (value, label) pairs or a {value: label} mapping."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class PersonForm(FlaskForm):
    login = StringField(_l("Login (mobile or staff number)"), validators=[DataRequired(), Length(min=2, max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    department_id = SelectField(_l("Department"), coerce=int, validators=[DataRequired()])
    category = SelectField(_l("Staff category"), choices=choices(CATEGORIES))
    post = StringField(_l("Post / rank"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("E-mail (optional, for reminders)"), validators=[Optional(), Length(max=254)],
                        render_kw={"inputmode": "email", "autocomplete": "off"})
    role = SelectField(_l("Role"), choices=choices(ROLES))
    status = SelectField(_l("Status"), choices=choices(STATUSES))
    submit = SubmitField(_l("Save"))


class DepartmentForm(FlaskForm):
    name = StringField(_l("Department name"), validators=[DataRequired(), Length(max=100)])
    code = StringField(_l("Code (optional)"), validators=[Optional(), Length(max=50)])
    parent_id = SelectField(_l("Parent department"), coerce=int)
    submit = SubmitField(_l("Save"))


class RosterUploadForm(FlaskForm):
    file = FileField(_l("Roster file (.xlsx, .xls or .csv)"), validators=[
        FileRequired(_l("Choose a file first.")),
        FileAllowed(["xlsx", "xls", "csv"], _l("Upload an .xlsx, .xls or .csv file."))])
    submit = SubmitField(_l("Check the file"))


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token guards the confirm step."""
    submit = SubmitField(_l("Import"))
