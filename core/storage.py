"""Where uploads are stored: only through Django's storage API, so that any machine
can serve any request (docs/deploy-many.md).

- ``STORAGES["default"]``: public media (logos, photos), served at ``MEDIA_URL``.
- ``STORAGES["private"]``: files only staff may read (claim proofs, import files),
  never served by a URL, only streamed by staff views.

Both are settings, so django-storages can put them on S3-compatible storage without
a change of code. Nothing here or elsewhere reads a local path of an upload.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, cached_property, empty


def private_root() -> str:
    """The local folder of private files: ``PRIVATE_MEDIA_ROOT``, else beside
    ``MEDIA_ROOT`` (outside it, so that the media URL never reaches them)."""
    return getattr(settings, "PRIVATE_MEDIA_ROOT", None) or (
        str(Path(settings.MEDIA_ROOT)).rstrip("/") + "-private"
    )


class PrivateFileSystemStorage(FileSystemStorage):
    """The private store on the local disk (one machine)."""

    def __init__(self, location=None, **kwargs) -> None:
        super().__init__(location=location, **kwargs)
        self._private_location = location

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._private_location, private_root())


class _PrivateStorage(LazyObject):
    """``STORAGES["private"]``, looked up when first used (like default_storage)."""

    def _setup(self):
        self._wrapped = storages["private"]


_private = _PrivateStorage()


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty  # type: ignore[assignment]  # LazyObject's reset


def private_storage():
    """The storage of the private file fields (referenced by their migrations)."""
    return _private
