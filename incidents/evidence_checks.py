"""What counts as acceptable evidence: PNG, JPEG or PDF, at most 10 MB, judged by content."""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
KINDS = {  # extension -> (content type, how to recognise its first bytes)
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".pdf": ("application/pdf", b"%PDF-"),
}


def safe_name(name: str) -> str:
    """The file's own name, without any folders in it, for display only."""
    return os.path.basename(name.replace("\\", "/")).strip()[:255] or "evidence"


def check_evidence_file(upload: UploadedFile) -> str:
    """The file's content type, or a ValidationError saying what is wrong with it.

    The name must end in .png, .jpg, .jpeg or .pdf, and the content must really be that:
    images are decoded by Pillow, PDFs opened by pypdf.
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
            if len(PdfReader(upload).pages) == 0:
                raise ValidationError(f"{name} has no pages.")
        else:
            with Image.open(upload) as image:
                image.verify()
    except (PyPdfError, UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(f"{name} is damaged and cannot be opened.") from None
    finally:
        upload.seek(0)
    return content_type
