"""The downloads of an import's page: the dry-run report (every row: its action,
changed fields and messages) as XLSX for checking offline, and the rows an apply
skipped (errors, warnings not accepted, duplicates not confirmed) as XLSX or CSV,
with their cells as the file had them and a message column, to correct and upload
again. Both are written by `core.sheetwriter` (every column text, so codes stay
as typed) when downloaded, in the downloader's language: the dry run keeps every
row's plan, messages as codes (`core.messages`), in the job's `report_file`."""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.files import File
from django.utils.translation import gettext as _

from core.formats import join_groups, join_list, labelled
from core.sheetwriter import NUMBER, TEXT
from core.tabular import csv_chunks, xlsx_chunks
from enterprises.fields import value_label
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
        self.labels = {c.field: c.label for c in SECTIONS[kind].columns}
        self.actions = _action_labels()
        self.kind = kind

    def __call__(self, entry: RowPlan | dict[str, Any]) -> list[Any]:
        data = entry.as_json() if isinstance(entry, RowPlan) else entry
        action = data.get("action", "")
        changes = ""
        if action == "update":
            changes = join_groups(
                labelled(self.labels.get(name, name), " → ".join(values))
                for name, values in change_values(self.kind, data)
            )
        elif action == "create":
            changes = join_list(
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


def change_values(
    kind: str, entry: dict[str, Any]
) -> Iterator[tuple[str, tuple[str, str]]]:
    """Each changed field of a row's plan with its old and new value shown."""
    for name, (old, new) in (entry.get("changes") or {}).items():
        field = name if kind == "enterprises" else ""
        yield name, (shown(old, field), shown(new, field))


def shown(value: Any, field: str = "") -> str:
    """A changed value as the report and the import's page show it, in the
    reader's language: an enterprise ``field``'s choices by their labels
    (``enterprises.fields.value_label``: "日本、韩国", not "JP;KR"), yes or no,
    "—" for none."""
    if field:
        value = value_label(field, value)
    if value is None or value == "" or value == []:
        return "—"
    if value is True or value is False:
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return join_list(value)
    return str(value)


def save_report(job: ImportJob, plans: Iterable[RowPlan]) -> None:
    """Keep every row's plan of the dry run of `job` in its `report_file` (JSON
    lines, gzipped), consuming `plans` (the dry run runs as they are drawn)."""
    with tempfile.TemporaryFile() as tmp:
        with gzip.GzipFile(fileobj=tmp, mode="wb", compresslevel=5) as out:
            for plan in plans:
                line = json.dumps(plan.as_json(), ensure_ascii=False, default=str)
                out.write(line.encode() + b"\n")
        tmp.seek(0)
        if job.report_file:
            job.report_file.delete(save=False)
        job.report_file.save(f"{job.pk}-report.jsonl.gz", File(tmp), save=False)


def _kept_plans(job: ImportJob) -> Iterator[dict[str, Any]]:
    with job.report_file.open("rb") as handle, gzip.GzipFile(fileobj=handle) as rows:
        for line in rows:
            yield json.loads(line)


def report_chunks(job: ImportJob) -> Iterator[bytes]:
    """The dry-run report in the reader's language, from every row's plan kept by
    the dry run (a job checked before there was a kept file: from the rows kept in
    the job; one whose report was written as XLSX then: that file)."""
    if job.report_file and job.report_file.name.endswith(".xlsx"):
        with job.report_file.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                yield chunk
        return
    make = ReportRows(job.kind)
    entries = _kept_plans(job) if job.report_file else iter(job.report)
    yield from xlsx_chunks(
        report_header(),
        (make(entry) for entry in entries),
        title=_("Dry run"),
        kinds=[NUMBER, TEXT, TEXT, TEXT, TEXT],
    )


def skipped_chunks(job: ImportJob, fmt: str) -> Iterator[bytes]:
    """The rows the apply of `job` skipped, as the file had them, each with its
    messages in a last column (`fmt` "csv" or "xlsx")."""
    skipped = {
        int(row): row_messages(problems)
        for row, problems in job.result.get("skipped", [])
    }
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
