"""The annual report's tables: CSV rows of statistics and the XLSX workbook (a
sheet per table, built with XlsxWriter: numbers as numbers, codes as text)."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from surveys.figures import BY_NAME, SUMMED
from surveys.permissions import MIN_ENTERPRISES
from surveys.statistics import StatRow, statistic_rows


def csv_header() -> list[str]:
    names = [str(BY_NAME[f].label) for f in SUMMED]
    return [
        _("Year"),
        _("Area code"),
        _("Area"),
        _("Enterprises reporting"),
        *names,
        *[_("%(figure)s: share of the province (%%)") % {"figure": n} for n in names],
        *[_("%(figure)s: change on last year (%%)") % {"figure": n} for n in names],
        _("Specialisation index"),
        _("Suppressed"),
    ]


def csv_row(row: StatRow) -> list[Any]:
    return [
        row.year,
        row.area,
        row.label,
        row.enterprises,
        *[getattr(row, f) for f in SUMMED],
        *[row.share.get(f) for f in SUMMED],
        *[row.change.get(f) for f in SUMMED],
        row.specialisation,
        _("yes") if row.suppressed else "",
    ]


def report_workbook(user: Any, year: int) -> bytes:
    """The report of ``year`` as an XLSX workbook: the methodology, the province,
    clusters, cities and counties, and the clusters' yearly series."""
    rows = statistic_rows(user, years=[year])
    series = statistic_rows(user, kinds=["cluster", "province"])
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    header = csv_header()
    sheets = [
        (_("Province"), [r for r in rows if r.area_kind == "province"]),
        (_("Clusters"), [r for r in rows if r.area_kind == "cluster"]),
        (_("Cities"), [r for r in rows if r.area_kind == "city"]),
        (_("Counties"), [r for r in rows if r.area_kind == "county"]),
        (_("Series"), sorted(series, key=lambda r: (r.area_kind, r.area, r.year))),
    ]
    notes = book.add_worksheet(_("Methodology")[:31])
    notes.set_column(0, 0, 100)
    for number, line in enumerate(methodology(year)):
        notes.write_string(number, 0, line, bold if number == 0 else None)
    for title, table in sheets:
        sheet = book.add_worksheet(title[:31])
        sheet.set_column(0, len(header), 14)
        for col, name in enumerate(header):
            sheet.write_string(0, col, name, bold)
        for number, row in enumerate(table, start=1):
            for col, value in enumerate(csv_row(row)):
                if value is None:
                    continue
                if col == 1:
                    sheet.write_string(number, col, str(value), text)
                elif isinstance(value, int | float) or hasattr(value, "as_tuple"):
                    sheet.write_number(number, col, float(value))
                else:
                    sheet.write_string(number, col, str(value))
    book.close()
    return out.getvalue()


def methodology(year: int) -> list[str]:
    return [
        _("Liaoning textile and garment industry: annual report %(year)s")
        % {"year": year},
        _(
            "Figures come from the association's annual survey of enterprises, "
            "reviewed by staff, and from figures imported or entered by staff; for "
            "each enterprise and year the latest accepted figures count."
        ),
        _("Money is in 10,000 yuan; employees are people at the end of the year."),
        _(
            "Share of the province: the area's sum divided by the province's. Change "
            "on last year: the sum against the same area's sum a year earlier."
        ),
        _(
            "Specialisation index of a cluster: the share of its employees in its "
            "main sector, divided by the province's share of employees in that "
            "sector (above 1: more specialised than the province)."
        ),
        _(
            "Figures of an area with fewer than %(n)d reporting enterprises are "
            "suppressed in public views, so no firm's figures can be deduced."
        )
        % {"n": MIN_ENTERPRISES},
    ]
