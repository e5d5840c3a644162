from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts import operations as ops
from lms.accounts.forms import LoginForm, ProfileForm, RegisterForm, ResetPasswordForm, ResetRequestForm
from lms.accounts.mail import send_after_commit, send_mail
from lms.urls import absolute_url

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("catalog.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = ops.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), 303)
        form.password.errors.append(_("Wrong e-mail or password, or too many attempts. Try again later."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    if not current_app.config["LMS_REGISTRATION_OPEN"]:
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        user, created = ops.register(form.email.data, form.name.data)
        if created:
            link = absolute_url("accounts.reset_password", token=ops.make_reset_token(user, invite=True))
            send_after_commit(user.email, _("Finish creating your account"),
                              _("Open this link to choose your password: %(link)s", link=link))
        elif user is not None:  # tell the owner, not the visitor, that the account exists
            link = absolute_url("accounts.reset_password", token=ops.make_reset_token(user))
            send_after_commit(user.email, _("You already have an account"), _(
                "Someone, perhaps you, tried to create an account with this address. You already have one: "
                "log in at %(login)s or choose a new password here: %(link)s",
                login=absolute_url("accounts.login"), link=link))
        # The same answer whether the address is new, taken, or being registered at this very moment.
        flash(_("We sent a message to %(email)s. Open the link in it to choose your password.",
                email=ops.normalize_email(form.email.data)), "info")
        return redirect(url_for("accounts.login"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        ops.end_sessions(current_user)  # every copy of this session's cookie, and the other sessions, end too
    logout_user()
    return redirect(url_for("accounts.login"), 303)


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = ops.find_user(form.email.data)
        if user is not None:
            link = absolute_url("accounts.reset_password", token=ops.make_reset_token(user))
            send_mail(user.email, _("Reset your password"), _("Open this link to set a new password: %(link)s", link=link))
        # The same answer whether or not the account exists.
        flash(_("If the address has an account, a reset link is on its way."), "info")
        return redirect(url_for("accounts.login"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/reset_request.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = ops.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        ops.set_password(user, form.password.data)
        flash(_("Your password is set. Log in with it."), "success")
        return redirect(url_for("accounts.login"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/reset_password.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        ops.update_profile(current_user, form.name.data, form.locale.data)
        flash(_("Saved."), "success")
        return redirect(url_for("accounts.profile"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/profile.html", form=form), status
