"""Forms of the question bank. Field validation is the import's own (parsing.check_fields)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from ..accounts.forms import choices
from .parsing import OPTION_LETTERS
from .subjective import MAX_PARTS, SUBJECTIVE_TYPES, format_numbered, format_rubric, parts_of

QTYPE_LABELS = {"single": _l("Single choice"), "multiple": _l("Multiple choice"),
                "truefalse": _l("True/false"), "fill": _l("Fill in the blank"), "short": _l("Short answer"),
                "case": _l("Case analysis")}
#: The sub-question blocks of the edit form (a short answer uses the first one's reference and points).
PART_NUMBERS = range(1, MAX_PARTS + 1)
DIFFICULTY_LABELS = {"easy": _l("Easy"), "medium": _l("Medium"), "hard": _l("Hard")}
UPLOAD_TYPES = ["xlsx", "xls", "csv", "json", "gift", "txt", "docx"]


class QuestionUploadForm(FlaskForm):
    file = FileField(_l("Question file"), validators=[
        FileAllowed(UPLOAD_TYPES, _l("Upload .xlsx, .xls, .csv, .json, .gift, .docx or .txt."))],
        description=_l("Excel or CSV in the template's columns, a Word document (.docx) or text file in the usual "
                       "layout of a bank (1. … A. … 答案：B), JSON, or Moodle's GIFT and Aiken text formats."))
    text = TextAreaField(_l("Or paste the questions"), render_kw={"rows": 8},
                         description=_l("Text copied from Word or a web page, in the same layout as a Word "
                                        "bank: numbered questions, options A. B. …, 答案：… or a key at the end."))
    category = StringField(_l("Law category for every question (optional)"),
                           validators=[Optional(), Length(max=50)],
                           description=_l("Fills 法律法规分类 for the whole file, e.g. 行政处罚法; "
                                          "overrides the column."))
    submit = SubmitField(_l("Check the file"))

    def validate(self, extra_validators=None) -> bool:
        """A file or pasted text, not neither (both: the file is read)."""
        valid = super().validate(extra_validators)
        if valid and not self.file.data and not (self.text.data or "").strip():
            self.file.errors.append(_l("Choose a file or paste the questions first."))
            return False
        return valid


class QuestionForm(FlaskForm):
    qtype = SelectField(_l("Type"), choices=choices(QTYPE_LABELS))
    stem = TextAreaField(_l("Stem"), render_kw={"rows": 4},
                         description=_l("For fill-in questions mark each blank with ____ (four underscores)."))
    answer = StringField(_l("Answer"), description=_l(
        "Choice: letters such as B or ABD. True/false: 对 or 错. Fill-in: blanks separated by |, "
        "alternatives by ; (e.g. 十五日;15日|书面)."))
    explanation = TextAreaField(_l("Explanation"), render_kw={"rows": 3})
    points = StringField(_l("Points"), description=_l("A positive number; empty for the type's default."))
    difficulty = SelectField(_l("Difficulty"), choices=choices(DIFFICULTY_LABELS), default="medium")
    category = StringField(_l("Law category"), validators=[Length(max=50)], render_kw={"list": "categories"})
    knowledge_point = StringField(_l("Knowledge point"), validators=[Length(max=100)])
    basis = StringField(_l("Legal basis"), validators=[Length(max=200)],
                        description=_l("e.g. 《中华人民共和国行政处罚法》第三十六条"))
    status = SelectField(_l("Status"), choices=choices({"active": _l("Active"), "inactive": _l("Inactive")}))
    submit = SubmitField(_l("Save"))


for _letter in OPTION_LETTERS:
    setattr(QuestionForm, f"option_{_letter}",
            StringField(_l("Option %(letter)s", letter=_letter), validators=[Optional(), Length(max=1000)]))


for _number in PART_NUMBERS:
    setattr(QuestionForm, f"part_{_number}_stem", TextAreaField(
        _l("Text of the sub-question"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 2}))
    setattr(QuestionForm, f"part_{_number}_marks", StringField(_l("Marks of the sub-question"), validators=[
        Optional(), Regexp(r"^\s*\d{1,3}(\.\d{1,2})?\s*$", message=_l("Write the marks as a number, e.g. 6 or 2.5."))]))
    setattr(QuestionForm, f"part_{_number}_reference", TextAreaField(
        _l("Reference answer"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3}))
    setattr(QuestionForm, f"part_{_number}_rubric", TextAreaField(
        _l("Scoring points (optional)"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3},
        description=_l("One point a line, each with its marks: 答出应当告知听证权利（3分）. The marks must add up "
                       "to the question's (or the sub-question's) marks.")))


def _part_values(form: QuestionForm) -> list[dict]:
    """The filled sub-question blocks, in order (a block with nothing in it is skipped)."""
    parts = []
    for number in PART_NUMBERS:
        values = {name: (getattr(form, f"part_{number}_{name}").data or "").strip()
                  for name in ("stem", "marks", "reference", "rubric")}
        if any(values.values()):
            parts.append(values)
    return parts


def form_to_fields(form: QuestionForm) -> dict:
    """The form's values in the shape parsing.check_fields takes; a subjective question's blocks
    in the notations of a spreadsheet row (参考答案, 评分要点, 小题 numbered （1）（2）…)."""
    options = [(getattr(form, f"option_{letter}").data or "").strip() for letter in OPTION_LETTERS]
    while options and not options[-1]:
        options.pop()
    fields = {"type": form.qtype.data, "stem": form.stem.data, "options": options, "answer": form.answer.data,
              "explanation": form.explanation.data, "points": form.points.data, "difficulty": form.difficulty.data,
              "category": form.category.data, "knowledge_point": form.knowledge_point.data,
              "basis": form.basis.data, "status": form.status.data}
    if form.qtype.data in SUBJECTIVE_TYPES:
        parts = _part_values(form) or [{"stem": "", "marks": "", "reference": "", "rubric": ""}]
        fields.update(options=[], answer="")
        if form.qtype.data == "short":
            fields.update(reference=parts[0]["reference"], rubric=parts[0]["rubric"])
        else:
            fields["subquestions"] = format_numbered([p["stem"] + (f"（{p['marks']}分）" if p["marks"] else "")
                                                      for p in parts])
            fields["reference"] = format_numbered([p["reference"] for p in parts])
            if any(p["rubric"] for p in parts):
                fields["rubric"] = format_numbered([p["rubric"] for p in parts])
    return fields


def fill_form(form: QuestionForm, question) -> None:
    """Show a stored question in the form, answers in the spreadsheet notation."""
    from .formats import answer_notation
    form.qtype.data, form.stem.data = question.qtype, question.stem
    for index, text in enumerate(question.options or []):
        getattr(form, f"option_{OPTION_LETTERS[index]}").data = text
    if question.qtype in SUBJECTIVE_TYPES:
        for number, part in enumerate(parts_of(question.qtype, question.options, question.answer), start=1):
            getattr(form, f"part_{number}_stem").data = part.stem
            getattr(form, f"part_{number}_marks").data = f"{part.marks:g}"
            getattr(form, f"part_{number}_reference").data = part.reference
            getattr(form, f"part_{number}_rubric").data = format_rubric(part.rubric, one_a_line=True)
    else:
        form.answer.data = answer_notation(question.to_data())
    form.explanation.data, form.points.data = question.explanation, f"{float(question.points):g}"
    form.difficulty.data, form.category.data = question.difficulty, question.category
    form.knowledge_point.data, form.basis.data = question.knowledge_point, question.basis
    form.status.data = "active" if question.is_active else "inactive"
