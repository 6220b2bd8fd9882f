"""Enterprise endpoints: the search page's search and filters, facet counts, field
tiers, cursor paging, and staff writes."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict

from enterprises.models import ChangeRecord, Enterprise
from enterprises.search.query import Search, run
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    token_client,
)

pytestmark = pytest.mark.django_db

PRIVATE = {"monthly_capacity", "contact_person", "wechat", "revenue_band"}
CONTACT = {"contact_phone", "contact_email"}
STAFF_ONLY = {"source", "field_sources", "survey_year", "created_at"}


def test_enterprise_carries_the_required_public_fields(api, db):
    cluster = ClusterFactory(slug="swim")
    e = EnterpriseFactory(
        clusters=[cluster],
        uscc="91210800MA0XXXXXX0",
        sectors=["swimwear"],
        export_markets=["JP"],
    )
    data = api.get(f"/api/v1/enterprises/{e.pk}/").json()
    for field in (
        "id", "uscc", "name", "name_en", "region", "clusters", "sectors",
        "export_markets", "published",
    ):  # fmt: skip
        assert field in data
    assert data["clusters"] == ["swim"]
    assert data["region"] == "211481"
    assert data["export_markets"] == ["JP"]


def test_fields_follow_the_viewers_tier(api, other_api, owner_api, staff_api, owned):
    other = EnterpriseFactory(
        monthly_capacity="9000", contact_phone="123", survey_year=2020
    )
    # Anonymous: public fields only.
    anon = api.get(f"/api/v1/enterprises/{other.pk}/").json()
    assert not (PRIVATE | CONTACT | STAFF_ONLY) & set(anon)
    # Another enterprise user: member fields, not staff-only contacts or staff meta.
    member = other_api.get(f"/api/v1/enterprises/{other.pk}/").json()
    assert set(member) >= PRIVATE
    assert not (CONTACT | STAFF_ONLY) & set(member)
    # The owner of an enterprise sees its own private fields...
    own = owner_api.get(f"/api/v1/enterprises/{owned.pk}/").json()
    assert set(own) >= (PRIVATE | CONTACT | STAFF_ONLY)
    assert own["contact_phone"] == "0429-5550101"
    # ...but not another enterprise's staff-only ones.
    seen_by_owner = owner_api.get(f"/api/v1/enterprises/{other.pk}/").json()
    assert not (CONTACT | STAFF_ONLY) & set(seen_by_owner)
    # Staff see everything.
    staff = staff_api.get(f"/api/v1/enterprises/{other.pk}/").json()
    assert set(staff) >= (PRIVATE | CONTACT | STAFF_ONLY)
    assert staff["survey_year"] == 2020


def test_published_contacts_reach_the_public(api, db):
    e = EnterpriseFactory(contact_phone="123", contact_visibility="public")
    assert api.get(f"/api/v1/enterprises/{e.pk}/").json()["contact_phone"] == "123"


def test_list_filters_fields_per_row(owner_api, owned):
    EnterpriseFactory(monthly_capacity="9000")
    rows = owner_api.get("/api/v1/enterprises/?page_size=100").json()["results"]
    by_id = {r["id"]: r for r in rows}
    assert "contact_phone" in by_id[owned.pk]
    assert all("contact_phone" not in r for i, r in by_id.items() if i != owned.pk)


def test_list_is_the_search_pages_result(api, db):
    swim = ClusterFactory(slug="swim")
    EnterpriseFactory(name="兴城泳装一厂", clusters=[swim], sectors=["swimwear"])
    EnterpriseFactory(name="兴城泳装二厂", sectors=["swimwear"], region_id="210281")
    EnterpriseFactory(name="大连西装厂", sectors=["suits"])
    EnterpriseFactory(name="兴城泳装三厂", published=False)
    params = {"q": "泳装", "sector": "swimwear"}
    data = api.get("/api/v1/enterprises/", params).json()
    query = QueryDict(mutable=True)
    query.update(params)
    expected = run(Search.from_params(query), AnonymousUser(), with_facets=False)
    assert data["count"] == expected.total == 2
    assert [r["id"] for r in data["results"]] == [e.id for e in expected.rows]
    assert "facets" not in data
    only_swim = api.get("/api/v1/enterprises/", {"cluster": "swim"}).json()
    assert [r["name"] for r in only_swim["results"]] == ["兴城泳装一厂"]


def test_facet_counts_on_request(api, db):
    swim = ClusterFactory(slug="swim")
    EnterpriseFactory(clusters=[swim], sectors=["swimwear"])
    EnterpriseFactory(clusters=[swim], sectors=["swimwear", "knitting"])
    EnterpriseFactory(sectors=["suits"], region_id="210281")
    data = api.get(
        "/api/v1/enterprises/", {"facets": "cluster,sector,city", "cluster": "swim"}
    ).json()
    assert data["count"] == 2
    assert set(data["facets"]) == {"cluster", "sector", "city"}
    sectors = {f["value"]: f["count"] for f in data["facets"]["sector"]}
    assert sectors == {"swimwear": 2, "knitting": 1}
    cluster = data["facets"]["cluster"][0]
    assert cluster == {
        "value": "swim",
        "label": swim.name,
        "count": 2,
        "selected": True,
    }
    cities = {f["value"]: f["count"] for f in data["facets"]["city"]}
    assert cities == {"211400": 2}


@pytest.mark.parametrize(
    "query",
    [
        {"facets": "nope"},
        {"sector": "<script>"},
        {"updated": "yesterday"},
        {"sort": "price"},
    ],
)
def test_bad_search_parameters_get_a_400_with_a_message(api, db, query):
    response = api.get("/api/v1/enterprises/", query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"]


def test_page_numbers(api, db):
    EnterpriseFactory.create_batch(5)
    first = api.get("/api/v1/enterprises/", {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["previous"] is None
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert second["previous"].endswith("page_size=2")
    assert third["next"] is None and len(third["results"]) == 1
    ids = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert len(set(ids)) == 5
    assert api.get("/api/v1/enterprises/", {"page": 9}).status_code == 404


def test_cursor_paging_reads_every_row_once(api, db):
    EnterpriseFactory.create_batch(25)
    EnterpriseFactory(published=False)
    url = "/api/v1/enterprises/?cursor=&page_size=10"
    seen, pages = [], 0
    while url:
        data = api.get(url).json()
        assert "count" not in data
        seen += [r["id"] for r in data["results"]]
        url, pages = data["next"], pages + 1
    assert pages == 3
    assert seen == sorted(seen)
    assert set(seen) == set(Enterprise.objects.published().values_list("id", flat=True))


def test_cursor_paging_keeps_the_filters_and_a_maximum_page_size(api, db):
    EnterpriseFactory.create_batch(3, sectors=["socks"])
    EnterpriseFactory.create_batch(2, sectors=["suits"])
    data = api.get("/api/v1/enterprises/?cursor=&sector=socks&page_size=500").json()
    assert len(data["results"]) == 3 and data["next"] is None


def test_list_query_count_does_not_grow_with_rows(
    api, db, django_assert_max_num_queries
):
    EnterpriseFactory.create_batch(30)
    api.get("/api/v1/enterprises/?page_size=1")  # the per-process caches (the
    # table's size is read once a minute)
    with django_assert_max_num_queries(12):
        assert len(api.get("/api/v1/enterprises/?page_size=30").json()["results"]) == 30


def test_staff_patch_publishes_and_is_recorded(staff_api, enterprise):
    response = staff_api.patch(
        f"/api/v1/enterprises/{enterprise.pk}/",
        {
            "name_en": "Xingcheng Swimwear Co.",
            "sectors": ["swimwear"],
            "reason": "call",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["enterprise"]["name_en"] == "Xingcheng Swimwear Co."
    assert response.json()["change_request"] is None
    enterprise.refresh_from_db()
    assert enterprise.sectors == ["swimwear"]
    record = ChangeRecord.objects.get(enterprise=enterprise)
    assert record.origin == ChangeRecord.Origin.API
    assert record.reason == "call"
    assert set(record.changes) == {"name_en", "sectors"}
    # The search index follows.
    found = staff_api.get("/api/v1/enterprises/", {"sector": "swimwear"}).json()
    assert [r["id"] for r in found["results"]] == [enterprise.pk]


@pytest.mark.parametrize(
    "payload",
    [
        {"uscc": "bad"},
        {"export_share": 150},
        {"region": "999999"},
        {"clusters": ["no-such-cluster"]},
        {"sectors": ["not-a-sector"]},
        {"latitude": 41.0},  # coordinates need a datum
        {"name": ""},
        ["not", "an", "object"],
        {"bogus": 1},
    ],
)
def test_invalid_staff_patch_changes_nothing(staff_api, enterprise, payload):
    before = Enterprise.objects.values().get(pk=enterprise.pk)
    response = staff_api.patch(
        f"/api/v1/enterprises/{enterprise.pk}/", payload, format="json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["message"]
    assert Enterprise.objects.values().get(pk=enterprise.pk) == before
    assert not ChangeRecord.objects.exists()


def test_patch_of_another_enterprise_is_404(other_api, owner_api, api, db):
    e = EnterpriseFactory()
    for client in (other_api, owner_api):
        response = client.patch(
            f"/api/v1/enterprises/{e.pk}/", {"wechat": "x"}, format="json"
        )
        assert response.status_code == 404
    response = api.patch(f"/api/v1/enterprises/{e.pk}/", {"wechat": "x"}, format="json")
    assert response.status_code == 401
    assert not ChangeRecord.objects.exists()


def test_unknown_member_is_not_a_member(db):
    e = EnterpriseFactory(published=False)
    MembershipFactory(enterprise=EnterpriseFactory())
    client = token_client(UserFactory())
    assert client.get(f"/api/v1/enterprises/{e.pk}/").status_code == 404


# A filter or facet on a field the viewer may not see is neither applied nor offered.


def test_revenue_filter_is_not_applied_for_visitors_in_the_api(api, banded):
    """Leak: ``?revenue=`` listed exactly the matching entries to anyone."""
    ids = {e.pk for e in banded.values()}
    rows = api.get("/api/v1/enterprises/?revenue=gt500m").json()["results"]
    assert {r["id"] for r in rows} == ids
    client = token_client(UserFactory())
    rows = client.get("/api/v1/enterprises/?revenue=gt500m").json()["results"]
    assert {r["id"] for r in rows} == {banded["rich"].pk}


def test_revenue_facet_is_not_offered_to_visitors_in_the_api(api, banded):
    facets = api.get("/api/v1/enterprises/?facets=all").json()["facets"]
    assert "revenue" not in facets and "uscc_warning" not in facets
    assert "sector" in facets
    response = api.get("/api/v1/enterprises/?facets=revenue")
    assert response.status_code == 400
    # Unknown to visitors: the message names it once, not among the known ones.
    assert response.json()["error"]["fields"]["facets"][0].count("revenue") == 1
    signed_in = token_client(UserFactory())
    facets = signed_in.get("/api/v1/enterprises/?facets=revenue").json()["facets"]
    assert {f["value"] for f in facets["revenue"]} == {"gt500m", "lt5m"}
