from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

SERIAL = re.compile(r"^[A-Za-z0-9-]{1,20}-\d{4}-\d{6,}$")


class VerifyCodeForm(FlaskForm):
    """Sent with GET: no CSRF token needed (it changes nothing)."""

    class Meta:
        csrf = False

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=64)])


class VerifyUploadForm(FlaskForm):
    pdf = FileField(_l("Certificate PDF"), validators=[FileRequired(_l("Choose the PDF file to check."))])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the revocation"), validators=[DataRequired(), Length(min=3, max=2000)])


class ReissueForm(FlaskForm):
    holder_name = StringField(_l("Corrected name"), validators=[DataRequired(), Length(max=200)])
    note = TextAreaField(_l("Note for the audit log"), validators=[Length(max=2000)])


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    course = SelectField(_l("Course"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[SelectChoice("", _l("All")), SelectChoice("valid", _l("Valid")),
                                                SelectChoice("revoked", _l("Revoked"))])


class PrintForm(FlaskForm):
    course = SelectField(_l("Course"), choices=[], validate_choice=False)
    enrolled_from = DateField(_l("Enrolled from"), validators=[Optional()])
    enrolled_to = DateField(_l("Enrolled until"), validators=[Optional()])
    completed_from = DateField(_l("Completed from"), validators=[Optional()])
    completed_to = DateField(_l("Completed until"), validators=[Optional()])
    serials = TextAreaField(_l("Serial numbers, one per line"), validators=[Length(max=200_000)])
    output = RadioField(_l("Output"), default="pdf", validators=[DataRequired()], choices=[
        SelectChoice("pdf", _l("One PDF to print (one certificate per page)")),
        SelectChoice("zip", _l("A ZIP of the individual PDF files"))])

    def serial_list(self) -> list[str]:
        return [s.strip() for s in re.split(r"[\s,;]+", self.serials.data or "") if s.strip()]

    def validate_serials(self, field) -> None:
        bad = [s for s in self.serial_list() if not SERIAL.match(s)]
        if bad:
            raise ValidationError(_l("Not a serial number: %(serials)s", serials=", ".join(bad[:5])))

    def validate_course(self, field) -> None:
        if not (field.data or self.serials.data or "").strip():
            raise ValidationError(_l("Choose a course or give serial numbers."))

    def validate_enrolled_to(self, field) -> None:
        if field.data and self.enrolled_from.data and field.data < self.enrolled_from.data:
            raise ValidationError(_l("The end is before the start."))

    def validate_completed_to(self, field) -> None:
        if field.data and self.completed_from.data and field.data < self.completed_from.data:
            raise ValidationError(_l("The end is before the start."))
