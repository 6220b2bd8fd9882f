import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from moderation.services.confirmations import (
    confirmation_reminders_send,
    reminder_cycle,
)


class Command(BaseCommand):
    help = (
        "E-mail the users of profiles not confirmed for 12 months, once per yearly "
        "cycle (from 1 July, after the 30 June annual-report deadline)."
    )

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
        if reminder_cycle(day) is None:
            self.stdout.write(
                f"Reminders for {day.year} start on {day.year}-07-01; nothing sent."
            )
            return
        sent = confirmation_reminders_send(today=day, site_url=site_url)
        self.stdout.write(f"Reminded {sent} user(s) for the {day.year} cycle.")
