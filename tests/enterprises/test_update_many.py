"""Updates in sets (`enterprise_update_many`, what an import's chunk of updates goes
through) write exactly what updating the entries one after the other writes: the
values, the history, the search documents and facet keys, the change feed's
events; in a number of statements that does not grow with the number of entries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from clusters.models import Designation
from enterprises import services
from enterprises.feed import ChangeEvent
from enterprises.models import ChangeRecord, Enterprise, EnterpriseCertification
from enterprises.services import (
    UPDATABLE_FIELDS,
    _update_row,
    change_record_revert,
    change_record_revert_many,
    enterprise_reindex,
    enterprise_update_many,
    field_value,
)
from programmes.models import Participation, Programme
from tests.factories import ClusterFactory, EnterpriseFactory, StaffFactory
from tests.imports.helpers import uscc

pytestmark = pytest.mark.django_db


def snapshot(pks: list[int], since: int) -> dict:
    """Everything an update leaves of these entries (but times and IDs): their
    values, derived columns, search document, facet keys, change records and
    the feed's events after `since`."""
    out = {}
    for pk in pks:
        entry = Enterprise.objects.get(pk=pk)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT search_vector::text, facets FROM enterprises_enterprise "
                "WHERE id = %s",
                [pk],
            )
            document, facets = cursor.fetchone()
        out[pk] = {
            **{name: field_value(entry, name) for name in sorted(UPDATABLE_FIELDS)},
            "city": entry.city_id,
            "source": entry.source,
            "field_sources": entry.field_sources,
            "keys": (entry.name_key, entry.name_sort, entry.name_sort_en),
            "search_vector": document,
            "facets": facets,
            "records": [
                (
                    r.origin,
                    r.reference,
                    r.reason,
                    r.system_reason,
                    r.actor_id,
                    r.changes,
                )
                for r in ChangeRecord.objects.filter(enterprise_id=pk).order_by("id")
            ],
            "events": [
                (
                    e.kind,
                    e.fields,
                    {k: v for k, v in (e.data or {}).items() if k != "updated_at"},
                    e.published,
                    e.contact_visibility,
                )
                for e in ChangeEvent.objects.filter(
                    enterprise_id=pk, id__gt=since
                ).order_by("id")
            ],
        }
    return out


def last_event() -> int:
    return ChangeEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def entries():
    suits = ClusterFactory(slug="dalian-suits", name="大连西装集群", region_id="210200")
    swim = ClusterFactory(slug="xingcheng-swimwear", name="兴城泳装集群")
    socks = ClusterFactory(slug="liaoyang-socks", name="辽阳袜业集群")
    programme, _created = Programme.objects.get_or_create(
        kind="heritage", defaults={"slug": "heritage", "name": "非遗"}
    )
    first = EnterpriseFactory(
        name="兴城一号泳装有限公司",
        products="泳衣",
        sectors=["swimwear"],
        clusters=[swim],
        uscc=None,
    )
    second = EnterpriseFactory(
        name="大连二号服饰有限公司",
        region_id="210202",
        clusters=[suits, swim],
        is_exporter=True,
        export_markets=["JP"],
    )
    third = EnterpriseFactory(name="辽阳三号袜业有限公司", products="袜子")
    fourth = EnterpriseFactory(name="四号纺织有限公司", products="面料")
    fifth = EnterpriseFactory(name="五号纺织有限公司", products="面料")
    EnterpriseCertification.objects.create(enterprise=second, scheme="iso9001")
    Designation.objects.create(
        enterprise=third, kind="brand", title="辽宁名牌", awarding_body="省厅"
    )
    Participation.objects.create(programme=programme, enterprise=third, year=2025)
    for entry in (second, third):  # as the services keep them
        enterprise_reindex(enterprise=entry)
    named = {"first": first, "second": second, "third": third, "fourth": fourth}
    return {**named, "fifth": fifth}, {
        "suits": suits,
        "swim": swim,
        "socks": socks,
    }


def changes_for(entries) -> list[tuple[int, dict]]:
    e, _clusters = entries
    return [
        (
            e["first"].pk,
            {
                "name": "兴城一号泳装集团有限公司",  # name keys follow
                "products": "泳衣、比基尼",
                "clusters": ["dalian-suits", "liaoyang-socks"],  # one out, two in
                "uscc": uscc(901).lower(),  # cleaned: upper case
                # (as stored: a revert compares with the stored digits)
                "latitude": Decimal("40.600000"),
                "longitude": Decimal("120.700000"),
                "datum": "wgs84",
            },
        ),
        (
            e["second"].pk,
            {
                "region": "211481",  # the city follows
                "clusters": ["dalian-suits"],  # one out only
                "export_markets": ["JP", "KR"],
                "last_confirmed_on": dt.date(2025, 6, 30),
                "published": False,  # the feed says unpublish
            },
        ),
        (e["fifth"].pk, {"products": "面料"}),  # nothing changes
        # (its document reads its designation and programme)
        (e["third"].pk, {"products": "袜子、手套"}),
        (
            e["fourth"].pk,
            {"contact_visibility": "public", "employee_band": "100-299"},
        ),
    ]


def no_fallback(monkeypatch):
    """The set-based path only: updating one by one (its fallback) fails."""

    def refuse(**kwargs):
        raise AssertionError("updated one by one")

    monkeypatch.setattr(services, "_update_row", refuse)


def test_a_set_of_updates_writes_what_updating_one_by_one_writes(entries, monkeypatch):
    staff = StaffFactory()
    changes = changes_for(entries)
    pks = [pk for pk, _c in changes]
    since = last_event()
    with transaction.atomic():
        one_by_one = [
            _update_row(
                actor=staff,
                pk=pk,
                changes=c,
                origin="import",
                reason={"code": "undo_of_import", "id": 1},
                reference="import:9",
            )
            for pk, c in changes
        ]
        expected = snapshot(pks, since)
        transaction.set_rollback(True)

    since = last_event()
    no_fallback(monkeypatch)
    records = enterprise_update_many(
        actor=staff,
        changes=changes,
        origin="import",
        reason={"code": "undo_of_import", "id": 1},
        reference="import:9",
    )
    written = snapshot(pks, since)
    assert [r is None for r in records] == [r is None for r in one_by_one]
    assert records[2] is None  # the fifth entry did not change
    for pk in pks:
        for key in expected[pk]:
            assert written[pk][key] == expected[pk][key], (pk, key)
    # What the cases above are meant to exercise did happen.
    first, second = written[pks[0]], written[pks[1]]
    assert first["uscc"] == uscc(901)
    assert first["clusters"] == ["dalian-suits", "liaoyang-socks"]
    assert second["city"] == "211400"
    assert [kind for kind, *_rest in second["events"]] == ["unpublish", "update"]
    assert len(first["events"]) == 3  # the values; clusters removed; added
    assert "ce:iso9001" in second["facets"]
    assert {"de:brand", "pr:heritage"} <= set(written[pks[3]]["facets"])


def test_an_invalid_value_in_a_set_raises_as_one_by_one_and_saves_nothing(entries):
    e, _clusters = entries
    bad = [
        (e["first"].pk, {"products": "更新"}),
        (e["second"].pk, {"export_share": 140}),  # over 100
    ]
    with pytest.raises(ValidationError) as raised, transaction.atomic():
        enterprise_update_many(actor=None, changes=bad, origin="staff")
    with pytest.raises(ValidationError) as expected, transaction.atomic():
        for pk, c in bad:
            _update_row(actor=None, pk=pk, changes=c, origin="staff")
    assert raised.value.message_dict == expected.value.message_dict
    assert "export_share" in raised.value.message_dict
    assert Enterprise.objects.get(pk=e["first"].pk).products == "泳衣"
    assert not ChangeRecord.objects.exists()


def test_a_uscc_another_entry_holds_is_refused_in_a_set(entries):
    e, _clusters = entries
    holder = EnterpriseFactory(uscc=uscc(902))
    with pytest.raises(ValidationError) as raised:
        enterprise_update_many(
            actor=None,
            changes=[(e["third"].pk, {"uscc": holder.uscc})],
            origin="staff",
        )
    assert raised.value.messages  # the unique constraint's message, as one by one
    assert Enterprise.objects.get(pk=e["third"].pk).uscc != holder.uscc


def test_two_entries_may_pass_a_code_on_in_order_in_a_set(entries):
    """One entry gives up a code another then takes: fine one after the other,
    so fine in a set."""
    e, _clusters = entries
    Enterprise.objects.filter(pk=e["third"].pk).update(uscc=uscc(903))
    records = enterprise_update_many(
        actor=None,
        changes=[
            (e["third"].pk, {"uscc": None}),
            (e["fourth"].pk, {"uscc": uscc(903)}),
        ],
        origin="staff",
    )
    assert all(records)
    assert Enterprise.objects.get(pk=e["fourth"].pk).uscc == uscc(903)


@pytest.mark.parametrize("count", [3, 30])
def test_a_set_of_updates_takes_the_same_statements_whatever_its_size(
    count, monkeypatch
):
    ClusterFactory(slug="dalian-suits", name="大连西装集群", region_id="210200")
    pks = [
        EnterpriseFactory(name=f"语句{i}纺织有限公司", uscc=None).pk
        for i in range(count)
    ]
    changes = [
        (pk, {"products": f"产品{i}", "region": "210202", "clusters": ["dalian-suits"]})
        for i, pk in enumerate(pks)
    ]
    no_fallback(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        records = enterprise_update_many(actor=None, changes=changes, origin="import")
    assert all(records)
    # Locking and reading (with the relations the documents read), the
    # regions, the constraints, the clusters, one UPDATE, the links, the records.
    assert len(queries.captured_queries) <= 15, [
        q["sql"][:80] for q in queries.captured_queries
    ]


def test_reverting_a_set_of_records_writes_what_reverting_one_by_one_writes(
    entries, monkeypatch
):
    staff = StaffFactory()
    changes = changes_for(entries)
    pks = [pk for pk, _c in changes]
    records = [
        r
        for r in enterprise_update_many(actor=staff, changes=changes, origin="import")
        if r is not None
    ]
    newest_first = sorted(records, key=lambda r: -r.pk)
    since = last_event()
    with transaction.atomic():
        for record in newest_first:
            change_record_revert(actor=staff, record=record, reason="撤销")
        expected = snapshot(pks, since)
        transaction.set_rollback(True)

    since = last_event()
    no_fallback(monkeypatch)
    reverts = change_record_revert_many(
        actor=staff, records=newest_first, reason="撤销"
    )
    assert [r.reverts_id for r in reverts] == [r.pk for r in newest_first]
    written = snapshot(pks, since)
    for pk in pks:
        for key in expected[pk]:
            assert written[pk][key] == expected[pk][key], (pk, key)
    assert written[pks[0]]["clusters"] == ["xingcheng-swimwear"]  # put back
    assert written[pks[1]]["published"] is True


def test_a_set_of_reverts_is_refused_when_one_changed_again(entries):
    e, _clusters = entries
    records = enterprise_update_many(
        actor=None,
        changes=[(e["first"].pk, {"products": "一"}), (e["fourth"].pk, {"moq": "5"})],
        origin="staff",
    )
    enterprise_update_many(
        actor=None, changes=[(e["fourth"].pk, {"moq": "6"})], origin="staff"
    )
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="has changed again since"),
    ):
        change_record_revert_many(actor=None, records=records)
    assert Enterprise.objects.get(pk=e["first"].pk).products == "一"


def test_two_entries_of_a_set_taking_the_same_code_are_refused(entries):
    e, _clusters = entries
    with pytest.raises(ValidationError):
        enterprise_update_many(
            actor=None,
            changes=[
                (e["third"].pk, {"uscc": uscc(904)}),
                (e["fourth"].pk, {"uscc": uscc(904)}),
            ],
            origin="staff",
        )
    assert not Enterprise.objects.filter(uscc=uscc(904)).exists()


@pytest.mark.parametrize(
    "changes",
    [{"region": None}, {"region": "999999"}, {"clusters": ["no-such-cluster"]}],
)
def test_a_missing_reference_in_a_set_raises_as_one_by_one(entries, changes):
    e, _clusters = entries
    pairs = [(e["first"].pk, {"products": "新"}), (e["second"].pk, changes)]
    with pytest.raises(ValidationError) as raised, transaction.atomic():
        enterprise_update_many(actor=None, changes=pairs, origin="staff")
    with pytest.raises(ValidationError) as expected, transaction.atomic():
        for pk, c in pairs:
            _update_row(actor=None, pk=pk, changes=c, origin="staff")
    assert raised.value.messages == expected.value.messages
    assert Enterprise.objects.get(pk=e["first"].pk).products == "泳衣"
