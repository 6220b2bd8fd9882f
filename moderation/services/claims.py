"""Claims of an enterprise profile (see the package's docstring)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.mail import mail_after_commit
from accounts.models import Consent
from accounts.signup import consent_record
from core.uploads import check_proof_document
from enterprises.choices import MembershipRole
from enterprises.models import (
    Enterprise,
    EnterpriseMembership,
)
from enterprises.permissions import user_can_view
from moderation.models import (
    Claim,
)
from moderation.services.common import (
    User,
    _require_staff,
)


@transaction.atomic
def claim_submit(
    *,
    actor: User,
    enterprise: Enterprise,
    relationship: str,
    uscc: str,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
    proof: Any,
) -> Claim:
    if not actor.is_authenticated:
        raise PermissionDenied(_("Log in to claim an enterprise."))
    if not user_can_view(actor, enterprise):
        raise PermissionDenied(_("You cannot claim this enterprise."))
    if enterprise.memberships.filter(user=actor).exists():
        raise ValidationError(_("You are already linked to this enterprise."))
    if Claim.objects.filter(
        user=actor, enterprise=enterprise, status=Claim.Status.PENDING
    ).exists():
        raise ValidationError(
            _("You already have a claim on this enterprise waiting for review.")
        )
    uscc = (uscc or "").strip().upper()
    if enterprise.uscc and uscc != enterprise.uscc:
        raise ValidationError(
            {"uscc": _("This is not the code we have on record for the enterprise.")}
        )
    try:
        document = check_proof_document(proof)
    except ValidationError as exc:
        raise ValidationError({"proof": exc.error_list}) from exc
    claim = Claim(
        user=actor,
        enterprise=enterprise,
        relationship=relationship,
        uscc=uscc,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        proof=document,
    )
    claim.full_clean(validate_constraints=False)
    claim.save()
    consent_record(user=actor, purpose=Consent.Purpose.CLAIM)
    return claim


def _claim_mail(claim: Claim) -> None:
    mail_after_commit(
        gettext_lazy("Your claim on %(name)s"),
        "moderation/email/claim_decided.txt",
        {"claim": claim},
        [claim.user if claim.user.email else claim.contact_email],
        params={"name": claim.enterprise.name},
    )


@transaction.atomic
def claim_decide(*, actor: User, claim: Claim, approve: bool, reason: str) -> Claim:
    _require_staff(actor)
    claim = (
        Claim.objects.select_for_update().select_related("enterprise").get(pk=claim.pk)
    )
    if claim.status != Claim.Status.PENDING:
        raise ValidationError(_("This claim has already been decided."))
    if claim.user_id == actor.pk:
        raise PermissionDenied(_("You cannot decide your own claim."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the claim is denied.")})
    if approve:
        has_owner = claim.enterprise.memberships.filter(
            role=MembershipRole.OWNER
        ).exists()
        EnterpriseMembership.objects.get_or_create(
            user=claim.user,
            enterprise=claim.enterprise,
            defaults={
                "role": MembershipRole.EDITOR if has_owner else MembershipRole.OWNER
            },
        )
    claim.status = Claim.Status.APPROVED if approve else Claim.Status.DENIED
    claim.reason = reason
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    _claim_mail(claim)
    return claim


@transaction.atomic
def claim_revoke(*, actor: User, claim: Claim, reason: str) -> Claim:
    _require_staff(actor)
    claim = (
        Claim.objects.select_for_update().select_related("enterprise").get(pk=claim.pk)
    )
    if claim.status != Claim.Status.APPROVED:
        raise ValidationError(_("Only an approved claim can be revoked."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the claim is revoked.")})
    EnterpriseMembership.objects.filter(
        user=claim.user, enterprise=claim.enterprise
    ).delete()
    claim.status = Claim.Status.REVOKED
    claim.reason = reason
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    _claim_mail(claim)
    return claim


# Invitations ----------------------------------------------------------------------
