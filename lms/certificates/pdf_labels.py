"""Certificate wording and number/date formatting in en, ru and ky.

Pure module (no Flask, no WeasyPrint). A template folder may override any
label with a ``labels.json`` file of the form ``{"ky": {"title": "..."}}``.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from numbers import Real

LANGUAGES = ("en", "ru", "ky")

# Keys every template may rely on.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Certificate",
        "subtitle": "of Completion",
        "intro": "This is to certify that",
        "completed_course": "has successfully completed the training course",
        "volume": "Training volume",
        "completed_on": "Completed on",
        "issued_on": "Issued on",
        "serial": "Serial No.",
        "code": "Verification code",
        "verify": "Verify authenticity",
        "signature": "Signature",
        "document_title": "Certificate",
    },
    "ru": {
        "title": "Сертификат",
        "subtitle": "о прохождении обучения",
        "intro": "Настоящий сертификат подтверждает, что",
        "completed_course": "успешно завершил(а) обучение по курсу",
        "volume": "Объём обучения",
        "completed_on": "Дата окончания",
        "issued_on": "Дата выдачи",
        "serial": "Регистрационный №",
        "code": "Код проверки",
        "verify": "Проверить подлинность",
        "signature": "Подпись",
        "document_title": "Сертификат",
    },
    "ky": {
        "title": "Сертификат",
        "subtitle": "окууну аяктагандыгы тууралуу",
        "intro": "Бул сертификат төмөнкү адамга берилди:",
        "completed_course": "төмөнкү окуу курсун ийгиликтүү аяктагандыгы үчүн",
        "volume": "Окуунун көлөмү",
        "completed_on": "Аяктаган күнү",
        "issued_on": "Берилген күнү",
        "serial": "Каттоо №",
        "code": "Текшерүү коду",
        "verify": "Аныктыгын текшерүү",
        "signature": "Колу",
        "document_title": "Сертификат",
    },
}

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)
# Genitive, as in "12 марта 2025 г."
_MONTHS_RU = (
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля",
    "августа", "сентября", "октября", "ноября", "декабря",
)
# Possessive form used after the ordinal day: "2025-жылдын 12-марты".
_MONTHS_KY = (
    "январы", "февралы", "марты", "апрели", "майы", "июну", "июлу",
    "августу", "сентябры", "октябры", "ноябры", "декабры",
)


def format_date(value: _dt.date, language: str) -> str:
    """Long date in the certificate's language."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if not isinstance(value, _dt.date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    m = value.month - 1
    if language == "ru":
        return f"{value.day} {_MONTHS_RU[m]} {value.year} г."
    if language == "ky":
        return f"{value.year}-жылдын {value.day}-{_MONTHS_KY[m]}"
    return f"{value.day} {_MONTHS_EN[m]} {value.year}"


def _number(value: Real | Decimal, language: str) -> str:
    dec = Decimal(str(value)).normalize()
    if dec == dec.to_integral_value():
        text = str(int(dec))
    else:
        text = f"{dec:f}".rstrip("0").rstrip(".")
        if language in ("ru", "ky"):
            text = text.replace(".", ",")
    return text


def _ru_hours_word(value: Decimal) -> str:
    if value != value.to_integral_value():
        return "часа"  # 1,5 часа; 2,5 часа
    n = int(value)
    if n % 10 == 1 and n % 100 != 11:
        return "час"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "часа"
    return "часов"


def format_hours(value: Real | Decimal, language: str) -> str:
    """'40 hours', '40 часов', '40 саат' (Kyrgyz nouns stay singular after numbers)."""
    if isinstance(value, bool) or not isinstance(value, (Real, Decimal)):
        raise TypeError(f"hours must be a number, got {type(value).__name__}")
    dec = Decimal(str(value))
    if not dec.is_finite() or dec < 0:
        raise ValueError(f"hours must be a finite number >= 0, got {value!r}")
    text = _number(dec, language)
    if language == "ru":
        return f"{text} {_ru_hours_word(dec)}"
    if language == "ky":
        return f"{text} саат"
    return f"{text} hour" if dec == 1 else f"{text} hours"
