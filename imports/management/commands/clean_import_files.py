"""Delete the prepared rows of import dry runs that were never applied."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from imports.prepare import PREPARED_MAX_AGE, clean_prepared_rows


class Command(BaseCommand):
    help = (
        "Delete the prepared rows that import dry runs keep in the database for "
        "the apply, once older than --hours, except those of running imports. "
        "Run it daily (e.g. from cron); uploads also run it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            default=PREPARED_MAX_AGE.total_seconds() / 3600,
            help="Keep rows younger than this (default: %(default)s).",
        )

    def handle(self, *args, **options):
        jobs = clean_prepared_rows(older_than=timedelta(hours=options["hours"]))
        for job_id in jobs:
            self.stdout.write(f"Deleted the prepared rows of import {job_id}")
        self.stdout.write(f"Prepared rows of {len(jobs)} import(s) deleted.")
