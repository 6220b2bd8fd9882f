"""Change requests, publishing profile values and reverting history (the
package's docstring describes each service)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.mail import mail_after_commit
from core.messages import coded, every_language
from enterprises.fields import LOW_RISK_FIELDS
from enterprises.fields import field_label as registry_field_label
from enterprises.forms import (
    CHANGE_KEYS,
    EnterpriseProfileForm,
    current_value,
    current_values,
    profile_form_data,
)
from enterprises.models import (
    ChangeRecord,
    Enterprise,
    EnterpriseCertification,
    EnterprisePhoto,
)
from enterprises.permissions import user_can_edit
from enterprises.services import (
    UPDATABLE_FIELDS,
    Reason,
    change_record_revert,
    enterprise_reindex,
    enterprise_update,
    reason_fields,
)
from moderation.models import (
    ChangeRequest,
    ChangeRequestField,
)
from moderation.services.common import (
    LIST_FIELDS,
    PUBLISH_EXTRAS,
    SCALAR_FIELDS,
    User,
    _require_staff,
)

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
    reason: Reason = "",
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
                **reason_fields(reason),
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
    """Staff put back the old values of a recorded change (itself recorded, with
    the reason, which staff must give)."""
    _require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the change is reverted.")})
    if set(record.changes) <= UPDATABLE_FIELDS:
        return change_record_revert(actor=actor, record=record, reason=reason)
    enterprise = Enterprise.objects.select_for_update().get(pk=record.enterprise_id)
    for field, values in record.changes.items():
        if current_value(enterprise, field) != values["new"]:
            raise ValidationError(
                _("“%(field)s” has changed again since; revert the later change first.")
                % {"field": field_label(field)}
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
            # null (or a null in the list) adds nothing; anything else that is not
            # an uploaded file is refused by the form's field.
            values = value if isinstance(value, list | tuple) else [value]
            files["photos_add"] = [v for v in values if v is not None]
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
            coded(
                "field_comment",
                label=every_language(registry_field_label(field)),
                comment=comment,
            )
            for field, (ok, comment) in decisions.items()
            if ok and comment
        ]
        profile_publish(
            actor=actor,
            enterprise=change_request.enterprise,
            values=accepted,
            origin=ChangeRecord.Origin.CHANGE_REQUEST,
            reason=comments or "",
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
    mail_after_commit(
        gettext_lazy("Your proposed changes to %(name)s were reviewed"),
        "moderation/email/change_request_decided.txt",
        {"change_request": change_request, "rows": decided},
        sorted(recipients, key=lambda u: u.pk),
        params={"name": change_request.enterprise.name},
    )


def field_label(field: str) -> str:
    return str(registry_field_label(field))


# Claims -----------------------------------------------------------------------------
