"""deploy/'s daily reminder timer, its service and the crontab example run the
reminder commands that exist, on a valid schedule; the links in the e-mail come
from DJANGO_SITE_URL (settings.SITE_URL)."""

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.core import mail
from django.core.management import call_command, get_commands
from django.test import TestCase, override_settings

from surveys.models import Survey
from tests.deploy.helpers import ROOT
from tests.factories import MembershipFactory

DEPLOY = ROOT / "deploy"
REMINDERS = {"send_confirmation_reminders", "send_survey_reminders"}


def _unit(name: str) -> dict[str, list[str]]:
    """A unit file's keys and their values (a key may repeat, as ExecStart)."""
    out: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key, []).append(value)
    return out


def _commands(lines: list[str]) -> set[str]:
    return {m for line in lines for m in re.findall(r"manage\.py (\w+)", line)}


def test_the_timer_starts_the_service_that_runs_both_reminders():
    timer = _unit("directory-reminders.timer")
    assert timer["Unit"] == ["directory-reminders.service"]
    assert timer["Persistent"] == ["true"]
    service = _unit("directory-reminders.service")
    assert service["Type"] == ["oneshot"]
    assert _commands(service["ExecStart"]) == REMINDERS
    assert set(get_commands()) >= REMINDERS


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_the_timer_schedule_is_valid():
    (calendar,) = _unit("directory-reminders.timer")["OnCalendar"]
    result = subprocess.run(
        ["systemd-analyze", "calendar", calendar],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def test_the_crontab_example_runs_both_reminders_daily():
    lines = [
        line
        for line in (DEPLOY / "crontab.example").read_text().splitlines()
        if line and not line.startswith("#") and "manage.py" in line
    ]
    assert _commands(lines) == REMINDERS
    for line in lines:
        minute, hour, day, month, weekday = line.split()[:5]
        assert (day, month, weekday) == ("*", "*", "*")
        assert minute.isdigit() and hour.isdigit()


@pytest.mark.django_db
@override_settings(SITE_URL="https://directory.example.org")
def test_the_survey_reminder_links_to_the_configured_site():
    membership = MembershipFactory()
    Survey.objects.create(
        year=2025,
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 3, 31),
        status=Survey.Status.OPEN,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("send_survey_reminders", "--today", "2026-03-24")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [membership.user.email]
    assert "https://directory.example.org/" in mail.outbox[0].body
