"""Charts (as label/value rows with a search link each) and their CSV downloads."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache

from django.http import HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.regions import cities
from enterprises.choices import EmployeeBand
from enterprises.search.counts import (
    EXPORTER_KEY,
    HIGH_QUALITY_KEY,
    PROCESSING_KEY,
    Aggregate,
)
from enterprises.search.facets import Labeller
from enterprises.search.indexing import FACETS
from enterprises.search.query import Search


@dataclass(frozen=True)
class ChartSpec:
    name: str
    code: str  # facet code, "" for the monthly chart
    title: object  # lazy translation
    kind: str = "bar"


CHARTS = {
    spec.name: spec
    for spec in (
        ChartSpec("cluster", "cl", _("Enterprises by cluster")),
        ChartSpec("city", "ci", _("Enterprises by city")),
        ChartSpec("sector", "se", _("Enterprises by sector")),
        ChartSpec("model", "bm", _("Enterprises by business model")),
        ChartSpec("market", "mk", _("Exporters by export market")),
        ChartSpec("employees", "eb", _("Enterprises by size (employees)")),
        ChartSpec("updated", "", _("Profiles updated per month"), kind="line"),
    )
}
DASHBOARD_CHARTS = list(CHARTS)
CLUSTER_CHARTS = ["sector", "model", "market", "employees"]


@dataclass
class Row:
    code: str
    label: str
    count: int
    url: str = ""


@dataclass
class Chart:
    spec: ChartSpec
    rows: list[Row]
    csv_url: str

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def json_id(self) -> str:
        return f"chart-{self.spec.name}-data"

    def payload(self) -> dict:
        return {
            "name": self.spec.name,
            "title": str(self.spec.title),
            "kind": self.spec.kind,
            "labels": [r.label for r in self.rows],
            "series": [{"name": "", "values": [r.count for r in self.rows]}],
            "urls": [r.url for r in self.rows],
        }


def search_url(base: Search | None = None, **params) -> str:
    """The search page URL for ``base`` narrowed by facet parameters."""
    query = (base or Search()).params(**params)
    query.pop("page", None)
    encoded = query.urlencode()
    path = _list_path(get_script_prefix())
    return f"{path}?{encoded}" if encoded else path


@cache
def _list_path(prefix: str) -> str:
    """The search page's path under ``prefix`` (a chart links each of its bars
    to the search: hundreds of reverse() calls on the comparison page)."""
    return reverse("enterprises:enterprise-list")


def facet_rows(
    code: str,
    agg: Aggregate,
    *,
    base: Search | None = None,
    labeller: Labeller | None = None,
) -> list[Row]:
    """One row per value of a facet: every city and size band, other values found."""
    labeller = labeller or Labeller()
    values = agg.values(code)
    param = FACETS[code]
    if code == "ci":
        order = [c for c, _name in sorted(cities())]
    elif code == "eb":
        order = [v for v, _label in EmployeeBand.choices]
    else:
        order = sorted(values, key=lambda v: (-values[v].enterprises, v))
    return [
        Row(
            value,
            labeller.label(code, value),
            values[value].enterprises if value in values else 0,
            search_url(base, **{param: value}),
        )
        for value in order
    ]


def month_rows(months: list[tuple], *, base: Search | None = None) -> list[Row]:
    return [
        Row(start.strftime("%Y-%m"), date_format(start, "Y-m"), count)
        for start, count in months
    ]


def build_chart(
    name: str,
    agg: Aggregate,
    months: list[tuple] | None,
    *,
    csv_url: str,
    base: Search | None = None,
    labeller: Labeller | None = None,
) -> Chart:
    spec = CHARTS[name]
    if spec.code:
        rows = facet_rows(spec.code, agg, base=base, labeller=labeller)
    else:
        rows = month_rows(months or [], base=base)
    return Chart(spec, rows, csv_url)


def _cell(value) -> str:
    """Neutralise spreadsheet formulas in text cells."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_response(chart: Chart, filename: str) -> HttpResponse:
    """The chart's rows as CSV, UTF-8 with a BOM (opens in Excel and WPS)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Code"), _("Label"), chart.spec.title])
    for row in chart.rows:
        writer.writerow([_cell(row.code), _cell(row.label), row.count])
    response = HttpResponse(
        "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


MAP_FIGURES = {
    "enterprises": (_("Enterprises"), {}),
    "exporters": (_("Exporters"), {"exporter": "yes"}),
    "high_quality": (
        _("High-quality manufacturers"),
        {"designation": "high_quality"},
    ),
}


def city_map(agg: Aggregate, *, base: Search | None = None) -> dict:
    """Payload of the map of Liaoning's cities (see static directory/charts.js).

    ``name`` is the city's Chinese name, as in the map's GeoJSON; the GeoJSON's
    feature ids are the same GB/T 2260 codes as our regions.
    """
    from core.models import Region

    values = agg.values("ci")
    labels = dict(cities())
    out = []
    for code, name in (
        Region.objects.filter(level="city").order_by("code").values_list("code", "name")
    ):
        counts = values.get(code)
        out.append(
            {
                "code": code,
                "name": name,
                "label": labels.get(code, name),
                "values": {
                    "enterprises": counts.enterprises if counts else 0,
                    "exporters": counts.exporters if counts else 0,
                    "high_quality": counts.high_quality if counts else 0,
                },
                "urls": {
                    key: search_url(base, city=code, **extra)
                    for key, (_label, extra) in MAP_FIGURES.items()
                },
            }
        )
    return {
        "figures": [{"key": k, "label": str(v[0])} for k, v in MAP_FIGURES.items()],
        "cities": out,
    }


@dataclass
class CompareRow:
    code: str
    label: str
    cells: list[tuple[int, str]]  # (count, search url) per compared scope


@dataclass
class CompareChart:
    """One facet side by side for several scopes (clusters)."""

    spec: ChartSpec
    names: list[str]
    rows: list[CompareRow]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def json_id(self) -> str:
        return f"chart-{self.spec.name}-data"

    csv_url = ""

    def payload(self) -> dict:
        return {
            "name": self.spec.name,
            "title": str(self.spec.title),
            "kind": self.spec.kind,
            "labels": [r.label for r in self.rows],
            "series": [
                {"name": name, "values": [r.cells[i][0] for r in self.rows]}
                for i, name in enumerate(self.names)
            ],
            "urls": [],
        }


def compare_chart(
    name: str,
    scopes: list[tuple[str, Search, Aggregate]],
    *,
    labeller: Labeller | None = None,
) -> CompareChart:
    """Rows for every value any scope has (all size bands), counts per scope."""
    labeller = labeller or Labeller()
    spec = CHARTS[name]
    code, param = spec.code, FACETS[spec.code]
    per_scope = [agg.values(code) for _name, _base, agg in scopes]
    if code == "eb":
        order = [v for v, _label in EmployeeBand.choices]
    else:
        totals: dict[str, int] = {}
        for values in per_scope:
            for value, counts in values.items():
                totals[value] = totals.get(value, 0) + counts.enterprises
        order = sorted(totals, key=lambda v: (-totals[v], v))
    rows = [
        CompareRow(
            value,
            labeller.label(code, value),
            [
                (
                    values[value].enterprises if value in values else 0,
                    search_url(base, **{param: value}),
                )
                for (_name, base, _agg), values in zip(scopes, per_scope, strict=True)
            ],
        )
        for value in order
    ]
    return CompareChart(spec, [n for n, _b, _a in scopes], rows)


@dataclass
class Figure:
    key: str
    label: object
    value: int
    url: str
    share: float | None = None  # percent of the enterprises (or of the exporters)


def percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def scope_figures(agg: Aggregate, base: Search) -> list[Figure]:
    """Headline figures of a subset (a cluster), linked to the subset's search."""
    total = agg.total.enterprises
    processing = agg.count(PROCESSING_KEY)
    exporters = agg.count(EXPORTER_KEY)
    return [
        Figure("enterprises", _("enterprises"), total, search_url(base)),
        Figure(
            "processing",
            _("processing / manufacturing enterprises"),
            processing,
            search_url(base, model="processing"),
            percent(processing, total),
        ),
        Figure(
            "exporters",
            _("exporters"),
            exporters,
            search_url(base, exporter="yes"),
            percent(exporters, total),
        ),
        Figure(
            "high_quality",
            _("high-quality manufacturing enterprises"),
            agg.count(HIGH_QUALITY_KEY),
            search_url(base, designation="high_quality"),
        ),
    ]
