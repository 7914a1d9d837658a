"""What an uploaded file is, decided by its bytes: Pillow decodes images (and rewrites them
without their metadata: EXIF with GPS and camera data, text chunks, comments), pypdf opens
PDFs, and text must be UTF-8 without NUL bytes. iPhone photos (HEIC) are decoded by
pillow-heif and kept as JPEG, which every model reads. The client's name and Content-Type decide
nothing (a text file's name only picks between text/plain, text/markdown, text/csv and
application/json)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import warnings
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from domain.errors import UnsupportedMediaType
from domain.uploads import InspectedFile, UploadKind

log = logging.getLogger(__name__)

register_heif_opener()

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif", "HEIF": "image/jpeg"}
TEXT_TYPES = {"md": "text/markdown", "markdown": "text/markdown", "csv": "text/csv", "json": "application/json"}
ACCEPTED = "PNG, JPEG, WebP, GIF or HEIC images, PDF documents, or UTF-8 text"
# Beyond this an image is a decompression bomb, whatever its file size.
MAX_PIXELS = 50_000_000


class FileInspector:
    async def inspect(self, source: BinaryIO, *, size: int, filename: str | None) -> tuple[InspectedFile, BinaryIO]:
        """The file's kind and facts, and the bytes to keep. Raises UnsupportedMediaType."""
        try:
            return await asyncio.to_thread(_inspect, source, size, filename or "")
        except UnsupportedMediaType:
            raise
        except Exception:
            # A file crafted to trip a decoder is still only a file we do not take.
            log.warning("an upload could not be inspected", exc_info=True)
            raise UnsupportedMediaType("The file could not be read: it is damaged or not what it says.") from None


def _inspect(source: BinaryIO, size: int, filename: str) -> tuple[InspectedFile, BinaryIO]:
    source.seek(0)
    head = source.read(8)
    source.seek(0)
    if head.startswith(b"%PDF-"):
        return _pdf(source, size)
    image = _image(source)
    if image is not None:
        return image
    return _text(source, size, filename)


def _image(source: BinaryIO) -> tuple[InspectedFile, BinaryIO] | None:
    """None when the bytes are no image Pillow knows; 415 for one of a kind not taken or
    one that does not decode."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            opened = Image.open(source)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            source.seek(0)
            return None
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise UnsupportedMediaType("The image is too large.") from None
        kind = opened.format or ""
        if kind not in IMAGE_TYPES:
            raise UnsupportedMediaType(f"{kind or 'This'} images are not taken: send {ACCEPTED}.")
        if opened.width * opened.height > MAX_PIXELS:
            raise UnsupportedMediaType(f"The image is too large ({opened.width}×{opened.height} pixels).")
        try:
            opened.seek(0)  # a GIF's first frame
            opened.load()
            # Turned the way its EXIF says, before the EXIF goes.
            upright = ImageOps.exif_transpose(opened) if kind in ("JPEG", "WEBP") else opened
            cleaned = _without_metadata(upright, kind, opened.info.get("icc_profile"))
            width, height = upright.size
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise UnsupportedMediaType(
                f"The {kind} image does not decode: it is damaged or not what it says."
            ) from None
    data = cleaned.getvalue()
    inspected = InspectedFile(
        kind=UploadKind.IMAGE,
        mime_type=IMAGE_TYPES[kind],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
    )
    return inspected, cleaned


def _without_metadata(image: Image.Image, kind: str, icc_profile: bytes | None) -> io.BytesIO:
    """The picture again, with nothing but its pixels and colour profile."""
    out = io.BytesIO()
    colour = {"icc_profile": icc_profile} if icc_profile else {}
    if kind in ("JPEG", "HEIF"):
        # HEIC is written as JPEG: few models read HEIC, every one reads JPEG.
        pixels = image if image.mode in ("RGB", "L", "CMYK") else image.convert("RGB")
        pixels.save(out, "JPEG", quality=95, **colour)
    elif kind == "WEBP":
        image.save(out, "WEBP", quality=95, **colour)
    elif kind == "GIF":
        image.save(out, "GIF")  # the first frame only
    else:
        image.save(out, "PNG", **colour)
    out.seek(0)
    return out


def _pdf(source: BinaryIO, size: int) -> tuple[InspectedFile, BinaryIO]:
    try:
        reader = PdfReader(source)
        if reader.is_encrypted:
            raise UnsupportedMediaType("The PDF is protected by a password: send it without one.")
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise UnsupportedMediaType("The PDF does not open: it is damaged or not a PDF.") from None
    return _kept(source, size, UploadKind.PDF, "application/pdf", pages=pages)


def _text(source: BinaryIO, size: int, filename: str) -> tuple[InspectedFile, BinaryIO]:
    if not _is_utf8_text(source.read(size)):
        raise UnsupportedMediaType(f"This kind of file is not taken: send {ACCEPTED}.")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return _kept(source, size, UploadKind.TEXT, TEXT_TYPES.get(extension, "text/plain"))


def _is_utf8_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _kept(
    source: BinaryIO, size: int, kind: UploadKind, mime_type: str, *, pages: int | None = None
) -> tuple[InspectedFile, BinaryIO]:
    source.seek(0)
    digest = hashlib.sha256()
    while piece := source.read(1024 * 1024):
        digest.update(piece)
    source.seek(0)
    inspected = InspectedFile(kind=kind, mime_type=mime_type, size_bytes=size, sha256=digest.hexdigest(), pages=pages)
    return inspected, source
