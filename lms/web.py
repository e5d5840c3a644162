"""Blueprints, template helpers and error pages of the web interface."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    has_request_context,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from lms import db
from lms.accounts.operations import set_locale
from lms.i18n import LANGUAGE_NAMES
from lms.static_files import add_static_route
from lms.web_helpers import MAX_ID, lang, wants_json

core = Blueprint("core", __name__, template_folder="templates")
add_static_route(core)  # core.static: content-hashed URLs, precompressed files (lms/static_files.py)
# Only these parts of node_modules are served.
VENDOR_ALLOWED = ("three/build/", "three/examples/jsm/")
class BoundedInt(IntegerConverter):
    """``<int:...>`` that matches only numbers a database can hold, so a huge id is a 404, not an OverflowError."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _without_nul(multidict):
    pairs = [(k.replace("\x00", "\ufffd"), v.replace("\x00", "\ufffd")) for k, v in multidict.items(multi=True)]
    return type(multidict)(pairs)


def _replace_nul_bytes() -> None:
    """NUL in a form field, a query argument or a file name becomes U+FFFD before any view reads it.

    No person types a NUL, and PostgreSQL text cannot hold one (a DataError, so a 500): read as an
    ordinary wrong character, the form's validators answer with their messages instead.
    """
    req = request._get_current_object()
    for name in ("args", "form"):
        values = getattr(req, name)
        if any("\x00" in k or "\x00" in v for k, v in values.items(multi=True)):
            req.__dict__[name] = _without_nul(values)  # both are cached properties of the request
    for upload in req.files.values():
        if upload.filename and "\x00" in upload.filename:
            upload.filename = upload.filename.replace("\x00", "\ufffd")


@core.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.dashboard"))
    return redirect(url_for("catalog.catalogue"))


@core.route("/language", methods=["POST"])
def set_language():
    form = FlaskForm()
    chosen = request.form.get("lang", "")
    if form.validate_on_submit() and chosen in current_app.config["LMS_LANGUAGES"]:
        session["lms_lang"] = chosen
        if current_user.is_authenticated:
            set_locale(current_user, chosen)
    target = request.form.get("next", "")
    from lms.accounts.blueprint import _safe_next

    return redirect(_safe_next(target), 303)


@core.route("/vendor/<path:filename>")
def vendor(filename: str):
    if not filename.startswith(VENDOR_ALLOWED) or not filename.endswith(".js"):
        abort(404)
    return send_from_directory(current_app.config["LMS_VENDOR_PATH"], filename, max_age=86400)


@core.route("/healthz")
def healthz():
    from lms.health import health

    result = health(current_app.config, db.session())
    return result, 200 if result["status"] == "ok" else 503, {"Cache-Control": "no-store"}


def register_blueprints(app, url_prefix: str) -> None:
    from lms.accounts.blueprint import bp as accounts_bp
    from lms.admin.blueprint import bp as admin_bp
    from lms.catalog.blueprint import bp as catalog_bp
    from lms.extensions import login_manager
    from lms.teach.blueprint import bp as teach_bp

    prefix = url_prefix.rstrip("/") or None
    app.url_map.converters["int"] = BoundedInt  # before any rule of ours is added
    blueprints = (core, accounts_bp, catalog_bp, teach_bp, admin_bp, *extra_blueprints())
    for bp in blueprints:
        app.register_blueprint(bp, url_prefix=prefix)
    ours = {bp.name for bp in blueprints}
    app.before_request(lambda: _replace_nul_bytes() if request.blueprint in ours else None)

    from lms.accounts.operations import user_for_session

    login_manager.user_loader(user_for_session)

    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)

    from lms import security_headers

    security_headers.init_app(app)


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (has_request_context() and request.is_secure)


def extra_blueprints() -> list:
    """Blueprints of the later features, imported when present."""
    from lms.features import import_feature

    names = ("lms.assignments.blueprint", "lms.certificates.blueprint", "lms.lab.blueprint")
    modules = (import_feature(name) for name in names)
    return [mod.bp for mod in modules if mod is not None]


def _http_error(exc: HTTPException):
    if wants_json():
        return {"error": exc.name, "message": exc.description}, exc.code
    if exc.code is None or exc.code < 400:
        return exc
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("We could not find that page."),
        405: _("That action is not allowed here."),
        413: _("The file is too large. The limit is %(mb)d MB.", mb=current_app.config["LMS_MAX_UPLOAD_MB"]),
        429: _("Too many requests. Wait a minute and try again."),
    }
    message = messages.get(exc.code, exc.description)
    return render_template("error.html", code=exc.code, title=exc.name, message=message), exc.code


def _csrf_error(exc: CSRFError):
    message = _("The form expired or was sent from elsewhere. Reload the page and try again.")
    return render_template("error.html", code=400, title=_("Form expired"), message=message), 400


def aria_attrs(field, described: str | None, autofocus: bool = False) -> dict:
    """The attributes that tie a form field to its help and errors, leaving out those without a value."""
    attrs = {"aria-describedby": described} if described else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if autofocus:
        attrs["autofocus"] = True
    return attrs


def register_template_helpers(app) -> None:
    from lms import formatting

    formatting.init_app(app)
    app.jinja_env.globals["aria_attrs"] = aria_attrs  # a global: imported form macros see no context
    @app.context_processor
    def _helpers():
        return {
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "current_lang": lang(),
            # The site's own name and institution: translated when they are the defaults (or a catalogue has them).
            "site_name": _(current_app.config["LMS_SITE_NAME"]),
            "institution": _(current_app.config["LMS_INSTITUTION"]),
            "has_endpoint": lambda name: name in current_app.view_functions,
        }
