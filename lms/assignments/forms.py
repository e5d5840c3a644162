from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DateTimeLocalField, FieldList, FloatField, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError


class UploadForm(FlaskForm):
    model = FileField(_l("Your model file"), validators=[FileRequired(_l("Choose a file to upload."))])
    note = TextAreaField(_l("Note for your instructor (optional)"), validators=[Length(max=5000)])


def _finite(_form, field):
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("Enter a number."))


class RubricScores(FieldList):
    """Exactly ``min_entries`` scores named scores-0, scores-1, …: one per criterion, whatever was posted.

    A missing score is an empty entry with its message (the page shows every criterion again); a score
    for a criterion that does not exist is ignored.
    """

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.entries, self.last_index, self.object_data = [], -1, []
        while len(self.entries) < self.min_entries:
            self._add_entry(formdata)


class GradeForm(FlaskForm):
    scores = RubricScores(FloatField(validators=[InputRequired(_l("Give a score.")), _finite, NumberRange(min=0)]),
                          min_entries=0)
    comments = RubricScores(TextAreaField(validators=[Length(max=2000)]), min_entries=0)
    feedback = TextAreaField(_l("Feedback for the learner"), validators=[Length(max=10000)])
    decision = RadioField(_l("Decision"), validators=[DataRequired()], choices=[
        SelectChoice("accepted", _l("Accept")), SelectChoice("returned", _l("Return for revision"))])


class ManualCompletionForm(FlaskForm):
    emails = TextAreaField(_l("E-mails of the learners, one per line"), validators=[DataRequired(), Length(max=100000)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=2000)])
    completed_on = DateField(_l("Completion date"), validators=[Optional()])


def grade_form(criteria: int) -> GradeForm:
    """The grading form for a rubric of ``criteria`` lines: one score and one comment for each."""
    scores = RubricScores(FloatField(validators=[InputRequired(_l("Give a score.")), _finite, NumberRange(min=0)]),
                          min_entries=criteria)
    comments = RubricScores(TextAreaField(validators=[Length(max=2000)]), min_entries=criteria)
    return type("RubricGradeForm", (GradeForm,), {"scores": scores, "comments": comments})()


class ExtensionForm(FlaskForm):
    email = StringField(_l("Learner's e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    until = DateTimeLocalField(_l("New deadline (course time)"), validators=[DataRequired()])
