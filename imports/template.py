"""The import template of each section, as CSV (the header row) or XLSX.

The XLSX template's first sheet is the header row, its columns formatted as an
export's (codes as text, numbers as numbers, dates as dates). A second sheet says
what each column takes, with an example row; a third lists every code list (regions,
registration status, business models, sectors, export markets, visibility, ...),
and the coded columns of the first sheet offer them as drop-down lists (a column
of several values separated by ; only suggests them). Headers are in both
languages; labels in the language of the request (the import reads either, or the
code).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from core.models import Region
from core.sheetwriter import DropDown, ExtraSheet, column_letters
from core.tabular import csv_chunks, xlsx_chunks
from enterprises import choices as ch
from enterprises.uscc import check_character
from imports.cells import choice_label
from imports.columns import SECTIONS
from imports.exports import column_kinds, header

CODES_SHEET = "代码 Codes"
# Columns whose cells take one value of a list: field -> the list's key.
_SINGLE = {
    "registration_status": "registration_status",
    "datum": "datum",
    "employee_band": "employee_band",
    "revenue_band": "revenue_band",
    "contact_visibility": "contact_visibility",
    "kind": "college_kind",
}
_MULTIPLE = {
    "business_models": "business_models",
    "sectors": "sectors",
    "export_markets": "export_markets",
}
_YES_NO = ("is_exporter", "published", "uscc_check_override")
_EXAMPLE = {
    "name": "兴城市示例泳装有限公司",
    "name_en": "Xingcheng Example Swimwear Co., Ltd.",
    "uscc": "91211481MA0000000" + check_character("91211481MA0000000"),
    "region": "211481",
    "slug": "xingcheng-swimwear",
    "specialty": "泳装",
    "kind": "university",
    "founded_year": "2008",
    "contact_phone": "0429-5551234",
    "sectors": "swimwear;knitting",
    "is_exporter": "是",
    "last_confirmed_on": "2025-06-30",
}


def template_chunks(kind: str, fmt: str) -> Iterator[bytes]:
    """The import template of a section as byte chunks (CSV or XLSX)."""
    if fmt != "xlsx":
        return csv_chunks(header(kind), [])
    lists = _code_lists(kind)
    columns = [c.field for c in SECTIONS[kind].columns]
    dropdowns = []
    for index, (field, (_title, values, strict)) in enumerate(lists.items()):
        if field in columns and values:
            letters = column_letters(index + 1)
            dropdowns.append(
                DropDown(
                    columns.index(field),
                    f"'{CODES_SHEET}'!${letters}$2:${letters}${len(values) + 1}",
                    strict=strict,
                )
            )
    return xlsx_chunks(
        header(kind),
        [],
        title=kind,
        kinds=column_kinds(kind),
        extra_sheets=[_instructions(kind, lists), _codes(lists)],
        dropdowns=dropdowns,
    )


def _code_lists(kind: str) -> dict[str, tuple[str, list[str], bool]]:
    """The code lists of a section's columns: field -> (title, values, whether
    a cell takes only one of them)."""
    labels = {c.field: c.header for c in SECTIONS[kind].columns}
    out: dict[str, tuple[str, list[str], bool]] = {}
    if "region" in labels:
        codes = list(
            Region.objects.exclude(level="province")
            .order_by("code")
            .values_list("code", flat=True)
        )
        out["region"] = (labels["region"], codes, True)
    for field, key in (*_SINGLE.items(), *_MULTIPLE.items()):
        if field in labels:
            values = [choice_label(key, code) for code, _label in _choices(key)]
            out[field] = (labels[field], values, field in _SINGLE)
    for field in _YES_NO:
        if field in labels:
            out[field] = (labels[field], ["是", "否", "yes", "no"], True)
    return out


def _choices(key: str) -> list[tuple[str, Any]]:
    from colleges.models import College

    return {
        "registration_status": ch.RegistrationStatus.choices,
        "datum": ch.Datum.choices,
        "employee_band": ch.EmployeeBand.choices,
        "revenue_band": ch.RevenueBand.choices,
        "contact_visibility": ch.Visibility.choices,
        "business_models": ch.BusinessModel.choices,
        "sectors": ch.Sector.choices,
        "export_markets": ch.EXPORT_MARKET_CHOICES,
        "college_kind": College.Kind.choices,
    }[key]


def _instructions(kind: str, lists: dict) -> ExtraSheet:
    rows: list[list[Any]] = [[_("Column"), _("Required"), _("What it takes"), ""]]
    for column, kind_of in zip(SECTIONS[kind].columns, column_kinds(kind), strict=True):
        if column.field in _MULTIPLE:
            takes = _(
                "one or more values of the list on the codes sheet, separated by ;"
            )
        elif column.field in lists:
            takes = _("a value of the list on the codes sheet (or its code)")
        elif kind_of == "date":
            takes = _("a date (YYYY-MM-DD)")
        elif kind_of == "number":
            takes = _("a number")
        elif column.field in ("uscc", "contact_phone"):
            takes = _("text: keep the column formatted as text, so no digit is lost")
        else:
            takes = _("text")
        rows.append([column.header, _("yes") if column.required else "", takes])
    rows += [
        [],
        [_("Example row (copy it to the first sheet and change it):")],
        [c.header for c in SECTIONS[kind].columns],
        [_EXAMPLE.get(c.field, "") for c in SECTIONS[kind].columns],
    ]
    return ExtraSheet("说明 Instructions", rows, widths=[28, 10, 60])


def _codes(lists: dict) -> ExtraSheet:
    columns = list(lists.values())
    height = max((len(values) for _t, values, _s in columns), default=0)
    rows: list[list[Any]] = [[title for title, _v, _s in columns]]
    for i in range(height):
        rows.append(
            [values[i] if i < len(values) else "" for _t, values, _s in columns]
        )
    return ExtraSheet(CODES_SHEET, rows)
