"""What the moderation services share: the actor type, constants, the staff
check and e-mail sent on commit."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
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


def _after_commit_mail(subject: str, template: str, context: dict, to: list[str]):
    to = [address for address in to if address]
    if not to:
        return
    body = render_to_string(template, context)

    def send() -> None:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)

    transaction.on_commit(send)
