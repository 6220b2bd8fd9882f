import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from enterprises.models import ChangeRecord, Enterprise, EnterpriseMembership
from moderation.models import (
    ChangeRequest,
    ChangeRequestField,
    Claim,
    ConfirmationReminder,
)
from moderation.services.changes import (
    change_request_decide,
    change_request_submit,
    history_revert,
)
from moderation.services.claims import claim_decide, claim_revoke, claim_submit
from moderation.services.confirmations import confirmation_reminders_send
from moderation.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
)
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
        enterprise__products="泳装", enterprise__description="旧介绍"
    )


def test_low_risk_fields_publish_at_once_and_others_wait(member):
    enterprise = member.enterprise
    cr = change_request_submit(
        actor=member.user,
        enterprise=enterprise,
        changes={"description": "新介绍", "products": "比基尼", "moq": "500件"},
    )
    enterprise.refresh_from_db()
    assert enterprise.description == "新介绍"
    assert enterprise.products == "泳装" and enterprise.moq == ""
    assert cr.status == ChangeRequest.Status.OPEN
    rows = {r.field: r for r in cr.fields.all()}
    assert rows["products"].old == "泳装" and rows["products"].new == "比基尼"
    assert rows["description"].status == ChangeRequestField.Status.PUBLISHED
    record = ChangeRecord.objects.get(enterprise=enterprise)
    assert record.origin == ChangeRecord.Origin.SELF_SERVICE
    assert record.reference == f"change-request:{cr.pk}"
    assert record.changes == {"description": {"old": "旧介绍", "new": "新介绍"}}


def test_a_later_edit_updates_the_one_open_request(member):
    enterprise = member.enterprise
    first = change_request_submit(
        actor=member.user, enterprise=enterprise, changes={"products": "比基尼"}
    )
    second = change_request_submit(
        actor=member.user,
        enterprise=enterprise,
        changes={"products": "沙滩裤", "lead_time_days": 30},
    )
    assert first.pk == second.pk
    assert ChangeRequest.objects.filter(enterprise=enterprise).count() == 1
    pending = dict(second.fields.values_list("field", "new"))
    assert pending == {"products": "沙滩裤", "lead_time_days": 30}
    # Setting a field back to its published value withdraws it.
    change_request_submit(
        actor=member.user, enterprise=enterprise, changes={"products": "泳装"}
    )
    assert set(second.fields.values_list("field", flat=True)) == {"lead_time_days"}


def test_database_allows_one_open_request_per_enterprise(enterprise):
    ChangeRequest.objects.create(enterprise=enterprise)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeRequest.objects.create(enterprise=enterprise)


def test_bad_values_raise_field_errors_and_change_nothing(member):
    with pytest.raises(ValidationError) as exc:
        change_request_submit(
            actor=member.user,
            enterprise=member.enterprise,
            changes={
                "description": "新介绍",
                "export_share": 150,
                "sectors": ["nonsense"],
                "latitude": "40.1",
            },
        )
    errors = exc.value.message_dict
    assert {"export_share", "sectors"} <= set(errors)
    assert "__all__" in errors  # latitude without longitude
    assert not ChangeRequest.objects.exists()
    member.enterprise.refresh_from_db()
    assert member.enterprise.description == "旧介绍"


def test_staff_only_fields_are_refused(member):
    enterprise = member.enterprise
    enterprise.published = False
    enterprise.save()
    with pytest.raises(ValidationError) as exc:
        change_request_submit(
            actor=member.user,
            enterprise=enterprise,
            changes={"published": True, "uscc_check_override": True},
        )
    assert set(exc.value.message_dict) == {"published", "uscc_check_override"}
    enterprise.refresh_from_db()
    assert enterprise.published is False and not enterprise.uscc_check_override


def test_non_member_cannot_submit(enterprise):
    with pytest.raises(PermissionDenied):
        change_request_submit(
            actor=UserFactory(), enterprise=enterprise, changes={"products": "x"}
        )


def test_staff_accepts_one_field_and_rejects_another(
    member, django_capture_on_commit_callbacks
):
    enterprise = member.enterprise
    cr = change_request_submit(
        actor=member.user,
        enterprise=enterprise,
        changes={"products": "比基尼", "moq": "500件"},
    )
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        change_request_decide(
            actor=staff,
            change_request=cr,
            decisions={"products": (True, ""), "moq": (False, "请注明单位")},
        )
    enterprise.refresh_from_db()
    assert enterprise.products == "比基尼" and enterprise.moq == ""
    cr.refresh_from_db()
    assert cr.status == ChangeRequest.Status.CLOSED
    assert cr.fields.get(field="moq").comment == "请注明单位"
    record = ChangeRecord.objects.get(origin=ChangeRecord.Origin.CHANGE_REQUEST)
    assert record.actor == staff and record.reference == f"change-request:{cr.pk}"
    assert record.changes == {"products": {"old": "泳装", "new": "比基尼"}}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [member.user.email]
    assert "请注明单位" in mail.outbox[0].body


def test_a_user_cannot_approve_its_own_change_request():
    staff = StaffFactory()
    membership = MembershipFactory(user=staff, enterprise__products="泳装")
    cr = change_request_submit(
        actor=staff, enterprise=membership.enterprise, changes={"products": "比基尼"}
    )
    with pytest.raises(PermissionDenied):
        change_request_decide(
            actor=staff, change_request=cr, decisions={"products": (True, "")}
        )
    membership.enterprise.refresh_from_db()
    assert membership.enterprise.products == "泳装"


def test_non_staff_cannot_decide(member):
    cr = change_request_submit(
        actor=member.user, enterprise=member.enterprise, changes={"products": "x"}
    )
    with pytest.raises(PermissionDenied):
        change_request_decide(
            actor=UserFactory(), change_request=cr, decisions={"products": (True, "")}
        )


def test_rejection_needs_a_comment(member):
    cr = change_request_submit(
        actor=member.user, enterprise=member.enterprise, changes={"products": "x"}
    )
    with pytest.raises(ValidationError):
        change_request_decide(
            actor=StaffFactory(), change_request=cr, decisions={"products": (False, "")}
        )


def test_certifications_logo_and_photos(member):
    enterprise = member.enterprise
    cr = change_request_submit(
        actor=member.user,
        enterprise=enterprise,
        changes={
            "certifications": [
                {"scheme": "oeko_tex_100", "valid_until": "2027-06-30"},
            ],
            "logo": png("logo.png"),
            "photos_add": [png("a.png"), png("b.png")],
        },
    )
    assert enterprise.photos.count() == 2  # photos are low-risk
    assert not enterprise.certifications.exists()
    change_request_decide(
        actor=StaffFactory(),
        change_request=cr,
        decisions={"certifications": (True, ""), "logo": (True, "")},
    )
    enterprise.refresh_from_db()
    cert = enterprise.certifications.get()
    assert cert.scheme == "oeko_tex_100" and cert.valid_until == dt.date(2027, 6, 30)
    assert enterprise.logo.name.startswith("logos/")
    assert enterprise.logo.name.endswith(".jpg")  # re-encoded
    # Removing a photo publishes at once and is recorded.
    photo = enterprise.photos.first()
    change_request_submit(
        actor=member.user, enterprise=enterprise, changes={"photos_remove": [photo.pk]}
    )
    assert enterprise.photos.count() == 1
    record = ChangeRecord.objects.filter(enterprise=enterprise).first()
    assert len(record.changes["photos"]["old"]) == 2
    # Staff can revert it.
    history_revert(actor=StaffFactory(), record=record, reason="误改")
    assert enterprise.photos.count() == 2


def test_a_script_disguised_as_an_image_is_refused(member):
    with pytest.raises(ValidationError) as exc:
        change_request_submit(
            actor=member.user,
            enterprise=member.enterprise,
            changes={"photos_add": [script_as_png()]},
        )
    assert "photos_add" in exc.value.message_dict
    assert not member.enterprise.photos.exists()


def test_duplicate_or_inverted_certifications_are_refused(member):
    with pytest.raises(ValidationError) as exc:
        change_request_submit(
            actor=member.user,
            enterprise=member.enterprise,
            changes={
                "certifications": [
                    {"scheme": "gots"},
                    {"scheme": "gots"},
                    {
                        "scheme": "grs",
                        "valid_from": "2026-01-01",
                        "valid_until": "2025-01-01",
                    },
                ]
            },
        )
    assert len(exc.value.message_dict["certifications"]) == 2


# Claims --------------------------------------------------------------------------


def _claim(user, enterprise, **kwargs):
    return claim_submit(
        actor=user,
        enterprise=enterprise,
        relationship="总经理",
        uscc=kwargs.pop("uscc", enterprise.uscc or "91210000MA0QCXY1AY"),
        contact_name="王丽",
        contact_phone="13800000000",
        contact_email="wang@example.com",
        proof=kwargs.pop("proof", pdf()),
    )


def test_claim_approve_deny_revoke(enterprise, django_capture_on_commit_callbacks):
    person, staff = UserFactory(), StaffFactory()
    claim = _claim(person, enterprise)
    with pytest.raises(ValidationError):
        _claim(person, enterprise)  # one pending claim per person and enterprise
    with django_capture_on_commit_callbacks(execute=True):
        claim_decide(actor=staff, claim=claim, approve=True, reason="")
    membership = EnterpriseMembership.objects.get(user=person, enterprise=enterprise)
    assert membership.role == "owner"
    with django_capture_on_commit_callbacks(execute=True):
        claim_revoke(actor=staff, claim=claim, reason="已离职")
    assert not EnterpriseMembership.objects.filter(user=person).exists()
    assert [m.to for m in mail.outbox] == [[person.email], [person.email]]
    assert "已离职" in mail.outbox[1].body

    other = _claim(UserFactory(), enterprise)
    with pytest.raises(ValidationError):
        claim_decide(actor=staff, claim=other, approve=False, reason="")
    claim_decide(actor=staff, claim=other, approve=False, reason="证明不清楚")
    assert Claim.objects.get(pk=other.pk).status == Claim.Status.DENIED


def test_claim_proof_is_checked_by_content(enterprise):
    with pytest.raises(ValidationError) as exc:
        _claim(UserFactory(), enterprise, proof=script_as_png("licence.pdf"))
    assert "proof" in exc.value.message_dict
    claim = _claim(UserFactory(), enterprise, proof=png("licence.png"))
    assert claim.proof.name.endswith(".jpg")


def test_claim_uscc_must_match_the_record():
    enterprise = EnterpriseFactory(uscc="91210000MA0QCXY1AY")
    with pytest.raises(ValidationError) as exc:
        _claim(UserFactory(), enterprise, uscc="91210000MA0QCXY2B3")
    assert "uscc" in exc.value.message_dict


def test_staff_cannot_decide_own_claim(enterprise):
    staff = StaffFactory()
    claim = _claim(staff, enterprise)
    with pytest.raises(PermissionDenied):
        claim_decide(actor=staff, claim=claim, approve=True, reason="")


# Invitations -----------------------------------------------------------------------


def test_invitation_is_one_time_and_expires(
    enterprise, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invitation_create(
            actor=staff,
            enterprise=enterprise,
            email="new@example.com",
            role="editor",
            site_url="http://testserver",
        )
    assert f"http://testserver/invitations/{token}/" in mail.outbox[0].body
    assert invitation.token_hash != token
    user = UserFactory()
    found = invitation_for_token(token)
    membership = invitation_accept(actor=user, invitation=found)
    assert membership.enterprise == enterprise
    assert invitation_for_token(token) is None
    with pytest.raises(ValidationError):
        invitation_accept(actor=UserFactory(), invitation=invitation)

    expired, token2 = invitation_create(
        actor=staff, enterprise=enterprise, email="x@example.com", site_url=""
    )
    expired.expires_at = expired.created_at - dt.timedelta(seconds=1)
    expired.save()
    assert invitation_for_token(token2) is None


def test_only_staff_invite(enterprise):
    with pytest.raises(PermissionDenied):
        invitation_create(
            actor=UserFactory(), enterprise=enterprise, email="a@b.cn", site_url=""
        )


# Reminders -------------------------------------------------------------------------


def test_reminders_once_per_cycle_after_june(django_capture_on_commit_callbacks):
    stale = MembershipFactory(enterprise__last_confirmed_on=dt.date(2024, 5, 1))
    MembershipFactory(enterprise__last_confirmed_on=dt.date(2026, 1, 5))  # fresh
    assert confirmation_reminders_send(today=dt.date(2026, 6, 30)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmation_reminders_send(today=dt.date(2026, 7, 1)) == 1
    assert mail.outbox[0].to == [stale.user.email]
    assert stale.enterprise.name in mail.outbox[0].body
    assert confirmation_reminders_send(today=dt.date(2026, 8, 1)) == 0
    assert ConfirmationReminder.objects.get().cycle == 2026
    # Next cycle: both are stale by then.
    assert confirmation_reminders_send(today=dt.date(2027, 7, 2)) == 2


def test_enterprise_rows_untouched_by_failed_decision(member):
    cr = change_request_submit(
        actor=member.user, enterprise=member.enterprise, changes={"products": "x"}
    )
    before = Enterprise.objects.get(pk=member.enterprise.pk).updated_at
    with pytest.raises(ValidationError):
        change_request_decide(
            actor=StaffFactory(), change_request=cr, decisions={"name": (True, "")}
        )
    assert Enterprise.objects.get(pk=member.enterprise.pk).updated_at == before


@pytest.mark.parametrize(
    "changes",
    [
        {"lead_time_days": "abc"},
        {"region": "999999"},
        {"certifications": "not json"},
        {"certifications": [1, 2]},
        {"certifications": [{"scheme": "nope"}]},
        {"latitude": "x", "longitude": "y", "datum": "wgs84"},
        {"business_models": "processing"},
        {"former_names": 5},
        {"name": {"zh": "x"}},
        {"name": ""},
        {"logo": "http://example.com/logo.png"},
        {"photos_add": ["not a file"]},
        {"photos_remove": [123456]},
        {"website": "javascript:alert(1)"},
        {"contact_email": "not-an-email"},
    ],
)
def test_malformed_values_are_validation_errors(member, changes):
    with pytest.raises(ValidationError):
        change_request_submit(
            actor=member.user, enterprise=member.enterprise, changes=changes
        )
    assert not ChangeRequest.objects.exists()
