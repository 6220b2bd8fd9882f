import pytest
from django.core import mail
from django.urls import reverse

from inquiries.models import Inquiry
from inquiries.services import PER_HOUR
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DATA = {
    "subject": "询价：精梳棉府绸",
    "message": "请报 5,000 米精梳棉府绸的价格和交期。",
    "products": "精梳棉府绸",
    "quantity": "5,000 米",
    "consent": "on",
}


@pytest.fixture
def firm(db):
    enterprise = EnterpriseFactory(
        contact_phone="0411-5550199",
        contact_email="hidden-sales@example.com",
        contact_person="赵经理",
    )
    MembershipFactory(enterprise=enterprise, user__email="boss@firm.example")
    return enterprise


def _send(client, enterprise, **extra):
    return client.post(
        reverse("enterprises:enterprise-inquire", args=[enterprise.pk]),
        {**DATA, **extra},
    )


def test_an_inquiry_reaches_the_enterprise_and_its_answer_the_sender(
    client, firm, django_capture_on_commit_callbacks
):
    buyer = UserFactory(email="buyer@example.com")
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, firm)
    inquiry = Inquiry.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == inquiry.get_absolute_url()
    )
    (message,) = mail.outbox
    assert message.to == ["boss@firm.example"]
    assert (
        DATA["message"] in message.body and inquiry.get_absolute_url() in message.body
    )
    assert "buyer@example.com" not in message.body

    # The enterprise sees it in /me/ and answers.
    boss = firm.memberships.get().user
    client.force_login(boss)
    assert f'data-inquiry="{inquiry.pk}"' in client.get(reverse("me")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(inquiry.get_absolute_url(), {"message": "每米 12 元，交期 20 天。"})
    assert mail.outbox[-1].to == ["buyer@example.com"]
    assert "boss@firm.example" not in mail.outbox[-1].body

    # The sender reads the answer; no hidden contact field of the firm shows.
    client.force_login(buyer)
    page = client.get(inquiry.get_absolute_url()).content.decode()
    assert "每米 12 元" in page and 'data-from="enterprise"' in page
    for hidden in ("0411-5550199", "hidden-sales@example.com", "boss@firm.example"):
        assert hidden not in page
    assert f'data-inquiry="{inquiry.pk}"' in client.get(reverse("me")).content.decode()


def test_staff_see_every_inquiry_others_get_404(client, firm):
    buyer = UserFactory()
    client.force_login(buyer)
    _send(client, firm)
    inquiry = Inquiry.objects.get()
    client.force_login(UserFactory())
    assert client.get(inquiry.get_absolute_url()).status_code == 404
    assert (
        client.post(inquiry.get_absolute_url(), {"message": "我也想问"}).status_code
        == 404
    )
    assert (
        f'data-inquiry="{inquiry.pk}"'
        not in client.get(reverse("inquiries:inquiry-list")).content.decode()
    )
    client.force_login(StaffFactory())
    assert (
        f'data-inquiry="{inquiry.pk}"'
        in client.get(reverse("inquiries:inquiry-list")).content.decode()
    )
    page = client.get(inquiry.get_absolute_url())
    assert page.status_code == 200 and page.context["form"] is None  # staff read only
    client.logout()
    assert client.get(inquiry.get_absolute_url()).status_code == 302  # to log in


def test_bad_input_is_explained_and_sends_nothing(client, firm):
    client.force_login(UserFactory())
    response = _send(client, firm, subject="", message="太短", consent="")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"subject", "message", "consent"}
    assert "data-error-summary" in response.content.decode()
    assert not Inquiry.objects.exists() and mail.outbox == []


def test_senders_are_throttled_and_cannot_repeat_or_write_to_themselves(client, firm):
    buyer = UserFactory()
    client.force_login(buyer)
    for n in range(PER_HOUR):
        assert (
            _send(client, EnterpriseFactory(), subject=f"询价 {n}").status_code == 302
        )
    response = _send(client, firm)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors().as_data()[0].code == "throttled"
    assert Inquiry.objects.count() == PER_HOUR

    Inquiry.objects.all().delete()
    assert _send(client, firm).status_code == 302
    again = _send(client, firm)
    assert again.status_code == 200 and again.context["form"].non_field_errors()

    client.force_login(firm.memberships.get().user)
    own = _send(client, firm, subject="自己")
    assert own.status_code == 200 and own.context["form"].non_field_errors()


def test_drafts_cannot_be_written_to_and_visitors_log_in_first(client):
    draft = EnterpriseFactory(published=False)
    url = reverse("enterprises:enterprise-inquire", args=[draft.pk])
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
