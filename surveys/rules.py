"""The rules on a set of figures: errors that refuse them (`check_values`, run by
the models' ``clean`` and so by the form, the import and staff entry) and the
flags that mark implausible values for review (`plausibility_flags`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A figure this many times last year's (or a this-many-th of it) is implausible.
JUMP = 100

FLAG_MESSAGES = {
    "exports_above_revenue": _("The export value is above the operating revenue."),
    "employees_jump": _("Employees changed a hundredfold or more on last year."),
    "revenue_jump": _("Operating revenue changed a hundredfold or more on last year."),
    "output_jump": _("Output value changed a hundredfold or more on last year."),
    "no_employees": _("Revenue is reported but no employees."),
}


def flag_messages(flags: list[str]) -> list[str]:
    return [str(FLAG_MESSAGES.get(code, code)) for code in flags]


def check_values(values: dict[str, Any]) -> None:
    """Raise ValidationError when the figures contradict each other."""
    split = values.get("export_split") or {}
    exports = values.get("exports")
    if split and any(v < 0 for v in split.values()):
        raise ValidationError(
            {"export_split": _("An export value by market cannot be negative.")}
        )
    total = sum((Decimal(v) for v in split.values()), Decimal(0))
    if total and exports is None:
        raise ValidationError(
            {"exports": _("Give the export value when you split it by market.")}
        )
    if exports is not None and total > exports + Decimal("0.1"):
        raise ValidationError(
            {
                "export_split": _(
                    "The export values by market add up to %(total)s, more than "
                    "the export value %(exports)s."
                )
                % {"total": total, "exports": exports}
            }
        )


def _jump(new: Any, old: Any) -> bool:
    if new is None or old is None or not new or not old:
        return False
    ratio = Decimal(new) / Decimal(old)
    return ratio >= JUMP or ratio <= Decimal(1) / JUMP


def plausibility_flags(
    values: dict[str, Any], last_year: dict[str, Any] | None = None
) -> list[str]:
    """Codes of what looks implausible (see FLAG_MESSAGES), for review."""
    flags = []
    revenue, exports = values.get("revenue"), values.get("exports")
    if revenue is not None and exports is not None and exports > revenue:
        flags.append("exports_above_revenue")
    if revenue and values.get("employees") == 0:
        flags.append("no_employees")
    if last_year:
        for name in ("employees", "revenue", "output"):
            if _jump(values.get(name), last_year.get(name)):
                flags.append(f"{name}_jump")
    return flags
