"""Destructive actions ask to confirm on a page of their own (works without
JavaScript): reverting a published change (which needs a reason the history then
shows), revoking a claim, revoking an API token and undoing an import."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import ApiToken
from accounts.tokens import api_token_create
from enterprises.models import ChangeRecord, EnterpriseMembership
from enterprises.services import enterprise_update
from moderation.models import Claim
from moderation.services.changes import history_revert
from tests.factories import EnterpriseFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def banded():
    """An enterprise whose employee band staff changed from 20–99 to 100–299."""
    enterprise = EnterpriseFactory(employee_band="20-99", is_exporter=True)
    record = enterprise_update(
        actor=StaffFactory(),
        enterprise=enterprise,
        changes={"employee_band": "100-299", "export_markets": ["JP", "KR"]},
        origin=ChangeRecord.Origin.STAFF,
    )
    return enterprise, record


def _revert_url(enterprise, record):
    return reverse(
        "enterprises:enterprise-history-revert", args=[enterprise.pk, record.pk]
    )


@pytest.mark.parametrize(
    ("language", "band", "markets"),
    [("en", "100–299 employees", "Japan, South Korea"), ("zh-hans", None, "、")],
)
def test_revert_asks_to_confirm_with_labels(client, banded, language, band, markets):
    enterprise, record = banded
    client.force_login(StaffFactory())
    page = client.get(_revert_url(enterprise, record), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-confirm-button" in html and 'name="reason"' in html
    assert "100-299" not in html  # the label, not the code
    if band:
        assert band in html
    assert markets in html
    enterprise.refresh_from_db()
    assert enterprise.employee_band == "100-299"  # asking changes nothing


def test_revert_without_a_reason_is_refused_and_changes_nothing(client, banded):
    enterprise, record = banded
    client.force_login(StaffFactory())
    response = client.post(
        _revert_url(enterprise, record), {"reason": "  "}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    enterprise.refresh_from_db()
    assert enterprise.employee_band == "100-299"
    assert not ChangeRecord.objects.filter(origin=ChangeRecord.Origin.REVERT).exists()


def test_revert_with_a_reason_shows_it_in_the_history(client, banded):
    enterprise, record = banded
    client.force_login(StaffFactory())
    response = client.post(_revert_url(enterprise, record), {"reason": "误填的规模"})
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.employee_band == "20-99"
    history = client.get(
        reverse("enterprises:enterprise-history", args=[enterprise.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "误填的规模" in history
    assert f"change-record:{record.pk}" not in history  # no internal ids
    assert "20–99 employees" in history and "20-99<" not in history
    assert "reverts the change of" in history


def test_history_revert_service_needs_a_reason(banded):
    enterprise, record = banded
    with pytest.raises(ValidationError) as error:
        history_revert(actor=StaffFactory(), record=record, reason="")
    assert "reason" in error.value.message_dict


def _approved_claim():
    enterprise = EnterpriseFactory()
    claimant = UserFactory()
    EnterpriseMembership.objects.create(user=claimant, enterprise=enterprise)
    return Claim.objects.create(
        enterprise=enterprise,
        user=claimant,
        relationship="总经理",
        uscc="",
        contact_name="王",
        contact_phone="13800000000",
        contact_email="w@example.com",
        proof="claims/proof.pdf",
        status=Claim.Status.APPROVED,
    )


def test_claim_revoke_asks_to_confirm_and_needs_a_reason(client):
    claim = _approved_claim()
    client.force_login(StaffFactory())
    review = client.get(reverse("review-claim", args=[claim.pk])).content.decode()
    url = reverse("review-claim-revoke", args=[claim.pk])
    assert f'href="{url}"' in review  # a link to the confirmation, not a button
    page = client.get(url)
    assert page.status_code == 200 and "data-confirm-button" in page.content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and "error-summary" in refused.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert client.post(url, {"reason": "已离职"}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVOKED and claim.reason == "已离职"
    assert not EnterpriseMembership.objects.filter(user=claim.user).exists()
    # Only an approved claim: back to the claim's page.
    assert client.get(url)["Location"] == reverse("review-claim", args=[claim.pk])


def test_claim_revoke_is_staff_only(client):
    claim = _approved_claim()
    client.force_login(claim.user)
    url = reverse("review-claim-revoke", args=[claim.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED


def test_token_revoke_asks_to_confirm(client, user):
    token, _key = api_token_create(actor=user, name="ERP")
    client.force_login(user)
    me = client.get(reverse("me")).content.decode()
    url = reverse("api-token-revoke", args=[token.pk])
    assert f'href="{url}"' in me
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "ERP" in page.content.decode() and "data-confirm-button" in (
        page.content.decode()
    )
    token.refresh_from_db()
    assert token.is_active
    assert client.post(url).status_code == 302
    assert not ApiToken.objects.get(pk=token.pk).is_active
