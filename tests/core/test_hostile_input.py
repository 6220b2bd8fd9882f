"""Input that used to be a 500: a NUL character anywhere (path, query string, form
field, JSON value), non-integer ids in the API, ``{"photos_add": null}``, and a
POST to an API address that does not exist. Each is a 4xx with a translated
message, and nothing changes."""

import pytest
from django.test import Client

from enterprises.models import ChangeRecord, Enterprise
from moderation.models import ChangeRequest
from tests.factories import EnterpriseFactory, StaffFactory

pytestmark = pytest.mark.django_db

NUL_URLS = [
    "/enterprises/typeahead/?q=%00",
    "/enterprises/?q=%00",
    "/enterprises/?city=%00",
    "/enterprises/?sort=%00",
    "/clusters/?q=%00",
    "/api/v1/enterprises/?q=%00",
    "/api/v1/enterprises/?%00=1",
    "/api/v1/regions/?parent=%00",
    "/api/v1/clusters/a%00b/",
    "/enterprises/%00/",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_in_the_address_is_a_400_with_a_message(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    text = response.content.decode()
    assert "null character" in text
    if url.startswith("/api/"):
        assert response.json()["error"]["code"] == "invalid"


def test_the_nul_message_is_translated(client):
    response = client.get("/enterprises/typeahead/?q=%00")  # default: Chinese
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_nul_in_a_form_field_is_a_400_and_logs_nobody_in():
    client = Client(enforce_csrf_checks=False)
    response = client.post("/accounts/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "payload",
    [
        {"region": "\u0000"},
        {"clusters": ["\u0000"]},
        {"name_en": "ab\u0000c"},
        {"certifications": [{"scheme": "\u0000"}]},
    ],
)
@pytest.mark.parametrize("who", ["owner_api", "staff_api"])
def test_a_nul_in_a_patch_is_a_400_and_changes_nothing(request, owned, who, payload):
    api = request.getfixturevalue(who)
    enterprise = owned if who == "owner_api" else EnterpriseFactory()
    before = Enterprise.objects.values().get(pk=enterprise.pk)
    response = api.patch(
        f"/api/v1/enterprises/{enterprise.pk}/", payload, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert Enterprise.objects.values().get(pk=enterprise.pk) == before
    assert not ChangeRequest.objects.exists()
    assert not ChangeRecord.objects.exists()


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete", "post"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/enterprises/abc/",
        "/api/v1/enterprises/1.5/",
        "/api/v1/enterprises/-1/",
        "/api/v1/change-requests/abc/",
        "/api/v1/claims/abc/decide/",
        "/api/v1/designations/abc/",
    ],
)
def test_non_integer_ids_are_the_apis_404(staff_api, method, url):
    response = getattr(staff_api, method)(url, {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_huge_ids_are_a_404(staff_api):
    response = staff_api.patch(
        "/api/v1/enterprises/99999999999999999999/", {}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("value", [None, [None]])
def test_photos_add_null_adds_nothing(owner_api, owned, value):
    response = owner_api.patch(
        f"/api/v1/enterprises/{owned.pk}/", {"photos_add": value}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["change_request"] is None
    assert not owned.photos.exists()


def test_photos_add_that_is_not_a_file_is_a_400(owner_api, owned):
    response = owner_api.patch(
        f"/api/v1/enterprises/{owned.pk}/", {"photos_add": ["x"]}, format="json"
    )
    assert response.status_code == 400
    assert "photos_add" in response.json()["error"]["fields"]


@pytest.mark.parametrize("url", ["/api/v1/nothing-here/", "/api/v1/enterprises/1/x/"])
def test_a_post_to_an_unknown_api_address_is_the_apis_json_404(url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffFactory())
    response = client.post(url, {"a": "b"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "No API endpoint at this address.",
        "fields": {},
    }
