"""An import job's message (why it stopped, what it needs) is stored as a code
and read in the reader's language on /imports/ and on the job's page, whichever
language the job ran in; a text stored before messages had codes is shown as it
is."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from imports.jobs import import_job_check, import_job_create
from imports.models import ImportJob
from tests.imports.helpers import csv_bytes, row

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")
JOB_MESSAGE = re.compile(r'id="job-message">(.*?)</p>', re.S)
LIST_MESSAGE = re.compile(r"<small class=\"sub\" data-message>(.*?)</small>", re.S)


@pytest.fixture
def rejected(staff):
    """A job whose dry run, in Chinese, found a row with an error."""
    with translation.override("zh-hans"):
        job = import_job_create(
            actor=staff,
            kind="enterprises",
            data=csv_bytes([row(name="好企业有限公司"), row(name="", region="999999")]),
            file_name="bad.csv",
            language="zh-hans",
            enqueue=False,
        )
        return import_job_check(job_id=job.pk)


def _pages(client, job, language):
    detail = client.get(
        reverse("imports:import-detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    listing = client.get(
        reverse("imports:import-list"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    return JOB_MESSAGE.findall(detail), LIST_MESSAGE.findall(listing)


def test_a_dry_runs_message_reads_in_the_readers_language(client, staff, rejected):
    assert rejected.message == {
        "code": "rows_with_errors",
        "params": {"n": 1, "rows": [3]},
    }
    client.force_login(staff)
    detail, listing = _pages(client, rejected, "en")
    assert detail == listing
    assert detail[0].startswith("1 row(s) have errors (rows 3)")
    assert HAN.findall(detail[0]) == []
    detail, listing = _pages(client, rejected, "zh-hans")
    assert detail == listing
    assert detail[0].startswith("1 行有错误（第 3 行）")
    assert "row" not in detail[0]


def test_a_message_stored_as_text_is_shown_as_it_is(client, staff, rejected):
    ImportJob.objects.filter(pk=rejected.pk).update(message="旧的说明 old note")
    client.force_login(staff)
    # As typed; in the English UI marked as Chinese (it has Han characters).
    marked = '<span lang="zh-CN">旧的说明 old note</span>'
    assert _pages(client, rejected, "en") == ([marked], [marked])
    assert _pages(client, rejected, "zh-hans") == (
        ["旧的说明 old note"],
        ["旧的说明 old note"],
    )


def test_a_job_without_a_message_shows_none(client, staff, rejected):
    ImportJob.objects.filter(pk=rejected.pk).update(message="")
    client.force_login(staff)
    assert _pages(client, rejected, "en") == ([], [])
