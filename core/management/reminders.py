"""The shape of a daily reminder command (run by cron or a systemd timer):
``--today`` to run as if on another day, ``--site-url`` for the link in the e-mail."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class ReminderCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--today", help="Run as if today were this ISO date.")
        parser.add_argument(
            "--site-url",
            default=getattr(settings, "SITE_URL", "http://localhost:8000"),
            help="The site's address, for the link in the e-mail.",
        )

    def handle(self, *args, today, site_url, **options):
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--today must be a date like 2026-07-01.") from exc
        self.remind(day=day, site_url=site_url)

    def remind(self, *, day: dt.date, site_url: str) -> None:
        raise NotImplementedError
