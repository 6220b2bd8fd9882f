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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clusters.models import Cluster
from core.models import Region
from core.tabular import csv_chunks
from surveys.figures import BY_NAME, SUMMED
from surveys.permissions import MIN_ENTERPRISES, statistics_years
from surveys.report import csv_header, csv_row, methodology, report_workbook
from surveys.statistics import Labels, StatRow, statistic_rows
from surveys.stats_blocks import (
    bar_chart,
    chosen_figure,
    chosen_year,
    csv_url,
    figure_choices,
    line_chart,
    num,
    ranked,
)

KINDS = ["cluster", "city", "county"]


@login_not_required
@require_GET
def statistics_index(request: HttpRequest) -> HttpResponse:
    years = statistics_years(request.user)
    year = chosen_year(request, years)
    figure = chosen_figure(request)
    context: dict[str, Any] = {
        "years": years,
        "year": year,
        "figure": figure,
        "figures": figure_choices(),
        "min_enterprises": MIN_ENTERPRISES,
    }
    if year is not None:
        labels = Labels()
        rows = statistic_rows(request.user, years=[year], labels=labels)
        series = statistic_rows(request.user, kinds=["province"], labels=labels)
        province = next((r for r in rows if r.area_kind == "province"), None)
        tables = {
            k: ranked([r for r in rows if r.area_kind == k], figure) for k in KINDS
        }
        context.update(
            province=province,
            tables=[
                ("cluster", _("Clusters"), tables["cluster"]),
                ("city", _("Cities"), tables["city"]),
                ("county", _("Counties and districts"), tables["county"]),
            ],
            charts=[
                line_chart(
                    "province-series",
                    _("The province year by year (10,000 yuan)"),
                    series,
                    csv_url("province"),
                ),
                bar_chart(
                    "clusters",
                    _("Clusters by %(figure)s") % {"figure": BY_NAME[figure].label},
                    tables["cluster"],
                    [figure],
                    csv_url("cluster", year=year, figure=figure),
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
                "values": {f: num(getattr(r, f)) or 0 for f in SUMMED},
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
        "chart": line_chart(
            "series", title, [r for r in rows if not r.suppressed],
            csv_url(kind, area=area),
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
    year = None if "year" not in request.GET else chosen_year(request, years)
    areas = [a for a in request.GET.getlist("area") if a] or None
    rows = statistic_rows(
        request.user, years=[year] if year else None, kinds=[kind], areas=areas
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
    clusters = ranked([r for r in rows if r.area_kind == "cluster"], "revenue")
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
            "cities": ranked([r for r in rows if r.area_kind == "city"], "revenue"),
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
