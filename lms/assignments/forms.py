from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DateTimeLocalField, FieldList, FloatField, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional


class UploadForm(FlaskForm):
    model = FileField(_l("Your model file"), validators=[FileRequired(_l("Choose a file to upload."))])
    note = TextAreaField(_l("Note for your instructor (optional)"), validators=[Length(max=5000)])


class GradeForm(FlaskForm):
    scores = FieldList(FloatField(validators=[InputRequired(), NumberRange(min=0)]), min_entries=0)
    comments = FieldList(TextAreaField(validators=[Length(max=2000)]), min_entries=0)
    feedback = TextAreaField(_l("Feedback for the learner"), validators=[Length(max=10000)])
    decision = RadioField(_l("Decision"), validators=[DataRequired()], choices=[
        SelectChoice("accepted", _l("Accept")), SelectChoice("returned", _l("Return for revision"))])


class ManualCompletionForm(FlaskForm):
    emails = TextAreaField(_l("E-mails of the learners, one per line"), validators=[DataRequired(), Length(max=100000)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=2000)])
    completed_on = DateField(_l("Completion date"), validators=[Optional()])


class ExtensionForm(FlaskForm):
    email = StringField(_l("Learner's e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    until = DateTimeLocalField(_l("New deadline (course time)"), validators=[DataRequired()])
