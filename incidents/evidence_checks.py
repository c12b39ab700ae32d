"""What counts as acceptable evidence: PNG, JPEG or PDF, at most 10 MB, judged by content.

Hostile files are refused in plain words, never a server error: an image is decoded with a limit
on its pixels (a small file can unpack into gigabytes: a "decompression bomb"), and a PDF that
runs JavaScript, launches a program or carries files inside it is refused rather than handed on
to the panels who open it. An image accepted is also re-encoded (`safe_copy`): the copy, without
its metadata (camera, place, time), is what people download; the original is kept with its hash
as the record.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from incidents.text_checks import without_hidden_characters

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 10  # given at once, with a report (`incidents.forms.EvidenceField`)
MAX_EVIDENCE_TOTAL_BYTES = 25 * 1024 * 1024  # those files together
MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels: more than any phone's screenshot or photo
KINDS = {  # extension -> (content type, how to recognise its first bytes)
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".pdf": ("application/pdf", b"%PDF-"),
}
# What a PDF may not do: run JavaScript, launch a program, or carry files inside it.
_PDF_ACTIVE_KEYS = {"/JS": "JavaScript", "/JavaScript": "JavaScript", "/EmbeddedFiles": "files inside it",
                    "/EF": "files inside it"}
_PDF_ACTIVE_VALUES = {"/JavaScript": "JavaScript", "/Launch": "an action that launches a program",
                      "/EmbeddedFile": "files inside it", "/FileAttachment": "files inside it"}
_PDF_MAX_OBJECTS = 200_000  # a PDF with more objects than this is refused rather than read for ever


def safe_name(name: str) -> str:
    """The file's own name, without any folders or hidden characters in it, for display only."""
    name = without_hidden_characters(name)
    return os.path.basename(name.replace("\\", "/")).strip()[:255] or "evidence"


def check_evidence_file(upload: UploadedFile) -> str:
    """The file's content type, or a ValidationError saying what is wrong with it.

    The name must end in .png, .jpg, .jpeg or .pdf, and the content must really be that:
    images are decoded by Pillow (at most 40 megapixels), PDFs opened by pypdf and searched
    for JavaScript, launch actions and embedded files.
    """
    name = safe_name(upload.name or "")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(f"{name} is empty.")
    if size > MAX_EVIDENCE_BYTES:
        raise ValidationError(f"{name} is larger than 10 MB.")
    extension = os.path.splitext(name)[1].lower()
    if extension not in KINDS:
        raise ValidationError(f"{name} must be a PNG, JPEG or PDF file.")
    content_type, signature = KINDS[extension]
    upload.seek(0)
    head = upload.read(len(signature))
    upload.seek(0)
    if head != signature:
        raise ValidationError(f"{name} is not really a {extension[1:].upper()} file.")
    try:
        if content_type == "application/pdf":
            reader = PdfReader(upload)
            if len(reader.pages) == 0:
                raise ValidationError(f"{name} has no pages.")
            active = _pdf_active_content(reader)
            if active:
                raise ValidationError(f"{name} is a PDF with {active}, which could harm the computers of the "
                                      "people who open it. Print it to a new PDF, or take a screenshot, "
                                      "and add that instead.")
        else:
            with _opened_image(upload, name) as image:
                image.load()  # every pixel decoded: a damaged image is found now, not by a viewer
    except (PyPdfError, UnidentifiedImageError, OSError, ValueError, SyntaxError, RecursionError):
        raise ValidationError(f"{name} is damaged and cannot be opened.") from None
    finally:
        upload.seek(0)
    return content_type


def safe_copy(upload: UploadedFile, content_type: str) -> bytes | None:
    """For an image already checked: the same picture re-encoded from its pixels alone, without
    its metadata (EXIF: camera, place, time) or anything hidden after them, turned the way it is
    meant to be seen. None for a PDF (kept as given, once checked)."""
    if not content_type.startswith("image/"):
        return None
    upload.seek(0)
    try:
        with _opened_image(upload, safe_name(upload.name or "")) as image:
            picture = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if content_type == "image/jpeg":
                picture = picture.convert("RGB") if picture.mode not in ("RGB", "L") else picture
                picture.save(out, format="JPEG", quality=90)
            else:
                if picture.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                    picture = picture.convert("RGBA")
                picture.save(out, format="PNG", optimize=False)
            return out.getvalue()
    finally:
        upload.seek(0)


class _Image:
    """`Image.open` with the pixel limit applied before any pixel is decoded."""

    def __init__(self, upload: UploadedFile, name: str) -> None:
        self.upload, self.name = upload, name

    def __enter__(self) -> Image.Image:
        too_big = ValidationError(f"{self.name} is too large a picture: at most "
                                  f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels. Make it smaller, or take a "
                                  "screenshot of the part that matters, and add that instead.")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                # a copy (at most 10 MB) for Pillow, which closes what it opened
                self.upload.seek(0)
                self.image = Image.open(io.BytesIO(self.upload.read()))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_big from None
        width, height = self.image.size
        if width * height > MAX_IMAGE_PIXELS:
            self.image.close()
            raise too_big
        return self.image

    def __exit__(self, *exc: Any) -> None:
        self.image.close()


_opened_image = _Image


def _pdf_active_content(reader: PdfReader) -> str:
    """What a PDF carries that it must not (in words: 'JavaScript', …), or ''. Every object
    reachable from the document's trailer is read, compressed or not, so nothing hides in a
    stream or an object stream the way it could from a search of the raw bytes."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > _PDF_MAX_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(item, DictionaryObject):
            for key_name, value in item.items():
                if key_name in _PDF_ACTIVE_KEYS:
                    return _PDF_ACTIVE_KEYS[key_name]
                if key_name in ("/S", "/Type", "/Subtype") and isinstance(value, NameObject) \
                        and value in _PDF_ACTIVE_VALUES:
                    return _PDF_ACTIVE_VALUES[value]
                if key_name != "/Parent":
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return ""
