"""Who is staff: the one check every layer uses (DESIGN.md: Roles and permissions).

Staff capability comes from model permissions, which the "Staff" group gives (and a
superuser has): a staff member is a user who may change any enterprise
(``enterprises.change_enterprise``). Django's ``is_staff`` flag only opens the admin
site; the directory never looks at it.

The access policy built on this is ``enterprises.permissions``; this module is here,
in the bottom layer, so that accounts (below enterprises) can ask it too. It names
other apps' permissions by string only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

STAFF_GROUP = "Staff"
# The apps whose model permissions the Staff group holds.
STAFF_APPS = (
    "core",
    "accounts",
    "moderation",
    "imports",
    "clusters",
    "enterprises",
    "colleges",
    "markets",
    "programmes",
)
STAFF_PERMISSION = "enterprises.change_enterprise"
_APP_LABEL, _CODENAME = STAFF_PERMISSION.split(".")


def is_staff_member(user: Any) -> bool:
    """Whether ``user`` has staff capability: sees every enterprise and every field,
    moderates, imports and exports, reads the dashboard.

    The same answer as ``user.has_perm(STAFF_PERMISSION)`` with Django's model
    backend (the only one configured), in one query instead of two (pages ask on
    every request), remembered on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    known = getattr(user, "_staff_member", None)
    if known is not None:
        return known
    if getattr(user, "is_superuser", False):
        known = True
    elif not hasattr(user, "_meta"):  # not a model instance (SystemPrincipal)
        known = bool(user.has_perm(STAFF_PERMISSION))
    else:
        known = (
            Permission.objects.filter(
                content_type__app_label=_APP_LABEL, codename=_CODENAME
            )
            .filter(Q(user=user) | Q(group__user=user))
            .exists()
        )
    user._staff_member = known
    return known


class SystemPrincipal:
    """The viewer of work that runs for nobody in particular (management commands,
    the dashboard figures the task worker computes): it sees what staff see."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = True
    pk = None
    id = None

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return True

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemPrincipal()


def staff_group() -> Any:
    """The Staff group, created if missing, holding every model permission of
    ``STAFF_APPS`` (run after migrations, when the permissions exist)."""
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP)
    wanted = Permission.objects.filter(content_type__app_label__in=STAFF_APPS)
    if not _created and not wanted.exclude(group=group).exists():
        return group
    group.permissions.set(wanted)
    return group
