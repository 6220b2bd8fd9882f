"""The access policy's SQL (Viewer.sees_sql, Viewer.fields_sql, which the change
feed's statement is made of) decides as its Python (Viewer.sees, Viewer.fields_of)
for every reader, entry and state."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from enterprises.models import Enterprise
from enterprises.permissions import Viewer, visible_enterprise_sql, visible_enterprises
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

VISIBILITIES = ["public", "members", "staff", ""]


@pytest.fixture
def readers(db):
    own = EnterpriseFactory()
    other = EnterpriseFactory()
    owner = MembershipFactory(enterprise=own).user
    return {
        "anonymous": Viewer(AnonymousUser()),
        "member": Viewer(UserFactory()),
        "owner": Viewer(owner),
        "staff": Viewer(StaffFactory()),
    }, [own.pk, other.pk]


def evaluate(sql: str, params: dict):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@pytest.mark.parametrize("reader", ["anonymous", "member", "owner", "staff"])
def test_sees_sql_decides_as_sees(readers, reader):
    viewers, entries = readers
    viewer = viewers[reader]
    for entry, published, merged in itertools.product(
        entries, [True, False], [True, False]
    ):
        sql = "SELECT " + viewer.sees_sql(
            "%(entry)s::bigint", published="%(published)s", merged="%(merged)s"
        )
        shown = evaluate(
            sql, {"entry": entry, "published": published, "merged": merged}
        )
        assert shown == viewer.sees(entry, published=published, merged=merged), (
            entry,
            published,
            merged,
        )


@pytest.mark.parametrize("reader", ["anonymous", "member", "owner", "staff"])
def test_fields_sql_gives_the_fields_of_every_entry_and_contact_visibility(
    readers, reader
):
    viewers, entries = readers
    viewer = viewers[reader]
    cases = viewer.fields_sql("%(entry)s::bigint", "%(visibility)s::text")
    chosen = (
        "SELECT CASE "
        + " ".join(f"WHEN {c} THEN {n}" for n, (c, _s) in enumerate(cases))
        + f" ELSE {len(cases) - 1} END"
    )
    for entry, visibility in itertools.product(entries, VISIBILITIES):
        params = {"entry": entry, "visibility": visibility}
        n = evaluate(chosen, params)
        assert cases[n][1] == viewer.fields_of(entry, visibility), (entry, visibility)
        # The last condition always holds (the statement's ELSE relies on it).
        assert evaluate("SELECT " + cases[-1][0], params) is True


def test_a_contact_visibility_that_is_no_choice_shows_no_contacts(readers):
    viewers, entries = readers
    viewer = viewers["member"]
    cases = viewer.fields_sql("%(entry)s::bigint", "%(visibility)s::text")
    chosen = (
        "SELECT CASE "
        + " ".join(f"WHEN {c} THEN {n}" for n, (c, _s) in enumerate(cases))
        + f" ELSE {len(cases) - 1} END"
    )
    n = evaluate(chosen, {"entry": entries[1], "visibility": "everyone"})
    assert "contact_phone" not in cases[n][1]
    assert cases[n][1] == viewer.fields_of(entries[1], "staff")


@pytest.mark.parametrize("reader", ["anonymous", "member", "owner", "staff"])
def test_the_searchs_sql_shows_the_entries_the_policy_shows(db, reader):
    """visible_enterprise_sql (the search's raw statements) and visible_enterprises
    (pages, the API) pick the same entries: published or not, merged or not, one's
    own or another's."""
    owner = UserFactory()
    entries = []
    for own, published, merged in itertools.product(
        [True, False], [True, False], [True, False]
    ):
        entry = EnterpriseFactory(published=published)
        if own:
            MembershipFactory(enterprise=entry, user=owner)
        if merged:
            survivor = EnterpriseFactory()
            Enterprise.objects.filter(pk=entry.pk).update(merged_into=survivor)
        entries.append(entry.pk)
    user = {
        "anonymous": AnonymousUser(),
        "member": UserFactory(),
        "owner": owner,
        "staff": StaffFactory(),
    }[reader]
    parts, params = visible_enterprise_sql(user, "e")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id FROM {Enterprise._meta.db_table} e "  # noqa: S608
            f"WHERE e.id = ANY(%s) AND {' AND '.join(parts)}",
            [entries, *params],
        )
        by_sql = {row[0] for row in cursor.fetchall()}
    by_policy = set(
        visible_enterprises(user).filter(pk__in=entries).values_list("pk", flat=True)
    )
    assert by_sql == by_policy
    expected = {"anonymous": 2, "member": 2, "owner": 3, "staff": 4}[reader]
    assert len(by_policy) == expected
