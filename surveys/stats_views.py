"""Statistics pages (public for published years; staff see every year): the
province overview with ranked tables of clusters, cities and counties, a cluster's
or an area's yearly series, their CSV downloads, the annual report (a printable
page and an XLSX workbook). Every view reads through `statistic_rows`, which
applies `surveys.permissions`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clusters.models import Cluster
from core.models import Region
from core.tabular import csv_chunks
from surveys.figures import BY_NAME, SUMMED
from surveys.permissions import MIN_ENTERPRISES, statistics_years
from surveys.report import csv_header, csv_row, methodology, report_workbook
from surveys.statistics import Labels, StatRow, statistic_rows

KINDS = ["cluster", "city", "county"]


def _year(request: HttpRequest, years: list[int]) -> int | None:
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


def _figure(request: HttpRequest) -> str:
    figure = request.GET.get("figure", "revenue")
    return figure if figure in SUMMED else "revenue"


def _ranked(rows: list[StatRow], figure: str) -> list[StatRow]:
    return sorted(
        rows,
        key=lambda r: (r.suppressed, -(getattr(r, figure) or 0), r.label),
    )


def _bar(name: str, title: str, rows: list[StatRow], figure: str, csv_url: str):
    shown = [r for r in rows if not r.suppressed]
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
                {"name": "", "values": [_num(getattr(r, figure)) for r in shown]}
            ],
            "urls": [r.url for r in shown],
        },
    }


def _line(name: str, title: str, rows: list[StatRow], csv_url: str):
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
                    "values": [_num(getattr(r, f)) for r in rows],
                }
                for f in ("revenue", "output", "exports")
            ],
            "urls": [],
        },
    }


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


@login_not_required
@require_GET
def statistics_index(request: HttpRequest) -> HttpResponse:
    years = statistics_years(request.user)
    year = _year(request, years)
    figure = _figure(request)
    context: dict[str, Any] = {
        "years": years,
        "year": year,
        "figure": figure,
        "figures": [(f, BY_NAME[f].label) for f in SUMMED],
        "min_enterprises": MIN_ENTERPRISES,
    }
    if year is not None:
        labels = Labels()
        rows = statistic_rows(request.user, years=[year], labels=labels)
        series = statistic_rows(request.user, kinds=["province"], labels=labels)
        province = next((r for r in rows if r.area_kind == "province"), None)
        tables = {
            k: _ranked([r for r in rows if r.area_kind == k], figure) for k in KINDS
        }
        base = f"?year={year}&figure={figure}"
        context.update(
            province=province,
            tables=[
                ("cluster", _("Clusters"), tables["cluster"]),
                ("city", _("Cities"), tables["city"]),
                ("county", _("Counties and districts"), tables["county"]),
            ],
            charts=[
                _line(
                    "province-series",
                    _("The province year by year (10,000 yuan)"),
                    series,
                    reverse("surveys:statistics-csv", args=["province"]) + base,
                ),
                _bar(
                    "clusters",
                    _("Clusters by %(figure)s") % {"figure": BY_NAME[figure].label},
                    tables["cluster"],
                    figure,
                    reverse("surveys:statistics-csv", args=["cluster"]) + base,
                ),
            ],
            city_map=_city_map(tables["city"], figure),
        )
    return render(request, "surveys/statistics.html", context)


def _city_map(rows: list[StatRow], figure: str) -> dict:
    """The payload of the map script (core static charts.js): each city's figures,
    the chosen one first in the map's select."""
    names = dict(Region.objects.filter(level="city").values_list("code", "name"))
    order = [figure, *[f for f in SUMMED if f != figure]]
    return {
        "cities": [
            {
                "code": r.area,
                "name": names.get(r.area, r.area),
                "label": r.label,
                "values": {f: _num(getattr(r, f)) or 0 for f in SUMMED},
                "urls": dict.fromkeys(SUMMED, r.url),
            }
            for r in rows
            if not r.suppressed
        ],
        "figures": [{"key": f, "label": str(BY_NAME[f].label)} for f in order],
    }


def _series_page(request: HttpRequest, kind: str, area: str, title: str, extra: dict):
    rows = statistic_rows(request.user, kinds=[kind], areas=[area])
    rows.sort(key=lambda r: r.year)
    context = {
        "title": title,
        "rows": rows,
        "kind": kind,
        "area": area,
        "min_enterprises": MIN_ENTERPRISES,
        "chart": _line(
            "series", title, [r for r in rows if not r.suppressed],
            reverse("surveys:statistics-csv", args=[kind]) + f"?area={area}",
        ),
        **extra,
    }  # fmt: skip
    return render(request, "surveys/statistics_series.html", context)


@login_not_required
@require_GET
def statistics_cluster(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = get_object_or_404(Cluster, slug=slug)
    return _series_page(
        request, "cluster", cluster.slug, cluster.display_name, {"cluster": cluster}
    )


@login_not_required
@require_GET
def statistics_area(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code, level__in=["city", "county"])
    kind = "city" if region.level == "city" else "county"
    return _series_page(request, kind, region.code, region.display_name, {})


@login_not_required
@require_GET
def statistics_csv(request: HttpRequest, kind: str) -> StreamingHttpResponse:
    if kind not in ("province", *KINDS):
        raise Http404
    years = statistics_years(request.user)
    year = None if "year" not in request.GET else _year(request, years)
    area = request.GET.get("area") or None
    rows = statistic_rows(
        request.user,
        years=[year] if year else None,
        kinds=[kind],
        areas=[area] if area else None,
    )
    response = StreamingHttpResponse(
        csv_chunks(csv_header(), (csv_row(r) for r in rows)),
        content_type="text/csv; charset=utf-8",
    )
    name = f"statistics-{kind}-{year or 'all'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_not_required
@require_GET
def report(request: HttpRequest, year: int) -> HttpResponse:
    if year not in statistics_years(request.user):
        raise Http404
    labels = Labels()
    rows = statistic_rows(request.user, years=[year], labels=labels)
    province = next((r for r in rows if r.area_kind == "province"), None)
    clusters = _ranked([r for r in rows if r.area_kind == "cluster"], "revenue")
    every_year = statistic_rows(request.user, kinds=["cluster"], labels=labels)
    series: dict[str, list[StatRow]] = {}
    for s in every_year:
        series.setdefault(s.area, []).append(s)
    return render(
        request,
        "surveys/report.html",
        {
            "year": year,
            "province": province,
            "clusters": [
                (r, sorted(series[r.area], key=lambda s: s.year)) for r in clusters
            ],
            "cities": _ranked([r for r in rows if r.area_kind == "city"], "revenue"),
            "min_enterprises": MIN_ENTERPRISES,
            "methodology": methodology(year),
        },
    )


@login_not_required
@require_GET
def report_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    if year not in statistics_years(request.user):
        raise Http404
    data = report_workbook(request.user, year)
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="report-{year}.xlsx"'
    return response
