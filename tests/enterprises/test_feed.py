"""The change feed (/api/v1/changes/): replaying it gives the directory as each
tier sees it; hidden fields and drafts stay hidden; merges, undos, unpublishing and
deletes appear; bad cursors are refused."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from enterprises.merging import enterprise_merge, merge_undo
from enterprises.models import ChangeEvent, ChangeRecord, Enterprise
from enterprises.provenance import enterprise_verify
from enterprises.services import enterprise_update
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    token_client,
)

FEED = "/api/v1/changes/"
# Related rows the feed does not carry, the address (from the id), and the date,
# which moves on with saves that change nothing a reader sees.
NOT_CARRIED = {"url", "certifications", "designations", "photos", "updated_at"}


def feed(client, since="", **params) -> dict:
    response = client.get(FEED, {"since": since, **params})
    assert response.status_code == 200, response.content
    return response.json()


def events(client) -> list[dict]:
    """Every event the client may see, following the cursor to the end."""
    seen, since = [], ""
    while True:
        page = feed(client, since, page_size=7)
        seen += page["results"]
        since = page["cursor"]
        if not page["more"]:
            return seen


def replay(client) -> dict[int, dict]:
    copy: dict[int, dict] = {}
    for event in events(client):
        if event["type"] in ("delete", "merge"):
            copy.pop(event["enterprise"], None)
            continue
        entry = copy.setdefault(event["enterprise"], {})
        entry.update(event["data"])
        for name in event.get("removed", []):
            entry.pop(name, None)
    return copy


def directory(client) -> dict[int, dict]:
    """What the API's list shows the client (all pages)."""
    shown, url = {}, "/api/v1/enterprises/?cursor=&page_size=100"
    while url:
        body = client.get(url).json()
        for item in body["results"]:
            shown[item["id"]] = {k: v for k, v in item.items() if k not in NOT_CARRIED}
        url = body["next"]
    return shown


def copies(client) -> dict[int, dict]:
    return {
        pk: {k: v for k, v in entry.items() if k not in NOT_CARRIED}
        for pk, entry in replay(client).items()
    }


@pytest.fixture
def history(db):
    """A directory with a past: creates, updates, a hidden-only change, contacts
    published, a draft, an unpublished entry, a deleted one, a merge, a merge
    undone, cluster changes."""
    staff = StaffFactory()
    swim = ClusterFactory(slug="swim")
    suits = ClusterFactory(slug="suits")
    a = EnterpriseFactory(
        products="泳装",
        monthly_capacity="1000",
        contact_phone="0429-1",
        clusters=[swim],
    )
    b = EnterpriseFactory(products="西装", contact_email="b@example.com")
    draft = EnterpriseFactory(published=False, products="秘密", moq="5")
    gone = EnterpriseFactory(products="袜子")
    hidden = EnterpriseFactory(products="皮草")
    twin = EnterpriseFactory(products="泳装", latitude="40.61", longitude="120.72",
                             datum="wgs84")  # fmt: skip
    undone = EnterpriseFactory(products="裤子")
    again = EnterpriseFactory(products="棉服")

    def update(entry, **changes):
        enterprise_update(
            actor=staff, enterprise=entry, changes=changes,
            origin=ChangeRecord.Origin.STAFF,
        )  # fmt: skip

    update(a, products="泳衣", monthly_capacity="2000", clusters=["swim", "suits"])
    update(a, contact_visibility="public")
    update(b, moq="100")
    update(draft, products="还是秘密")
    gone_id = gone.pk
    gone.delete()
    update(hidden, published=False)
    enterprise_verify(actor=staff, enterprise=b)
    enterprise_merge(actor=staff, source=twin, target=a)
    merge = enterprise_merge(actor=staff, source=undone, target=b)
    merge_undo(actor=staff, merge=merge)
    update(again, published=False)
    update(again, published=True, products="棉衣")
    a.refresh_from_db()
    update(a, clusters=["suits"])
    owner = MembershipFactory(enterprise=draft).user
    return {
        "staff": staff, "owner": owner, "a": a, "b": b, "draft": draft,
        "gone": gone_id, "hidden": hidden, "twin": twin, "undone": undone,
        "again": again, "swim": swim, "suits": suits,
    }  # fmt: skip


@pytest.mark.parametrize("reader", ["anonymous", "member", "owner", "staff"])
def test_replaying_the_feed_gives_the_directory_its_reader_sees(history, reader):
    client = {
        "anonymous": APIClient,
        "member": lambda: token_client(UserFactory()),
        "owner": lambda: token_client(history["owner"]),
        "staff": lambda: token_client(history["staff"]),
    }[reader]()
    shown = directory(client)
    copy = copies(client)
    assert copy.keys() == shown.keys()
    for pk, entry in shown.items():
        differing = {
            k: (copy[pk].get(k), v) for k, v in entry.items() if copy[pk].get(k) != v
        }
        assert differing == {}, pk
        assert copy[pk].keys() == entry.keys()
    assert history["gone"] not in shown
    assert history["twin"].pk not in shown
    assert history["undone"].pk in shown
    assert (history["draft"].pk in shown) == (reader in ("owner", "staff"))
    assert (history["hidden"].pk in shown) == (reader == "staff")


def test_an_anonymous_feed_never_holds_a_hidden_value_or_a_drafts_data(history, api):
    seen = events(api)
    draft = history["draft"].pk
    assert all(e["enterprise"] != draft for e in seen)
    hidden_fields = {
        "monthly_capacity", "moq", "revenue_band", "field_sources", "source",
        "created_at", "contact_visibility", "wechat",
    }  # fmt: skip
    for event in seen:
        assert not hidden_fields & set(event["fields"])
        assert not hidden_fields & set(event["data"] or {})
    a_events = [e for e in seen if e["enterprise"] == history["a"].pk]
    # The phone shows once the entry publishes it, not before.
    phones = [e for e in a_events if "contact_phone" in (e["data"] or {})]
    assert phones and phones[0]["data"]["contact_phone"] == "0429-1"
    assert a_events[0]["type"] == "create"
    assert "contact_phone" not in a_events[0]["data"]


def test_a_change_of_hidden_fields_only_shows_nothing_to_a_visitor(history, api):
    staff = token_client(history["staff"])
    last = feed(staff, page_size=1000)["cursor"]
    enterprise_update(
        actor=history["staff"], enterprise=history["b"],
        changes={"moq": "500", "wechat": "b-wx"}, origin=ChangeRecord.Origin.STAFF,
    )  # fmt: skip
    assert feed(api, last)["results"] == []
    member = feed(token_client(UserFactory()), last)["results"]
    assert [(e["type"], sorted(e["fields"])) for e in member] == [
        ("update", ["moq", "wechat"])
    ]
    assert member[0]["data"]["moq"] == "500"


def test_unpublishing_looks_like_a_delete_to_readers_who_no_longer_see_it(history, api):
    hidden = history["hidden"].pk
    public = [e for e in events(api) if e["enterprise"] == hidden]
    # Not even its public past: the entry is no visitor's to see now.
    assert [(e["type"], e["data"]) for e in public] == [("delete", None)]
    staff = events(token_client(history["staff"]))
    assert [e["type"] for e in staff if e["enterprise"] == hidden] == [
        "create",
        "unpublish",
    ]


def test_a_merge_and_its_undo_appear_in_the_feed(history, api):
    seen = events(api)
    twin, undone = history["twin"].pk, history["undone"].pk
    assert [(e["type"], e["data"]) for e in seen if e["enterprise"] == twin] == [
        ("merge", {"merged_into": history["a"].pk})
    ]
    kinds = [e["type"] for e in seen if e["enterprise"] == undone]
    assert kinds == ["create", "merge", "restore"]  # the undo brings it back
    staff = events(token_client(history["staff"]))
    assert [e["type"] for e in staff if e["enterprise"] == undone] == [
        "create",
        "merge",
        "restore",
    ]
    # The survivor's update from the merge is in the feed as well.
    assert any(
        e["enterprise"] == history["a"].pk and e["type"] == "update"
        and e["at"] for e in seen
    )  # fmt: skip


def test_updates_name_the_changed_fields(history):
    staff = token_client(history["staff"])
    last = feed(staff, page_size=1000)["cursor"]
    enterprise_update(
        actor=history["staff"], enterprise=history["b"],
        changes={"products": "礼服", "founded_year": 1999},
        origin=ChangeRecord.Origin.STAFF,
    )  # fmt: skip
    (event,) = feed(staff, last)["results"]
    assert event["type"] == "update"
    assert set(event["fields"]) >= {"products", "founded_year"}
    assert event["data"]["products"] == "礼服"
    assert event["data"]["founded_year"] == 1999


def test_a_published_entry_shows_again_as_a_create_with_its_values(history, api):
    again = [e for e in events(api) if e["enterprise"] == history["again"].pk]
    assert [e["type"] for e in again] == ["create", "delete", "create"]
    assert again[0]["data"]["products"] == "棉服"
    assert again[2]["data"]["products"] == "棉衣"  # published with a change


def test_a_deleted_entry_is_a_delete_for_everyone(history, api):
    gone = history["gone"]
    assert [e["type"] for e in events(api) if e["enterprise"] == gone] == ["delete"]
    staff = events(token_client(history["staff"]))
    assert [e["type"] for e in staff if e["enterprise"] == gone] == ["delete"]


def test_the_cursor_goes_on_where_the_last_page_stopped(history, api):
    everything = feed(api, page_size=1000)["results"]
    paged = events(api)
    assert [e["cursor"] for e in paged] == [e["cursor"] for e in everything]
    assert len({e["cursor"] for e in paged}) == len(paged)
    end = feed(api, page_size=1000)
    assert not end["more"]
    again = feed(api, end["cursor"])
    assert again["results"] == [] and again["cursor"] == end["cursor"]
    assert "since=" + end["cursor"] in again["next"]


@pytest.mark.parametrize(
    "since", ["abc", "-1", "1.5", "９", "99999999999999999999", " 1", "0x10"]
)
def test_a_malformed_cursor_is_a_400_with_a_translated_message(api, db, since):
    response = api.get(FEED, {"since": since}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["since"][0]
    assert "游标" in message


@pytest.mark.parametrize("size", ["0", "1001", "x"])
def test_a_page_size_out_of_range_is_a_400(api, db, size):
    response = api.get(FEED, {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()["error"]["fields"]


def test_imports_written_with_copy_are_in_the_feed(db, api):
    """The triggers see every writer, also raw SQL (the import's COPY path)."""
    entry = EnterpriseFactory()
    before = feed(api, page_size=1000)["cursor"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enterprises_enterprise SET products = '毛衫' WHERE id = %s",
            [entry.pk],
        )
    (event,) = feed(api, before)["results"]
    assert (event["type"], event["fields"], event["data"]["products"]) == (
        "update",
        ["products"],
        "毛衫",
    )


@pytest.mark.django_db(transaction=True)
def test_a_transaction_committing_late_is_never_skipped(api):
    """Two writers commit out of order: a reader between the commits waits for
    the first writer's events instead of passing them."""
    first, second = EnterpriseFactory(), EnterpriseFactory()
    start = feed(api, page_size=1000)["cursor"]
    params = connection.get_connection_params()
    early = connection.get_new_connection(params)
    late = connection.get_new_connection(params)
    try:
        early.autocommit = late.autocommit = False
        with early.cursor() as cursor:  # takes the lower ids, commits last
            cursor.execute(
                "UPDATE enterprises_enterprise SET products = 'early' WHERE id = %s",
                [first.pk],
            )
        with late.cursor() as cursor:
            cursor.execute(
                "UPDATE enterprises_enterprise SET products = 'late' WHERE id = %s",
                [second.pk],
            )
        late.commit()
        page = feed(api, start)
        assert page["results"] == []  # the early writer is still in flight
        assert page["cursor"] == start
        early.commit()
        page = feed(api, start)
        assert [e["data"]["products"] for e in page["results"]] == ["early", "late"]
    finally:
        early.close()
        late.close()
    ids = list(ChangeEvent.objects.values_list("id", flat=True))
    assert ids == sorted(ids)
    assert Enterprise.objects.count() == 2


@pytest.mark.django_db
def test_rows_created_by_one_statement_are_each_a_create_in_order(api):
    """A multi-row INSERT (like the import's COPY) gives one create per row, in the
    order of the rows, from the statement-level trigger."""
    before = feed(api, page_size=1000)["cursor"]
    made = Enterprise.objects.bulk_create(
        [
            Enterprise(name=f"批量创建{n}有限公司", region_id="211481",
                       city_id="211400", published=True)
            for n in range(3)
        ]
    )  # fmt: skip
    events = feed(api, before)["results"]
    assert [(e["type"], e["enterprise"]) for e in events] == [
        ("create", e.pk) for e in sorted(made, key=lambda e: e.pk)
    ]
    assert [e["data"]["name"] for e in events] == [
        f"批量创建{n}有限公司" for n in range(3)
    ]
    assert all("name" in e["fields"] and e["data"]["clusters"] == [] for e in events)
