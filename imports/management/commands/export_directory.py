"""Export a section of the directory (as staff see it) to CSV or XLSX.

manage.py export_directory enterprises FILE.csv|FILE.xlsx
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enterprises.permissions import SYSTEM
from imports.exports import export_chunks
from imports.models import ImportJob


class Command(BaseCommand):
    help = "Export enterprises, clusters, colleges or markets to a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[k.value for k in ImportJob.Kind])
        parser.add_argument("file", help="Output file, .csv or .xlsx")

    def handle(self, *args, **options):
        out = Path(options["file"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise CommandError("The output file must end in .csv or .xlsx.")
        with out.open("wb") as handle:
            for chunk in export_chunks(options["kind"], fmt, SYSTEM):
                handle.write(chunk)
        self.stdout.write(f"Wrote {out}")
