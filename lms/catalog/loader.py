"""Read a course folder (course.yaml + Markdown lessons) into plain data, with errors that name file and line.

Pure: no Flask, no database.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from lms.catalog.course_yaml import MAX_YAML_BYTES, YamlLimitError, parse_course_yaml
from lms.catalog.course_yaml import LineMap as _Map
from lms.catalog.deadlines import course_zone, to_utc
from lms.catalog.languages import LANGUAGES, VariantError, in_language, read_variants, text_map

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGS = LANGUAGES
MAX_LESSON_BYTES = 1_000_000


class CourseFileError(ValueError):
    def __init__(self, path: Path, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass
class LessonSpec:
    slug: str
    title: dict
    file: str
    body_md: str
    bodies: dict = field(default_factory=dict)  # translations beside the file: {lang: markdown}


@dataclass
class AssignmentSpec:
    slug: str
    title: dict
    brief_md: str
    required: bool
    due: date | None
    due_at: datetime | None
    cutoff_at: datetime | None
    max_attempts: int | None
    requirements: dict
    rubric: list
    briefs: dict = field(default_factory=dict)  # the brief in every language given: {lang: markdown}
    printed: bool = False


@dataclass
class ModuleSpec:
    slug: str
    title: dict
    lessons: list[LessonSpec] = field(default_factory=list)
    assignments: list[AssignmentSpec] = field(default_factory=list)


@dataclass
class CourseSpec:
    slug: str
    folder: Path
    title: dict
    summary: dict
    language: str
    hours: float
    timezone: str
    check_lessons: dict
    enrolment: str
    enrolment_key: str | None
    instructors: list[str]
    certificate: dict
    completion: dict
    modules: list[ModuleSpec]
    source_hash: str
    lab: dict = field(default_factory=dict)


class _Reader:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, node, key: str | None, message: str):
        line = None
        if isinstance(node, _Map):
            line = node.key_lines.get(key, node.line) if key else node.line
        raise CourseFileError(self.path, line, message)

    def mapping(self, node, allowed: set[str], required: set[str], what: str) -> _Map:
        if not isinstance(node, _Map):
            raise CourseFileError(self.path, None, f"{what} must be a mapping")
        unknown = set(node) - allowed
        if unknown:
            key = sorted(unknown, key=str)[0]
            self.fail(node, key, f"unknown key {key!r} in {what}; allowed: {', '.join(sorted(allowed))}")
        for key in sorted(required):
            if key not in node:
                self.fail(node, None, f"{what} is missing {key!r}")
        return node

    def text(self, node, key: str, what: str) -> dict:
        value = node.get(key)
        if isinstance(value, str) and value.strip():
            return {"_": value.strip()}
        if isinstance(value, dict) and value and all(k in LANGS and isinstance(v, str) for k, v in value.items()):
            return {k: v.strip() for k, v in value.items()}
        self.fail(node, key, f"{what} {key!r} must be text or a map of {'/'.join(LANGS)} to text")

    def slug(self, node, what: str, seen: set[str]) -> str:
        value = node.get("slug")
        if not isinstance(value, str) or not SLUG.match(value) or len(value) > 100:
            self.fail(node, "slug", f"{what} slug {value!r} must be lowercase letters, digits and hyphens")
        if value in seen:
            self.fail(node, "slug", f"duplicate {what} slug {value!r}")
        seen.add(value)
        return value

    def file_inside(self, node, key: str, folder: Path) -> Path:
        rel = node.get(key)
        if not isinstance(rel, str):
            self.fail(node, key, f"{key!r} must be a path inside the course folder")
        target = (folder / rel).resolve()
        if not target.is_relative_to(folder.resolve()) or not target.is_file():
            self.fail(node, key, f"file {rel!r} does not exist inside the course folder")
        return target


def _localize(value: dict, language: str) -> dict:
    """Turn the placeholder key for plain text into the course's language."""
    return {language: value["_"]} if "_" in value else value


def load_course(folder: Path, validate_requirements=None) -> CourseSpec:
    """Parse ``folder/course.yaml``; raise CourseFileError naming file and line on any problem."""
    path = folder / "course.yaml"
    if not path.is_file():
        raise CourseFileError(path, None, "course.yaml is missing")
    refuse_symlinks(folder)
    if path.stat().st_size > MAX_YAML_BYTES:  # before reading it
        raise CourseFileError(path, None, f"course.yaml is larger than {MAX_YAML_BYTES // 1024} KB")
    try:
        data = parse_course_yaml(path.read_bytes())
    except YamlLimitError as exc:
        raise CourseFileError(path, exc.line, exc.message) from exc
    r = _Reader(path)
    top = r.mapping(
        data,
        {"slug", "title", "summary", "language", "hours", "enrolment", "enrolment_key", "instructors",
         "certificate", "completion", "lab", "modules", "timezone", "check_lessons"},
        {"slug", "title", "language", "hours", "modules"},
        "course",
    )
    slug = top["slug"]
    if slug != folder.name:
        r.fail(top, "slug", f"slug {slug!r} must equal the folder name {folder.name!r}")
    language = top["language"]
    if language not in LANGS:
        r.fail(top, "language", f"language must be one of {', '.join(LANGS)}")
    hours = top["hours"]
    if not isinstance(hours, (int, float)) or isinstance(hours, bool) or not 0 < hours <= 10000:
        r.fail(top, "hours", "hours must be a positive number")
    try:
        zone = course_zone(top.get("timezone"))
    except ValueError as exc:
        r.fail(top, "timezone", str(exc))
    enrolment = top.get("enrolment", "open")
    if enrolment not in ("open", "key"):
        r.fail(top, "enrolment", "enrolment must be 'open' or 'key'")
    key = top.get("enrolment_key")
    if enrolment == "key" and not (isinstance(key, str) and key):
        r.fail(top, "enrolment_key" if "enrolment_key" in top else "enrolment", "enrolment: key needs an enrolment_key")
    instructors = top.get("instructors", [])
    if not isinstance(instructors, list) or not all(isinstance(e, str) and "@" in e for e in instructors):
        r.fail(top, "instructors", "instructors must be a list of e-mail addresses")
    certificate = r.mapping(top.get("certificate", _Map()), {"template", "issuing"}, set(), "certificate")
    if certificate.get("issuing", "automatic") not in ("automatic", "approved"):
        r.fail(certificate, "issuing", "issuing must be 'automatic' or 'approved'")
    if not SLUG.match(str(certificate.get("template", "default"))):
        r.fail(certificate, "template", "template must be the name of a folder under certificates/")
    completion = r.mapping(top.get("completion", _Map()), {"lessons", "assignments", "min_score"}, set(), "completion")
    if completion.get("lessons", "all") not in ("all", "none"):
        r.fail(completion, "lessons", "completion lessons must be 'all' or 'none'")
    if completion.get("assignments", "required") not in ("required", "all", "none"):
        r.fail(completion, "assignments", "completion assignments must be 'required', 'all' or 'none'")
    min_score = completion.get("min_score")
    if min_score is not None and (not isinstance(min_score, (int, float)) or not 0 <= min_score <= 100):
        r.fail(completion, "min_score", "min_score must be a percentage from 0 to 100")
    lab = r.mapping(top.get("lab", _Map()), {"gcode_download", "self_service"}, set(), "lab")
    for flag in ("gcode_download", "self_service"):  # not "key": that names the enrolment key above
        if not isinstance(lab.get(flag, False), bool):
            r.fail(lab, flag, f"lab {flag} must be true or false")

    modules_node = top["modules"]
    if not isinstance(modules_node, list) or not modules_node:
        r.fail(top, "modules", "modules must be a non-empty list")
    module_slugs: set[str] = set()
    lesson_slugs: set[str] = set()
    assignment_slugs: set[str] = set()
    modules = []
    for mnode in modules_node:
        m = r.mapping(mnode, {"slug", "title", "lessons", "assignments"}, {"slug", "title"}, "module")
        module = ModuleSpec(r.slug(m, "module", module_slugs), _localize(r.text(m, "title", "module"), language))
        for lnode in m.get("lessons") or []:
            les = r.mapping(lnode, {"slug", "title", "file"}, {"slug", "title", "file"}, "lesson")
            lslug = r.slug(les, "lesson", lesson_slugs)
            target = r.file_inside(les, "file", folder)
            if target.stat().st_size > MAX_LESSON_BYTES:
                r.fail(les, "file", f"lesson file is larger than {MAX_LESSON_BYTES} bytes")
            try:
                body = target.read_text("utf-8")
            except UnicodeDecodeError:
                r.fail(les, "file", "lesson file is not UTF-8 text")
            try:
                bodies = read_variants(folder, les["file"], language, MAX_LESSON_BYTES)
            except VariantError as exc:
                r.fail(les, "file", str(exc))
            title = _localize(r.text(les, "title", "lesson"), language)
            module.lessons.append(LessonSpec(lslug, title, les["file"], body, bodies))
        for anode in m.get("assignments") or []:
            module.assignments.append(_assignment(r, anode, assignment_slugs, language, validate_requirements, zone))
        modules.append(module)
    return CourseSpec(
        slug=slug, folder=folder, title=_localize(r.text(top, "title", "course"), language),
        summary=_localize(r.text(top, "summary", "course"), language) if "summary" in top else {},
        language=language, hours=float(hours), timezone=zone.key, check_lessons=_check_lessons(r, top, lesson_slugs),
        enrolment=enrolment, enrolment_key=key if enrolment == "key" else None,
        instructors=[e.strip().lower() for e in instructors],
        certificate={"template": certificate.get("template", "default"),
                     "issuing": certificate.get("issuing", "automatic")},
        completion={"lessons": completion.get("lessons", "all"),
                    "assignments": completion.get("assignments", "required"), "min_score": min_score},
        modules=modules, source_hash=_folder_hash(folder),
        lab={"gcode_download": bool(lab.get("gcode_download", False)),
             "self_service": bool(lab.get("self_service", False))},
    )


def _check_lessons(r: _Reader, top, lesson_slugs: set[str]) -> dict:
    """``check_lessons: {closed: lesson-slug, ...}``: the lesson a failing model check links to."""
    from lms.geometry.findings import ADVICE

    value = top.get("check_lessons") or {}
    if not isinstance(value, dict):
        r.fail(top, "check_lessons", "check_lessons must map a check to a lesson slug")
    for topic, slug in value.items():
        if topic not in ADVICE:
            r.fail(top, "check_lessons", f"unknown check {topic!r}; known: {', '.join(sorted(ADVICE))}")
        if slug not in lesson_slugs:
            r.fail(top, "check_lessons", f"check_lessons names no lesson {slug!r} of this course")
    return dict(value)


def _deadline(r: _Reader, a, key: str, zone) -> datetime | None:
    value = a.get(key)
    if value is None:
        return None
    if isinstance(value, str):  # YAML reads "2027-06-30 18:00" (no seconds) as text
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    if not isinstance(value, date):
        r.fail(a, key, f"{key} must be a date like 2027-06-30 or a date-time like 2027-06-30 18:00")
    return to_utc(value, zone)


def _assignment(r: _Reader, node, seen: set[str], language: str, validate_requirements, zone) -> AssignmentSpec:
    a = r.mapping(node, {"slug", "title", "brief", "required", "due", "cutoff", "max_attempts", "requirements",
                         "rubric", "printed"}, {"slug", "title"}, "assignment")
    slug = r.slug(a, "assignment", seen)
    due_at, cutoff_at = _deadline(r, a, "due", zone), _deadline(r, a, "cutoff", zone)
    if due_at and cutoff_at and cutoff_at < due_at:
        r.fail(a, "cutoff", "cutoff must not be before due")
    due = a.get("due")
    due = due.date() if isinstance(due, datetime) else due
    attempts = a.get("max_attempts")
    if attempts is not None and (not isinstance(attempts, int) or attempts < 1):
        r.fail(a, "max_attempts", "max_attempts must be a positive whole number")
    requirements = a.get("requirements") or {}
    if not isinstance(requirements, dict):
        r.fail(a, "requirements", "requirements must be a mapping")
    if validate_requirements is not None:
        try:
            requirements = validate_requirements(dict(requirements))  # normalised: format names lowercased
        except ValueError as exc:
            r.fail(a, "requirements", f"requirements: {exc}")
    if not isinstance(a.get("printed", False), bool):
        r.fail(a, "printed", "printed must be true or false")
    rubric = []
    for item in a.get("rubric") or []:
        c = r.mapping(item, {"criterion", "points"}, {"criterion", "points"}, "rubric item")
        if not isinstance(c["points"], (int, float)) or c["points"] <= 0:
            r.fail(c, "points", "rubric points must be a positive number")
        criterion = text_map(c["criterion"])
        if criterion is None:
            r.fail(c, "criterion", f"criterion must be text or a map of {'/'.join(LANGS)} to text")
        criterion = in_language(criterion, language)
        rubric.append({"criterion": criterion.get(language) or next(iter(criterion.values())), "points": c["points"],
                       **({"translations": criterion} if len(criterion) > 1 or language not in criterion else {})})
    briefs = in_language(text_map(a["brief"]) or {}, language) if a.get("brief") else {}
    if a.get("brief") and not briefs:
        r.fail(a, "brief", f"brief must be Markdown text or a map of {'/'.join(LANGS)} to Markdown")
    brief = briefs.get(language, "")
    return AssignmentSpec(
        slug=slug, title=_localize(r.text(a, "title", "assignment"), language), brief_md=brief,
        required=bool(a.get("required", True)), due=due, due_at=due_at, cutoff_at=cutoff_at, max_attempts=attempts,
        requirements=dict(requirements), rubric=rubric, briefs=briefs, printed=bool(a.get("printed", False)),
    )


def _folder_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def refuse_symlinks(folder: Path) -> None:
    """A symbolic link anywhere in a course folder (or the folder itself) is refused: it could point out of it."""
    if folder.is_symlink():
        raise CourseFileError(folder, None, "the course folder is a symbolic link; put the real folder here")
    for parent, dirs, files in os.walk(folder):  # does not follow links
        for name in sorted(dirs + files):
            path = Path(parent) / name
            if path.is_symlink():
                raise CourseFileError(path, None, "symbolic links are not allowed in a course folder; copy the file in")


def course_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
