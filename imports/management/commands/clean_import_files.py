"""Delete the prepared rows of import dry runs that were never applied."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from imports.prepare import PREPARED_MAX_AGE, clean_prepared_files


class Command(BaseCommand):
    help = (
        "Delete the prepared rows (<file>.prepared) that import dry runs leave for "
        "the apply, once older than --hours, except those of running imports. "
        "Run it daily (e.g. from cron); uploads also run it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            default=PREPARED_MAX_AGE.total_seconds() / 3600,
            help="Keep files younger than this (default: %(default)s).",
        )

    def handle(self, *args, **options):
        deleted = clean_prepared_files(older_than=timedelta(hours=options["hours"]))
        for path in deleted:
            self.stdout.write(f"Deleted {path}")
        self.stdout.write(f"{len(deleted)} prepared file(s) deleted.")
