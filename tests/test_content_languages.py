"""Course content in several languages: course.yaml maps, lesson files per language, what a reader sees.

A course folder written here has an English lesson with a Kyrgyz file beside it,
a second lesson in English only, and an assignment whose brief and rubric give
English and Kyrgyz.  The tests read it with the real loader, sync it with the real
``lms courses sync`` and fetch its pages through the Flask test client.
"""
from __future__ import annotations

import re
import textwrap

import pytest
from sqlalchemy import select

from lms import db
from lms.catalog.languages import complete_languages, missing_translations
from lms.catalog.loader import CourseFileError, load_course
from lms.catalog.models import Course

SLUG = "lang-course"
COURSE_YAML = textwrap.dedent("""\
    slug: lang-course
    title: {en: "Printing basics", ky: "Басып чыгаруунун негиздери", ru: "Основы печати"}
    summary: {en: "A short course.", ky: "Кыска курс.", ru: "Короткий курс."}
    language: en
    hours: 2
    enrolment: open
    modules:
      - slug: basics
        title: {en: "Basics", ky: "Негиздер", ru: "Основы"}
        lessons:
          - slug: nozzle
            title: {en: "The nozzle", ky: "Сопло", ru: "Сопло"}
            file: lessons/01-nozzle.md
          - slug: bed
            title: {en: "The bed", ky: "Стол", ru: "Стол"}
            file: lessons/02-bed.md
        assignments:
          - slug: tag
            title: {en: "A name tag", ky: "Ат жазылган белги", ru: "Бейдж"}
            brief:
              en: "Model a **name tag**."
              ky: "**Ат жазылган белгини** моделдеңиз."
              ru: "Смоделируйте **бейдж**."
            rubric:
              - criterion: {en: "Printable", ky: "Басылат", ru: "Печатается"}
                points: 60
              - criterion: {en: "Neat", ky: "Тыкан", ru: "Аккуратно"}
                points: 40
    """)


def write_course(root):
    folder = root / SLUG
    (folder / "lessons").mkdir(parents=True)
    (folder / "course.yaml").write_text(COURSE_YAML)
    (folder / "lessons" / "01-nozzle.md").write_text("The nozzle is hot: English text.\n")
    (folder / "lessons" / "01-nozzle.ky.md").write_text("Сопло ысык: кыргызча текст.\n")
    (folder / "lessons" / "01-nozzle.ru.md").write_text("Сопло горячее: русский текст.\n")
    (folder / "lessons" / "02-bed.md").write_text("The bed is flat: English only.\n")
    return folder


@pytest.fixture
def course_folder(courses_dir):
    return write_course(courses_dir)


def test_loader_reads_every_language_and_names_what_is_missing(course_folder):
    spec = load_course(course_folder)
    nozzle, bed = spec.modules[0].lessons
    assert nozzle.body_md.startswith("The nozzle") and nozzle.bodies == {
        "ky": "Сопло ысык: кыргызча текст.\n", "ru": "Сопло горячее: русский текст.\n"}
    assert bed.bodies == {}
    tag = spec.modules[0].assignments[0]
    assert tag.brief_md == "Model a **name tag**." and tag.briefs["ky"].startswith("**Ат")
    assert tag.rubric[0]["criterion"] == "Printable" and tag.rubric[0]["translations"]["ky"] == "Басылат"
    assert missing_translations(spec) == {"ru": ["lesson bed"], "ky": ["lesson bed"]}
    assert complete_languages(spec) == ["en"]
    (course_folder / "lessons" / "02-bed.ky.md").write_text("Стол тегиз.\n")
    assert complete_languages(load_course(course_folder)) == ["en", "ky"]


def test_a_symlinked_translation_is_refused_naming_the_file(course_folder, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("not course content")
    (course_folder / "lessons" / "02-bed.ru.md").symlink_to(secret)
    with pytest.raises(CourseFileError) as err:
        load_course(course_folder)
    assert "02-bed.ru.md" in str(err.value) and "secret" not in str(err.value)


def test_an_oversized_translation_is_refused_with_file_and_line(course_folder):
    from lms.catalog.loader import MAX_LESSON_BYTES

    (course_folder / "lessons" / "02-bed.ky.md").write_text("ы" * MAX_LESSON_BYTES)
    with pytest.raises(CourseFileError) as err:
        load_course(course_folder)
    assert "02-bed.ky.md" in str(err.value) and re.search(r"course\.yaml:\d+", str(err.value))


def test_a_rubric_criterion_must_be_text(course_folder):
    path = course_folder / "course.yaml"
    path.write_text(path.read_text().replace('criterion: {en: "Neat", ky: "Тыкан", ru: "Аккуратно"}', "criterion: {de: 5}"))
    with pytest.raises(CourseFileError, match="criterion must be text"):
        load_course(course_folder)


def test_sync_reports_which_lessons_lack_which_language(app, runner, course_folder):
    result = runner.invoke(["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert f"missing ru: {SLUG}: lesson bed" in result.output
    assert f"missing ky: {SLUG}: lesson bed" in result.output
    with app.app_context():
        assert db.session().scalar(select(Course.languages).where(Course.slug == SLUG)) == ["en"]
    (course_folder / "lessons" / "02-bed.ky.md").write_text("Стол тегиз.\n")
    result = runner.invoke(["courses", "sync"])
    assert f"missing ky: {SLUG}" not in result.output and f"missing ru: {SLUG}: lesson bed" in result.output
    with app.app_context():
        assert db.session().scalar(select(Course.languages).where(Course.slug == SLUG)) == ["en", "ky"]


@pytest.fixture
def reader(app, client, auth, users, course_folder, synced):
    users.create("reader@example.org")
    auth.login("reader@example.org")
    response = auth.post(f"/courses/{SLUG}/enrol")
    assert response.status_code == 303
    return client


def _page(client, url, lang):
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_lesson_in_the_readers_language(reader):
    page = _page(reader, f"/courses/{SLUG}/lessons/nozzle/", "ky")
    assert '<article class="lesson" lang="ky">' in page
    assert "Сопло ысык" in page and "The nozzle is hot" not in page
    assert 'class="content-language"' not in page


def test_a_lesson_missing_in_the_readers_language_says_so_and_links_the_others(reader):
    page = _page(reader, f"/courses/{SLUG}/lessons/bed/", "ky")
    assert '<article class="lesson" lang="en">' in page and "The bed is flat" in page
    notice = re.search(r'<p class="content-language" role="note">(.*?)</p>', page, re.S).group(1)
    assert "Бул барак азырынча сиздин тилиңизде жок" in notice and "англисче" in notice
    # The course is complete only in English, so there is no other language to offer for it yet.
    assert "?lang=" not in notice


def test_the_course_page_offers_its_languages_and_remembers_the_choice(reader, course_folder, runner):
    (course_folder / "lessons" / "02-bed.ky.md").write_text("Стол тегиз: кыргызча.\n")
    runner.invoke(["courses", "sync"])
    page = _page(reader, f"/courses/{SLUG}/", "tr")
    notice = re.search(r'<p class="content-language" role="note">(.*?)</p>', page, re.S).group(1)
    assert "Kursun dili: İngilizce" in notice
    assert '<a href="?lang=ky" hreflang="ky" lang="ky">Кыргызча</a>' in notice
    assert re.search(r'<span lang="en">English</span>, <span lang="ky">Кыргызча</span>', page)
    chosen = _page(reader, f"/courses/{SLUG}/?lang=ky", "tr")
    assert "Басып чыгаруунун негиздери" in chosen and 'class="content-language"' not in chosen
    lesson = _page(reader, f"/courses/{SLUG}/lessons/bed/", "tr")  # remembered for this course
    assert '<article class="lesson" lang="ky">' in lesson and "Стол тегиз" in lesson


def test_the_catalogue_lists_each_courses_languages(reader, course_folder, runner):
    (course_folder / "lessons" / "02-bed.ky.md").write_text("Стол тегиз.\n")
    runner.invoke(["courses", "sync"])
    page = _page(reader, "/courses/", "en")
    card = re.search(r"<li class=\"card\">(?:(?!</li>).)*?Printing basics.*?</li>", page, re.S).group(0)
    assert '<span lang="en">English</span>, <span lang="ky">Кыргызча</span>' in card


def test_brief_and_rubric_in_the_readers_language(reader):
    page = _page(reader, f"/courses/{SLUG}/assignments/tag/", "ky")
    assert '<div class="brief" lang="ky">' in page and "<strong>Ат жазылган белгини</strong>" in page
    assert '<td lang="ky">Басылат</td>' in page and '<td lang="ky">Тыкан</td>' in page
    english = _page(reader, f"/courses/{SLUG}/assignments/tag/?lang=en", "ky")
    assert "<strong>name tag</strong>" in english and '<td lang="en">Printable</td>' in english


@pytest.mark.parametrize("lang, words", [("ky", ["FDM принтердин негизги бөлүктөрү", "Негизги бөлүктөрү"])])
def test_the_3d_printing_course_reads_in_kyrgyz_with_its_diagram(app, client, auth, users, synced, lang, words):
    """The shipped course: a Kyrgyz reader gets the Kyrgyz lesson, its Kyrgyz diagram, brief and rubric."""
    users.create("ky-reader@example.org")
    auth.login("ky-reader@example.org")
    assert auth.post("/courses/3d-printing-classroom/enrol").status_code == 303
    page = _page(client, "/courses/3d-printing-classroom/lessons/how-fdm-printers-work/", lang)
    assert f'<article class="lesson" lang="{lang}">' in page and 'class="content-language"' not in page
    for word in words:
        assert word in page
    svg = re.search(r'src="([^"]*fdm-printer\.ky\.svg)"', page).group(1)
    with client.get(svg) as drawing:  # a file response: closed here, not left to the garbage collector
        assert drawing.status_code == 200 and "Сопло, адатта 0,4 мм" in drawing.get_data(as_text=True)
    brief = _page(client, "/courses/3d-printing-classroom/assignments/calibration-keychain/", lang)
    assert "Калибрлөөчү брелок" in brief and "**тирөөчсүз**" not in brief and "<strong>тирөөчсүз</strong>" in brief
    assert '<td lang="ky">Басылуучулук текшерүүлөрүнөн өтөт' in brief
    course = _page(client, "/courses/3d-printing-classroom/", lang)
    assert "Класс үчүн 3D моделдөө жана басып чыгаруу" in course and 'class="content-language"' not in course


def test_both_shipped_courses_are_complete_in_three_languages(synced, app):
    with app.app_context():
        rows = dict(db.session().execute(select(Course.slug, Course.languages)).all())
    assert rows["3d-printing-classroom"] == ["en", "ru", "ky"]
    assert rows["electronics-teachers"] == ["ru", "en", "ky"]
    assert not {slug: m for slug, m in synced.missing.items() if slug in rows and slug != "test-course"}


def test_the_electronics_course_reads_in_english(app, client, auth, users, synced):
    users.create("en-reader@example.org")
    auth.login("en-reader@example.org")
    assert auth.post("/courses/electronics-teachers/enrol", data={"key": "elektronika-2026"}).status_code == 303
    page = _page(client, "/courses/electronics-teachers/lessons/maketnaya-plata-i-svetodiod/", "en")
    assert '<article class="lesson" lang="en">' in page and "How a breadboard is built" in page
    assert "breadboard.en.svg" in page and "Макетная" not in page
    brief = _page(client, "/courses/electronics-teachers/assignments/korpus-arduino-uno/", "en")
    assert "<strong>base of an enclosure</strong>" in brief and '<td lang="en">The board fits' in brief


def test_a_reader_without_the_course_language_gets_the_next_one_their_browser_accepts(app, client, auth, users, synced):
    """A Turkish visitor who also reads English gets the Russian-written course in English, and is told so."""
    users.create("tr-reader@example.org")
    auth.login("tr-reader@example.org")
    assert auth.post("/courses/electronics-teachers/enrol", data={"key": "elektronika-2026"}).status_code == 303
    url = "/courses/electronics-teachers/lessons/znakomstvo-s-arduino-uno/"
    page = _page(client, url, "tr-TR,tr;q=0.9,en-US;q=0.7")
    assert '<article class="lesson" lang="en">' in page and "Getting to know the Arduino Uno" in page
    assert "Kursun dilinde gösteriliyor: İngilizce" in page
    only_turkish = _page(client, url, "tr")
    assert '<article class="lesson" lang="ru">' in only_turkish and "Kursun dilinde gösteriliyor: Rusça" in only_turkish
    assert '<a href="?lang=en" hreflang="en" lang="en">English</a>' in only_turkish
