import datetime as dt

from django import template
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.formats import join_list
from enterprises.choices import Certification
from enterprises.fields import value_label
from moderation.services.changes import field_label as _field_label

register = template.Library()
SCHEMES = set(Certification.values)


@register.filter
def field_label(field: str) -> str:
    return _field_label(field)


@register.filter
def show_value(value, field: str = "") -> str:
    """A recorded (JSON) field value as short text, in the reader's language: the
    labels of choices (from the field registry), not their codes."""
    if field:
        value = value_label(field, value)
    if value is None or value in ("", []):
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):  # a certification: its label and date
                scheme = item.get("scheme", "")
                text = str(Certification(scheme).label) if scheme in SCHEMES else scheme
                until = _date(item.get("valid_until"))
                if until:
                    text += " · " + _("valid until %(date)s") % {
                        "date": date_format(until)
                    }
                parts.append(text)
            else:
                parts.append(str(item).rsplit("/", 1)[-1])
        return join_list(parts)
    return str(value)


def _date(value) -> dt.date | None:
    try:
        return parse_date(str(value or ""))
    except ValueError:  # well formed but not a day ("2026-02-30")
        return None
