"""Every form of the app posted with its fields missing, malformed, duplicated or extra: a 4xx with the form
and its messages (or a redirect when nothing was required), never a 500.

The fields come from the form classes themselves, so a new field is malformed here without editing this file;
a new POST route fails ``test_every_post_route_is_in_the_table`` until it is added to ROUTES.
"""
from __future__ import annotations

import io
import itertools

import pytest
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, FieldList, FloatField, IntegerField, RadioField, SelectField
from wtforms.fields.core import UnboundField

from lms import db
from lms.accounts.models import User
from tests.conftest import DEMO_PASSWORD, csrf_token
from tests.world import C, T

# endpoint: (who posts, url template). {sid}, {cert_id}, {completion_id}, {learner_id}, {token} are filled in.
ROUTES = {
    "accounts.login": ("anon", "/login"),
    "accounts.register": ("anon", "/register"),
    "accounts.reset_request": ("anon", "/reset"),
    "accounts.reset_password": ("anon", "/reset/{token}"),
    "certificates.verify_index": ("anon", "/verify/"),
    "core.set_language": ("learner", "/language"),
    "accounts.profile": ("learner", "/account"),
    "accounts.logout": ("learner", "/logout"),
    "catalog.enrol": ("learner", f"/courses/{T}/enrol"),
    "catalog.complete_lesson": ("learner", f"/courses/{T}/lessons/intro/complete"),
    "assignments.assignment_page": ("learner", f"/courses/{T}/assignments/cube/"),
    "assignments.grade": ("admin", "/teach/submissions/{sid}/grade"),
    "assignments.completions": ("admin", f"/teach/{T}/completions"),
    "teach.import_cohort": ("admin", f"/teach/{C}/import"),
    "admin.set_role": ("admin", "/admin/users/{learner_id}/role"),
    "admin.assign_instructor": ("admin", f"/admin/courses/{C}/instructors"),
    "admin.remove_instructor": ("admin", f"/admin/courses/{C}/instructors/{{learner_id}}/remove"),
    "certificates.admin_issue": ("admin", "/admin/certificates/completions/{completion_id}/issue"),
    "certificates.admin_approve_all": ("admin", "/admin/certificates/approve-all"),
    "certificates.admin_revoke": ("admin", "/admin/certificates/{cert_id}/revoke"),
    "certificates.admin_reissue": ("admin", "/admin/certificates/{cert_id}/reissue"),
    "certificates.admin_print": ("admin", "/admin/certificates/print"),
    "assignments.extensions": ("admin", f"/teach/{T}/assignments/cube/extensions"),
    "lab.printers_page": ("admin", "/admin/printers"),
    "lab.job_action": ("admin", "/lab/jobs/1/cancel"),
    "lab.photo": ("admin", "/submissions/{sid}/photo"),
    "lab.send_to_printer": ("learner", "/submissions/{sid}/print"),
    "lab.sign_off": ("admin", "/submissions/{sid}/signoff"),
}
FILE_ROUTES = ("assignments.assignment_page", "teach.import_cohort", "certificates.verify_index", "lab.photo")
EMAILS = {"learner": "learner@example.org", "admin": "admin@example.org"}

NUMBERS = ["abc", "nan", "1e999", "-1", str(2**70)]
TEXTS = ["x" * 30_000, "\x00\x01", " ", "\ud800".encode("utf-8", "surrogatepass")]
FILE_FIELDS = ("model", "pdf", "csv_file", "photo")


def bad_values(unbound: UnboundField) -> list:
    kind = unbound.field_class
    if issubclass(kind, (FloatField, IntegerField, DecimalField)):
        return NUMBERS
    if issubclass(kind, DateField):
        return ["2026-02-30", "yesterday", "9999999-01-01"]
    if issubclass(kind, (RadioField, SelectField)):
        return ["not-a-choice", "", "x" * 10_000]
    if issubclass(kind, BooleanField):
        return ["maybe"]
    if kind.__name__ == "FileField":
        return ["a file name where a file should be", "../../etc/passwd"]
    return TEXTS


def form_fields() -> dict[str, list]:
    """Every field name of every form in the app (FieldList entries as name-0..2) with values it must refuse."""
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    fields: dict[str, list] = {}
    for form in subclasses(FlaskForm):
        if not form.__module__.startswith("lms."):
            continue
        for klass in form.__mro__:
            for name, unbound in vars(klass).items():
                if not isinstance(unbound, UnboundField) or name == "csrf_token":
                    continue
                if issubclass(unbound.field_class, FieldList):
                    for i in range(3):
                        fields.setdefault(f"{name}-{i}", []).extend(bad_values(unbound.args[0]))
                else:
                    fields.setdefault(name, []).extend(bad_values(unbound))
    return fields


def variants(fields: dict[str, list]) -> dict[str, list[tuple]]:
    """Named bodies (lists of (name, value) pairs, csrf token left out) to post to every form."""
    longest = max(len(values) for values in fields.values())
    out = {"missing": []}
    for i in range(longest):
        out[f"malformed-{i}"] = [(name, values[i % len(values)]) for name, values in fields.items()]
    out["duplicated"] = [(name, value) for name, values in fields.items() for value in values[:2]]
    out["extra"] = [("unexpected", "1"), ("scores-42", "3"), ("scores-7", "1"), ("decision", "accepted")]
    return out


def body(pairs: list[tuple], token: str, with_files: bool) -> dict:
    """The form data; file fields as small files where the route takes files, as text elsewhere."""
    data: dict = {"csrf_token": token}
    for name, value in pairs:
        if with_files and name in FILE_FIELDS:
            value = (io.BytesIO(str(value).encode()), str(value)[:100])
        elif with_files and len(value) > 1000:
            continue  # big text goes to the text forms; multipart would spool it to temporary files
        data.setdefault(name, []).append(value)
    return data


def test_every_post_route_is_in_the_table(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posts == set(ROUTES), f"add to or remove from ROUTES in {__file__}: {sorted(posts ^ set(ROUTES))}"


def test_the_generic_fields_cover_the_forms(app):
    fields = form_fields()
    for name in ("scores-0", "decision", "feedback", "key", "email", "password", "role", "completed_on", "reason",
                 "holder_name", "code", "output", "locale", "name"):
        assert name in fields, name


@pytest.fixture
def places(app, world, users):
    from lms.accounts.operations import make_reset_token

    uid = users.create("resetter@example.org")  # a malformed reset may not lock the learner out
    with app.app_context():
        token = make_reset_token(db.session().get(User, uid))
    return {**world, "token": token}


def login(client, role: str) -> None:
    if role != "anon":
        r = client.post("/login", data={"email": EMAILS[role], "password": DEMO_PASSWORD,
                                        "csrf_token": csrf_token(client)})
        assert r.status_code == 303, r.status_code


def test_every_form_posted_with_bad_fields_is_refused_not_crashed(app, places):
    """Every route of ROUTES with every variant (one world for all: it checks a model and issues a certificate)."""
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    bodies = variants(form_fields())
    failures = []
    for endpoint, (role, template) in sorted(ROUTES.items()):
        url, has_page, with_files = template.format(**places), "GET" in rules[endpoint].methods, endpoint in FILE_ROUTES
        client = app.test_client()
        login(client, role)
        for name, pairs in bodies.items():
            token = csrf_token(client, "/courses/" if role != "anon" else "/login")
            try:
                response = client.post(url, data=body(pairs, token, with_files),
                                       content_type="multipart/form-data" if with_files else None)
            except Exception as exc:
                failures.append(f"{endpoint} {name}: {type(exc).__name__}: {exc}"[:300])
                continue
            page = response.get_data(as_text=True)
            response.close()
            if response.status_code >= 500:
                failures.append(f"{endpoint} {name}: {response.status_code}")
            elif response.status_code == 400 and has_page and "<form" not in page:
                failures.append(f"{endpoint} {name}: 400 without the form")
            if endpoint == "accounts.logout":
                login(client, role)
    assert not failures, "\n".join(failures)


def test_grading_without_scores_shows_the_form_with_a_message(app, places, client):
    login(client, "admin")
    token = csrf_token(client, "/courses/")
    url = "/teach/submissions/{sid}/grade".format(**places)
    for data in ({"decision": "accepted"}, {"decision": "accepted", "scores-0": "10"},
                 {"decision": "accepted", "scores-0": "10", "scores-1": "nan"},
                 {"decision": "accepted", "scores-3": "10", "scores-9": "10"}):
        response = client.post(url, data={"csrf_token": token, **data})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (data, response.status_code)
        assert "<form" in page and 'class="errors"' in page, data


def test_a_complete_grade_is_still_saved(app, places, client):
    login(client, "admin")
    url = "/teach/submissions/{sid}/grade".format(**places)
    response = client.post(url, data={"csrf_token": csrf_token(client, "/courses/"), "decision": "accepted",
                                      "scores-0": "50", "scores-1": "30.5", "feedback": "Good"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]


def test_every_variant_names_every_field():
    fields = form_fields()
    for name, pairs in variants(fields).items():
        if name.startswith("malformed"):
            assert {n for n, _v in pairs} == set(fields)
    assert len(list(itertools.islice(variants(fields), 3))) == 3


@pytest.mark.parametrize("url", ["/login", "/register", "/reset"])
def test_a_nul_byte_in_a_field_is_a_message_not_a_database_error(app, client, url):
    """PostgreSQL refuses NUL in text: it must never reach the database (on SQLite it would be stored)."""
    data = {"csrf_token": csrf_token(client, url), "email": "a\x00b@example.org", "name": "Nul\x00Name",
            "password": "pass\x00word-long-enough"}
    response = client.post(url, data=data)
    assert response.status_code < 500
    assert "<form" in response.get_data(as_text=True) or response.status_code in (302, 303)


def test_a_nul_byte_in_a_query_is_harmless(app, client, users, auth):
    users.create("admin@example.org", role="admin")
    auth.login("admin@example.org")
    assert client.get("/admin/users/?q=a%00b").status_code == 200
