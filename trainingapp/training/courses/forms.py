"""Forms for courses and their materials, and for starting a practice round."""
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ...accounts.audience_form import AudienceForm
from ...accounts.forms import choices
from ...platform.uploads import DOCUMENTS, VIDEOS
from .services import MAX_FILE_MB

KIND_LABELS = {"text": _l("Text (Markdown)"), "file": _l("Document (PDF, Word, PowerPoint)"),
               "video": _l("Video link")}
MARKDOWN_HELP = _l("Markdown: **bold**, # heading, - list item, [link](https://…). Scripts and styles are removed.")


class CourseForm(AudienceForm):
    """A course and who it is for: nothing ticked is everyone, categories alone those categories everywhere."""
    whole_tree_when_none_ticked = True
    added = removed = None

    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the course a title.")), Length(max=200)])
    category = StringField(_l("Law category"), validators=[Optional(), Length(max=50)],
                           render_kw={"list": "categories"},
                           description=_l("The law the course is about, e.g. 行政处罚法; practice and reports "
                                          "use the same words as the question bank."))
    description = TextAreaField(_l("Description"), render_kw={"rows": 5}, description=MARKDOWN_HELP)
    credits = DecimalField(_l("Credits (学分)"), places=1, default=1,
                           validators=[InputRequired(_l("Enter the credits, e.g. 1 or 0.5 (0 for none).")),
                                       NumberRange(0, 100, _l("Enter credits from 0 to 100, e.g. 1 or 0.5."))],
                           description=_l("Awarded once, when someone completes every material."))
    submit = SubmitField(_l("Save"))


def _http_url(form, field):
    parts = urlsplit(field.data or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Enter a full web address starting with https:// or http://."))


class MaterialForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the material a title.")), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS))
    minutes = IntegerField(_l("Study minutes"), default=10,
                           validators=[InputRequired(_l("Enter how many minutes the material takes, e.g. 10.")),
                                       NumberRange(1, 600, _l("Enter whole minutes from 1 to 600."))],
                           description=_l("Study time is counted while the page is open and visible, up to "
                                          "this many minutes; then the material is completed."))
    body_markdown = TextAreaField(_l("Text"), render_kw={"rows": 14}, description=MARKDOWN_HELP)
    file = FileField(_l("Document"), validators=[FileAllowed(sorted(DOCUMENTS | VIDEOS), _l(
        "Upload a .pdf, .doc, .docx, .ppt, .pptx, .mp4 or .webm file."))],
        description=_l("Up to %(mb)s MB. PDFs and videos (.mp4, .webm) are shown in the page; other documents "
                       "are downloaded.", mb=MAX_FILE_MB))
    video_url = StringField(_l("Video address"), validators=[Optional(), Length(max=500)],
                            render_kw={"inputmode": "url", "placeholder": "https://"},
                            description=_l("A video file (.mp4, .webm) and a bilibili, Tencent Video (v.qq.com) or "
                                           "Youku video page play in the page; any other address opens in a "
                                           "new window."))
    submit = SubmitField(_l("Save"))

    def validate_body_markdown(self, field):
        if self.kind.data == "text" and not (field.data or "").strip():
            raise ValidationError(_l("Write the text of the material, or choose another kind."))

    def validate_video_url(self, field):
        if self.kind.data == "video":
            if not (field.data or "").strip():
                raise ValidationError(_l("Enter the video's web address, starting with https://."))
            _http_url(self, field)

    def fields_for_service(self) -> dict:
        return {"title": self.title.data.strip(), "kind": self.kind.data, "minutes": self.minutes.data,
                "body_markdown": (self.body_markdown.data or "").strip(),
                "video_url": (self.video_url.data or "").strip()}


class PracticeForm(FlaskForm):
    """Start a round: from a law category, or (source "book") from the wrong-answer book."""
    source = HiddenField(default="category")
    # The service refuses a category with nothing to practise, with a message saying what to do.
    category = SelectField(_l("Law category"), validators=[Optional()], validate_choice=False)
    count = RadioField(_l("Number of questions"), choices=choices([("5", "5"), ("10", "10"), ("20", "20")]),
                       default="10", validators=[InputRequired(_l("Choose 5, 10 or 20 questions."))])
    submit = SubmitField(_l("Start practising"))
