"""Errors raised by the geometry engine.

Every rejection raises a subclass of :class:`GeometryError`.  The message says
which file, what is wrong and, where there is one, which limit was exceeded.
Like checks, errors carry ``message_template`` and ``params`` so the web layer
can translate them (``str(err) == err.message_template % err.params``).
"""

from __future__ import annotations

from typing import Any


class GeometryError(Exception):
    """Base class of every error raised while reading or checking a model."""

    code = "geometry_error"

    def __init__(self, template: str, **params: Any) -> None:
        self.message_template = template
        self.params = params
        super().__init__(template % params)

    @property
    def message(self) -> str:
        return str(self)

    def to_dict(self) -> dict:
        return {
            "error": self.code,
            "message": str(self),
            "message_template": self.message_template,
            "params": self.params,
        }


class UnsupportedFormatError(GeometryError):
    """The content is not one of the supported model formats."""

    code = "unsupported_format"


class FormatMismatchError(UnsupportedFormatError):
    """The file name says one format, the bytes say another (or none)."""

    code = "format_mismatch"


class CorruptFileError(GeometryError):
    """The bytes do not form a valid model of the detected format."""

    code = "corrupt_file"


class TruncatedFileError(CorruptFileError):
    """The file ends before the data it declares."""

    code = "truncated_file"


class CountMismatchError(CorruptFileError):
    """A declared count (triangles, vertices, ...) does not match the bytes."""

    code = "count_mismatch"


class LimitExceededError(GeometryError):
    """The model is larger than a configured limit allows."""

    code = "limit_exceeded"


class FileTooLargeError(LimitExceededError):
    code = "file_too_large"


class TooManyFacesError(LimitExceededError):
    code = "too_many_faces"


class TooManyVerticesError(LimitExceededError):
    code = "too_many_vertices"


class ArchiveError(GeometryError):
    """A 3MF (ZIP) container is unsafe or broken."""

    code = "archive_error"


class ZipBombError(ArchiveError, LimitExceededError):
    """Uncompressed size or compression ratio exceeds the limit."""

    code = "zip_bomb"


class UnsafeContentError(GeometryError):
    """The file contains constructs that are refused for safety (XML entities, DTDs)."""

    code = "unsafe_content"


class ExternalReferenceError(UnsafeContentError):
    """The file refers to data outside the uploaded bytes (files, URLs)."""

    code = "external_reference"


class EmptyModelError(GeometryError):
    """The file holds no triangles."""

    code = "empty_model"
