"""Import a spreadsheet into the directory from the command line (the first load of
the association's spreadsheets), with the same checks and report as the import page.

    manage.py import_directory enterprises FILE [--dry-run]
    manage.py import_directory enterprises --template FILE
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.messages import render_message
from core.tabular import TabularError
from imports.jobs import apply_file, dry_run, import_job_create
from imports.models import ImportJob
from imports.plan import ImportRefused, Options, Summary
from imports.template import template_chunks


def describe(plan) -> str:
    parts = [f"row {plan.row}: {plan.action}"]
    if plan.label:
        parts.append(f"“{plan.label}”")
    if plan.target:
        parts.append(f"(ID {plan.target})")
    text = " ".join(parts)
    if plan.action == "update" and plan.changes:
        text += " — " + "; ".join(
            f"{field}: {old!r} → {new!r}" for field, (old, new) in plan.changes.items()
        )
    for error in plan.errors:
        text += f"\n    error: {render_message(error)}"
    for warning in plan.warnings:
        text += f"\n    warning: {render_message(warning)}"
    if plan.duplicate:
        dup = plan.duplicate
        where = f"ID {dup['id']}" if dup.get("id") else f"row {dup.get('row')}"
        text += f"\n    likely duplicate ({dup['kind']}) of {where}"
        if dup.get("name"):
            text += f" “{dup['name']}”"
    return text


class Command(BaseCommand):
    help = (
        "Import enterprises, clusters, colleges or markets from a CSV, XLSX, XLS or "
        "ODS file (the format is read from the content)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[k.value for k in ImportJob.Kind])
        parser.add_argument(
            "file", nargs="?", help="CSV, XLSX, XLS or ODS file to import"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change only."
        )
        parser.add_argument(
            "--template", metavar="OUT", help="Write the empty template (.csv/.xlsx)."
        )
        parser.add_argument(
            "--accept-warnings",
            action="store_true",
            help="Accept USCC check-character warnings (sets the override).",
        )
        parser.add_argument(
            "--create-duplicates",
            action="store_true",
            help="Create rows flagged as likely duplicates (skipped by default).",
        )

    def handle(self, *args, **options):
        kind = options["kind"]
        if options["template"]:
            self._template(kind, Path(options["template"]))
            return
        if not options["file"]:
            raise CommandError("Give a FILE to import (or --template OUT).")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        opts = Options(
            accept_warnings=options["accept_warnings"],
            create_all_duplicates=options["create_duplicates"],
        )
        summary = Summary()
        try:
            for plan in dry_run(kind, data, opts):
                summary.add(plan)
                self.stdout.write(describe(plan))
        except TabularError as exc:
            raise CommandError(str(exc.message)) from exc
        counts = ", ".join(f"{k}: {v}" for k, v in summary.counts.items() if v)
        self.stdout.write(f"{summary.rows} rows — {counts or 'nothing'}")
        blocking = summary.blocking(opts)
        if blocking:
            raise CommandError(render_message(blocking))
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
            return
        job = import_job_create(
            actor=None, kind=kind, data=data, file_name=path.name, enqueue=False
        )
        try:
            applied = apply_file(job=job, actor=None, data=data, options=opts)
        except (ImportRefused, TabularError) as exc:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.FAILED, message=exc.stored
            )
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Applied as import {job.pk}: {applied.counts['create']} created, "
                f"{applied.counts['update']} updated, "
                f"{applied.counts['unchanged']} unchanged, "
                f"{applied.counts['skip']} skipped."
            )
        )

    def _template(self, kind: str, out: Path) -> None:
        fmt = "xlsx" if out.suffix.lower() == ".xlsx" else "csv"
        out.write_bytes(b"".join(template_chunks(kind, fmt)))
        self.stdout.write(f"Wrote the {kind} template to {out}")
