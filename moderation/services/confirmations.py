"""Profile confirmation and the yearly reminders (see the package's docstring)."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.mail import mail_after_commit
from core.messages import coded
from enterprises.models import (
    ChangeRecord,
    Enterprise,
    EnterpriseMembership,
)
from enterprises.permissions import user_can_edit
from enterprises.services import (
    enterprise_update,
)
from moderation.models import (
    ConfirmationReminder,
)
from moderation.services.common import (
    STALE_AFTER,
    User,
)


@transaction.atomic
def enterprise_confirm(*, actor: User, enterprise: Enterprise) -> None:
    """The enterprise's user confirms the published profile is still correct."""
    if not actor.is_authenticated or not user_can_edit(actor, enterprise):
        raise PermissionDenied(_("You cannot edit this enterprise."))
    enterprise_update(
        actor=actor,
        enterprise=enterprise,
        changes={"last_confirmed_on": timezone.localdate()},
        origin=ChangeRecord.Origin.SELF_SERVICE,
        reason=coded("profile_confirmed"),
    )


def stale_enterprises(*, today: dt.date) -> QuerySet[Enterprise]:
    cutoff = today - STALE_AFTER
    return Enterprise.objects.filter(
        Q(last_confirmed_on__isnull=True) | Q(last_confirmed_on__lt=cutoff)
    )


def reminder_cycle(today: dt.date) -> int | None:
    """The yearly cycle a date belongs to: reminders start on 1 July."""
    return today.year if today >= dt.date(today.year, 7, 1) else None


@transaction.atomic
def confirmation_reminders_send(*, today: dt.date, site_url: str = "") -> int:
    cycle = reminder_cycle(today)
    if cycle is None:
        return 0
    stale = stale_enterprises(today=today)
    memberships = (
        EnterpriseMembership.objects.filter(enterprise__in=stale)
        .exclude(user__email="")
        .exclude(user__confirmation_reminders__cycle=cycle)
        .select_related("user", "enterprise")
        .order_by("user_id", "enterprise__name")
    )
    by_user: dict[int, tuple[Any, list[Enterprise]]] = {}
    for m in memberships:
        by_user.setdefault(m.user_id, (m.user, []))[1].append(m.enterprise)
    link = site_url.rstrip("/") + reverse("me")
    for user, enterprises in by_user.values():
        reminder = ConfirmationReminder.objects.create(user=user, cycle=cycle)
        reminder.enterprises.set(enterprises)
        mail_after_commit(
            gettext_lazy("Please confirm your enterprise profile"),
            "moderation/email/confirmation_reminder.txt",
            {"user": user, "enterprises": enterprises, "link": link, "cycle": cycle},
            [user],
        )
    return len(by_user)
