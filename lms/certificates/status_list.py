"""Revocation as a W3C Bitstring Status List: one bit per certificate, 1 = revoked.

Pure: no Flask. Each certificate issued with a credential gets the next status index (a counter row,
allocated in the issuing transaction like serial numbers); list ``n`` holds indexes
``n * LIST_SIZE`` to ``(n + 1) * LIST_SIZE - 1``. The list is published as a
``BitstringStatusListCredential`` signed like the certificates' credentials.
"""
from __future__ import annotations

import base64
import datetime as dt
import gzip
from collections.abc import Iterable

#: 131,072 entries (16 KiB): the minimum size the specification asks for, for group privacy.
LIST_SIZE = 131_072
COUNTER_PREFIX = "~status-list"  # a row of the serial counters table; no serial prefix starts with "~"


def list_of(index: int) -> int:
    return index // LIST_SIZE


def encode(revoked_indexes: Iterable[int], list_number: int = 0) -> str:
    """The ``encodedList``: multibase base64url (``u``) of the GZIP-compressed bitstring.

    Bit 0 is the left-most (most significant) bit of the first byte."""
    bits = bytearray(LIST_SIZE // 8)
    first = list_number * LIST_SIZE
    for index in revoked_indexes:
        offset = index - first
        if 0 <= offset < LIST_SIZE:
            bits[offset // 8] |= 0x80 >> (offset % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def is_set(encoded_list: str, index: int) -> bool:
    """Read one bit back (what a verifier does)."""
    if not encoded_list.startswith("u"):
        raise ValueError("not a multibase base64url string")
    raw = encoded_list[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    offset = index % LIST_SIZE
    return bool(bits[offset // 8] & (0x80 >> (offset % 8)))


def credential(list_url: str, issuer: dict, revoked_indexes: Iterable[int], list_number: int,
               now: dt.datetime | None = None) -> dict:
    """The status list credential for list ``list_number`` (to be signed like any credential)."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": moment.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(revoked_indexes, list_number),
        },
    }
