"""Writes by enterprise users (PATCH → change request, the edit page's service) and
the moderation endpoints (per-field decisions, claims)."""

import pytest

from enterprises.models import ChangeRecord
from moderation.models import ChangeRequest, Claim
from moderation.services.changes import change_request_submit
from moderation.services.claims import claim_submit
from tests.enterprises.uploads import pdf
from tests.factories import EnterpriseFactory, StaffFactory, UserFactory, token_client

pytestmark = pytest.mark.django_db


def _patch(client, enterprise, payload):
    return client.patch(f"/api/v1/enterprises/{enterprise.pk}/", payload, format="json")


def test_owner_patch_creates_a_change_request_and_publishes_nothing(owner_api, owned):
    response = _patch(owner_api, owned, {"name_en": "New Name Co.", "moq": "500"})
    assert response.status_code == 200, response.content
    body = response.json()
    request = ChangeRequest.objects.get(enterprise=owned)
    assert body["change_request"]["id"] == request.pk
    assert body["change_request"]["status"] == "open"
    assert {f["field"]: f["new"] for f in body["change_request"]["fields"]} == {
        "name_en": "New Name Co.",
        "moq": "500",
    }
    owned.refresh_from_db()
    assert owned.name_en != "New Name Co."
    assert body["enterprise"]["name_en"] == owned.name_en
    assert not ChangeRecord.objects.filter(enterprise=owned).exists()


def test_owner_patch_updates_the_one_open_request(owner_api, owned):
    _patch(owner_api, owned, {"moq": "500"})
    _patch(owner_api, owned, {"moq": "800", "wechat": "xc-swim"})
    request = ChangeRequest.objects.get(enterprise=owned)
    assert {f.field: f.new for f in request.fields.all()} == {
        "moq": "800",
        "wechat": "xc-swim",
    }


def test_low_risk_field_publishes_at_once_and_is_recorded(owner_api, owned):
    response = _patch(owner_api, owned, {"description": "专业泳装"})
    assert response.status_code == 200
    assert response.json()["enterprise"]["description"] == "专业泳装"
    assert response.json()["change_request"]["status"] == "closed"
    record = ChangeRecord.objects.get(enterprise=owned)
    assert record.origin == ChangeRecord.Origin.SELF_SERVICE


@pytest.mark.parametrize(
    "payload",
    [{"published": True}, {"uscc": "91210000MA0QCXY1AY"}, {"export_share": 300}],
)
def test_owner_patch_follows_the_edit_forms_rules(owner_api, owned, payload):
    response = _patch(owner_api, owned, payload)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]
    assert not ChangeRequest.objects.exists()


def test_change_requests_endpoint_scoped_and_decided_by_staff(
    owner, owned, owner_api, other_api, api, staff_api
):
    request = change_request_submit(
        actor=owner, enterprise=owned, changes={"moq": "500", "wechat": "w"}
    )
    path = f"/api/v1/change-requests/{request.pk}/"
    assert owner_api.get(path).status_code == 200
    assert other_api.get(path).status_code == 404
    assert api.get(path).status_code == 401
    assert [
        r["id"] for r in staff_api.get("/api/v1/change-requests/").json()["results"]
    ] == [request.pk]
    assert other_api.get("/api/v1/change-requests/").json()["results"] == []
    # Only staff decide; the owner gets 403, nothing changes.
    decide = path + "decide/"
    payload = {
        "decisions": {
            "moq": {"accept": True},
            "wechat": {"accept": False, "comment": "Not a company account"},
        }
    }
    assert owner_api.post(decide, payload, format="json").status_code == 403
    assert other_api.post(decide, payload, format="json").status_code == 404
    response = staff_api.post(decide, payload, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    owned.refresh_from_db()
    assert owned.moq == "500" and owned.wechat == ""
    record = ChangeRecord.objects.get(enterprise=owned)
    assert record.origin == ChangeRecord.Origin.CHANGE_REQUEST
    # Deciding again is a 400 with a message.
    again = staff_api.post(decide, payload, format="json")
    assert again.status_code == 400 and again.json()["error"]["message"]


def test_rejection_without_a_comment_is_refused(owner, owned, staff_api):
    request = change_request_submit(actor=owner, enterprise=owned, changes={"moq": "1"})
    response = staff_api.post(
        f"/api/v1/change-requests/{request.pk}/decide/",
        {"decisions": {"moq": {"accept": False}}},
        format="json",
    )
    assert response.status_code == 400
    assert "moq" in response.json()["error"]["fields"]
    assert ChangeRequest.objects.get().status == "open"


@pytest.fixture
def claim(db):
    claimant = UserFactory()
    enterprise = EnterpriseFactory(uscc="91210000MA0QCXY1AY")
    return claim_submit(
        actor=claimant,
        enterprise=enterprise,
        relationship="总经理",
        uscc="91210000MA0QCXY1AY",
        contact_name="王丽",
        contact_phone="13800000000",
        contact_email="wang@example.com",
        proof=pdf(),
    )


def test_claims_endpoint_scoped_to_the_claimant_and_staff(
    claim, other_api, api, staff_api
):
    path = f"/api/v1/claims/{claim.pk}/"
    assert token_client(claim.user).get(path).status_code == 200
    assert other_api.get(path).status_code == 404
    assert api.get(path).status_code == 401
    assert staff_api.get(path).json()["status"] == "pending"


def test_staff_approve_then_revoke_a_claim(claim, staff_api):
    response = staff_api.post(
        f"/api/v1/claims/{claim.pk}/decide/", {"approve": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert claim.enterprise.memberships.filter(user=claim.user).exists()
    response = staff_api.post(
        f"/api/v1/claims/{claim.pk}/revoke/", {"reason": "left"}, format="json"
    )
    assert response.json()["status"] == "revoked"
    assert not claim.enterprise.memberships.exists()


def test_deny_needs_a_reason_and_claimant_cannot_decide(claim, staff_api):
    path = f"/api/v1/claims/{claim.pk}/decide/"
    response = staff_api.post(path, {"approve": False}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    response = token_client(claim.user).post(path, {"approve": True}, format="json")
    assert response.status_code == 403
    response = staff_api.post(
        path, {"approve": False, "reason": "no proof"}, format="json"
    )
    assert response.json()["status"] == "denied"
    assert Claim.objects.get().reason == "no proof"


def test_staff_cannot_decide_their_own_change(owned, staff_api):
    staff = StaffFactory()
    request = change_request_submit(actor=staff, enterprise=owned, changes={"moq": "2"})
    response = token_client(staff).post(
        f"/api/v1/change-requests/{request.pk}/decide/",
        {"decisions": {"moq": {"accept": True}}},
        format="json",
    )
    assert response.status_code == 403
