"""The downloads of an import's page: the dry-run report (every row: its action,
changed fields and messages) as XLSX for checking offline, and the rows an apply
skipped (errors, warnings not accepted, duplicates not confirmed) as XLSX or CSV,
with their cells as the file had them and a message column, to correct and upload
again. Both are written by `core.sheetwriter` (every column text, so codes stay
as typed)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.files import File
from django.utils.translation import gettext as _

from core.sheetwriter import NUMBER, TEXT, write_xlsx
from core.tabular import csv_chunks, xlsx_chunks
from imports.columns import SECTIONS
from imports.models import ImportJob
from imports.plan import open_table
from imports.rows import RowPlan, row_messages

_CHUNK = 64 * 1024


def report_header() -> list[str]:
    return [_("Row"), _("Action"), _("Entry"), _("Changed fields"), _("Messages")]


def _action_labels() -> dict[str, str]:
    return {
        "create": _("create"),
        "update": _("update"),
        "unchanged": _("unchanged"),
        "error": _("error"),
        "skip": _("skipped"),
    }


class ReportRows:
    """Turns row plans (or their stored JSON) into the report's rows."""

    def __init__(self, kind: str) -> None:
        self.labels = {c.field: c.header for c in SECTIONS[kind].columns}
        self.actions = _action_labels()

    def __call__(self, entry: RowPlan | dict[str, Any]) -> list[Any]:
        data = entry.as_json() if isinstance(entry, RowPlan) else entry
        action = data.get("action", "")
        changes = ""
        if action == "update":
            changes = "; ".join(
                f"{self.labels.get(name, name)}: {_shown(old)} → {_shown(new)}"
                for name, (old, new) in (data.get("changes") or {}).items()
            )
        elif action == "create":
            changes = "、".join(
                self.labels.get(name, name) for name in data.get("changes") or {}
            )
        target = data.get("target")
        entry_text = data.get("label", "") + (f" (#{target})" if target else "")
        return [
            data["row"],
            self.actions.get(action, action),
            entry_text,
            changes,
            row_messages(data),
        ]


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def save_report(job: ImportJob, rows: Iterable[list[Any]]) -> None:
    """Write the dry-run report of `job` (rows as `ReportRows` makes them) to its
    `report_file`, consuming `rows` (the dry run runs as they are drawn)."""
    with tempfile.TemporaryFile() as tmp:
        write_xlsx(
            tmp,
            report_header(),
            rows,
            title=_("Dry run"),
            kinds=[NUMBER, TEXT, TEXT, TEXT, TEXT],
        )
        tmp.seek(0)
        if job.report_file:
            job.report_file.delete(save=False)
        job.report_file.save(f"{job.pk}-report.xlsx", File(tmp), save=False)


def report_chunks(job: ImportJob) -> Iterator[bytes]:
    """The dry-run report: the file written by the dry run, else (a job checked
    before there was one) from the rows kept in the job."""
    if job.report_file:
        with job.report_file.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                yield chunk
        return
    make = ReportRows(job.kind)
    yield from xlsx_chunks(
        report_header(),
        (make(entry) for entry in job.report),
        title=_("Dry run"),
        kinds=[NUMBER, TEXT, TEXT, TEXT, TEXT],
    )


def skipped_chunks(job: ImportJob, fmt: str) -> Iterator[bytes]:
    """The rows the apply of `job` skipped, as the file had them, each with its
    messages in a last column (`fmt` "csv" or "xlsx")."""
    skipped = {int(row): text for row, text in job.result.get("skipped", [])}
    with job.file.open("rb") as handle:
        data = handle.read()
    table, _fields = open_table(data, job.kind, job.options.get("sheet") or "")
    header = [*table.header, _("Message")]
    width = len(table.header)

    def rows() -> Iterator[list[str]]:
        for number, cells in table.rows:
            if number in skipped:
                padded = [*cells[:width], *[""] * (width - len(cells))]
                yield [*padded, skipped[number]]

    if fmt == "xlsx":
        yield from xlsx_chunks(header, rows(), title=_("Skipped rows"))
    else:
        yield from csv_chunks(header, rows())
