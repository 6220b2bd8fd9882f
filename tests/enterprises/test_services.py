import pytest
from django.core.exceptions import ValidationError

from enterprises.models import ChangeRecord, Enterprise
from enterprises.services import change_record_revert, enterprise_update
from tests.factories import ClusterFactory, EnterpriseFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _matches(q: str) -> set[int]:
    from django.contrib.auth.models import AnonymousUser

    from enterprises.search.query import Search

    return set(Search(q=q).queryset(AnonymousUser()).values_list("id", flat=True))


def test_update_records_who_what_and_why_and_reindexes():
    staff = StaffFactory()
    enterprise = EnterpriseFactory(name="兴城甲乙泳装有限公司", products="泳装")
    record = enterprise_update(
        actor=staff,
        enterprise=enterprise,
        changes={"products": "比基尼", "region": "210214"},
        origin=ChangeRecord.Origin.STAFF,
        reason="电话核实",
    )
    enterprise.refresh_from_db()
    assert enterprise.products == "比基尼"
    assert enterprise.city_id == "210200"
    assert enterprise.field_sources["products"] == "staff"
    assert record.actor == staff and record.reason == "电话核实"
    assert record.changes["products"] == {"old": "泳装", "new": "比基尼"}
    assert record.changes["region"] == {"old": "211481", "new": "210214"}
    # The search index follows the change.
    assert enterprise.pk in _matches("比基尼")
    assert "ci:210200" in Enterprise.objects.get(pk=enterprise.pk).facets


def test_update_without_a_real_change_records_nothing():
    enterprise = EnterpriseFactory(products="泳装")
    assert (
        enterprise_update(
            actor=None,
            enterprise=enterprise,
            changes={"products": "泳装"},
            origin=ChangeRecord.Origin.STAFF,
        )
        is None
    )
    assert not ChangeRecord.objects.exists()


def test_invalid_values_change_nothing():
    enterprise = EnterpriseFactory(products="泳装")
    with pytest.raises(ValidationError):
        enterprise_update(
            actor=None,
            enterprise=enterprise,
            changes={"products": "袜子", "uscc": "91110000600037341I"},
            origin=ChangeRecord.Origin.STAFF,
        )
    enterprise.refresh_from_db()
    assert enterprise.products == "泳装"
    assert not ChangeRecord.objects.exists()


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError):
        enterprise_update(
            actor=None,
            enterprise=EnterpriseFactory(),
            changes={"search_vector": "x"},
            origin=ChangeRecord.Origin.STAFF,
        )


def test_clusters_change_by_slug_and_revert_restores_them():
    staff = StaffFactory()
    old, new = ClusterFactory(slug="old-c"), ClusterFactory(slug="new-c")
    enterprise = EnterpriseFactory(clusters=[old])
    record = enterprise_update(
        actor=staff,
        enterprise=enterprise,
        changes={"clusters": ["new-c"], "founded_year": 1999},
        origin=ChangeRecord.Origin.STAFF,
    )
    assert list(enterprise.clusters.values_list("slug", flat=True)) == ["new-c"]
    assert "cl:new-c" in Enterprise.objects.get(pk=enterprise.pk).facets
    revert = change_record_revert(actor=staff, record=record, reason="误改")
    enterprise.refresh_from_db()
    assert list(enterprise.clusters.values_list("slug", flat=True)) == ["old-c"]
    assert enterprise.founded_year is None
    assert revert.origin == "revert" and revert.reverts == record
    assert "cl:old-c" in Enterprise.objects.get(pk=enterprise.pk).facets
    assert new.enterprises.count() == 0


def test_revert_refuses_when_the_field_changed_again():
    staff = StaffFactory()
    enterprise = EnterpriseFactory(products="泳装")
    first = enterprise_update(
        actor=staff,
        enterprise=enterprise,
        changes={"products": "比基尼"},
        origin=ChangeRecord.Origin.STAFF,
    )
    enterprise_update(
        actor=staff,
        enterprise=enterprise,
        changes={"products": "泳帽"},
        origin=ChangeRecord.Origin.STAFF,
    )
    with pytest.raises(ValidationError):
        change_record_revert(actor=staff, record=first)
    enterprise.refresh_from_db()
    assert enterprise.products == "泳帽"
