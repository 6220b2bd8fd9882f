"""An invitation link submitted twice at the same moment: one request accepts it,
the other gets the "cannot be used" page (404); one account, one membership. Two
real connections (threads), so the database's locking is what is tested."""

import threading

import pytest
from django.db import connection
from django.test import Client

from enterprises.models import EnterpriseMembership
from moderation.models import Invitation
from moderation.services.invitations import invitation_create
from tests.factories import EnterpriseFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _link():
    invitation, token = invitation_create(
        actor=StaffFactory(),
        enterprise=EnterpriseFactory(),
        email="boss@example.com",
        site_url="http://testserver",
    )
    return invitation, f"/invitations/{token}/"


def _at_once(requests) -> list[int]:
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []

    def run(send):
        try:
            barrier.wait()
            statuses.append(send().status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(send,)) for send in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_two_new_accounts_at_once_make_one():
    invitation, path = _link()

    def sign_up(username):
        client = Client(raise_request_exception=False)
        return lambda: client.post(
            path,
            {
                "username": username,
                "password1": "Liaoning-textile-99",
                "password2": "Liaoning-textile-99",
            },
        )

    assert _at_once([sign_up("boss"), sign_up("boss2")]) == [302, 404]
    membership = EnterpriseMembership.objects.get()
    assert Invitation.objects.get().accepted_by == membership.user
    assert membership.user.email == "boss@example.com"
    assert (
        not type(membership.user)
        .objects.filter(username__in=["boss", "boss2"])
        .exclude(pk=membership.user.pk)
        .exists()
    )


def test_the_same_user_accepting_twice_at_once():
    invitation, path = _link()
    user = UserFactory()

    def accept():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        return lambda: client.post(path)

    assert _at_once([accept(), accept()]) == [302, 404]
    assert EnterpriseMembership.objects.filter(user=user).count() == 1
