import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from surveys.services import survey_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail the users of enterprises that have not submitted an open survey's "
        "answer, in the week before it closes (once per survey and user). Run it "
        "daily (cron or a systemd timer), like send_confirmation_reminders."
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
        sent = survey_reminders_send(today=day, site_url=site_url)
        self.stdout.write(f"Reminded {sent} user(s).")
