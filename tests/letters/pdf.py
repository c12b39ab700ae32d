"""Reading a letter back as a reader would: its text, its metadata, its type sizes."""

import io
import math
import re
from collections import Counter

import pypdf


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def text(pdf: bytes) -> str:
    """The letter's words, with line breaks and hyphenation undone so phrases can be found."""
    raw = "\n".join(page.extract_text() for page in reader(pdf).pages)
    return re.sub(r"\s+", " ", raw)


def font_sizes(pdf: bytes) -> Counter:
    """Characters of text per effective type size in points (font size x text and page matrices)."""
    sizes = Counter()

    def visit(chunk, cm, tm, font, size):
        if chunk.strip():
            sizes[round(size * math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1]), 1)] += len(chunk.strip())

    for page in reader(pdf).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def is_pdf_ua(pdf: bytes) -> bool:
    document = reader(pdf)
    xmp = document.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    marked = document.trailer["/Root"].get("/MarkInfo", {}).get("/Marked")
    return 'pdfuaid:part="1"' in xmp and bool(marked) and "/StructTreeRoot" in document.trailer["/Root"]


def language(pdf: bytes) -> str:
    return str(reader(pdf).trailer["/Root"].get("/Lang"))


def title(pdf: bytes) -> str:
    return reader(pdf).metadata.title


def page_count(pdf: bytes) -> int:
    return len(reader(pdf).pages)


def images(pdf: bytes) -> int:
    count = 0
    for page in reader(pdf).pages:
        resources = page.get("/Resources") or {}
        for obj in (resources.get("/XObject") or {}).values():
            if obj.get_object().get("/Subtype") == "/Image":
                count += 1
    return count
