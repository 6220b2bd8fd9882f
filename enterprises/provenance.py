"""Provenance shown: where each section of a profile comes from and when it was
last confirmed, and staff verifying values (recorded in the history).

A value's source is ``Enterprise.field_sources[field]`` (set by every write:
``enterprises.services``), else the entry's ``source``; its date is that of the
last history entry that changed or verified it, and for self-reported values the
profile's ``last_confirmed_on`` when later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.messages import coded
from enterprises.choices import Source
from enterprises.fields import EDITABLE_FIELDS, Group, group_fields
from enterprises.models import ChangeRecord, Enterprise
from enterprises.permissions import is_staff_member
from enterprises.services import User, enterprise_reindex, field_value

SECTIONS = (
    (Group.NAMES, gettext_lazy("Identity"), ("uscc", "registration_status")),
    (Group.LOCATION, gettext_lazy("Location"), ()),
    (Group.BUSINESS, gettext_lazy("Business"), ("clusters",)),
    (Group.EXPORT, gettext_lazy("Export"), ()),
    (Group.CONTACT, gettext_lazy("Contact"), ()),
)
HISTORY_LIMIT = 200
VERIFY_REFERENCE = "verify"


def _filled(enterprise: Enterprise, field: str) -> bool:
    return field_value(enterprise, field) not in (None, "", [], False)


def source_of(enterprise: Enterprise, field: str) -> str:
    return enterprise.field_sources.get(field) or enterprise.source


def section_provenance(
    enterprise: Enterprise, visible: frozenset[str] | set[str], *, history=True
) -> list[dict[str, Any]]:
    """Per section of the profile: its label, the kind of source (``verified``,
    ``confirmed``, ``import``, ``survey``, ``demo``) and its date (or year), from
    the ``visible`` fields only (what the viewer may see). ``history``: False
    when the entry is known to have no history entries (not read)."""
    dated: dict[str, dt.date] = {}
    records = enterprise.change_records.only("created_at", "changes")[:HISTORY_LIMIT]
    if not history:
        records = records.none()
    for record in records:  # newest first
        when = timezone.localdate(record.created_at)
        verified = record.changes.get("field_sources", {}).get("new") or {}
        for field in {*record.changes, *verified}:
            dated.setdefault(field, when)
    sections = []
    for group, label, extra in SECTIONS:
        fields = [
            f
            for f in (*group_fields(group), *extra)
            if f in visible and _filled(enterprise, f)
        ]
        if not fields:
            continue
        sources = {source_of(enterprise, f) for f in fields}
        days = [dated[f] for f in fields if f in dated]
        day: dt.date | None = max(days) if days else None
        if sources == {Source.STAFF_VERIFIED}:
            kind = "verified"
        elif Source.SELF_REPORTED in sources:
            kind = "confirmed"
            if enterprise.last_confirmed_on and (
                day is None or enterprise.last_confirmed_on > day
            ):
                day = enterprise.last_confirmed_on
        elif Source.SURVEY in sources:
            kind = "survey"
        elif Source.IMPORT in sources:
            kind = "import"
        elif Source.DEMO in sources:
            kind = "demo"
        else:
            kind = "verified"
        sections.append(
            {
                "section": str(group),
                "label": label,
                "kind": kind,
                "date": day,
                "survey_year": enterprise.survey_year,
                "fields": fields,
            }
        )
    return sections


@transaction.atomic
def enterprise_verify(
    *, actor: User, enterprise: Enterprise, fields: list[str] | None = None
) -> ChangeRecord | None:
    """Staff only: mark ``fields`` (default: every filled field, and the profile
    as a whole: its ``source``, so it counts as verified for the badge and the
    search's filter) verified by the association, recorded as one history entry.
    None when nothing changed."""
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only staff can do this."))
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    known = set(EDITABLE_FIELDS)
    fields_given = fields
    if fields is None:
        fields = [f for f in EDITABLE_FIELDS if _filled(enterprise, f)]
    unknown = set(fields) - known
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    whole = fields_given is None  # the whole profile: its source too
    before = dict(enterprise.field_sources)
    after = {**before, **dict.fromkeys(fields, str(Source.STAFF_VERIFIED))}
    source_before = enterprise.source
    if whole:
        enterprise.source = Source.STAFF_VERIFIED
    if after == before and enterprise.source == source_before:
        return None
    enterprise.field_sources = after
    enterprise.save(update_fields=["field_sources", "source", "updated_at"])
    enterprise_reindex(enterprise=enterprise)  # the search's "verified" filter
    return ChangeRecord.objects.create(
        enterprise=enterprise,
        actor=actor if isinstance(actor, AuthUser) else None,
        origin=ChangeRecord.Origin.STAFF,
        system_reason=coded("verified_by_association"),
        reference=VERIFY_REFERENCE,
        changes={
            "field_sources": {
                "old": {f: before.get(f) for f in fields if before.get(f) != "staff"},
                "new": {f: "staff" for f in fields if before.get(f) != "staff"},
            }
        },
    )
