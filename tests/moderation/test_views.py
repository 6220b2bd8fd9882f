import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import throttle
from enterprises.models import ChangeRecord, EnterpriseMembership
from moderation.models import ChangeRequest, Claim, Invitation
from moderation.services.changes import change_request_submit
from moderation.services.claims import claim_submit
from tests.enterprises.uploads import pdf, png, script_as_png
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MembershipFactory(
        enterprise__products="泳装",
        enterprise__description="旧介绍",
        enterprise__moq="100件",
    )


def _edit_post(client, enterprise, **overrides):
    """Submit the edit page as a browser does: every field of the form."""
    page = client.get(reverse("enterprises:enterprise-edit", args=[enterprise.pk]))
    form = page.context["form"]
    data = {}
    for name in form.fields:
        if name in ("logo", "photos_add", "certifications"):
            continue
        value = form[name].value()
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif value is True:
            data[name] = "on"
        elif value in (None, False):
            continue
        else:
            data[name] = str(value)
    data.update(
        {
            "cert-TOTAL_FORMS": "0",
            "cert-INITIAL_FORMS": "0",
            "cert-MIN_NUM_FORMS": "0",
            "cert-MAX_NUM_FORMS": "20",
        }
    )
    data.update(overrides)
    return client.post(
        reverse("enterprises:enterprise-edit", args=[enterprise.pk]), data
    )


@pytest.mark.parametrize(
    "name", ["enterprises:enterprise-edit", "enterprises:enterprise-history"]
)
def test_member_pages_permissions(client, member, name):
    url = reverse(name, args=[member.enterprise.pk])
    assert client.get(url).status_code == 302  # anonymous → login
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404  # another user
    client.force_login(MembershipFactory().user)
    assert client.get(url).status_code == 404  # another enterprise's user
    client.force_login(member.user)
    assert client.get(url).status_code == 200
    client.force_login(StaffFactory())
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        lambda: reverse("review"),
        lambda: reverse("review-stale"),
        lambda: reverse(
            "review-change-request",
            args=[ChangeRequest.objects.create(enterprise=EnterpriseFactory()).pk],
        ),
    ],
)
def test_staff_pages_permissions(client, url):
    url = url()
    assert client.get(url).status_code == 302
    client.force_login(MembershipFactory().user)
    assert client.get(url).status_code == 404
    client.force_login(StaffFactory())
    assert client.get(url).status_code == 200


def test_edit_page_submits_a_change_request(client, member):
    client.force_login(member.user)
    response = _edit_post(
        client,
        member.enterprise,
        description="新介绍",
        products="比基尼",
        moq="500件",
    )
    assert response.status_code == 302, response.context["form"].errors
    enterprise = member.enterprise
    enterprise.refresh_from_db()
    assert enterprise.description == "新介绍" and enterprise.products == "泳装"
    cr = ChangeRequest.objects.get(enterprise=enterprise)
    assert set(cr.fields.filter(status="pending").values_list("field", flat=True)) == {
        "products",
        "moq",
    }
    # The page shows the pending values to edit further.
    page = client.get(reverse("enterprises:enterprise-edit", args=[enterprise.pk]))
    assert page.context["form"]["products"].value() == "比基尼"
    assert b'data-pending="products"' in page.content


def test_tampering_with_hidden_or_extra_fields_changes_nothing(client, member):
    enterprise = member.enterprise
    enterprise.published = False
    enterprise.save()
    client.force_login(member.user)
    response = _edit_post(
        client,
        enterprise,
        published="on",
        uscc="91210000MA0QCXY1AY",
        uscc_check_override="on",
        field_sources='{"name": "staff"}',
        source="staff",
        last_confirmed_on="2026-01-01",
    )
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.published is False
    assert enterprise.uscc is None and not enterprise.uscc_check_override
    assert enterprise.field_sources == {} and enterprise.last_confirmed_on is None
    assert not ChangeRecord.objects.exists()
    assert not ChangeRequest.objects.filter(status="open").exists()


def test_edit_page_refuses_a_script_disguised_as_an_image(client, member):
    client.force_login(member.user)
    response = _edit_post(
        client, member.enterprise, photos_add=script_as_png(), description="新"
    )
    assert response.status_code == 200
    assert "photos_add" in response.context["form"].errors
    member.enterprise.refresh_from_db()
    assert member.enterprise.description == "旧介绍"
    assert not member.enterprise.photos.exists()


def test_edit_page_adds_photos_and_certifications(client, member):
    client.force_login(member.user)
    response = _edit_post(
        client,
        member.enterprise,
        photos_add=[png("a.png")],
        **{
            "cert-TOTAL_FORMS": "1",
            "cert-0-scheme": "gots",
            "cert-0-valid_until": "2027-01-31",
        },
    )
    assert response.status_code == 302
    assert member.enterprise.photos.count() == 1
    row = ChangeRequest.objects.get().fields.get(field="certifications")
    assert row.new == [
        {
            "scheme": "gots",
            "certificate_no": "",
            "valid_from": None,
            "valid_until": "2027-01-31",
        }
    ]


def test_staff_review_decides_per_field(
    client, member, django_capture_on_commit_callbacks
):
    cr = change_request_submit(
        actor=member.user,
        enterprise=member.enterprise,
        changes={"products": "比基尼", "moq": "500件"},
    )
    client.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("review-change-request", args=[cr.pk]),
            {
                "decision-products": "accept",
                "decision-moq": "reject",
                "comment-moq": "请注明单位",
            },
        )
    assert response.status_code == 302
    member.enterprise.refresh_from_db()
    assert member.enterprise.products == "比基尼" and member.enterprise.moq == "100件"
    assert len(mail.outbox) == 1
    # The enterprise user sees the outcome.
    client.force_login(member.user)
    me = client.get(reverse("me")).content.decode()
    assert "请注明单位" in me and 'data-status="rejected"' in me


def test_staff_cannot_approve_own_change_request_through_the_page(client):
    staff = StaffFactory()
    membership = MembershipFactory(user=staff, enterprise__products="泳装")
    cr = change_request_submit(
        actor=staff, enterprise=membership.enterprise, changes={"products": "比基尼"}
    )
    client.force_login(staff)
    response = client.post(
        reverse("review-change-request", args=[cr.pk]),
        {"decision-products": "accept"},
    )
    assert response.status_code == 200
    membership.enterprise.refresh_from_db()
    assert membership.enterprise.products == "泳装"
    cr.refresh_from_db()
    assert cr.status == ChangeRequest.Status.OPEN


def test_history_and_staff_revert(client, member):
    change_request_submit(
        actor=member.user, enterprise=member.enterprise, changes={"description": "新"}
    )
    record = ChangeRecord.objects.get()
    revert_url = reverse(
        "enterprises:enterprise-history-revert", args=[member.enterprise.pk, record.pk]
    )
    client.force_login(member.user)
    history = client.get(
        reverse("enterprises:enterprise-history", args=[member.enterprise.pk])
    )
    assert "新" in history.content.decode()
    assert client.post(revert_url).status_code == 404  # members cannot revert
    client.force_login(StaffFactory())
    assert client.post(revert_url, {"reason": "误填"}).status_code == 302
    member.enterprise.refresh_from_db()
    assert member.enterprise.description == "旧介绍"
    revert = ChangeRecord.objects.get(origin=ChangeRecord.Origin.REVERT)
    assert revert.reverts == record and revert.reason == "误填"


def test_claim_page_and_review(client, django_capture_on_commit_callbacks):
    enterprise = EnterpriseFactory()
    draft = EnterpriseFactory(published=False)
    url = reverse("enterprises:enterprise-claim", args=[enterprise.pk])
    assert client.get(url).status_code == 302
    person = UserFactory()
    client.force_login(person)
    assert (
        client.get(reverse("enterprises:enterprise-claim", args=[draft.pk])).status_code
        == 404
    )
    data = {
        "relationship": "总经理",
        "uscc": "91210000MA0QCXY1AY",
        "contact_name": "王丽",
        "contact_phone": "13800000000",
        "contact_email": "wang@example.com",
        "consent": "on",
    }
    bad = client.post(url, {**data, "proof": script_as_png("licence.pdf")})
    assert bad.status_code == 200 and "proof" in bad.context["form"].errors
    assert client.post(url, {**data, "proof": pdf()}).status_code == 302
    claim = Claim.objects.get()
    assert 'data-status="pending"' in client.get(reverse("me")).content.decode()

    proof_url = reverse("review-claim-proof", args=[claim.pk])
    assert client.get(proof_url).status_code == 404
    staff = StaffFactory()
    client.force_login(staff)
    queue = client.get(reverse("review"))
    assert f'data-enterprise="{enterprise.pk}"' in queue.content.decode()
    proof = client.get(proof_url)
    assert proof.status_code == 200
    assert proof["Content-Disposition"].startswith("attachment")
    assert proof["Content-Type"] == "application/pdf"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("review-claim", args=[claim.pk]), {"action": "approve"}
        )
    assert response.status_code == 302
    assert EnterpriseMembership.objects.filter(user=person, enterprise=enterprise)
    assert mail.outbox[0].to == [person.email]


def test_review_queue_is_oldest_first_and_filters(client):
    old = MembershipFactory()
    new = MembershipFactory(enterprise__region_id="210214")
    first = change_request_submit(
        actor=old.user, enterprise=old.enterprise, changes={"products": "a"}
    )
    claim = claim_submit(
        actor=UserFactory(),
        enterprise=new.enterprise,
        relationship="员工",
        uscc="91210000MA0QCXY1AY",
        contact_name="李",
        contact_phone="1",
        contact_email="li@example.com",
        proof=pdf(),
    )
    client.force_login(StaffFactory())
    items = client.get(reverse("review")).context["items"]
    assert [obj for _kind, obj in items] == [first, claim]
    items = client.get(reverse("review"), {"kind": "claims"}).context["items"]
    assert [obj for _kind, obj in items] == [claim]
    items = client.get(reverse("review"), {"city": "210200"}).context["items"]
    assert [obj for _kind, obj in items] == [claim]


def test_invitation_flow(client, enterprise, django_capture_on_commit_callbacks):
    invite_url = reverse("enterprises:enterprise-invite", args=[enterprise.pk])
    client.force_login(UserFactory())
    assert client.get(invite_url).status_code == 404
    client.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(invite_url, {"email": "boss@example.com", "role": "owner"})
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/invitations/" in line
    )
    path = link.split("testserver", 1)[1]
    client.logout()
    assert client.get(path).status_code == 200
    weak = client.post(
        path, {"username": "boss", "password1": "123", "password2": "123"}
    )
    assert weak.status_code == 200 and weak.context["form"].errors  # validators
    response = client.post(
        path,
        {
            "username": "boss",
            "password1": "Liaoning-textile-99",
            "password2": "Liaoning-textile-99",
        },
    )
    assert response.status_code == 302
    membership = EnterpriseMembership.objects.get(enterprise=enterprise)
    assert membership.user.email == "boss@example.com" and membership.role == "owner"
    assert Invitation.objects.get().accepted_by == membership.user
    client.logout()
    assert client.get(path).status_code == 404  # one-time


def test_stale_profiles_page(client):
    stale = EnterpriseFactory(last_confirmed_on=dt.date(2020, 1, 1))
    fresh = EnterpriseFactory(last_confirmed_on=timezone.localdate())
    client.force_login(StaffFactory())
    page = client.get(reverse("review-stale")).content.decode()
    assert f'data-enterprise="{stale.pk}"' in page
    assert f'data-enterprise="{fresh.pk}"' not in page


def test_confirm_profile(client, member):
    client.force_login(member.user)
    url = reverse("enterprises:enterprise-confirm", args=[member.enterprise.pk])
    assert client.post(url).status_code == 302
    member.enterprise.refresh_from_db()
    assert member.enterprise.last_confirmed_on is not None
    client.force_login(UserFactory())
    assert client.post(url).status_code == 404


def test_reminder_command(member, capsys):
    member.enterprise.last_confirmed_on = dt.date(2024, 1, 1)
    member.enterprise.save()
    call_command("send_confirmation_reminders", today="2026-06-01")
    assert "nothing sent" in capsys.readouterr().out
    call_command("send_confirmation_reminders", today="2026-07-02")
    assert "Reminded 1" in capsys.readouterr().out
    call_command("send_confirmation_reminders", today="2026-07-03")
    assert "Reminded 0" in capsys.readouterr().out


# Accounts --------------------------------------------------------------------------


def test_login_is_throttled_with_a_clear_message(client):
    user = UserFactory()
    url = reverse("login")
    for _ in range(throttle.MAX_FAILURES_PER_USER):
        r = client.post(url, {"username": user.username, "password": "wrong"})
        assert r.status_code == 200
    response = client.post(
        url,
        {"username": user.username, "password": "pw-for-tests-2026"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200  # refused even with the right password
    assert "Too many failed login attempts" in str(response.context["form"].errors)
    response = client.post(
        url, {"username": user.username, "password": "pw-for-tests-2026"}
    )
    assert "登录失败次数过多" in str(response.context["form"].errors)
    # Another account from elsewhere is unaffected.
    other = UserFactory()
    response = client.post(
        url,
        {"username": other.username, "password": "pw-for-tests-2026"},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 302


def test_login_success_and_session_expiry(client, settings):
    user = UserFactory()
    response = client.post(
        reverse("login"), {"username": user.username, "password": "pw-for-tests-2026"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("me")
    assert 0 < client.session.get_expiry_age() <= 12 * 3600
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE


def test_password_reset_sends_a_link(client):
    user = UserFactory()
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert mail.outbox[0].to == [user.email]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    confirm = client.get(link.split("testserver", 1)[1], follow=True)
    assert confirm.context["validlink"]


def test_me_lists_enterprises_and_has_api_token_section(client, member):
    client.force_login(member.user)
    page = client.get(reverse("me")).content.decode()
    assert f'data-enterprise="{member.enterprise.pk}"' in page
    assert 'id="api-tokens"' in page


def test_a_failed_edit_lists_every_error_at_the_top_linking_its_field(client, member):
    client.force_login(member.user)
    response = _edit_post(
        client,
        member.enterprise,
        contact_email="not-an-address",
        business_models=["no-such-model"],
        **{
            "cert-TOTAL_FORMS": "1",
            "cert-0-scheme": "gots",
            "cert-0-valid_until": "2027-02-31",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index("data-error-summary")
    summary = page[start : page.index("</ul>", start)]
    links = re.findall(r'href="#([^"]+)"', summary)
    # In the page's order, each to an element of the page; the checkbox group's
    # to its first box, the certification's to the row's input.
    assert links == [
        "id_business_models_0",
        "id_contact_email",
        "id_cert-0-valid_until",
    ]
    for anchor in links:
        assert f'id="{anchor}"' in page[start + len(summary) :]
    assert "(1)" in summary  # the certification's row
    member.enterprise.refresh_from_db()
    assert not ChangeRequest.objects.exists()


def test_a_rule_across_fields_is_listed_in_the_summary_without_a_link(client, member):
    client.force_login(member.user)
    response = _edit_post(
        client, member.enterprise, latitude="41.1", longitude="", datum="wgs84"
    )
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index("data-error-summary")
    summary = page[start : page.index("</ul>", start)]
    assert "请同时填写纬度和经度，或都不填写。" in summary
    assert "href" not in summary
