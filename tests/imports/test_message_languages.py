"""An import's row messages are stored as codes (`core.messages`) and read in the
reader's language: a file checked in Chinese reads in English on the page, in the
dry-run report and in the skipped rows' download, and the other way round; rows
stored as text before keep their text."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from python_calamine import CalamineWorkbook

from imports.jobs import import_job_check, import_job_create
from imports.models import ImportJob
from imports.rows import row_messages
from tests.imports.helpers import bad_check, csv_bytes, row, uscc

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
DATA = csv_bytes(
    [
        row(name="好行有限公司", uscc=uscc(501)),
        row(name="邮箱有限公司", uscc=uscc(502), contact_email="not-an-address"),
        row(name="年份有限公司", uscc=uscc(503), founded_year="1700"),
        row(name="校验有限公司", uscc=bad_check(uscc(504))),
        row(id="999999", name="编号有限公司"),
    ]
)


def _checked(staff, language: str) -> ImportJob:
    with translation.override(language):
        job = import_job_create(
            actor=staff,
            kind="enterprises",
            data=DATA,
            file_name=f"{language}.csv",
            language=language,
            enqueue=False,
        )
        return import_job_check(job_id=job.pk)


def _page_messages(client, job, language: str) -> list[str]:
    page = client.get(
        reverse("imports:import-detail", args=[job.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    return [
        re.sub(r"<[^>]+>", "", m)  # the text (a name in it may be lang-marked)
        for m in re.findall(r"data-(?:error|warning)>(.*?)</div>", page)
    ]


def _report_messages(client, job, language: str) -> list[str]:
    response = client.get(
        reverse("imports:import-report", args=[job.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    data = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [r[4] for r in rows.get_sheet_by_index(0).to_python()[1:] if r[4]]


@pytest.mark.parametrize(("made", "read"), [("zh-hans", "en"), ("en", "zh-hans")])
def test_row_messages_read_in_the_readers_language(client, staff, made, read):
    job = _checked(staff, made)
    other = _checked(staff, read)  # the same file checked in the reader's language
    client.force_login(staff)
    for messages in (_page_messages, _report_messages):
        shown = messages(client, job, read)
        assert len(shown) == 4, shown  # email, year, check character, no such ID
        # What a reader sees does not depend on the uploader's language.
        assert shown == messages(client, other, read)
        assert shown != messages(client, job, made)
        if read == "en":
            assert not [m for m in shown if CJK.search(m)], shown
        else:
            assert all(CJK.search(m) for m in shown), shown
    english = " ".join(_page_messages(client, job, "en"))
    assert "Email: Enter a valid email address." in english
    assert "There is no enterprise with ID 999999." in english
    assert "The check character of" in english


@pytest.mark.parametrize("read", ["en", "zh-hans"])
def test_the_skipped_rows_download_in_the_downloaders_language(
    client, staff, django_capture_on_commit_callbacks, read
):
    made = "en" if read == "zh-hans" else "zh-hans"
    job = _checked(staff, made)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:import-apply", args=[job.pk]), {"skip_bad": "1"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED, job.message
    for fmt in ("csv", "xlsx"):
        response = client.get(
            reverse("imports:import-skipped", args=[job.pk, fmt]),
            HTTP_ACCEPT_LANGUAGE=read,
        )
        if fmt == "csv":
            lines = response.content.decode("utf-8-sig").strip().splitlines()
            messages = [line.rsplit(",", 1)[-1] for line in lines[1:]]
        else:
            book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
            messages = [r[-1] for r in book.get_sheet_by_index(0).to_python()[1:]]
        assert len(messages) == 4
        if read == "en":
            assert not [m for m in messages if CJK.search(m)], messages
        else:
            assert all(CJK.search(m) for m in messages), messages


def test_messages_stored_as_text_before_codes_are_shown_as_they_are(client, staff):
    job = _checked(staff, "zh-hans")
    job.report = [
        {"row": 2, "action": "error", "errors": ["旧的错误信息"], "label": "旧"}
    ]
    job.result = {"skipped": [[2, "旧的跳过信息"]]}
    job.report_file = ""
    job.save()
    client.force_login(staff)
    assert _page_messages(client, job, "en") == ["旧的错误信息"]
    assert _report_messages(client, job, "en") == ["旧的错误信息"]
    assert row_messages(job.result["skipped"][0][1]) == "旧的跳过信息"


@pytest.mark.parametrize(
    ("language", "labels"),
    [("en", ["Name: ", "MOQ: "]), ("zh-hans", ["企业名称：", "起订量："])],
)
def test_changed_fields_are_named_in_the_readers_language(
    client, staff, language, labels
):
    """An update's changed fields on the import's page are named in the reader's
    language, not by the template's two-language header ("企业名称 / Name")."""
    from tests.factories import EnterpriseFactory

    EnterpriseFactory(uscc=uscc(601), name="旧名有限公司")
    with translation.override(language):
        job = import_job_create(
            actor=staff,
            kind="enterprises",
            data=csv_bytes([row(name="新名有限公司", uscc=uscc(601), moq="500件")]),
            file_name="rename.csv",
            enqueue=False,
        )
        job = import_job_check(job_id=job.pk)
    client.force_login(staff)
    page = client.get(
        reverse("imports:import-detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    changes = re.findall(r"<li>(.*?)<del>", page)
    for label in labels:
        assert label in changes, (label, changes)
    assert not [c for c in changes if " / " in c]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Exporter: No → Yes", "Export markets: — → Japan, South Korea"]),
        ("zh-hans", ["出口企业：否 → 是", "出口市场：— → 日本、韩国"]),
    ],
)
def test_changed_values_read_as_labels_not_codes(client, staff, language, expected):
    """An update's old and new values on the import's page and in its report are
    the choices' labels and yes or no in the reader's language, not the stored
    codes ("False → True", "JP;KR")."""
    from imports.reports import ReportRows
    from tests.factories import EnterpriseFactory

    EnterpriseFactory(uscc=uscc(602), name="出口有限公司", is_exporter=False)
    data = csv_bytes(
        [
            row(
                name="出口有限公司",
                uscc=uscc(602),
                is_exporter="是",
                export_markets="JP;KR",
            )
        ]
    )
    job = import_job_create(
        actor=staff, kind="enterprises", data=data, file_name="x.csv", enqueue=False
    )
    job = import_job_check(job_id=job.pk)
    client.force_login(staff)
    page = client.get(
        reverse("imports:import-detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    changes = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<li>(.*?)</li>", page)]
    with translation.override(language):
        (entry,) = [e for e in job.report if e["action"] == "update"]
        report = ReportRows("enterprises")(entry)[3]
    for text in expected:
        assert text in changes, (text, changes)
        assert text in report, (text, report)
