"""Checking uploads by their content.

Images are opened with Pillow, size-limited, and re-encoded (PNG when they have
transparency, JPEG otherwise): what is stored is pixels we wrote, never the bytes the
user sent, so a script or HTML renamed to ``.png`` is refused and metadata is dropped.
Images are refused by their pixel count, read from the header, before any pixel
is decoded; JPEGs are decoded at a reduced scale when that is enough.

Proof documents may also be PDF: the file must parse as one (pypdf), with at least
one page, and hold nothing active: no JavaScript, launch or submit actions, embedded
files, rich media or XFA forms, wherever they sit (names are compared after
decoding, so ``/J#61vaScript`` is ``/JavaScript``), and no HTML (a PDF/HTML
polyglot). A PDF is then kept as sent (and served to staff only, as an attachment).
"""

import io
import re
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import IndirectObject, NameObject

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PROOF_BYTES = 5 * 1024 * 1024
# Refused before decoding: a 38 KB PNG of 39.7 megapixels took 250 MB to decode.
MAX_IMAGE_PIXELS = 24_000_000  # 24 megapixels (6000 x 4000)
MAX_IMAGE_SIDE = 2400  # stored images are scaled down to fit
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def _check_size(upload, limit: int) -> None:
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s."),
            code="too_large",
            params={
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(limit),
            },
        )


def _read(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def reencode_image(upload, *, max_bytes: int = MAX_IMAGE_BYTES) -> ContentFile:
    """A checked, re-encoded copy of an uploaded image, or ValidationError."""
    _check_size(upload, max_bytes)
    data = _read(upload)
    not_an_image = ValidationError(
        _("The file is not an image we can read: upload a JPEG, PNG or WebP image."),
        code="not_an_image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in IMAGE_FORMATS:
                    raise not_an_image
                if probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise ValidationError(
                        _("The image has too many pixels."), code="too_many_pixels"
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale
                    image.draft("RGB", (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
                image.load()
                has_alpha = image.mode in ("RGBA", "LA", "PA") or (
                    image.mode == "P" and "transparency" in image.info
                )
                pixels = image.convert("RGBA" if has_alpha else "RGB")
                pixels.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
                out = io.BytesIO()
                if has_alpha:
                    pixels.save(out, format="PNG", optimize=True)
                    ext = "png"
                else:
                    pixels.save(out, format="JPEG", quality=85, optimize=True)
                    ext = "jpg"
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,
    ) as exc:
        raise not_an_image from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")


# PDF names that make a document act (scripts, launches, forms that post, files
# or media inside it): a proof document needs none of them.
ACTIVE_PDF_NAMES = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
    }
)
MAX_PDF_OBJECTS = 50_000
HTML_MARKERS = re.compile(
    rb"<(?:!doctype|html|head|body|script|iframe|object|embed|svg|meta)[\s>/]",
    re.IGNORECASE,
)


def _pdf_is_active(reader: PdfReader) -> bool:
    """Whether any object reachable from the trailer names an active feature."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    walked = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        walked += 1
        if walked > MAX_PDF_OBJECTS:
            return True  # not a scanned licence: refuse rather than walk on
        if isinstance(node, NameObject) and node in ACTIVE_PDF_NAMES:
            return True
        if isinstance(node, dict):
            if any(key in ACTIVE_PDF_NAMES for key in node):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _check_pdf(data: bytes) -> None:
    damaged = ValidationError(
        _("The PDF file is damaged or incomplete."), code="bad_pdf"
    )
    if HTML_MARKERS.search(data):
        raise ValidationError(
            _("The PDF file also contains a web page; upload a plain PDF."),
            code="pdf_html",
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if len(reader.pages) < 1:
            raise damaged
        active = _pdf_is_active(reader)
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds for broken files
        raise damaged from exc
    if active:
        raise ValidationError(
            _(
                "The PDF file contains scripts, actions or embedded files; upload "
                "a plain PDF (e.g. print it to PDF again)."
            ),
            code="pdf_active",
        )


def check_proof_document(upload) -> ContentFile:
    """A proof document (PDF, JPG or PNG by content, at most 5 MB) ready to store.
    Images are re-encoded; a PDF is kept as sent once it parses and holds nothing
    active (see the module's docstring)."""
    _check_size(upload, MAX_PROOF_BYTES)
    data = _read(upload)
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return ContentFile(data, name=f"{uuid.uuid4().hex}.pdf")
    try:
        return reencode_image(upload, max_bytes=MAX_PROOF_BYTES)
    except ValidationError as exc:
        if exc.code == "not_an_image":
            raise ValidationError(
                _("Upload the proof as a PDF, JPG or PNG file."), code="bad_type"
            ) from exc
        raise
