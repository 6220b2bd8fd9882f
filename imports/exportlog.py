"""What an export says about itself: the record of every export (who, when, the
filters, the format, the columns, the rows), the filters in words (the XLSX's notes
sheet and the list on /imports/), and the notes sheet."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.formats import join_list
from core.sheetwriter import ExtraSheet
from enterprises.search.facets import FACET_TITLES, Labeller
from enterprises.search.query import SORTS, Search
from imports.models import ExportRecord


def export_record_start(
    *,
    actor: Any,
    kind: str,
    fmt: str,
    filters: dict[str, list[str]],
    columns: list[str],
) -> ExportRecord:
    """Record an export as it starts (its rows are counted as it streams)."""
    record = ExportRecord(
        kind=kind,
        format=fmt,
        created_by=actor if getattr(actor, "pk", None) else None,
        filters=filters,
        columns=columns,
    )
    record.full_clean()
    record.save()
    return record


def export_record_finish(*, record: ExportRecord, rows: int) -> None:
    """The export was written to its end: keep how many rows it held."""
    record.rows = rows
    record.finished_at = timezone.now()
    record.save(update_fields=["rows", "finished_at"])


def counted(rows: Iterable[Any], record: ExportRecord, notes: list | None):
    """``rows`` as they come; at their end the record (and the notes, written
    after the rows) get the number of rows."""

    label = _("Rows")  # in the language active now, not when the rows are written

    def run() -> Iterator[Any]:
        number = 0
        for number, row in enumerate(rows, start=1):  # noqa: B007 - counted below
            yield row
        export_record_finish(record=record, rows=number)
        if notes is not None:
            notes.append([label, str(number)])

    return run()


def search_params(search: Search) -> dict[str, list[str]]:
    """A search's filters as they are kept (parameter: values; no paging)."""
    params = search.params(page_size=None)
    return {key: params.getlist(key) for key in params}


def describe_filters(
    params: dict[str, list[str]], user: Any, labeller: Labeller | None = None
) -> list[tuple[str, str]]:
    """The filters of a search (kept parameters) in words, in the active
    language: (what, which) pairs. Read as ``user`` would: a filter they may not
    use was not applied."""
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, values)
    search = Search.from_params(query, user)
    labeller = labeller or Labeller()
    out: list[tuple[str, str]] = []
    if search.q:
        out.append((_("Search text"), search.q))
    for code, values in search.filters.items():
        if code == "uw":
            out.append((_("Data health"), _("USCC check character fails")))
            continue
        labels = [labeller.label(code, v) for v in values]
        out.append((str(FACET_TITLES.get(code, code)), join_list(labels)))
    if search.updated_since:
        out.append((_("Updated since"), date_format(search.updated_since)))
    if search.stale:
        out.append((_("Data health"), _("not confirmed in 12 months")))
    if search.incomplete:
        out.append((_("Data health"), _("incomplete profile")))
    if "sort" in params and search.sort in SORTS:
        out.append((_("Sort"), str(SORTS[search.sort])))
    return out


def notes_sheet(
    *, record: ExportRecord, user: Any, read_only: list[str]
) -> tuple[ExtraSheet, list]:
    """The XLSX's notes sheet (its rows list grows the row count when the rows
    are written): when, by whom, the filters, the read-only columns."""
    rows: list[list[Any]] = [[_("Export"), ""]]
    when = timezone.localtime(record.created_at).strftime("%Y-%m-%d %H:%M")
    rows.append([_("Exported at"), when])
    rows.append([_("Exported by"), user.get_username() if record.created_by else "—"])
    filters = describe_filters(record.filters, user)
    if filters:
        rows += [[what, which] for what, which in filters]
    else:
        rows.append([_("Filters"), _("none: every enterprise the reader may see")])
    if read_only:
        rows.append(
            [
                _("Read-only columns"),
                _("an import skips them: %(columns)s")
                % {"columns": join_list(read_only)},
            ]
        )
    return ExtraSheet(_("Notes"), rows, widths=[24, 80]), rows
