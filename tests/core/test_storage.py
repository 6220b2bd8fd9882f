"""Uploads go only through Django's storage API (core/storage.py): with both
stores swapped for an in-memory one — as S3 through django-storages would be —
every upload path works and nothing lands on the local disk."""

from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.storage import private_storage
from enterprises.models import Enterprise
from imports.models import ImportJob
from moderation.models import ChangeRequest, Claim
from tests.enterprises.uploads import pdf, png
from tests.factories import EnterpriseFactory, MembershipFactory, StaffFactory
from tests.imports.helpers import csv_bytes, row, uscc
from tests.moderation.test_views import _edit_post

pytestmark = pytest.mark.django_db


def _local_files(settings) -> set[Path]:
    folders = (Path(settings.MEDIA_ROOT), Path(str(settings.MEDIA_ROOT) + "-private"))
    return {p for folder in folders for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def memory_storages(settings):
    before = _local_files(settings)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    yield
    assert _local_files(settings) - before == set(), "written to the local disk"


def test_the_stores_follow_the_storages_setting(memory_storages):
    assert isinstance(private_storage(), InMemoryStorage)
    assert isinstance(default_storage, InMemoryStorage)
    assert isinstance(Claim._meta.get_field("proof").storage, InMemoryStorage)
    assert isinstance(ImportJob._meta.get_field("file").storage, InMemoryStorage)


def test_profile_photos_and_a_reviewed_logo(
    client, memory_storages, django_capture_on_commit_callbacks
):
    member = MembershipFactory(enterprise__description="旧介绍")
    enterprise = member.enterprise
    client.force_login(member.user)
    response = _edit_post(
        client, enterprise, photos_add=[png("a.png")], logo=png("logo.png")
    )
    assert response.status_code == 302
    photo = enterprise.photos.get()
    assert default_storage.exists(photo.image.name)
    request = ChangeRequest.objects.get()
    stored_logo = request.fields.get(field="logo").new
    assert default_storage.exists(stored_logo)

    client.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("review-change-request", args=[request.pk]),
            {"decision-logo": "accept"},
        )
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.logo.name == stored_logo
    with enterprise.logo.open("rb") as handle:
        assert handle.read().startswith(b"\xff\xd8")  # re-encoded as JPEG
    api = client.get(reverse("api:enterprise-detail", args=[enterprise.pk])).json()
    assert [p["url"] for p in api["photos"]] == [default_storage.url(photo.image.name)]


def test_a_claim_proof_is_stored_privately_and_downloaded_by_staff(
    client, memory_storages
):
    enterprise = EnterpriseFactory()
    client.force_login(MembershipFactory().user)
    proof = pdf()
    response = client.post(
        reverse("enterprises:enterprise-claim", args=[enterprise.pk]),
        {
            "relationship": "总经理",
            "uscc": "91210000MA0QCXY1AY",
            "contact_name": "王丽",
            "contact_phone": "13800000000",
            "contact_email": "wang@example.com",
            "proof": proof,
            "consent": "on",
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert private_storage().exists(claim.proof.name)
    assert not default_storage.exists(claim.proof.name)

    client.force_login(StaffFactory())
    download = client.get(reverse("review-claim-proof", args=[claim.pk]))
    assert download.status_code == 200
    proof.seek(0)
    assert b"".join(download.streaming_content) == proof.read()


def test_an_import_file_is_stored_privately_checked_and_applied(
    client, memory_storages, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    client.force_login(staff)
    data = csv_bytes([row(name="内存存储企业有限公司", uscc=uscc(40))])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("imports:import-list"),
            {"kind": "enterprises", "file": SimpleUploadedFile("a.csv", data)},
        )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED, job.message
    with private_storage().open(job.file.name, "rb") as handle:
        assert handle.read() == data
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:import-apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED, job.message
    assert Enterprise.objects.filter(uscc=uscc(40)).exists()
