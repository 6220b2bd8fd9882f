"""Background work of the survey (Django tasks)."""

from django.tasks import task


@task
def refresh_statistics() -> int:
    """Recompute the statistics of every area and year from the current figures."""
    from surveys.statistics import statistics_refresh

    return statistics_refresh()


@task
def send_survey_reminders() -> int:
    """The reminders a week before an open survey closes (see the command)."""
    from django.conf import settings
    from django.utils import timezone

    from surveys.services import survey_reminders_send

    return survey_reminders_send(
        today=timezone.localdate(), site_url=getattr(settings, "SITE_URL", "")
    )
