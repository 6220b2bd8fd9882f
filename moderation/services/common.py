"""What the moderation services share: the actor type, constants, the staff
check (e-mail goes through ``accounts.mail``)."""

import datetime as dt

from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from enterprises.forms import (
    CHANGE_KEYS,
    CHOICE_LIST_FIELDS,
)
from enterprises.permissions import is_staff_member

User = AuthUser  # the project uses Django's own user model

PUBLISH_EXTRAS = ("logo", "certifications", "photos")
INVITATION_DAYS = 7
STALE_AFTER = dt.timedelta(days=365)
LIST_FIELDS = frozenset({"former_names", "photos_remove", *CHOICE_LIST_FIELDS})
SCALAR_FIELDS = frozenset(CHANGE_KEYS) - {
    "former_names",
    "certifications",
    "photos_add",
    "photos_remove",
    "logo",
    *CHOICE_LIST_FIELDS,
}


def _require_staff(actor: User) -> None:
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only staff can do this."))
