"""API tokens: hashed at rest, shown once, revocable by the owner and by staff,
last-used time, and authentication with them."""

import hashlib
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY_RE = re.compile(r"data-token-key>(ltd_[A-Za-z0-9_\-]+)<")


def _create(client, name="ERP sync"):
    response = client.post(reverse("api-token-create"), {"name": name})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return KEY_RE.search(response.content.decode()).group(1)


def _bearer(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_token_is_created_on_the_account_page_shown_once_and_stored_hashed(
    client, user
):
    client.force_login(user)
    key = _create(client)
    token = ApiToken.objects.get(user=user)
    assert token.name == "ERP sync"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(token.prefix)
    assert all(key not in str(v) for v in ApiToken.objects.values().get().values())
    page = client.get(reverse("me")).content.decode()
    assert "ERP sync" in page and token.prefix in page
    assert key not in page  # never shown again


def test_several_tokens_per_user_each_usable(client, user):
    client.force_login(user)
    keys = [_create(client, "a"), _create(client, "b")]
    assert user.api_tokens.count() == 2
    for key in keys:
        assert _bearer(key).get("/api/v1/clusters/").status_code == 200


def test_token_authenticates_as_its_user_and_records_last_use(owner, owned):
    client = APIClient()
    client.force_login(owner)
    key = _create(client)
    token = ApiToken.objects.get(user=owner)
    assert token.last_used_at is None
    response = _bearer(key).get(f"/api/v1/enterprises/{owned.pk}/")
    assert response.status_code == 200  # the owner's unpublished enterprise
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_is_refused(client, user):
    client.force_login(user)
    key = _create(client)
    token = ApiToken.objects.get(user=user)
    response = client.post(reverse("api-token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == user
    response = _bearer(key).get("/api/v1/clusters/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_another_users_token_cannot_be_revoked_404(client, user):
    other = UserFactory()
    client.force_login(other)
    _create(client)
    token = ApiToken.objects.get(user=other)
    client.force_login(user)
    response = client.post(reverse("api-token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_cannot_create_or_revoke_tokens(client, db):
    response = client.post(reverse("api-token-create"), {"name": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("api-token-revoke", args=[1]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ApiToken.objects.exists()


def test_token_without_a_name_is_refused_with_a_message(client, user):
    client.force_login(user)
    response = client.post(reverse("api-token-create"), {"name": " "}, follow=True)
    assert not ApiToken.objects.exists()
    assert response.context["messages"]


def test_staff_revoke_any_token_in_the_admin(client, user):
    owner_client = APIClient()
    owner_client.force_login(user)
    key = _create(owner_client)
    token = ApiToken.objects.get(user=user)
    staff = StaffFactory(is_superuser=True)
    client.force_login(staff)
    listing = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert listing.status_code == 200 and token.prefix in listing.content.decode()
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == staff
    assert _bearer(key).get("/api/v1/clusters/").status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ltd_nope", "Bearer a b", "Token ltd_nope"]
)
def test_bad_authorization_headers_get_401(db, header):
    response = APIClient().get("/api/v1/clusters/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_session_authentication_needs_csrf_for_writes(owner, owned):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get(f"/api/v1/enterprises/{owned.pk}/").status_code == 200
    response = client.patch(
        f"/api/v1/enterprises/{owned.pk}/", {"wechat": "x"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
