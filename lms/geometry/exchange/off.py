"""OFF: the counts line is checked here, then trimesh decodes the body."""

from __future__ import annotations

from ..errors import CorruptFileError, TruncatedFileError
from ..i18n import N_
from .common import ModelData, Source, check_faces, check_vertices
from .via_trimesh import concatenate, decode


def read(src: Source) -> ModelData:
    data = src.read_all()
    _check_counts(src, data)
    return concatenate(src.name, decode(src.name, "off", data))


def _header_tokens(data: bytes) -> list[str]:
    """The first tokens of the file, comments and blank lines skipped, without the OFF keyword."""
    tokens: list[str] = []
    for line in data[:65536].decode("latin-1").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            tokens.extend(line.split())
        if len(tokens) >= 4:
            break
    if tokens and tokens[0].endswith("OFF"):
        tokens = tokens[1:]
    return tokens


def _check_counts(src: Source, data: bytes) -> None:
    tokens = _header_tokens(data)
    try:
        nv, nf = int(tokens[0]), int(tokens[1])
    except (IndexError, ValueError):
        raise CorruptFileError(N_("%(file)s: the OFF header has no vertex and face counts"),
                               file=src.name) from None
    check_vertices(src.name, nv, src.limits)
    check_faces(src.name, nf, src.limits, polygons=True)
    lines = data.count(b"\n") + 1
    if lines < nv + nf:
        raise TruncatedFileError(
            N_("%(file)s: the OFF header declares %(count)s data lines but only %(lines)s are present"),
            file=src.name, count=nv + nf, lines=lines)
