from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FloatField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class PrinterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    profile = SelectField(_l("Profile"), validators=[DataRequired()])
    octoprint_url = StringField(_l("OctoPrint address"), validators=[Optional(), Length(max=300)])
    api_key = PasswordField(_l("OctoPrint API key"), validators=[Optional(), Length(max=200)])
    cost_per_kg = FloatField(_l("Filament cost per kg"), validators=[Optional(), NumberRange(min=0, max=100000)])
    active = BooleanField(_l("Takes jobs"), default=True)


class SendForm(FlaskForm):
    printer = SelectField(_l("Printer"), coerce=int, validators=[DataRequired()])


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo of the printed part"), validators=[FileRequired(_l("Choose a photo to upload."))])


class SignoffForm(FlaskForm):
    outside_queue = BooleanField(_l("Printed outside the queue"))


class JobActionForm(FlaskForm):
    pass
