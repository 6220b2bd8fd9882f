import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.badges import attach_badges, certificate_state
from enterprises.models import EnterpriseCertification
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


def test_certificate_states():
    assert certificate_state(dt.date(2025, 10, 1), TODAY) == "expired"
    assert certificate_state(TODAY, TODAY) == "expiring"
    assert certificate_state(TODAY + dt.timedelta(days=90), TODAY) == "expiring"
    assert certificate_state(TODAY + dt.timedelta(days=91), TODAY) == ""
    assert certificate_state(None, TODAY) == ""


def _cert(enterprise, scheme, until):
    return EnterpriseCertification.objects.create(
        enterprise=enterprise, scheme=scheme, valid_until=until
    )


def test_badges_of_a_page_cost_one_query(django_assert_num_queries):
    claimed = MembershipFactory().enterprise
    plain = EnterpriseFactory(source="import", registration_status="revoked")
    _cert(claimed, "iso9001", dt.date(2025, 10, 1))
    _cert(claimed, "gots", TODAY + dt.timedelta(days=30))
    rows = [claimed, plain]
    with django_assert_num_queries(1):
        attach_badges(rows, today=TODAY)
    assert claimed.badges.claimed and not plain.badges.claimed
    assert claimed.badges.staff_verified and not plain.badges.staff_verified
    assert [c.scheme for c in claimed.badges.expired] == ["iso9001"]
    assert [c.scheme for c in claimed.badges.expiring] == ["gots"]
    assert not plain.badges.registration_active


def test_results_and_page_show_the_badges(client):
    enterprise = EnterpriseFactory(last_confirmed_on=timezone.localdate())
    _cert(enterprise, "iso9001", timezone.localdate() - dt.timedelta(days=1))
    results = client.get(reverse("enterprises:enterprise-list")).content.decode()
    assert 'data-badge="certificate-expired"' in results
    assert 'data-badge="staff-verified"' in results
    assert 'data-badge="claimed"' not in results
    page = client.get(enterprise.get_absolute_url()).content.decode()
    assert 'data-state="expired"' in page and "已过期" in page
    # Unclaimed: everyone is offered the claim, visitors through logging in.
    assert reverse("enterprises:enterprise-claim", args=[enterprise.pk]) in page
    MembershipFactory(enterprise=enterprise)
    page = client.get(enterprise.get_absolute_url()).content.decode()
    assert 'data-badge="claimed"' in page and "data-claim" not in page


def test_anonymous_claim_goes_through_login_which_offers_sign_up(client):
    enterprise = EnterpriseFactory()
    claim = reverse("enterprises:enterprise-claim", args=[enterprise.pk])
    response = client.get(claim)
    assert response.status_code == 302
    login = client.get(response["Location"]).content.decode()
    assert "/accounts/signup/?next=" in login
    client.force_login(UserFactory())
    assert client.get(claim).status_code == 200
