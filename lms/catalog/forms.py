from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional


class EnrolForm(FlaskForm):
    key = StringField(_l("Enrolment key"), validators=[Optional(), Length(max=200)])


class CohortImportForm(FlaskForm):
    csv_file = FileField(_l("CSV file with names and e-mails"), validators=[FileRequired()])
