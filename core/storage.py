"""File storage for files only staff may read."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage():
    """Storage for files only staff may read (claim proofs, import files): outside
    MEDIA_ROOT, so they are never served by the media URL, only by staff views."""
    root = getattr(settings, "PRIVATE_MEDIA_ROOT", None) or (
        str(Path(settings.MEDIA_ROOT)).rstrip("/") + "-private"
    )
    return FileSystemStorage(location=root, base_url=None)
