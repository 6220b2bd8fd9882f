"""Merging two entries: values per field, every relation moves, redirects, undo,
conflicts explained; imports and the API follow the survivor."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from clusters.models import Designation
from enterprises.merging import enterprise_merge, merge_undo, redirect_merged_rows
from enterprises.models import (
    ChangeRecord,
    Enterprise,
    EnterpriseCertification,
    EnterpriseMembership,
    EnterpriseMerge,
)
from enterprises.permissions import visible_enterprises
from enterprises.uscc import check_character
from markets.models import Market, Tenancy
from moderation.models import ChangeRequest, Claim
from programmes.models import Award, Event, Participation, Programme
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def uscc(body: str) -> str:
    """A well-formed USCC with a correct check character from 17 characters."""
    return body + check_character(body)


@pytest.fixture
def pair():
    target = EnterpriseFactory(
        name="兴城东德泳装有限公司",
        products="泳装",
        contact_phone="0429-5550101",
        uscc=None,
        field_sources={"products": "staff"},
    )
    source = EnterpriseFactory(
        name="兴城东德泳装有限公司",
        products="泳衣、比基尼",
        uscc=uscc("91211481MA0XY0123"),
        field_sources={"products": "self"},
    )
    return source, target


def _related(source):
    market = Market.objects.create(slug="xiliu", name="西柳市场", region_id="210381")
    programme = Programme.objects.create(
        slug="brand", kind="regional_brand", name="区域品牌计划"
    )
    event = Event.objects.create(
        slug="expo",
        kind="exhibition",
        programme=programme,
        name="泳装博览会",
        starts_on=dt.date(2025, 6, 12),
        ends_on=dt.date(2025, 6, 15),
    )
    user = UserFactory()
    return {
        "membership": EnterpriseMembership.objects.create(
            user=user, enterprise=source, role="owner"
        ),
        "claim": Claim.objects.create(
            user=UserFactory(),
            enterprise=source,
            relationship="经理",
            uscc=source.uscc,
            contact_name="王",
            contact_phone="13800000000",
            contact_email="w@example.com",
            proof="claims/proof.pdf",
        ),
        "change_request": ChangeRequest.objects.create(
            enterprise=source, submitted_by=user
        ),
        "tenancy": Tenancy.objects.create(market=market, enterprise=source, stall="A1"),
        "participation": Participation.objects.create(
            programme=programme, enterprise=source, year=2025
        ),
        "award": Award.objects.create(event=event, title="金奖", enterprise=source),
        "designation": Designation.objects.create(
            kind=Designation.Kind.HIGH_QUALITY,
            title="优质制造企业",
            awarding_body="辽宁省纺织服装协会",
            enterprise=source,
        ),
        "certification": EnterpriseCertification.objects.create(
            enterprise=source, scheme="iso9001"
        ),
        "history": ChangeRecord.objects.create(
            enterprise=source, origin="staff", changes={"products": {"old": None}}
        ),
    }


def test_merge_moves_every_relation_and_keeps_the_targets_values(pair):
    source, target = pair
    rows = _related(source)
    staff = StaffFactory()
    merge = enterprise_merge(actor=staff, source=source, target=target)
    for name, row in rows.items():
        row.refresh_from_db()
        assert row.enterprise_id == target.pk, name
    target.refresh_from_db()
    source.refresh_from_db()
    assert target.products == "泳装"  # the target's value wins
    assert source.merged_into_id == target.pk and source.uscc is None
    assert merge.source_uscc == uscc("91211481MA0XY0123")
    records = ChangeRecord.objects.filter(enterprise=target, origin="merge")
    assert records.count() == 1 and records.get().reference == f"merge:{merge.pk}"
    assert not visible_enterprises(staff).filter(pk=source.pk).exists()


def test_take_names_the_fields_whose_source_value_survives(pair):
    source, target = pair
    enterprise_merge(
        actor=StaffFactory(), source=source, target=target, take=["products", "uscc"]
    )
    target.refresh_from_db()
    assert target.products == "泳衣、比基尼"
    assert target.uscc == uscc("91211481MA0XY0123")
    assert target.field_sources["products"] == "self"  # its provenance came along
    record = ChangeRecord.objects.get(enterprise=target, origin="merge")
    assert record.changes["products"] == {"old": "泳装", "new": "泳衣、比基尼"}


def test_undo_puts_everything_back(pair):
    source, target = pair
    cluster = ClusterFactory()
    source.clusters.set([cluster])
    rows = _related(source)
    staff = StaffFactory()
    merge = enterprise_merge(
        actor=staff, source=source, target=target, take=["products", "uscc", "clusters"]
    )
    merge_undo(actor=staff, merge=merge)
    target.refresh_from_db()
    source.refresh_from_db()
    assert target.products == "泳装" and target.uscc is None
    assert list(target.clusters.all()) == []
    assert target.field_sources == {"products": "staff"}
    assert source.merged_into_id is None
    assert source.uscc == uscc("91211481MA0XY0123")
    for name, row in rows.items():
        row.refresh_from_db()
        assert row.enterprise_id == source.pk, name
    assert visible_enterprises(staff).filter(pk=source.pk).exists()
    with pytest.raises(ValidationError):
        merge_undo(actor=staff, merge=merge)


def test_a_row_the_survivor_already_has_stays_and_is_reported(pair):
    source, target = pair
    EnterpriseCertification.objects.create(enterprise=target, scheme="iso9001")
    cert = EnterpriseCertification.objects.create(enterprise=source, scheme="iso9001")
    merge = enterprise_merge(actor=StaffFactory(), source=source, target=target)
    cert.refresh_from_db()
    assert cert.enterprise_id == source.pk
    assert merge.stayed == {"enterprises.enterprisecertification.enterprise": [cert.pk]}


@pytest.mark.parametrize("conflict", ["owners", "change_requests"])
def test_a_conflict_to_resolve_first_is_explained_and_nothing_changes(pair, conflict):
    source, target = pair
    if conflict == "owners":
        MembershipFactory(enterprise=source, role="owner")
        MembershipFactory(enterprise=target, role="owner")
        words = "owner"
    else:
        ChangeRequest.objects.create(enterprise=source)
        ChangeRequest.objects.create(enterprise=target)
        words = "open change request"
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        enterprise_merge(actor=StaffFactory(), source=source, target=target)
    with translation.override("en"):
        assert words in " ".join(caught.value.messages)
    source.refresh_from_db()
    assert source.merged_into_id is None and source.uscc
    assert not EnterpriseMerge.objects.exists()


def test_cross_field_rules_of_the_survivor_refuse_a_merge(pair):
    source, target = pair
    Enterprise.objects.filter(pk=target.pk).update(
        is_exporter=True, export_markets=["JP"]
    )
    with pytest.raises(ValidationError):
        enterprise_merge(
            actor=StaffFactory(), source=source, target=target, take=["is_exporter"]
        )
    assert Enterprise.objects.get(pk=source.pk).merged_into_id is None


def test_merged_away_page_and_api_address_redirect_permanently(pair, client, api):
    source, target = pair
    enterprise_merge(actor=StaffFactory(), source=source, target=target)
    response = client.get(f"/enterprises/{source.pk}/")
    assert response.status_code == 301
    assert response["Location"] == target.get_absolute_url()
    response = api.get(f"/api/v1/enterprises/{source.pk}/")
    assert response.status_code == 301
    assert response["Location"] == f"/api/v1/enterprises/{target.pk}/"
    assert response.json()["merged_into"] == target.pk
    listed = [e["id"] for e in api.get("/api/v1/enterprises/").json()["results"]]
    assert target.pk in listed and source.pk not in listed
    assert api.get(f"/api/v1/enterprises/{target.pk}/").json()["merged_into"] is None


def test_a_merge_into_a_draft_does_not_redirect_visitors(pair, client):
    source, target = pair
    Enterprise.objects.filter(pk=target.pk).update(published=False)
    enterprise_merge(actor=StaffFactory(), source=source, target=target)
    assert client.get(f"/enterprises/{source.pk}/").status_code == 404


def test_imports_match_a_merged_away_id_or_uscc_to_the_survivor(pair):
    source, target = pair
    code = source.uscc
    enterprise_merge(actor=StaffFactory(), source=source, target=target)
    rows = [{"id": source.pk, "name": "x"}, {"uscc": code, "name": "y"}]
    redirect_merged_rows(rows)
    assert rows == [{"id": target.pk, "name": "x"}, {"id": target.pk, "name": "y"}]


def test_staff_merge_page_shows_both_values_and_merges(pair, client):
    source, target = pair
    client.force_login(StaffFactory())
    url = reverse("enterprises:enterprise-merge", args=[target.pk])
    page = client.get(url, {"source": source.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "泳衣、比基尼" in html and 'data-field="products"' in html
    response = client.post(url, {"source": source.pk, "take": ["products"]})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.products == "泳衣、比基尼"
    merge = EnterpriseMerge.objects.get()
    client.post(
        reverse("enterprises:enterprise-merge-undo", args=[target.pk, merge.pk])
    )
    target.refresh_from_db()
    assert target.products == "泳装"


def test_merge_page_explains_a_bad_source(pair, client):
    _source, target = pair
    client.force_login(StaffFactory())
    url = reverse("enterprises:enterprise-merge", args=[target.pk])
    for bad in ("abc", "999999", str(target.pk)):
        response = client.post(url, {"source": bad})
        assert response.status_code == 400
        assert 'id="merge-error"' in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_merge_page_is_for_staff_only(pair, client, who):
    _source, target = pair
    if who == "member":
        client.force_login(MembershipFactory(enterprise=target).user)
    response = client.get(reverse("enterprises:enterprise-merge", args=[target.pk]))
    assert response.status_code == (302 if who == "anonymous" else 404)


def test_merge_command_takes_fields_and_asks_nothing(pair):
    source, target = pair
    out = io.StringIO()
    call_command(
        "merge_enterprises", str(source.pk), str(target.pk), "--take", "products",
        stdout=out,
    )  # fmt: skip
    assert "Merged" in out.getvalue()
    target.refresh_from_db()
    assert target.products == "泳衣、比基尼"
    with pytest.raises(CommandError):
        call_command("merge_enterprises", str(source.pk), str(target.pk))
    with pytest.raises(CommandError):
        call_command("merge_enterprises", "1", "2", "--take", "nonsense")
    merge = EnterpriseMerge.objects.get()
    call_command("merge_enterprises", "--undo", str(merge.pk), stdout=out)
    assert Enterprise.objects.get(pk=source.pk).merged_into_id is None


def test_an_import_row_of_a_merged_away_entry_updates_the_survivor(
    pair, django_capture_on_commit_callbacks
):
    from tests.imports.helpers import csv_bytes, row
    from tests.imports.test_imports import apply, job_for

    source, target = pair
    code = source.uscc
    staff = StaffFactory()
    enterprise_merge(actor=staff, source=source, target=target)
    for line in (
        row(id=source.pk, name=target.name, products="泳帽"),
        row(name="另一个名字有限公司", uscc=code, products="泳帽", moq="500件"),
    ):
        job = job_for(staff, csv_bytes([line]))
        assert job.counts["update"] == 1 and not job.counts.get("create"), job.report
        job = apply(staff, job, django_capture_on_commit_callbacks)
    target.refresh_from_db()
    assert target.products == "泳帽" and target.moq == "500件"
    assert target.name == "另一个名字有限公司" and target.uscc is None
    assert Enterprise.objects.count() == 2  # nothing new was created
