"""Labels for facet values, for the search page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core import pagecache
from core.models import bilingual
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


# The facets whose values are rows of the database named by slug, and their models.
NAMED_FACETS = {"cl": ("clusters", "Cluster"), "pr": ("programmes", "Programme")}
# This process's copy of their (slug, name, name_en) rows, exact at a generation
# of the database (core.pagecache: every committed write of their tables moves it
# on): (generation, rows by facet code, labels by language and code).
_named: tuple[int, dict[str, list[tuple]], dict[tuple[str, str], dict]] | None = None


def _named_rows() -> dict[str, list[tuple]]:
    """Every named facet's (slug, name, name_en) rows, in one statement, from the
    primary (what is kept under a generation must not come from a lagging
    replica)."""
    parts = []
    for code, (app, model) in NAMED_FACETS.items():
        table = apps.get_model(app, model)._meta.db_table
        parts.append(f"SELECT '{code}', slug, name, name_en FROM {table}")  # noqa: S608
    rows: dict[str, list[tuple]] = {code: [] for code in NAMED_FACETS}
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        for code, *row in cursor.fetchall():
            rows[code].append(tuple(row))
    return rows


def named_labels(code: str, generation: int | None = None) -> dict[str, str]:
    """A named facet's labels (cluster or programme names by slug) in the active
    language, from this process's copy while the database's generation is the one
    it was read at. ``generation``: the one the request has read already (a page
    built for the page cache), else it is read (one statement). The copy is read
    again after any write, and kept only if no writer was in flight (as the page
    cache keeps a page: a write that advanced the generation and commits later
    advances it again first)."""
    global _named
    if generation is None:
        generation = pagecache.generation()
    current = _named
    if current is None or current[0] != generation:
        keep = not pagecache.writers_in_flight()
        current = (generation, _named_rows(), {})
        if keep:
            _named = current
    _generation, rows, labels = current
    key = (code, get_language() or "")
    if key not in labels:
        labels[key] = {slug: bilingual(name, en) for slug, name, en in rows[code]}
    return labels[key]


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
    """Resolves facet values to display labels with a fixed number of queries
    (none but the database's generation for names this process knows).
    ``generation``: the one the request has read, if any (``named_labels``)."""

    def __init__(self, generation: int | None = None) -> None:
        self._cache: dict[str, dict[str, str]] = {}
        self._generation = generation

    def _labels(self, code: str) -> dict:
        if code in CHOICE_LABELS:  # (in the language active now)
            return choice_labels(code)
        if code in self._cache:
            return self._cache[code]
        from core.regions import region_names

        if code in NAMED_FACETS:
            if self._generation is None:  # (read once for every named facet)
                self._generation = pagecache.generation()
            labels = named_labels(code, self._generation)
        elif code in ("ci", "co"):
            labels = region_names()
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
