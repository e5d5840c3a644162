"""What a learner still needs for a course's completion: counted from the rule registry, per rule, and
shown on the dashboard in the reader's language."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from lms import completion, db
from lms.accounts.models import User
from lms.assignments.models import Submission
from lms.catalog import operations as catalog
from lms.catalog.models import Assignment, Course, Lesson
from lms.completion.panels import still_needed_text
from lms.completion.records import Remaining
from lms.db import utcnow
from lms.lab.models import PrintSignoff

COURSE = "test-course"  # completion: every lesson, the required assignment (cube), min_score 50


@pytest.fixture
def learner(app, users, synced):
    return users.create("learner@example.org", "Learner")


def _setting(sess, **settings):
    course = sess.scalar(select(Course).where(Course.slug == COURSE))
    course.completion = {**(course.completion or {}), **settings}
    return course


def _accept(sess, user_id: int, score: float) -> Submission:
    assignment = sess.scalar(select(Assignment).where(Assignment.slug == "cube"))
    sub = Submission(assignment_id=assignment.id, user_id=user_id, attempt=1, file_sha256="0" * 64, file_size=1,
                     file_format="stl", original_name="cube.stl", state="checked", checks_passed=True,
                     decision="accepted", score=score)
    sess.add(sub)
    sess.flush()
    return sub


def _needs(sess, user_id: int, course: Course | None = None) -> Remaining:
    course = course or sess.scalar(select(Course).where(Course.slug == COURSE))
    return completion.remaining_needs(sess, sess.get(User, user_id), course)


def _read_every_lesson(sess, user_id: int) -> None:
    for lesson in sess.scalars(select(Lesson).join(Course).where(Course.slug == COURSE, Lesson.archived.is_(False))):
        catalog.mark_lesson_done(sess, sess.get(User, user_id), lesson)


def test_a_new_learner_needs_everything_the_rule_names(app, learner):
    with app.app_context():
        s = db.session()
        lessons = len(catalog.live_lessons(s, _setting(s)))
        assert _needs(s, learner) == Remaining(lessons=lessons, assignments=1, printed=0, score=50)


def test_lessons_rule_counts_the_lessons_not_done_and_nothing_when_lessons_do_not_count(app, learner):
    with app.app_context():
        s = db.session()
        _read_every_lesson(s, learner)
        assert _needs(s, learner).lessons == 0
        s.rollback()
        assert _needs(s, learner).lessons >= 1
        _setting(s, lessons="none")
        assert _needs(s, learner).lessons == 0


def test_assignments_rule_counts_required_ones_not_accepted(app, learner):
    with app.app_context():
        s = db.session()
        assert _needs(s, learner).assignments == 1
        _setting(s, assignments="none")
        assert _needs(s, learner).assignments == 0
        _setting(s, assignments="required")
        _accept(s, learner, 80)
        assert _needs(s, learner).assignments == 0


def test_min_score_is_needed_until_the_final_score_reaches_it(app, learner):
    with app.app_context():
        s = db.session()
        assert _needs(s, learner).score == 50  # nothing accepted yet: the final score is not known
        sub = _accept(s, learner, 40)
        assert _needs(s, learner).score == 50  # accepted, but below the minimum
        sub.score = 75
        assert _needs(s, learner).score is None
        _setting(s, min_score=None)
        sub.score = 10
        assert _needs(s, learner).score is None  # no minimum in the rule


def test_printed_rule_counts_parts_without_a_signed_off_photo(app, learner):
    with app.app_context():
        s = db.session()
        assert _needs(s, learner).printed == 0
        s.scalar(select(Assignment).where(Assignment.slug == "cube")).printed = True
        sub = _accept(s, learner, 80)
        assert _needs(s, learner).printed == 1
        signoff = PrintSignoff(submission_id=sub.id, signed_at=utcnow())
        s.add(signoff)
        s.flush()
        assert _needs(s, learner).printed == 1  # signed without a photo does not count
        signoff.photo_sha256 = "1" * 64
        assert _needs(s, learner).printed == 0


def test_nothing_needed_exactly_when_the_rule_is_met(app, learner):
    with app.app_context():
        s = db.session()
        course = s.scalar(select(Course).where(Course.slug == COURSE))
        user = s.get(User, learner)
        states = []
        for step in (lambda: None, lambda: _read_every_lesson(s, learner), lambda: _accept(s, learner, 30),
                     lambda: setattr(s.scalar(select(Submission)), "score", 90)):
            step()
            met, _score = completion.completion_status(s, user, course)
            states.append((met, completion.remaining_needs(s, user, course).nothing))
        assert states == [(False, False), (False, False), (False, False), (True, True)]


@pytest.mark.parametrize(("lang", "needs", "text"), [
    ("en", Remaining(lessons=2, assignments=1, score=60), "2 lessons and 1 assignment left; score 60% needed"),
    ("en", Remaining(lessons=1, assignments=2, printed=1), "1 lesson, 2 assignments and 1 printed part left"),
    ("en", Remaining(score=55.5), "score 55.5% needed"),
    ("en", Remaining(), ""),
    ("ru", Remaining(lessons=5, assignments=1), "Осталось: 5 уроков и 1 задание"),
    ("ru", Remaining(lessons=2, assignments=3, score=60), "Осталось: 2 урока и 3 задания; нужен балл не ниже 60%"),
    ("ru", Remaining(printed=1, score=55.5), "Осталось: 1 напечатанная деталь; нужен балл не ниже 55,5%"),
    ("ky", Remaining(lessons=2, assignments=1, score=60), "2 сабак жана 1 тапшырма калды; кеминде 60% балл керек"),
    ("tr", Remaining(lessons=2, assignments=1), "2 ders ve 1 ödev kaldı"),
])
def test_still_needed_text_in_the_readers_language(app, lang, needs, text):
    with app.test_request_context("/"), force_locale(lang):
        assert still_needed_text(needs) == text


def _enrol(app, user_id: int, locale: str | None = None) -> None:
    with app.app_context():
        s = db.session()
        user = s.get(User, user_id)
        user.locale = locale
        catalog.enrol(s, user, s.scalar(select(Course).where(Course.slug == COURSE)))
        s.commit()


def _card(page: str) -> str:
    """The dashboard card of the test course (the cards are list items of ``ul.cards``)."""
    start = page.index(f'<h3><a href="/courses/{COURSE}/"')
    return page[start:page.index('<li class="card">', start) if '<li class="card">' in page[start:] else None]


def test_dashboard_says_what_is_still_needed_then_the_certificate_state(app, client, auth, learner):
    _enrol(app, learner)
    auth.login("learner@example.org")
    with app.app_context():
        s = db.session()
        lessons = len(catalog.live_lessons(s, s.scalar(select(Course).where(Course.slug == COURSE))))
    card = _card(client.get("/dashboard/").get_data(as_text=True))
    lesson_word = "lesson" if lessons == 1 else "lessons"
    assert f"For the certificate:</strong> {lessons} {lesson_word} and 1 assignment left; score 50% needed" in card
    with app.app_context():
        s = db.session()
        s.scalar(select(Course).where(Course.slug == COURSE)).certificate = {"issuing": "approved"}
        _read_every_lesson(s, learner)
        _accept(s, learner, 90)
        completion.progress_changed(s, s.get(User, learner), s.scalar(select(Course).where(Course.slug == COURSE)))
        s.commit()
    card = _card(client.get("/dashboard/").get_data(as_text=True))
    assert "For the certificate:" not in card
    assert "Completed on" in card and "Your certificate is waiting for approval by an administrator." in card


def test_dashboard_says_it_in_kyrgyz(app, client, auth, learner):
    _enrol(app, learner, locale="ky")
    auth.login("learner@example.org")
    card = _card(client.get("/dashboard/").get_data(as_text=True))
    assert "Сертификат үчүн:</strong>" in card and "жана 1 тапшырма калды; кеминде 50% балл керек" in card

