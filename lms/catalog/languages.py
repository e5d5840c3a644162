"""Course content in several languages: which text a reader sees, and what a course lacks.

A course is written in its own language (``language:`` in course.yaml).  Any text
in course.yaml may instead be a map such as ``{en: ..., ru: ..., ky: ...}``, and a
lesson file ``lessons/01-x.md`` may have translations beside it named
``lessons/01-x.<lang>.md``.  A reader sees each piece in the language they want
when it exists, else in the course's own language.

Pure: no Flask, no database.
"""
from __future__ import annotations

import stat
from pathlib import Path

LANGUAGES = ("en", "ru", "ky", "tr")


class VariantError(ValueError):
    """A translated lesson file that cannot be used (the message names the file)."""


def text_map(value) -> dict | None:
    """``{"_": text}`` for plain text, ``{lang: text}`` for a language map, None for anything else."""
    if isinstance(value, str) and value.strip():
        return {"_": value.strip()}
    if isinstance(value, dict) and value and all(k in LANGUAGES and isinstance(v, str) and v.strip()
                                                 for k, v in value.items()):
        return {k: v.strip() for k, v in value.items()}
    return None


def in_language(value: dict, language: str) -> dict:
    """Give plain text (key ``_``) the course's language."""
    return {language: value["_"]} if "_" in value else dict(value)


def pick(texts: dict | None, *languages: str) -> tuple[str, str]:
    """The text in the first of ``languages`` it exists in (the wanted one first, the course's own
    last), else in any: ``(text, language)``."""
    texts = texts or {}
    for language in languages:
        if texts.get(language):
            return texts[language], language
    for language, text in texts.items():
        if text:
            return text, language
    return "", languages[-1]


def variant_path(rel: str, language: str) -> str:
    """``lessons/01-x.md`` -> ``lessons/01-x.ky.md``."""
    path = Path(rel)
    return str(path.with_name(f"{path.stem}.{language}{path.suffix}"))


def read_variants(folder: Path, rel: str, own: str, max_bytes: int) -> dict[str, str]:
    """The translations of the lesson file ``rel`` that exist beside it, as ``{lang: markdown}``.

    Each must be a regular file inside the course folder (no symlink), at most
    ``max_bytes`` long and UTF-8, like the lesson file itself.
    """
    root = folder.resolve()
    bodies = {}
    for language in LANGUAGES:
        if language == own:
            continue
        name = variant_path(rel, language)
        path = folder / name
        try:
            info = path.lstat()
        except OSError:
            continue
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode) or not path.resolve().is_relative_to(root):
            raise VariantError(f"translated lesson {name!r} must be a regular file inside the course folder")
        if info.st_size > max_bytes:
            raise VariantError(f"translated lesson {name!r} is larger than {max_bytes} bytes")
        try:
            bodies[language] = path.read_text("utf-8")
        except UnicodeDecodeError:
            raise VariantError(f"translated lesson {name!r} is not UTF-8 text") from None
    return bodies


def _texts_of(spec) -> list[tuple[str, dict]]:
    """Every translatable piece of a CourseSpec as ``(what, {lang: text})``."""
    pieces = [("title", spec.title)]
    if spec.summary:
        pieces.append(("summary", spec.summary))
    for module in spec.modules:
        pieces.append((f"module {module.slug}", module.title))
        for lesson in module.lessons:
            pieces.append((f"lesson {lesson.slug}", lesson.title))
            pieces.append((f"lesson {lesson.slug}", {spec.language: lesson.body_md, **lesson.bodies}))
        for assignment in module.assignments:
            pieces.append((f"assignment {assignment.slug}", assignment.title))
            if assignment.brief_md:
                pieces.append((f"assignment {assignment.slug}",
                               {spec.language: assignment.brief_md, **assignment.briefs}))
            for item in assignment.rubric:
                pieces.append((f"assignment {assignment.slug}",
                               item.get("translations") or {spec.language: item["criterion"]}))
    return pieces


def missing_translations(spec) -> dict[str, list[str]]:
    """For each language the course uses anywhere besides its own: the pieces that lack it.

    ``{"ky": ["lesson first-layer", "assignment keychain"]}``; a language the
    course does not use at all is not listed (it is not being translated).
    """
    pieces = _texts_of(spec)
    used = {lang for _what, texts in pieces for lang in texts} - {spec.language}
    missing = {}
    for language in sorted(used, key=LANGUAGES.index):
        lacking = []
        for what, texts in pieces:
            if not texts.get(language) and what not in lacking:
                lacking.append(what)
        if lacking:
            missing[language] = lacking
    return missing


def complete_languages(spec) -> list[str]:
    """The languages in which every piece of the course exists, its own language first."""
    pieces = _texts_of(spec)
    others = [lang for lang in LANGUAGES if lang != spec.language and all(texts.get(lang) for _w, texts in pieces)]
    return [spec.language, *others]


def rubric_in(rubric: list[dict], *languages: str) -> list[dict]:
    """The rubric with each criterion in the first of ``languages`` it exists in (``lang`` says which).

    The last of ``languages`` is the course's own, the language of a criterion without translations.
    """
    out = []
    for item in rubric:
        text, language = pick(item.get("translations") or {languages[-1]: item.get("criterion", "")}, *languages)
        out.append({**item, "criterion": text, "lang": language})
    return out
