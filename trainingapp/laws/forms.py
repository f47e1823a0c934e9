"""Forms of the law library: the upload, the details confirmed with the preview, the repeal."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class LawUploadForm(FlaskForm):
    file = FileField(_l("The law's text"), validators=[FileAllowed(["docx", "txt"], _l("Upload .docx or .txt."))],
                     description=_l("A Word document (.docx) or a text file (.txt, UTF-8 or GB18030) in the official "
                                    "layout: title, the note in brackets, 第一章 …, 第一条 …"))
    text = TextAreaField(_l("Or paste the text"), render_kw={"rows": 10},
                         description=_l("Copied from the official database or a gazette, headings and articles as "
                                        "printed."))
    submit = SubmitField(_l("Check the text"))

    def validate(self, extra_validators=None) -> bool:
        """A file or pasted text, not neither (both: the file is read)."""
        valid = super().validate(extra_validators)
        if valid and not self.file.data and not (self.text.data or "").strip():
            self.file.errors.append(_l("Choose a file or paste the text first."))
            return False
        return valid


class LawDetailsForm(FlaskForm):
    """What the text does not say for sure, prefilled from its title, note and closing article."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)],
                        description=_l("Without 《》. A title already in the library adds a new version of that "
                                       "law."))
    short_title = StringField(_l("Short title"), validators=[Optional(), Length(max=100)],
                              description=_l("How people cite it, e.g. 行政处罚法."))
    issuer = StringField(_l("Issuing body"), validators=[Optional(), Length(max=200)])
    issued_on = DateField(_l("Version date"), validators=[DataRequired()],
                          description=_l("The date it was adopted, revised or amended (the latest in the note)."))
    effective_on = DateField(_l("Effective date"), validators=[DataRequired()])
    excerpt = BooleanField(_l("This text is an excerpt (节选): articles may be missing"))
    note = StringField(_l("Note shown with the text"), validators=[Optional(), Length(max=200)],
                       description=_l("E.g. 节选，仅供演示. An excerpt without a note is marked 节选."))
    submit = SubmitField(_l("Import this version"))


class RepealForm(FlaskForm):
    repealed_on = DateField(_l("Repealed from"), validators=[DataRequired()])
    submit = SubmitField(_l("Mark as repealed"))
