"""Limits that could be walked around: the counter lost updates under parallel
requests, /admin/login/ was not throttled, the API trusted any X-Forwarded-For,
and password-reset e-mails were unlimited."""

import threading

import pytest
from django.contrib.auth.signals import user_login_failed
from django.core import mail
from django.db import connection
from django.test import Client

from accounts import throttle
from tests.factories import StaffFactory, UserFactory

PASSWORD = "pw-for-tests-2026"


def _at_once(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results: list = []

    def run(i):
        try:
            barrier.wait()
            results.append(work(i))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_the_counter_loses_no_update_under_30_parallel_hits():
    counts = _at_once(30, lambda i: throttle.hit("test:parallel", window=60)[0])
    assert sorted(counts) == list(range(1, 31))


@pytest.mark.django_db(transaction=True)
def test_30_parallel_wrong_passwords_check_at_most_five():
    user = UserFactory()
    checked = []

    def failed(sender, credentials, **kwargs):
        checked.append(credentials["username"])

    user_login_failed.connect(failed)
    try:
        statuses = _at_once(
            30,
            lambda i: (
                Client(REMOTE_ADDR=f"10.0.0.{i}")
                .post("/accounts/login/", {"username": user.username, "password": "no"})
                .status_code
            ),
        )
    finally:
        user_login_failed.disconnect(failed)
    assert statuses == [200] * 30
    assert len(checked) <= throttle.MAX_FAILURES_PER_USER
    # Locked now, even with the right password.
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def _admin_login(client, user, password):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": password},
        headers={"accept-language": "en"},
    )


@pytest.mark.django_db
def test_admin_login_is_locked_with_the_sites_login(client):
    staff = StaffFactory(is_staff=True)
    for _ in range(throttle.MAX_FAILURES_PER_USER):
        client.post("/accounts/login/", {"username": staff.username, "password": "x"})
    response = _admin_login(client, staff, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_failures_lock_the_account(client):
    staff = StaffFactory(is_staff=True)
    for _ in range(throttle.MAX_FAILURES_PER_USER):
        assert _admin_login(client, staff, "wrong").status_code == 200
    assert "Too many failed" in _admin_login(client, staff, PASSWORD).content.decode()
    response = client.post(
        "/accounts/login/", {"username": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_successful_login_clears_the_accounts_count(client):
    user = UserFactory()
    for _ in range(throttle.MAX_FAILURES_PER_USER - 1):
        client.post("/accounts/login/", {"username": user.username, "password": "x"})
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert not throttle.is_locked(username=user.username, address="127.0.0.1")


@pytest.mark.django_db
def test_a_login_without_a_password_does_not_clear_the_lock(client):
    user = UserFactory()
    for _ in range(throttle.MAX_FAILURES_PER_USER - 1):
        client.post("/accounts/login/", {"username": user.username, "password": "x"})
    client.post("/accounts/login/", {"username": user.username, "password": ""})
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "token": "5/min", "user": "5/min"},
    }


@pytest.mark.django_db
def test_a_forwarded_for_header_does_not_buy_a_new_budget(api, low_rates):
    statuses = [
        api.get(
            "/api/v1/programmes/", headers={"x-forwarded-for": f"203.0.113.{i}"}
        ).status_code
        for i in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


@pytest.mark.django_db
def test_clients_at_other_addresses_have_their_own_budget(low_rates):
    first, second = (
        Client(REMOTE_ADDR="198.51.100.1"),
        Client(REMOTE_ADDR="198.51.100.2"),
    )
    for _ in range(3):
        assert first.get("/api/v1/programmes/").status_code == 200
    assert first.get("/api/v1/programmes/").status_code == 429
    assert second.get("/api/v1/programmes/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_30_parallel_api_requests_get_exactly_the_rate(low_rates):
    statuses = _at_once(30, lambda i: Client().get("/api/v1/programmes/").status_code)
    assert sorted(statuses) == [200] * 3 + [429] * 27


@pytest.mark.django_db
def test_password_reset_emails_are_limited_per_address(client):
    UserFactory(email="boss@example.com")
    for _ in range(throttle.MAX_EMAILS + 2):
        response = client.post(
            "/accounts/password_reset/", {"email": "boss@example.com"}
        )
        assert response.status_code == 302  # the same answer every time
    assert len(mail.outbox) == throttle.MAX_EMAILS
    # Another spelling of the same address shares the budget.
    client.post("/accounts/password_reset/", {"email": " BOSS@example.com"})
    assert len(mail.outbox) == throttle.MAX_EMAILS


@pytest.mark.django_db
def test_email_allowed_limits_per_address_and_per_account():
    for i in range(throttle.MAX_EMAILS):
        assert throttle.email_allowed("signup", email=f"a{i}@example.com", account=7)
    # A fresh address, but the account has had its e-mails.
    assert not throttle.email_allowed("signup", email="new@example.com", account=7)
    # Another account, another kind: their own budgets.
    assert throttle.email_allowed("signup", email="other@example.com", account=8)
    assert throttle.email_allowed("verify", email="a0@example.com", account=7)
