from core.management.reminders import ReminderCommand
from moderation.services.confirmations import (
    confirmation_reminders_send,
    reminder_cycle,
)


class Command(ReminderCommand):
    help = (
        "E-mail the users of profiles not confirmed for 12 months, once per yearly "
        "cycle (from 1 July, after the 30 June annual-report deadline)."
    )

    def remind(self, *, day, site_url):
        if reminder_cycle(day) is None:
            self.stdout.write(
                f"Reminders for {day.year} start on {day.year}-07-01; nothing sent."
            )
            return
        sent = confirmation_reminders_send(today=day, site_url=site_url)
        self.stdout.write(f"Reminded {sent} user(s) for the {day.year} cycle.")
