"""The pieces the statistics pages share with other pages (the dashboard, the
cluster comparison): the reader's choice of year and figure, ranked rows, the
chart payloads `directory/charts.js` draws, the province overview and the
comparison of clusters. Everything reads through `statistic_rows`, so the
suppression of `surveys.permissions` applies here too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from surveys.figures import BY_NAME, SUMMED
from surveys.models import Survey
from surveys.permissions import MIN_ENTERPRISES, statistics_years
from surveys.statistics import Labels, StatRow, statistic_rows

MONEY = ("revenue", "output", "exports")


def chosen_year(request: HttpRequest, years: list[int]) -> int | None:
    """The ``year`` asked for (the newest when none); a year not seen: 404."""
    raw = request.GET.get("year")
    if raw is None:
        return years[0] if years else None
    try:
        year = int(raw)
    except ValueError:
        raise Http404 from None
    if year not in years:
        raise Http404
    return year


def chosen_figure(request: HttpRequest) -> str:
    figure = request.GET.get("figure", "revenue")
    return figure if figure in SUMMED else "revenue"


def figure_choices() -> list[tuple[str, Any]]:
    return [(f, BY_NAME[f].label) for f in SUMMED]


def ranked(rows: list[StatRow], figure: str) -> list[StatRow]:
    return sorted(
        rows,
        key=lambda r: (r.suppressed, -(getattr(r, figure) or 0), r.label),
    )


def num(value: Any) -> float | None:
    return None if value is None else float(value)


def bar_chart(
    name: str,
    title: str,
    rows: list[StatRow],
    figures: list[str] | tuple[str, ...],
    csv_url: str,
) -> dict:
    """Bars of ``figures`` per row (one series per figure); suppressed rows left out."""
    shown = [r for r in rows if not r.suppressed]
    many = len(figures) > 1
    return {
        "name": name,
        "title": title,
        "csv_url": csv_url,
        "json_id": f"chart-{name}-data",
        "payload": {
            "name": name,
            "title": title,
            "kind": "bar",
            "labels": [r.label for r in shown],
            "series": [
                {
                    "name": str(BY_NAME[f].label) if many else "",
                    "values": [num(getattr(r, f)) for r in shown],
                }
                for f in figures
            ],
            "urls": [r.url for r in shown],
        },
    }


def line_chart(name: str, title: str, rows: list[StatRow], csv_url: str) -> dict:
    rows = sorted(rows, key=lambda r: r.year)
    return {
        "name": name,
        "title": title,
        "csv_url": csv_url,
        "json_id": f"chart-{name}-data",
        "payload": {
            "name": name,
            "title": title,
            "kind": "line",
            "labels": [str(r.year) for r in rows],
            "series": [
                {
                    "name": str(BY_NAME[f].label),
                    "values": [num(getattr(r, f)) for r in rows],
                }
                for f in MONEY
            ],
            "urls": [],
        },
    }


def csv_url(kind: str, **params: Any) -> str:
    """The statistics CSV of ``kind``; list values repeat the parameter."""
    query = urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
    url = reverse("surveys:statistics-csv", args=[kind])
    return f"{url}?{query}" if query else url


def newest_published(years: list[int]) -> int | None:
    """The newest of ``years`` whose survey is published (else the newest)."""
    published = set(
        Survey.objects.filter(
            status=Survey.Status.PUBLISHED, year__in=years
        ).values_list("year", flat=True)
    )
    return next((y for y in years if y in published), years[0] if years else None)


def year_or_message(
    request: HttpRequest, years: list[int], default: int
) -> tuple[int, str]:
    """The ``year`` asked for, or ``default`` with a message when the year asked
    for has no statistics the reader may see (for pages where a 404 is too much)."""
    if "year" not in request.GET:
        return default, ""
    try:
        year = chosen_year(request, years)
    except Http404:
        year = None
    if year is None:
        message = _("There are no statistics for the year asked for; showing %(year)d.")
        return default, message % {"year": default}
    return year, ""


def overview(user: Any, year: int, figure: str, *, prefix: str = "") -> dict:
    """The province in ``year`` (with its yearly series) and the clusters ranked
    by ``figure``, with their charts."""
    labels = Labels()
    every_year = statistic_rows(user, kinds=["province", "cluster"], labels=labels)
    rows = [r for r in every_year if r.year == year]
    series = [r for r in every_year if r.area_kind == "province"]
    clusters = ranked([r for r in rows if r.area_kind == "cluster"], figure)
    label = BY_NAME[figure].label
    return {
        "year": year,
        "figure": figure,
        "figures": figure_choices(),
        "province": next((r for r in rows if r.area_kind == "province"), None),
        "clusters": clusters,
        "clusters_csv": csv_url("cluster", year=year),
        "min_enterprises": MIN_ENTERPRISES,
        "charts": [
            line_chart(
                f"{prefix}province-series",
                _("The province year by year (10,000 yuan)"),
                series,
                csv_url("province"),
            ),
            bar_chart(
                f"{prefix}clusters",
                _("Clusters by %(figure)s") % {"figure": label},
                clusters,
                [figure],
                csv_url("cluster", year=year, figure=figure),
            ),
        ],
    }


def cluster_comparison(request: HttpRequest, clusters: list[Any]) -> dict | None:
    """The chosen clusters' statistics side by side for the chosen year (the
    newest when none or an unknown one is asked for, with a message)."""
    slugs = [c.slug for c in clusters]
    years = statistics_years(request.user)
    if not years or not slugs:
        return None
    year, error = year_or_message(request, years, years[0])
    found = {
        r.area: r
        for r in statistic_rows(
            request.user, years=[year], kinds=["cluster"], areas=slugs
        )
    }
    rows = [found[s] for s in slugs if s in found]
    lines = [
        ("employees", BY_NAME["employees"].label, "int", lambda r: r.employees),
        *[(f, BY_NAME[f].label, "money", _getter(f)) for f in MONEY],
        (
            "share",
            _("Share of the province's revenue (%%)") % {},
            "plain",
            lambda r: r.share.get("revenue"),
        ),
        *[
            (
                f"{f}_change",
                _("%(figure)s: change on last year (%%)")
                % {"figure": BY_NAME[f].label},
                "change",
                _change(f),
            )
            for f in ("employees", "revenue", "exports")
        ],
        (
            "specialisation",
            _("Specialisation index"),
            "plain",
            lambda r: r.specialisation,
        ),
    ]
    return {
        "template": "surveys/_compare_statistics.html",
        "year": year,
        "years": years,
        "error": error,
        "slugs": slugs,
        "columns": [(c, found.get(c.slug)) for c in clusters],
        "rows": [
            {
                "key": key,
                "label": label,
                "format": fmt,
                "cells": [
                    (c, found.get(c.slug), _value(found.get(c.slug), get))
                    for c in clusters
                ],
            }
            for key, label, fmt, get in lines
        ],
        "min_enterprises": MIN_ENTERPRISES,
        "csv_url": csv_url("cluster", year=year, area=slugs),
        "chart": bar_chart(
            "compare-statistics",
            _("Revenue, output and exports in %(year)d (10,000 yuan)") % {"year": year},
            rows,
            MONEY,
            csv_url("cluster", year=year, area=slugs),
        ),
    }


def _getter(name: str) -> Callable[[StatRow], Any]:
    return lambda r: getattr(r, name)


def _change(name: str) -> Callable[[StatRow], Any]:
    return lambda r: r.change.get(name)


def _value(row: StatRow | None, get: Callable[[StatRow], Any]) -> Any:
    return None if row is None or row.suppressed else get(row)
