"""Enterprise self-service: change requests, claims, invitations and reminders.

Every function is a service (keyword-only arguments, ``actor`` first, atomic,
e-mail sent on commit) and raises ``ValidationError`` for bad input (with field
errors where a field is at fault) and ``PermissionDenied`` when the actor may not act.

Change requests
    ``change_request_submit(*, actor, enterprise, changes) -> ChangeRequest | None``
        ``changes`` maps a field to its proposed value, API-style JSON (strings,
        numbers, booleans, lists, ``null``); keys are the profile fields of
        ``enterprises.forms.CHANGE_KEYS``: the model fields in
        ``PROFILE_MODEL_FIELDS``, ``certifications`` (a list of ``{"scheme",
        "certificate_no", "valid_from", "valid_until"}``), ``logo`` (an uploaded
        image, or ``""``/``None`` to remove it), ``photos_add`` (uploaded images) and
        ``photos_remove`` (photo ids). Any other key (``published``,
        ``uscc_check_override``, ``field_sources``…) is refused with a
        ValidationError and nothing changes. Values are validated with
        ``EnterpriseProfileForm`` against the current profile. Low-risk fields
        (``LOW_RISK_FIELDS``) publish at once (origin SELF_SERVICE); the others go
        into the enterprise's one open change request, created or updated (a field
        proposed again replaces its pending value; a field set back to its published
        value is withdrawn). Returns the change request the submission was recorded
        in (open, or closed at once when only low-risk fields changed), or None
        when nothing changed. Staff submissions are change requests too.
    ``change_request_decide(*, actor, change_request, decisions) -> None``
        Staff only. ``decisions`` maps pending fields to ``(accept, comment)``; a
        rejection needs a comment. Accepted fields publish (origin CHANGE_REQUEST,
        reference ``change-request:<id>``). Nobody may decide a change they proposed.
        The proposers are e-mailed the outcome of each field. Fields not decided
        stay pending; the request closes when none is left.

History
    ``profile_publish(*, actor, enterprise, values, origin, reason, reference)``
        Publishes values of profile fields, including the ones
        ``enterprises.services.enterprise_update`` does not handle (logo,
        certifications, photos), as one ``ChangeRecord``.
    ``history_revert(*, actor, record, reason) -> ChangeRecord | None``
        Staff only: ``change_record_revert``, extended to those fields.

Claims
    ``claim_submit(*, actor, enterprise, relationship, uscc, contact_name,
    contact_phone, contact_email, proof) -> Claim``
        ``proof`` is an uploaded PDF/JPG/PNG (checked by content, ≤ 5 MB). One
        pending claim per person and enterprise; the USCC must match the one on
        record (when there is one).
    ``claim_decide(*, actor, claim, approve, reason) -> Claim``
        Staff only; approving makes the person a member (owner if the enterprise
        has none, editor otherwise); denying needs a reason. The person is e-mailed.
    ``claim_revoke(*, actor, claim, reason) -> Claim``
        Staff only, for an approved claim: ends the membership; e-mails the person.

Invitations
    ``invitation_create(*, actor, enterprise, email, role, site_url)
    -> tuple[Invitation, str]``
        Staff only. Returns the invitation and its one-time token; e-mails the link
        ``site_url + /invitations/<token>/`` (valid ``INVITATION_DAYS`` days).
    ``invitation_for_token(token) -> Invitation | None``: a usable invitation.
    ``invitation_accept(*, actor, invitation) -> EnterpriseMembership``
        Links the (signed-in or newly created) user to the enterprise, once.

Confirmation
    ``enterprise_confirm(*, actor, enterprise)``: the profile is still correct.
    ``stale_enterprises(*, today)``: profiles not confirmed for 12 months.
    ``confirmation_reminders_send(*, today, site_url) -> int``: once per cycle
        (from 1 July each year, after the 30 June annual-report deadline) e-mail
        every member of a stale profile, recording whom; returns how many.
"""

import datetime as dt
import hashlib
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.uploads import check_proof_document
from enterprises.choices import MembershipRole
from enterprises.fields import LOW_RISK_FIELDS
from enterprises.fields import field_label as registry_field_label
from enterprises.forms import (
    CHANGE_KEYS,
    CHOICE_LIST_FIELDS,
    EnterpriseProfileForm,
    current_value,
    current_values,
    profile_form_data,
)
from enterprises.models import (
    ChangeRecord,
    Enterprise,
    EnterpriseCertification,
    EnterpriseMembership,
    EnterprisePhoto,
)
from enterprises.permissions import is_staff_member, user_can_edit, user_can_view
from enterprises.services import (
    UPDATABLE_FIELDS,
    change_record_revert,
    enterprise_reindex,
    enterprise_update,
)
from moderation.models import (
    ChangeRequest,
    ChangeRequestField,
    Claim,
    ConfirmationReminder,
    Invitation,
)

User = AbstractBaseUser | AnonymousUser

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


# Publishing and history ---------------------------------------------------------


def _model_value(field: str, value: Any) -> Any:
    """A JSON-safe value (as in history) as `enterprise_update` expects it."""
    if field in ("latitude", "longitude") and value not in (None, ""):
        return Decimal(str(value))
    if field == "last_confirmed_on" and value:
        return dt.date.fromisoformat(value)
    return value


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _set_extra(enterprise: Enterprise, field: str, value: Any) -> None:
    if field == "logo":
        enterprise.logo.name = value or ""
        enterprise.save(update_fields=["logo", "updated_at"])
    elif field == "certifications":
        enterprise.certifications.all().delete()
        for item in value:
            certification = EnterpriseCertification(
                enterprise=enterprise,
                scheme=item["scheme"],
                certificate_no=item.get("certificate_no") or "",
                valid_from=_date(item.get("valid_from")),
                valid_until=_date(item.get("valid_until")),
            )
            certification.full_clean()
            certification.save()
        enterprise.save(update_fields=["updated_at"])
    elif field == "photos":
        existing = {p.image.name: p for p in enterprise.photos.all()}
        for name, photo in existing.items():
            if name not in value:
                photo.delete()
        for position, name in enumerate(value):
            photo = existing.get(name) or EnterprisePhoto(
                enterprise=enterprise, image=name
            )
            photo.position = position
            photo.save()
        enterprise.save(update_fields=["updated_at"])


@transaction.atomic
def profile_publish(
    *,
    actor: User | None,
    enterprise: Enterprise,
    values: dict[str, Any],
    origin: str,
    reason: str = "",
    reference: str = "",
) -> ChangeRecord | None:
    """Publish JSON-safe profile values (stored file names for logo/photos) as one
    recorded change. Returns the record, or None when nothing changed."""
    standard = {
        field: _model_value(field, value)
        for field, value in values.items()
        if field not in PUBLISH_EXTRAS
    }
    record = None
    if standard:
        record = enterprise_update(
            actor=actor,
            enterprise=enterprise,
            changes=standard,
            origin=origin,
            reason=reason,
            reference=reference,
        )
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    extra_diff = {}
    for field in PUBLISH_EXTRAS:
        if field not in values:
            continue
        old = current_value(enterprise, field)
        if old != values[field]:
            _set_extra(enterprise, field, values[field])
            extra_diff[field] = {"old": old, "new": values[field]}
    if extra_diff:
        if record is not None:
            record.changes = {**record.changes, **extra_diff}
            record.save(update_fields=["changes"])
        else:
            record = ChangeRecord.objects.create(
                enterprise=enterprise,
                actor=actor if actor is not None and actor.is_authenticated else None,
                origin=origin,
                reason=reason,
                reference=reference,
                changes=extra_diff,
            )
        if "certifications" in extra_diff:
            enterprise_reindex(enterprise=enterprise)
    return record


@transaction.atomic
def history_revert(
    *, actor: User, record: ChangeRecord, reason: str = ""
) -> ChangeRecord | None:
    """Staff put back the old values of a recorded change (itself recorded)."""
    _require_staff(actor)
    if set(record.changes) <= UPDATABLE_FIELDS:
        return change_record_revert(actor=actor, record=record, reason=reason)
    enterprise = Enterprise.objects.select_for_update().get(pk=record.enterprise_id)
    for field, values in record.changes.items():
        if current_value(enterprise, field) != values["new"]:
            raise ValidationError(
                _("“%(field)s” has changed again since; revert the later change first.")
                % {"field": field}
            )
    revert = profile_publish(
        actor=actor,
        enterprise=enterprise,
        values={field: values["old"] for field, values in record.changes.items()},
        origin=ChangeRecord.Origin.REVERT,
        reason=reason,
        reference=f"change-record:{record.pk}",
    )
    if revert is not None:
        revert.reverts = record
        revert.save(update_fields=["reverts"])
    return revert


# Change requests -----------------------------------------------------------------


def _store(content: ContentFile, folder: str) -> str:
    return default_storage.save(f"{folder}/{content.name}", content)


def _form_input(
    base: dict[str, Any], changes: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    data = profile_form_data(base)
    files: dict[str, Any] = {}
    errors = {}
    for key, value in changes.items():
        if key in SCALAR_FIELDS and isinstance(value, dict | list):
            errors[key] = _("Give a single value.")
        elif key in LIST_FIELDS and not isinstance(value, list | tuple | str):
            errors[key] = _("Give a list of values.")
        elif key == "logo":
            if value in ("", None):
                data["logo-clear"] = "on"
            else:
                files["logo"] = value
        elif key == "photos_add":
            files["photos_add"] = (
                list(value) if isinstance(value, list | tuple) else [value]
            )
        elif key == "photos_remove":
            data[key] = [
                str(v) for v in (value if isinstance(value, list | tuple) else [value])
            ]
        else:
            data[key] = "" if value is None else value
    if errors:
        raise ValidationError(errors)
    return data, files


@transaction.atomic
def change_request_submit(
    *, actor: User, enterprise: Enterprise, changes: dict[str, Any]
) -> ChangeRequest | None:
    if not actor.is_authenticated or not user_can_edit(actor, enterprise):
        raise PermissionDenied(_("You cannot edit this enterprise."))
    refused = set(changes) - CHANGE_KEYS
    if refused:
        raise ValidationError(
            dict.fromkeys(sorted(refused), _("This field cannot be changed here."))
        )
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    current = current_values(enterprise)
    open_request = (
        ChangeRequest.objects.select_for_update()
        .filter(enterprise=enterprise, status=ChangeRequest.Status.OPEN)
        .first()
    )
    pending = (
        {row.field: row for row in open_request.fields.filter(status="pending")}
        if open_request
        else {}
    )
    base = {**current, **{field: row.new for field, row in pending.items()}}
    data, files = _form_input(base, changes)
    form = EnterpriseProfileForm(data=data, files=files, instance=enterprise)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    proposed = form.proposed_values()
    fields = {
        "photos" if key in ("photos_add", "photos_remove") else key for key in changes
    }

    low_risk: dict[str, Any] = {}
    to_review: dict[str, Any] = {}
    withdrawn: list[ChangeRequestField] = []
    for field in sorted(fields):
        new = proposed[field]
        if field == "logo" and isinstance(new, ContentFile):
            new = _store(new, "logos")
        elif field == "photos":
            new = [
                _store(p, "photos") if isinstance(p, ContentFile) else p for p in new
            ]
        if new == current[field]:
            if field in pending:
                withdrawn.append(pending[field])
        elif field in LOW_RISK_FIELDS:
            low_risk[field] = new
        elif field not in pending or pending[field].new != new:
            to_review[field] = new
    if not (low_risk or to_review or withdrawn):
        return open_request

    now = timezone.now()
    change_request = open_request or ChangeRequest.objects.create(
        enterprise=enterprise, submitted_by=actor
    )
    for row in withdrawn:
        row.delete()
    if low_risk:
        profile_publish(
            actor=actor,
            enterprise=enterprise,
            values=low_risk,
            origin=ChangeRecord.Origin.SELF_SERVICE,
            reference=change_request.reference,
        )
        ChangeRequestField.objects.bulk_create(
            ChangeRequestField(
                change_request=change_request,
                field=field,
                old=current[field],
                new=new,
                proposed_by=actor,
                status=ChangeRequestField.Status.PUBLISHED,
                decided_at=now,
            )
            for field, new in low_risk.items()
        )
    for field, new in to_review.items():
        row = pending.get(field) or ChangeRequestField(
            change_request=change_request, field=field
        )
        row.old, row.new, row.proposed_by = current[field], new, actor
        row.full_clean(validate_constraints=False)
        row.save()
    still_pending = change_request.fields.filter(status="pending").exists()
    change_request.status = (
        ChangeRequest.Status.OPEN if still_pending else ChangeRequest.Status.CLOSED
    )
    change_request.closed_at = None if still_pending else now
    change_request.save(update_fields=["status", "closed_at", "updated_at"])
    return change_request


@transaction.atomic
def change_request_decide(
    *,
    actor: User,
    change_request: ChangeRequest,
    decisions: dict[str, tuple[bool, str]],
) -> None:
    _require_staff(actor)
    change_request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if change_request.status != ChangeRequest.Status.OPEN:
        raise ValidationError(_("This change request has already been decided."))
    rows = {row.field: row for row in change_request.fields.filter(status="pending")}
    if change_request.submitted_by_id == actor.pk or any(
        row.proposed_by_id == actor.pk for row in rows.values()
    ):
        raise PermissionDenied(_("You cannot decide a change you proposed yourself."))
    errors = {}
    for field, (accept, comment) in decisions.items():
        if field not in rows:
            errors[field] = _("This field is not waiting for a decision.")
        elif not accept and not (comment or "").strip():
            errors[field] = _("Say why the change is rejected.")
    if not decisions:
        errors["__all__"] = _("Decide at least one field.")
    if errors:
        raise ValidationError(errors)

    accepted = {field: rows[field].new for field, (ok, _c) in decisions.items() if ok}
    if accepted:
        comments = [
            f"{field}: {comment}"
            for field, (ok, comment) in decisions.items()
            if ok and comment
        ]
        profile_publish(
            actor=actor,
            enterprise=change_request.enterprise,
            values=accepted,
            origin=ChangeRecord.Origin.CHANGE_REQUEST,
            reason="; ".join(comments),
            reference=change_request.reference,
        )
    now = timezone.now()
    decided = []
    for field, (accept, comment) in decisions.items():
        row = rows[field]
        row.status = (
            ChangeRequestField.Status.ACCEPTED
            if accept
            else ChangeRequestField.Status.REJECTED
        )
        row.comment = (comment or "").strip()
        row.decided_by = actor
        row.decided_at = now
        row.save(update_fields=["status", "comment", "decided_by", "decided_at"])
        decided.append(row)
    if len(decided) == len(rows):
        change_request.status = ChangeRequest.Status.CLOSED
        change_request.closed_at = now
    change_request.save(update_fields=["status", "closed_at", "updated_at"])

    recipients = {r.proposed_by for r in decided if r.proposed_by} | (
        {change_request.submitted_by} if change_request.submitted_by else set()
    )
    _after_commit_mail(
        _("Your proposed changes to %(name)s were reviewed")
        % {"name": change_request.enterprise.name},
        "moderation/email/change_request_decided.txt",
        {"change_request": change_request, "rows": decided},
        sorted({u.email for u in recipients}),
    )


def field_label(field: str) -> str:
    return str(registry_field_label(field))


# Claims -----------------------------------------------------------------------------


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
    return claim


def _claim_mail(claim: Claim) -> None:
    _after_commit_mail(
        _("Your claim on %(name)s") % {"name": claim.enterprise.name},
        "moderation/email/claim_decided.txt",
        {"claim": claim},
        [claim.user.email or claim.contact_email],
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
    _after_commit_mail(
        _("You are invited to keep %(name)s's profile current")
        % {"name": enterprise.name},
        "moderation/email/invitation.txt",
        {"invitation": invitation, "link": link, "days": INVITATION_DAYS},
        [email],
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


@transaction.atomic
def invitation_accept(*, actor: User, invitation: Invitation) -> EnterpriseMembership:
    if not actor.is_authenticated:
        raise PermissionDenied(_("Log in or create an account first."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired or was already used."))
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
        reason=_("Profile confirmed as current"),
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
        _after_commit_mail(
            _("Please confirm your enterprise profile"),
            "moderation/email/confirmation_reminder.txt",
            {"user": user, "enterprises": enterprises, "link": link, "cycle": cycle},
            [user.email],
        )
    return len(by_user)
