"""Invitations of enterprise users (see the package's docstring)."""

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.mail import mail_after_commit
from enterprises.choices import MembershipRole
from enterprises.models import (
    Enterprise,
    EnterpriseMembership,
)
from moderation.models import (
    Invitation,
)
from moderation.services.common import (
    INVITATION_DAYS,
    User,
    _require_staff,
)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    enterprise: Enterprise,
    email: str,
    role: str = MembershipRole.EDITOR,
    site_url: str,
) -> tuple[Invitation, str]:
    _require_staff(actor)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        enterprise=enterprise,
        role=role,
        token_hash=_token_hash(token),
        created_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    link = site_url.rstrip("/") + reverse("invitation-accept", args=[token])
    mail_after_commit(
        gettext_lazy("You are invited to keep %(name)s's profile current"),
        "moderation/email/invitation.txt",
        {"invitation": invitation, "link": link, "days": INVITATION_DAYS},
        [email],
        params={"name": enterprise.name},
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token opens, if it is unused and unexpired."""
    return (
        Invitation.objects.select_related("enterprise")
        .filter(
            token_hash=_token_hash(token or ""),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def _lock_unused(invitation: Invitation) -> Invitation:
    """The invitation, locked until the transaction ends; ValidationError if it was
    used (also by a request that held the lock just before) or has expired."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired or was already used."))
    return invitation


@transaction.atomic
def invitation_accept_with_account(
    *, invitation: Invitation, account_form: Any
) -> tuple[Any, EnterpriseMembership]:
    """A new account (a valid ``InvitationSignupForm``) for the invited person and
    its membership, in one transaction that locks the invitation first: a link
    submitted twice at once makes one account, the other gets ValidationError."""
    invitation = _lock_unused(invitation)
    user = account_form.save(commit=False)
    user.email = invitation.email
    user.save()
    return user, invitation_accept(actor=user, invitation=invitation)


@transaction.atomic
def invitation_accept(*, actor: User, invitation: Invitation) -> EnterpriseMembership:
    if not actor.is_authenticated:
        raise PermissionDenied(_("Log in or create an account first."))
    invitation = _lock_unused(invitation)
    role = invitation.role
    if (
        role == MembershipRole.OWNER
        and invitation.enterprise.memberships.filter(role=MembershipRole.OWNER)
        .exclude(user=actor)
        .exists()
    ):
        role = MembershipRole.EDITOR
    membership, _created = EnterpriseMembership.objects.get_or_create(
        user=actor, enterprise=invitation.enterprise, defaults={"role": role}
    )
    invitation.accepted_by = actor
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    return membership


# Confirmation --------------------------------------------------------------------
