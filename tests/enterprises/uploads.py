"""Real files for upload tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject


def png(
    name: str = "photo.png", size=(40, 30), color=(200, 30, 30)
) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf_bytes(*, javascript: str = "") -> bytes:
    """A real one-page PDF (pypdf), optionally with a script run on opening."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if javascript:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(javascript),
            }
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf(name: str = "licence.pdf", body: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, pdf_bytes() if body is None else body, content_type="application/pdf"
    )


def script_as_png(name: str = "evil.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"<script>alert(document.cookie)</script>", content_type="image/png"
    )
