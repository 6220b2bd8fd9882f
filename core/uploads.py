"""Checking uploads by their content.

Images are opened with Pillow, size-limited, and re-encoded (PNG when they have
transparency, JPEG otherwise): what is stored is pixels we wrote, never the bytes the
user sent, so a script or HTML renamed to ``.png`` is refused and metadata is dropped.
Proof documents may also be PDF, recognised by their header and end marker.
"""

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PROOF_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels
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


def check_proof_document(upload) -> ContentFile:
    """A proof document (PDF, JPG or PNG by content, at most 5 MB) ready to store.
    Images are re-encoded; a PDF is kept as sent once its structure is recognised."""
    _check_size(upload, MAX_PROOF_BYTES)
    data = _read(upload)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(
                _("The PDF file is damaged or incomplete."), code="bad_pdf"
            )
        return ContentFile(data, name=f"{uuid.uuid4().hex}.pdf")
    try:
        return reencode_image(upload, max_bytes=MAX_PROOF_BYTES)
    except ValidationError as exc:
        if exc.code == "not_an_image":
            raise ValidationError(
                _("Upload the proof as a PDF, JPG or PNG file."), code="bad_type"
            ) from exc
        raise
