"""What the writes to enterprises share: the fields they may change, who
writes, why, and values as history stores them (JSON)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser

from enterprises.choices import Source
from enterprises.fields import EDITABLE_FIELDS
from enterprises.models import ChangeRecord, Enterprise

# Fields `enterprise_update` may change (the field registry's editable fields).
# "clusters" takes a list of cluster slugs.
UPDATABLE_FIELDS = frozenset(EDITABLE_FIELDS)
ORIGIN_SOURCE: dict[str, str] = {
    ChangeRecord.Origin.STAFF: Source.STAFF_VERIFIED,
    ChangeRecord.Origin.CHANGE_REQUEST: Source.SELF_REPORTED,
    ChangeRecord.Origin.SELF_SERVICE: Source.SELF_REPORTED,
    ChangeRecord.Origin.IMPORT: Source.IMPORT,
    ChangeRecord.Origin.API: Source.STAFF_VERIFIED,
}

User = AuthUser | AnonymousUser


# Why a change was made: what a person typed, or a message the site writes (a
# code and its parameters, or a list of them: `core.messages`).
Reason = str | dict[str, Any] | list[Any]

# What an enterprise's search document reads of its related rows: certification
# schemes, designations (kind, title, English title), programme slugs.
Related = tuple[list[str], list[tuple[str, str, str]], list[str]]


def jsonable(value: Any) -> Any:
    """A field value as stored in history (JSON)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def field_value(enterprise: Enterprise, field: str) -> Any:
    """The current value of an updatable field, JSON-safe."""
    if field == "clusters":
        if "clusters" in getattr(enterprise, "_prefetched_objects_cache", {}):
            return sorted(c.slug for c in enterprise.clusters.all())  # (read)
        return sorted(enterprise.clusters.values_list("slug", flat=True))
    if field == "region":
        return enterprise.region_id
    return jsonable(getattr(enterprise, field))


def city_code(region: str | None) -> str | None:
    """The city (prefecture-level) of a county or district code."""
    return str(region)[:4] + "00" if region else None


def reason_fields(reason: Reason | None) -> dict[str, Any]:
    """The columns of a change record that hold `reason`: a person's text in
    ``reason``, a message of the site's (`core.messages`) in ``system_reason``."""
    if isinstance(reason, dict | list):
        return {"reason": "", "system_reason": reason}
    return {"reason": reason or "", "system_reason": None}
