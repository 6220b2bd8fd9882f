"""Read endpoints: permitted, other user (404) and anonymous cases for each section."""

import datetime as dt

import pytest

from clusters.models import Designation
from colleges.models import College, Partnership
from markets.models import Market, Tenancy
from programmes.models import Award, Event, Programme
from tests.factories import ClusterFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sections(owned):
    """One row of each section, linked to a published and an unpublished enterprise."""
    cluster = ClusterFactory(slug="xingcheng-swimwear")
    public = EnterpriseFactory(clusters=[cluster])
    Designation.objects.create(
        kind="cluster_title",
        title="中国泳装名城",
        awarding_body="协会",
        cluster=cluster,
    )
    Designation.objects.create(
        kind="high_quality", title="优质", awarding_body="协会", enterprise=owned
    )
    college = College.objects.create(
        slug="dlpu", name="大连工业大学", kind="university", region_id="210200"
    )
    Partnership.objects.create(college=college, enterprise=public, kind="internship")
    Partnership.objects.create(college=college, enterprise=owned, kind="research")
    market = Market.objects.create(slug="wuai", name="五爱市场", region_id="210100")
    Tenancy.objects.create(market=market, enterprise=public, stall="A-1")
    Tenancy.objects.create(market=market, enterprise=owned, stall="A-2")
    programme = Programme.objects.create(slug="heritage", kind="heritage", name="非遗")
    event = Event.objects.create(
        slug="fashion-week-2025",
        kind="fashion_week",
        name="时装周",
        programme=programme,
        starts_on=dt.date(2025, 5, 1),
        ends_on=dt.date(2025, 5, 3),
    )
    Award.objects.create(event=event, title="金奖", enterprise=public)
    Award.objects.create(event=event, title="银奖", enterprise=owned)
    return {"public": public, "owned": owned}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1/clusters/",
        "/api/v1/clusters/xingcheng-swimwear/",
        "/api/v1/designations/",
        "/api/v1/colleges/",
        "/api/v1/colleges/dlpu/",
        "/api/v1/markets/",
        "/api/v1/markets/wuai/",
        "/api/v1/markets/wuai/tenants/",
        "/api/v1/programmes/",
        "/api/v1/programmes/heritage/",
        "/api/v1/events/",
        "/api/v1/events/fashion-week-2025/",
        "/api/v1/regions/",
        "/api/v1/regions/211481/",
        "/api/v1/enterprises/",
    ],
)
def test_public_sections_are_readable_anonymously(api, sections, path):
    response = api.get(path)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/clusters/nope/",
        "/api/v1/colleges/nope/",
        "/api/v1/markets/nope/",
        "/api/v1/programmes/nope/",
        "/api/v1/events/nope/",
        "/api/v1/regions/999999/",
        "/api/v1/enterprises/999999/",
        "/api/v1/designations/999999/",
        "/api/v1/no-such-endpoint/",
    ],
)
def test_unknown_objects_are_404_in_the_error_format(api, db, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"]


def _ids(rows, key="enterprise"):
    return {row[key] for row in rows}


def test_unpublished_enterprise_is_404_for_anonymous_and_other_users(
    api, other_api, owner_api, staff_api, owned
):
    path = f"/api/v1/enterprises/{owned.pk}/"
    assert api.get(path).status_code == 404
    assert other_api.get(path).status_code == 404
    assert owner_api.get(path).status_code == 200
    assert staff_api.get(path).status_code == 200


def test_nested_links_to_an_unpublished_enterprise_only_for_those_who_see_it(
    api, other_api, owner_api, staff_api, sections
):
    public, owned = sections["public"].pk, sections["owned"].pk
    for client, expected in [
        (api, {public}),
        (other_api, {public}),
        (owner_api, {public, owned}),
        (staff_api, {public, owned}),
    ]:
        college = client.get("/api/v1/colleges/dlpu/").json()
        assert _ids(college["partnerships"]) == expected
        tenants = client.get("/api/v1/markets/wuai/tenants/").json()["results"]
        assert _ids(tenants) == expected
        event = client.get("/api/v1/events/fashion-week-2025/").json()
        assert _ids(event["awards"]) == expected
        designations = client.get("/api/v1/designations/?kind=high_quality").json()
        assert _ids(designations["results"]) == (
            {owned} if owned in expected else set()
        )


def test_designation_of_unpublished_enterprise_is_404_for_others(
    api, other_api, owner_api, sections
):
    designation = Designation.objects.get(enterprise=sections["owned"])
    path = f"/api/v1/designations/{designation.pk}/"
    assert api.get(path).status_code == 404
    assert other_api.get(path).status_code == 404
    assert owner_api.get(path).json()["enterprise"] == sections["owned"].pk


def test_cluster_carries_its_designations(api, sections):
    cluster = api.get("/api/v1/clusters/xingcheng-swimwear/").json()
    assert cluster["region"] == "211481"
    assert [d["title"] for d in cluster["designations"]] == ["中国泳装名城"]


def test_regions_filter_by_parent(api, db):
    rows = api.get("/api/v1/regions/?parent=211400&page_size=100").json()["results"]
    assert rows and {r["parent"] for r in rows} == {"211400"}
    assert "211481" in {r["code"] for r in rows}


def test_list_uses_page_numbers_with_a_maximum_page_size(api, db):
    first = api.get("/api/v1/regions/?page_size=1000").json()
    assert len(first["results"]) == 100
    assert first["count"] > 100
    assert "page=2" in first["next"]
    assert api.get("/api/v1/regions/?page=9999").status_code == 404
