"""Where the site collects personal data (a claim's contact details, an inquiry)
the person consents to the privacy notice, and the consent is recorded with its
purpose and the notice's version; without it nothing is sent."""

import pytest
from django.urls import reverse

from accounts.models import Consent
from accounts.signup import PRIVACY_NOTICE_VERSION
from inquiries.models import Inquiry
from moderation.models import Claim
from tests.enterprises.uploads import pdf
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CLAIM = {
    "relationship": "总经理",
    "uscc": "91210000MA0QCXY1AY",
    "contact_name": "王丽",
    "contact_phone": "13800000000",
    "contact_email": "wang@example.com",
}
INQUIRY = {
    "subject": "询价：精梳棉府绸",
    "message": "请报 5,000 米精梳棉府绸的价格和交期。",
    "products": "精梳棉府绸",
    "quantity": "5,000 米",
}


def test_a_claim_records_the_consent_and_none_without_it(client):
    person = UserFactory()
    client.force_login(person)
    url = reverse("enterprises:enterprise-claim", args=[EnterpriseFactory().pk])
    refused = client.post(url, {**CLAIM, "proof": pdf()})
    assert refused.status_code == 200 and "consent" in refused.context["form"].errors
    assert not Claim.objects.exists() and not Consent.objects.exists()
    assert (
        client.post(url, {**CLAIM, "consent": "on", "proof": pdf()}).status_code == 302
    )
    consent = Consent.objects.get(user=person)
    assert consent.purpose == Consent.Purpose.CLAIM
    assert consent.notice_version == PRIVACY_NOTICE_VERSION


def test_an_inquiry_records_the_consent_and_none_without_it(client):
    firm = MembershipFactory().enterprise
    buyer = UserFactory()
    client.force_login(buyer)
    url = reverse("enterprises:enterprise-inquire", args=[firm.pk])
    assert client.post(url, INQUIRY).status_code == 200
    assert not Inquiry.objects.exists() and not Consent.objects.exists()
    assert client.post(url, {**INQUIRY, "consent": "on"}).status_code == 302
    assert Consent.objects.get(user=buyer).purpose == Consent.Purpose.INQUIRY
