"""Every route in the url_map, as anonymous, learner, instructor and admin, against a table of outcomes.

A new route fails this test until it is added to ROUTES.
"""
from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.world import C, L, T

ROLES = ("anon", "learner", "instructor", "admin")


def expect(anon, learner, instructor, admin):
    return dict(zip(ROLES, (anon, learner, instructor, admin)))


# endpoint: (method, url template, expected status per role). {learner_id} etc. are filled in.
ROUTES: dict[str, tuple[str, str, dict]] = {
    "core.index": ("GET", "/", expect(302, 302, 302, 302)),
    "core.static": ("GET", "/static/lms.css", expect(200, 200, 200, 200)),
    "core.vendor": ("GET", "/vendor/three/build/three.module.js", expect(200, 200, 200, 200)),
    "core.healthz": ("GET", "/healthz", expect(200, 200, 200, 200)),
    "core.set_language": ("POST", "/language", expect(303, 303, 303, 303)),
    "accounts.login": ("GET", "/login", expect(200, 200, 200, 200)),
    "accounts.register": ("GET", "/register", expect(200, 200, 200, 200)),
    "accounts.logout": ("POST", "/logout", expect(303, 303, 303, 303)),
    "accounts.reset_request": ("GET", "/reset", expect(200, 200, 200, 200)),
    "accounts.reset_password": ("GET", "/reset/not-a-token", expect(400, 400, 400, 400)),
    "accounts.profile": ("GET", "/account", expect(302, 200, 200, 200)),
    "catalog.catalogue": ("GET", "/courses/", expect(200, 200, 200, 200)),
    "catalog.course_page": ("GET", f"/courses/{C}/", expect(200, 200, 200, 200)),
    "catalog.enrol": ("POST", f"/courses/{C}/enrol", expect(302, 303, 303, 303)),
    "catalog.lesson_page": ("GET", f"/courses/{C}/lessons/{L}/", expect(302, 200, 200, 200)),
    "catalog.complete_lesson": ("POST", f"/courses/{C}/lessons/{L}/complete", expect(302, 303, 303, 303)),
    "catalog.course_asset": ("GET", f"/courses/{C}/files/assets/fdm-printer.svg", expect(200, 200, 200, 200)),
    "catalog.dashboard": ("GET", "/dashboard/", expect(302, 200, 200, 200)),
    "teach.index": ("GET", "/teach/", expect(302, 404, 200, 200)),
    "teach.course_progress": ("GET", f"/teach/{C}/", expect(302, 404, 200, 200)),
    "teach.progress_csv": ("GET", f"/teach/{C}/progress.csv", expect(302, 404, 200, 200)),
    "teach.import_cohort": ("POST", f"/teach/{C}/import", expect(302, 404, 400, 400)),
    "admin.users": ("GET", "/admin/users/", expect(302, 404, 404, 200)),
    "admin.set_role": ("POST", "/admin/users/{learner_id}/role", expect(302, 404, 404, 303)),
    "admin.courses": ("GET", "/admin/courses/", expect(302, 404, 404, 200)),
    "admin.assign_instructor": ("POST", f"/admin/courses/{C}/instructors", expect(302, 404, 404, 303)),
    "admin.remove_instructor": ("POST", f"/admin/courses/{C}/instructors/{{learner_id}}/remove", expect(302, 404, 404, 404)),
}
# 3D model assignments ({sid}: a checked submission of the learner, with holes so a repaired copy exists).
S = "/submissions/{sid}"
ROUTES.update({
    "assignments.assignment_page": ("GET", f"/courses/{T}/assignments/cube/", expect(302, 200, 200, 200)),
    "assignments.submission_page": ("GET", f"{S}/", expect(302, 200, 200, 200)),
    "assignments.submission_file": ("GET", f"{S}/file", expect(302, 200, 200, 200)),
    "assignments.repaired_file": ("GET", f"{S}/repaired.stl", expect(302, 200, 200, 200)),
    "assignments.thumbnail": ("GET", f"{S}/thumbnail.png", expect(302, 200, 200, 200)),
    "assignments.viewer_data": ("GET", f"{S}/viewer.json", expect(302, 200, 200, 200)),
    "assignments.viewer_mesh": ("GET", f"{S}/mesh-0.bin", expect(302, 200, 200, 200)),
    "assignments.queue": ("GET", f"/teach/{T}/grading/", expect(302, 404, 200, 200)),
    "assignments.grade": ("GET", "/teach/submissions/{sid}/grade", expect(302, 404, 200, 200)),
    "assignments.completions": ("GET", f"/teach/{T}/completions", expect(302, 404, 200, 200)),
    "assignments.accepted_models_zip": ("GET", f"/teach/{T}/accepted-models.zip", expect(302, 404, 303, 303)),
    "assignments.compare": ("GET", "/teach/submissions/{sid}/compare/{sid}", expect(302, 404, 200, 200)),
    "assignments.extensions": ("GET", f"/teach/{T}/assignments/cube/extensions", expect(302, 404, 200, 200)),
})
# Certificates ({cert_id}, {cert_code}: the learner's certificate for C; {completion_id}: its completion; {job_id}: a done print job).
ROUTES.update({
    "certificates.mine": ("GET", "/certificates/", expect(302, 200, 200, 200)),
    "certificates.download": ("GET", "/certificates/{cert_id}.pdf", expect(302, 200, 200, 200)),
    "certificates.verify_index": ("GET", "/verify/", expect(200, 200, 200, 200)),
    "certificates.verify": ("GET", "/verify/{cert_code}", expect(200, 200, 200, 200)),
    "certificates.course_holders": ("GET", f"/teach/{C}/certificates", expect(302, 404, 200, 200)),
    "certificates.admin_list": ("GET", "/admin/certificates/", expect(302, 404, 404, 200)),
    "certificates.admin_detail": ("GET", "/admin/certificates/{cert_id}", expect(302, 404, 404, 200)),
    "certificates.admin_issue": ("POST", "/admin/certificates/completions/{completion_id}/issue", expect(302, 404, 404, 303)),
    "certificates.admin_approve_all": ("POST", "/admin/certificates/approve-all", expect(302, 404, 404, 303)),
    "certificates.admin_revoke": ("POST", "/admin/certificates/{cert_id}/revoke", expect(302, 404, 404, 400)),
    "certificates.admin_reissue": ("POST", "/admin/certificates/{cert_id}/reissue", expect(302, 404, 404, 400)),
    "certificates.admin_print": ("POST", "/admin/certificates/print", expect(302, 404, 404, 400)),
    "certificates.print_job": ("GET", "/admin/certificates/print/{job_id}", expect(302, 404, 404, 200)),
    "certificates.print_download": ("GET", "/admin/certificates/print/{job_id}/download", expect(302, 404, 404, 200)),
    "certificates.my_credential": ("GET", "/certificates/{cert_id}/credential.jwt", expect(302, 200, 200, 200)),
    "certificates.public_credential": ("GET", "/verify/{cert_code}/credential.jwt", expect(200, 200, 200, 200)),
    "certificates.signing_certificate": ("GET", "/credentials/signing-certificate.pem", expect(200, 200, 200, 200)),
    "certificates.jwks": ("GET", "/credentials/jwks.json", expect(200, 200, 200, 200)),
    "certificates.public_key": ("GET", "/credentials/keys/{key_id}", expect(200, 200, 200, 200)),
    "certificates.issuer_profile": ("GET", "/credentials/issuer", expect(200, 200, 200, 200)),
    "certificates.status_list": ("GET", "/credentials/status/0", expect(200, 200, 200, 200)),
})

# The lab (the test course's submission is not sliced: no G-code, no photo; no printer exists).
ROUTES.update({
    "lab.printers_page": ("GET", "/admin/printers", expect(302, 404, 404, 200)),
    "lab.lab_page": ("GET", "/lab/", expect(302, 404, 200, 200)),
    "lab.job_action": ("POST", "/lab/jobs/999999/cancel", expect(302, 404, 404, 404)),
    "lab.send_to_printer": ("POST", f"{S}/print", expect(302, 404, 400, 400)),
    "lab.gcode": ("GET", f"{S}/model.gcode", expect(302, 404, 404, 404)),
    "lab.photo": ("GET", f"{S}/photo", expect(302, 404, 404, 404)),
    "lab.sign_off": ("POST", f"{S}/signoff", expect(302, 404, 409, 409)),
})

POST_DATA = {"core.set_language": {"lang": "en", "next": "/courses/"}, "admin.set_role": {"role": "learner"}}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(ROUTES)
    assert not missing, f"add these endpoints to ROUTES in {__file__}: {sorted(missing)}"
    assert not set(ROUTES) - endpoints, "the table names routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_route_outcomes(app, world, role):
    client = app.test_client()
    email = {"learner": "learner@example.org", "instructor": "instructor@fablab.kg", "admin": "admin@example.org"}

    def login():
        if role != "anon":
            r = client.post("/login", data={"email": email[role], "password": "correct horse battery",
                                            "csrf_token": csrf_token(client)})
            assert r.status_code == 303

    login()
    failures = []
    for endpoint, (method, template, outcomes) in ROUTES.items():
        url = template.format(**world)
        if method == "GET":
            response = client.get(url)
        else:
            data = {"csrf_token": csrf_token(client, "/courses/"), **POST_DATA.get(endpoint, {})}
            response = client.open(url, method=method, data=data)
        response.close()
        if response.status_code != outcomes[role]:
            failures.append(f"{role} {method} {url}: {response.status_code}, expected {outcomes[role]}")
        if endpoint == "accounts.logout":
            login()
    assert not failures, "\n".join(failures)
