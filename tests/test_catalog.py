"""Catalogue, enrolment, lessons and progress through HTTP, on the real course files."""
from __future__ import annotations

import re

from tests.conftest import csrf_token

KEY_COURSE = "electronics-teachers"
OPEN_COURSE = "3d-printing-classroom"


def lesson_links(page: str, slug: str) -> list[str]:
    return re.findall(rf'href="(/courses/{slug}/lessons/[^"]+/)"', page)


def test_catalogue_lists_both_courses(client, synced):
    page = client.get("/courses/").get_data(as_text=True)
    assert "3D modelling and printing for the classroom" in page
    assert "Электроника и микроконтроллеры" in page or "Electronics and microcontrollers" in page


def test_enrol_read_complete_and_progress(client, auth, users, synced):
    users.create("learner@example.org", "Айжан Төлөгөнова")
    auth.login("learner@example.org")
    # Lessons are closed before enrolment.
    course = client.get(f"/courses/{OPEN_COURSE}/").get_data(as_text=True)
    assert not lesson_links(course, OPEN_COURSE)
    r = auth.post(f"/courses/{OPEN_COURSE}/enrol")
    assert r.status_code == 303
    course = client.get(f"/courses/{OPEN_COURSE}/").get_data(as_text=True)
    links = lesson_links(course, OPEN_COURSE)
    assert len(links) >= 10
    assert f"0 of {len(links)} lessons done" in course

    lesson = client.get(links[0])
    assert lesson.status_code == 200 and "<h1>" in lesson.get_data(as_text=True)
    r = auth.post(links[0] + "complete")
    assert r.status_code == 303 and r.headers["Location"].endswith(links[1])
    auth.post(links[0] + "complete")  # twice is harmless
    course = client.get(f"/courses/{OPEN_COURSE}/").get_data(as_text=True)
    assert f"1 of {len(links)} lessons done" in course

    # The dashboard offers to continue where the learner left off.
    client.get(links[3])
    dash = client.get("/dashboard/").get_data(as_text=True)
    assert f'href="{links[3]}"' in dash and "Continue" in dash


def test_enrolment_key(client, auth, users, synced):
    users.create("learner@example.org")
    auth.login("learner@example.org")
    r = auth.post(f"/courses/{KEY_COURSE}/enrol", data={"key": "wrong"})
    assert r.status_code == 400 and "enrolment key is not right" in r.get_data(as_text=True)
    r = auth.post(f"/courses/{KEY_COURSE}/enrol", data={"key": "elektronika-2026"})
    assert r.status_code == 303
    assert lesson_links(client.get(f"/courses/{KEY_COURSE}/").get_data(as_text=True), KEY_COURSE)


def test_lesson_requires_enrolment_and_completion_requires_enrolment(client, auth, users, synced):
    users.create("learner@example.org")
    auth.login("learner@example.org")
    url = f"/courses/{OPEN_COURSE}/lessons/how-fdm-printers-work/"
    assert client.get(url).status_code == 303
    assert auth.post(url + "complete").status_code == 403
    assert client.get(f"/courses/{OPEN_COURSE}/lessons/no-such-lesson/").status_code == 404
    assert client.get("/courses/no-such-course/").status_code == 404


def test_course_assets_are_served_and_confined(client, auth, users, synced):
    users.create("learner@example.org")
    auth.login("learner@example.org")
    auth.post(f"/courses/{OPEN_COURSE}/enrol")
    page = client.get(f"/courses/{OPEN_COURSE}/lessons/how-fdm-printers-work/").get_data(as_text=True)
    images = re.findall(r'<img src="([^"]+)"', page)
    assert images and all(src.startswith(f"/courses/{OPEN_COURSE}/files/assets/") for src in images)
    r = client.get(images[0])
    assert r.status_code == 200 and r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert b"<svg" in r.get_data()
    r.close()
    assert client.get(f"/courses/{OPEN_COURSE}/files/course.yaml").status_code == 404
    assert client.get(f"/courses/{OPEN_COURSE}/files/assets/../course.yaml").status_code == 404
    assert client.get(f"/courses/{OPEN_COURSE}/files/assets/%2e%2e/course.yaml").status_code == 404


def test_markdown_is_rendered_safely():
    from lms.catalog.markdown import render_markdown

    html = render_markdown(
        "# T\n<script>alert(1)</script>\n[x](javascript:alert(1)) [y](vbscript:x) ![i](data:text/html,hi)"
        "\n<img src=x onerror=alert(1)>\n[ok](https://fablab.kg) ![a](assets/a.svg)",
        asset_base="/A/",
    )
    import lxml.html

    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    assert not tree.xpath("//script")
    assert not [a for el in tree.iter() for a in el.attrib if a.startswith("on")]
    urls = tree.xpath("//@href | //@src")
    assert all(u.startswith(("https://", "/A/")) for u in urls), urls
    assert 'href="https://fablab.kg"' in html and 'src="/A/assets/a.svg"' in html
    assert "&lt;script&gt;" in html
    # asset paths are quoted as url_for quotes them; nothing can break out of the attribute
    html = render_markdown('![s](<assets/my file"x.svg>) [f](./assets/b%20c.pdf)', asset_base="/A/")
    assert 'src="/A/assets/my%20file%22x.svg"' in html and 'href="/A/assets/b%20c.pdf"' in html


def test_language_switcher_and_browser_language(client, synced):
    r = client.get("/courses/", headers={"Accept-Language": "ru"})
    assert '<html lang="ru">' in r.get_data(as_text=True)
    token = csrf_token(client, "/courses/")
    r = client.post("/language", data={"lang": "ky", "next": "/courses/", "csrf_token": token})
    assert r.status_code == 303 and r.headers["Location"].endswith("/courses/")
    page = client.get("/courses/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ky">' in page
    r = client.post("/language", data={"lang": "en", "next": "https://evil.example/", "csrf_token": token})
    assert "evil" not in r.headers["Location"]


def test_user_language_setting_wins(client, auth, users, synced):
    users.create("learner@example.org")
    auth.login("learner@example.org")
    r = auth.post("/account", data={"name": "Learner", "locale": "ru"})
    assert r.status_code == 303
    page = client.get("/courses/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in page
