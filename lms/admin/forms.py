from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length

ROLE_LABELS = {"learner": _l("Learner"), "instructor": _l("Instructor"), "admin": _l("Administrator")}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()])


class AssignInstructorForm(FlaskForm):
    email = EmailField(_l("Instructor's e-mail"),
                       validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Length(max=100)])
