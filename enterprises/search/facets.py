"""Labels for facet values, for the search page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from enterprises.choices import (
    EXPORT_MARKETS,
    BusinessModel,
    Certification,
    EmployeeBand,
    RegistrationStatus,
    RevenueBand,
    Sector,
)
from enterprises.search.indexing import FACETS

FACET_TITLES = {
    "cl": _("Cluster"),
    "ci": _("City"),
    "co": _("County or district"),
    "se": _("Sector"),
    "bm": _("Business model"),
    "mk": _("Export market"),
    "ce": _("Certification"),
    "de": _("Designation"),
    "eb": _("Employees"),
    "rb": _("Annual revenue"),
    "pr": _("Programme"),
    "fy": _("Founded"),
    "ex": _("Exporter"),
    "rs": _("Registration status"),
    "vf": _("Verified"),
}
# Order of the facet groups on the page.
FACET_ORDER = [
    "cl",
    "ci",
    "co",
    "se",
    "bm",
    "ex",
    "mk",
    "ce",
    "de",
    "eb",
    "rb",
    "fy",
    "pr",
    "rs",
    "vf",
]
SHOWN_VALUES = 12


def _names(model) -> dict[str, str]:
    """Each row's name in the active language, by slug (three columns read)."""
    from core.models import bilingual

    rows = model.objects.order_by().values_list("slug", "name", "name_en")
    return {slug: bilingual(name, name_en) for slug, name, name_en in rows}


# The facets whose labels are choices of the code (not rows of the database).
CHOICE_LABELS = {
    "se": lambda: Sector.choices,
    "bm": lambda: BusinessModel.choices,
    "mk": EXPORT_MARKETS.items,
    "ce": lambda: Certification.choices,
    "de": lambda: apps.get_model("clusters", "Designation").Kind.choices,
    "eb": lambda: EmployeeBand.choices,
    "rb": lambda: RevenueBand.choices,
    "rs": lambda: RegistrationStatus.choices,
    "ex": lambda: [("yes", _("Exporters")), ("no", _("Not exporting"))],
    "vf": lambda: [("yes", _("Verified by the association"))],
}


def choice_labels(code: str) -> dict[str, str]:
    """A choice facet's labels (by value) in the active language."""
    return _choice_labels(code, get_language())


@lru_cache(maxsize=64)
def _choice_labels(code: str, language: str | None) -> dict[str, str]:
    # Translated once a process (a page of results shows about two hundred).
    return {value: str(label) for value, label in CHOICE_LABELS[code]()}


class Labeller:
    """Resolves facet values to display labels with a fixed number of queries."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[str, str]] = {}

    def _labels(self, code: str) -> dict:
        if code in CHOICE_LABELS:  # (in the language active now)
            return choice_labels(code)
        if code in self._cache:
            return self._cache[code]
        from core.regions import region_names

        if code == "cl":
            Cluster = apps.get_model("clusters", "Cluster")
            labels = _names(Cluster)
        elif code in ("ci", "co"):
            labels = region_names()
        elif code == "pr":
            Programme = apps.get_model("programmes", "Programme")
            labels = _names(Programme)
        else:
            labels = {}
        self._cache[code] = labels
        return labels

    def label(self, code: str, value: str) -> str:
        if code == "fy":
            return str(_("%(decade)ss") % {"decade": value})
        return str(self._labels(code).get(value, value))


@dataclass
class FacetGroup:
    code: str
    param: str
    title: str
    values: list  # of (value, label, count, selected)
    more: list
    # The checkboxes of values and more (enterprises.listing.facet_options).
    values_html: str = ""
    more_html: str = ""


def facet_groups(result, labeller: Labeller | None = None) -> list[FacetGroup]:
    labeller = labeller or Labeller()
    groups = []
    for code in FACET_ORDER:
        values = result.facets.get(code, [])
        if code == "fy":
            values = sorted(values, key=lambda f: f.value, reverse=True)
        if not values:
            continue
        items = [
            (f.value, labeller.label(code, f.value), f.count, f.selected)
            for f in values
        ]
        shown = list(items[:SHOWN_VALUES]) + [i for i in items[SHOWN_VALUES:] if i[3]]
        more = [i for i in items[SHOWN_VALUES:] if not i[3]]
        groups.append(
            FacetGroup(code, FACETS[code], str(FACET_TITLES[code]), shown, more)
        )
    return groups
