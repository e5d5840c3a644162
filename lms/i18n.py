"""Language selection: the user's setting, else the session choice, else the browser."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, request, session
from flask_login import current_user

TRANSLATIONS_DIR = str(Path(__file__).parent / "translations")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "ky": "Кыргызча", "tr": "Türkçe"}


def select_locale() -> str:
    languages = current_app.config["LMS_LANGUAGES"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lms_lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["LMS_DEFAULT_LANGUAGE"]
