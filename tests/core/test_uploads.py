"""Uploads that could hurt: PDFs that act (JavaScript, a PDF/HTML polyglot, a file
that only looks like a PDF), pixel bombs, and every upload path's size and
decompressed-size limits. Import files stay in private storage."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from core import uploads, workbooks
from core.uploads import check_proof_document, reencode_image
from imports.models import ImportJob
from moderation.models import Claim
from tests.enterprises.uploads import pdf, pdf_bytes, png
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)
from tests.moderation.test_views import _edit_post

CLAIM = {
    "relationship": "总经理",
    "uscc": "91210000MA0QCXY1AY",
    "contact_name": "王丽",
    "contact_phone": "13800000000",
    "contact_email": "wang@example.com",
}

# A catalogue whose OpenAction runs a script, with its names hex-escaped as PDF
# allows (/J#61vaScript is /JavaScript), and a broken cross-reference (readers
# rebuild it).
OBFUSCATED_JS = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    b"4 0 obj<</S/J#61vaScript/J#53(app.alert(1))>>endobj\n"
    b"trailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)


def _code(upload, check=check_proof_document) -> str:
    with pytest.raises(ValidationError) as caught:
        check(upload)
    return caught.value.code


def test_a_real_pdf_is_accepted_as_sent():
    body = pdf_bytes()
    stored = check_proof_document(pdf(body=body))
    assert stored.name.endswith(".pdf") and stored.read() == body


def test_a_pdf_with_javascript_is_refused():
    assert _code(pdf(body=pdf_bytes(javascript="app.alert(1)"))) == "pdf_active"


def test_a_pdf_with_hidden_javascript_is_refused():
    assert _code(pdf(body=OBFUSCATED_JS)) == "pdf_active"


def test_a_pdf_html_polyglot_is_refused():
    body = pdf_bytes().replace(
        b"%%EOF", b"<html><body><script>alert(document.cookie)</script>\n%%EOF"
    )
    assert _code(pdf(body=body)) == "pdf_html"


def test_a_file_that_only_starts_like_a_pdf_is_refused():
    assert _code(pdf(body=b"%PDF-1.4\nnot really a pdf at all\n%%EOF\n")) == "bad_pdf"


def test_a_pdf_without_pages_is_refused():
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    assert _code(pdf(body=body)) == "bad_pdf"


@pytest.mark.django_db
def test_the_claim_page_refuses_a_pdf_with_javascript(client):
    enterprise = EnterpriseFactory()
    client.force_login(UserFactory())
    url = reverse("enterprises:enterprise-claim", args=[enterprise.pk])
    bad = pdf(body=pdf_bytes(javascript="app.alert(1)"))
    response = client.post(
        url, {**CLAIM, "proof": bad}, headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert "scripts, actions or embedded files" in str(response.context["form"].errors)
    assert not Claim.objects.exists()


def _pixel_bomb(size=(7300, 5440)) -> SimpleUploadedFile:
    """39.7 megapixels of white: a small file that decodes to ~120 MB of RGB."""
    out = io.BytesIO()
    Image.new("1", size, 1).save(out, format="PNG", optimize=True)
    return SimpleUploadedFile("bomb.png", out.getvalue(), content_type="image/png")


def test_a_pixel_bomb_is_refused_before_it_is_decoded(monkeypatch):
    bomb = _pixel_bomb()
    assert bomb.size < 100_000

    def no_decoding(self):
        raise AssertionError("decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert _code(bomb, reencode_image) == "too_many_pixels"
    assert _code(_pixel_bomb(), check_proof_document) == "too_many_pixels"


def test_a_large_photo_within_the_pixel_limit_is_kept_scaled_down():
    stored = reencode_image(png(size=(6000, 4000)))
    with Image.open(stored) as image:
        assert max(image.size) == uploads.MAX_IMAGE_SIDE


def _too_big(name: str, limit: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\0" * (limit + 1))


def test_size_limits_of_images_and_proofs():
    assert _code(_too_big("a.png", uploads.MAX_IMAGE_BYTES), reencode_image) == (
        "too_large"
    )
    assert _code(_too_big("a.pdf", uploads.MAX_PROOF_BYTES)) == "too_large"


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,upload",
    [
        ("logo", lambda: _too_big("logo.png", uploads.MAX_IMAGE_BYTES)),
        ("photos_add", lambda: _too_big("p.png", uploads.MAX_IMAGE_BYTES)),
        ("logo", _pixel_bomb),
        ("photos_add", _pixel_bomb),
    ],
)
def test_the_edit_page_refuses_large_and_bomb_images(client, member, field, upload):
    client.force_login(member.user)
    response = _edit_post(client, member.enterprise, **{field: upload()})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not member.enterprise.photos.exists()


def _xlsx_bomb(unpacked: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * unpacked)
    return out.getvalue()


@pytest.mark.django_db
def test_the_import_refuses_large_and_decompression_bomb_files(client, settings):
    client.force_login(StaffFactory())
    url = reverse("imports:import-list")
    settings.IMPORT_MAX_BYTES = 1000
    big = SimpleUploadedFile("a.csv", b"name\n" + b"x\n" * 1000)
    response = client.post(url, {"kind": "enterprises", "file": big})
    assert response.status_code == 400 and not ImportJob.objects.exists()
    settings.IMPORT_MAX_BYTES = 10_000_000
    limit = 2_000_000
    workbooks_limit = workbooks.MAX_UNPACKED_BYTES
    try:
        workbooks.MAX_UNPACKED_BYTES = limit
        bomb = SimpleUploadedFile("bomb.xlsx", _xlsx_bomb(limit * 2))
        assert bomb.size < 50_000
        response = client.post(url, {"kind": "enterprises", "file": bomb})
    finally:
        workbooks.MAX_UNPACKED_BYTES = workbooks_limit
    assert response.status_code == 400 and not ImportJob.objects.exists()


@pytest.mark.django_db
def test_import_files_are_kept_outside_the_public_media_folder(client):
    client.force_login(StaffFactory())
    upload = SimpleUploadedFile(
        "firms.csv", "name,region\n示例公司,211481\n".encode(), content_type="text/csv"
    )
    client.post(reverse("imports:import-list"), {"kind": "enterprises", "file": upload})
    job = ImportJob.objects.get()
    stored = Path(job.file.path).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    assert stored.is_file()
    assert media not in stored.parents  # DEBUG serves MEDIA_ROOT only
