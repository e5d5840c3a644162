"""Photos of printed parts: decoded and re-encoded with Pillow, so no EXIF (location) or other payload survives.

Pure: no Flask. ``clean_photo`` raises PhotoError with a translatable template.
"""
from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from lms.errors import UserFacingError
from lms.geometry.i18n import N_

MAX_BYTES = 12 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
MAX_SIDE = 2048  # stored size: enough to see the part


class PhotoError(UserFacingError):
    """A photo that cannot be kept; the message says what to upload instead."""


def clean_photo(data: bytes) -> bytes:
    """A JPEG of at most MAX_SIDE px, turned upright, without metadata; from a JPEG or PNG upload."""
    if len(data) > MAX_BYTES:
        raise PhotoError(N_("The photo is larger than %(mb)s MB."), mb=MAX_BYTES // (1024 * 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ("JPEG", "PNG"):
                raise PhotoError(N_("Upload the photo as a JPEG or PNG image."))
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError(N_("The photo has too many pixels. Upload a smaller one."))
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(N_("Upload the photo as a JPEG or PNG image.")) from None
    image = ImageOps.exif_transpose(image)  # keep the picture upright once its EXIF is gone
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: nothing carried over
    return out.getvalue()
