from core.management.reminders import ReminderCommand
from surveys.services import survey_reminders_send


class Command(ReminderCommand):
    help = (
        "E-mail the users of enterprises that have not submitted an open survey's "
        "answer, in the week before it closes (once per survey and user). Run it "
        "daily (cron or a systemd timer), like send_confirmation_reminders."
    )

    def remind(self, *, day, site_url):
        sent = survey_reminders_send(today=day, site_url=site_url)
        self.stdout.write(f"Reminded {sent} user(s).")
