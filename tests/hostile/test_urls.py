"""Ids and page numbers too large for the database (2^63 and more) are pages that do not exist: 404, never 500."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from tests.conftest import csrf_token

HUGE = (2**63, 2**64, 10**40)


def int_routes(app) -> list:
    """Every rule with an integer in its path, whichever blueprint added it."""
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(conv, IntegerConverter) for conv in rule._converters.values())]


def fill(rule, number: int) -> str:
    """The rule's path with ``number`` for each integer and a course slug for anything else."""
    def value(match: re.Match) -> str:
        conv = rule._converters[match.group(1)]
        return str(number) if isinstance(conv, IntegerConverter) else "test-course"

    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", value, rule.rule)


@pytest.fixture
def admin(app, users, auth, synced):
    users.create("admin@example.org", role="admin")
    auth.login("admin@example.org")
    return auth


def test_the_app_has_int_routes(app):
    assert len(int_routes(app)) >= 10  # submissions, grading, certificates, admin users


@pytest.mark.parametrize("number", HUGE)
def test_every_int_route_answers_404_for_a_huge_id(app, client, admin, number):
    token = csrf_token(client, "/courses/")
    failures = []
    for rule in int_routes(app):
        url = fill(rule, number)
        response = client.get(url) if "GET" in rule.methods else client.post(url, data={"csrf_token": token})
        if response.status_code != 404:
            failures.append((url, response.status_code))
    assert not failures


PAGED = ("/admin/users/?page={n}", "/teach/test-course/grading/?page={n}", "/admin/certificates/?page={n}")


@pytest.mark.parametrize("url", PAGED)
@pytest.mark.parametrize("number", (*HUGE, 2**62))  # 2^62 fits an id but its OFFSET does not
def test_huge_page_numbers_are_404(app, client, admin, url, number):
    response = client.get(url.format(n=number))
    assert response.status_code == 404, (url, response.status_code)


@pytest.mark.parametrize("number", HUGE)
def test_huge_ids_in_the_query_string_are_404(app, client, admin, number):
    assert client.get(f"/admin/certificates/?course={number}").status_code == 404


@pytest.mark.parametrize("url", ["/admin/users/?page=2", "/admin/users/?page=x", "/admin/certificates/?course=x"])
def test_ordinary_page_numbers_still_work(app, client, admin, url):
    assert client.get(url).status_code == 200


def test_a_huge_course_id_in_a_form_is_refused(app, client, admin):
    response = client.post("/admin/certificates/approve-all",
                           data={"csrf_token": csrf_token(client, "/courses/"), "course": str(2**63)})
    assert response.status_code in (303, 400, 404), response.status_code
