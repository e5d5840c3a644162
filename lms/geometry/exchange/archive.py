"""A ZIP container read safely (3MF): entry names, sizes, ratios and a total budget are checked.

Declared sizes are checked before anything is inflated, and every entry is
inflated in chunks against a budget, so a lying central directory cannot make
it expand further than the limits allow.
"""

from __future__ import annotations

import io
import re
import zipfile

from ..errors import ArchiveError, CorruptFileError, ZipBombError
from ..i18n import N_, fmt
from ..limits import Limits
from .common import mb as _mb


def _zip_name_ok(nm: str, limits: Limits) -> bool:
    if not nm or len(nm) > limits.max_zip_name_length or "\x00" in nm or "\\" in nm:
        return False
    if nm.startswith("/") or re.match(r"^[a-zA-Z]:", nm):
        return False
    return ".." not in nm.split("/")


class ZipReader:
    """The entries of a ZIP archive, every one checked before anything is inflated."""

    def __init__(self, name: str, data: bytes, limits: Limits):
        self.name = name
        self.limits = limits
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
            raise CorruptFileError(N_("%(file)s: the 3MF container is not a valid ZIP archive (%(reason)s)"),
                                   file=name, reason=str(exc)[:200]) from None
        if len(infos) > limits.max_zip_entries:
            raise ArchiveError(N_("%(file)s: the 3MF archive has %(count)s entries; the limit is %(limit)s"),
                               file=name, count=len(infos), limit=limits.max_zip_entries)
        for info in infos:
            self._check_entry(info)
        self._check_totals(sum(i.file_size for i in infos), sum(i.compress_size for i in infos))
        self.infos = {info.filename: info for info in infos}
        self.budget = limits.max_zip_uncompressed

    def _check_entry(self, info: zipfile.ZipInfo) -> None:
        name, entry, limits = self.name, info.filename[:100], self.limits
        if not _zip_name_ok(info.filename, limits):
            raise ArchiveError(N_("%(file)s: the 3MF archive contains an unsafe entry name %(entry)r"),
                               file=name, entry=entry)
        if info.flag_bits & 0x1:
            raise ArchiveError(N_("%(file)s: the 3MF archive contains an encrypted entry %(entry)r"),
                               file=name, entry=entry)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ArchiveError(N_("%(file)s: the 3MF entry %(entry)r uses an unsupported compression"),
                               file=name, entry=entry)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > limits.max_zip_ratio:
            raise ZipBombError(
                N_("%(file)s: the 3MF entry %(entry)r expands %(ratio)s times; the limit is %(limit)s"),
                file=name, entry=entry, ratio=fmt(ratio, 0), limit=fmt(limits.max_zip_ratio, 0))

    def _check_totals(self, total: int, compressed: int) -> None:
        limits = self.limits
        if total > limits.max_zip_uncompressed:
            raise ZipBombError(
                N_("%(file)s: the 3MF archive would expand to %(size_mb)s MB; the limit is %(limit_mb)s MB"),
                file=self.name, size_mb=_mb(total), limit_mb=_mb(limits.max_zip_uncompressed))
        if total > 1024 * 1024 and total / max(compressed, 1) > limits.max_zip_ratio:
            raise ZipBombError(
                N_("%(file)s: the 3MF archive expands %(ratio)s times; the limit is %(limit)s"),
                file=self.name, ratio=fmt(total / max(compressed, 1), 0), limit=fmt(limits.max_zip_ratio, 0))

    def has(self, entry: str) -> bool:
        return entry in self.infos

    def read(self, entry: str) -> bytes:
        info = self.infos.get(entry)
        if info is None:
            raise CorruptFileError(N_("%(file)s: the 3MF archive has no entry %(entry)r"),
                                   file=self.name, entry=entry[:100])
        budget = min(info.file_size, self.budget)
        out = bytearray()
        try:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    out += chunk
                    if len(out) > budget:
                        raise ZipBombError(
                            N_("%(file)s: the 3MF entry %(entry)r expands beyond %(limit_mb)s MB"),
                            file=self.name, entry=entry[:100], limit_mb=_mb(budget))
        except zipfile.BadZipFile as exc:
            raise CorruptFileError(N_("%(file)s: the 3MF entry %(entry)r is damaged (%(reason)s)"),
                                   file=self.name, entry=entry[:100], reason=str(exc)[:200]) from None
        self.budget -= len(out)
        return bytes(out)

