import pytest
from django.db import IntegrityError, transaction

from clusters.models import Designation
from enterprises.models import EnterpriseMembership
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_uscc_is_unique_when_present():
    EnterpriseFactory(uscc="91110000600037341L")
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseFactory(uscc="91110000600037341L")


def test_many_enterprises_may_have_no_uscc():
    EnterpriseFactory(uscc=None)
    EnterpriseFactory(uscc=None)


def test_one_owner_per_enterprise():
    enterprise = EnterpriseFactory()
    EnterpriseMembership.objects.create(
        user=UserFactory(), enterprise=enterprise, role="owner"
    )
    EnterpriseMembership.objects.create(
        user=UserFactory(), enterprise=enterprise, role="editor"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseMembership.objects.create(
            user=UserFactory(), enterprise=enterprise, role="owner"
        )


def test_a_user_is_a_member_once():
    enterprise, user = EnterpriseFactory(), UserFactory()
    EnterpriseMembership.objects.create(user=user, enterprise=enterprise)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseMembership.objects.create(user=user, enterprise=enterprise)


def test_coordinates_need_a_datum():
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseFactory(latitude=40.6, longitude=120.7, datum="")
    EnterpriseFactory(latitude=40.6, longitude=120.7, datum="gcj02")


def test_export_share_is_a_percentage():
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseFactory(export_share=140)


def test_designation_belongs_to_a_cluster_or_an_enterprise_not_both():
    with pytest.raises(IntegrityError), transaction.atomic():
        Designation.objects.create(
            kind="honour", title="无主荣誉", awarding_body="某机构"
        )
