"""Administrator pages: users and roles, instructors of courses."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import db
from lms.accounts import operations as accounts
from lms.accounts.access import admin_required
from lms.accounts.models import User
from lms.admin import queries
from lms.admin.forms import ROLE_LABELS, AssignInstructorForm, RoleForm, UserSearchForm
from lms.catalog import operations as catalog
from lms.catalog.models import Course
from lms.catalog.queries import course_by_slug
from lms.web_helpers import lang, page_arg

bp = Blueprint("admin", __name__)


def load_user(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def load_course(slug: str) -> Course:
    """Any course, archived ones too: administrators manage them all."""
    course = course_by_slug(db.session(), slug)
    if course is None:
        abort(404)
    return course


@bp.route("/admin/users/")
@admin_required
def users():
    sess = db.session()
    form = UserSearchForm(request.args)
    search = form.q.data if form.validate() else None
    page = page_arg()
    size = current_app.config["LMS_PAGE_SIZE"]
    people, total = queries.users_page(sess, search, page, size)
    return render_template("admin/users.html", users=people, form=form, page=page, pages=max(1, -(-total // size)),
                           total=total, role_labels=ROLE_LABELS)


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@admin_required
def set_role(user_id: int):
    user = load_user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a valid role."), "error")
        return redirect(url_for("admin.users"), 303)
    if user.id == current_user.id and form.role.data != "admin":
        flash(_("You cannot remove your own administrator role."), "error")
        return redirect(url_for("admin.users"), 303)
    accounts.set_role(user, form.role.data)
    flash(_("%(name)s is now %(role)s.", name=user.name, role=ROLE_LABELS[form.role.data]), "success")
    return redirect(url_for("admin.users", q=request.args.get("q"), page=request.args.get("page")), 303)


@bp.route("/admin/courses/")
@admin_required
def courses():
    items = queries.courses_with_instructors(db.session())
    return render_template("admin/courses.html", items=items, form=AssignInstructorForm(), lang=lang())


@bp.route("/admin/courses/<slug>/instructors", methods=["POST"])
@admin_required
def assign_instructor(slug: str):
    course = load_course(slug)
    form = AssignInstructorForm()
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if user is None:
            flash(_("No account has this e-mail."), "error")
        else:
            catalog.assign_instructor(db.session(), course, user)
            flash(_("%(name)s now teaches this course.", name=user.name), "success")
    else:
        flash(_("Enter a valid e-mail address."), "error")
    return redirect(url_for("admin.courses"), 303)


@bp.route("/admin/courses/<slug>/instructors/<int:user_id>/remove", methods=["POST"])
@admin_required
def remove_instructor(slug: str, user_id: int):
    if not catalog.remove_instructor(db.session(), load_course(slug), user_id):
        abort(404)
    flash(_("Removed."), "success")
    return redirect(url_for("admin.courses"), 303)
