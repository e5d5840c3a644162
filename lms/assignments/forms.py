from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, FieldList, FloatField, RadioField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class UploadForm(FlaskForm):
    model = FileField(_l("Your model file"), validators=[FileRequired(_l("Choose a file to upload."))])


class GradeForm(FlaskForm):
    scores = FieldList(FloatField(validators=[InputRequired(), NumberRange(min=0)]), min_entries=0)
    feedback = TextAreaField(_l("Feedback for the learner"), validators=[Length(max=10000)])
    decision = RadioField(_l("Decision"), validators=[DataRequired()], choices=[
        SelectChoice("accepted", _l("Accept")), SelectChoice("returned", _l("Return for revision"))])


class ManualCompletionForm(FlaskForm):
    emails = TextAreaField(_l("E-mails of the learners, one per line"), validators=[DataRequired(), Length(max=100000)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=2000)])
    completed_on = DateField(_l("Completion date"), validators=[Optional()])
