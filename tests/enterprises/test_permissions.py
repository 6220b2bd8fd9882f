"""The access policy (enterprises.permissions): which entries, fields, filters and
facets each kind of user gets, and that pages and the API follow it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from core.permissions import SYSTEM, is_staff_member, staff_group
from enterprises import permissions as policy
from enterprises.choices import Visibility
from enterprises.search.facets import FACET_ORDER
from enterprises.search.indexing import FACETS
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ANON = AnonymousUser()


@pytest.fixture
def people():
    draft = EnterpriseFactory(published=False, name="草稿企业有限公司")
    owner = MembershipFactory(enterprise=draft).user
    return {
        "draft": draft,
        "public": EnterpriseFactory(name="公开企业有限公司"),
        "owner": owner,
        "other": MembershipFactory().user,
        "staff": StaffFactory(),
    }


# --- Staff capability --------------------------------------------------------------


def test_staff_capability_comes_from_the_staff_groups_permissions():
    flag_only = UserFactory(is_staff=True)  # the admin flag alone is not staff
    assert not is_staff_member(flag_only)
    in_group = UserFactory()
    in_group.groups.add(staff_group())
    assert is_staff_member(in_group)
    assert is_staff_member(StaffFactory())
    assert is_staff_member(UserFactory(is_superuser=True))
    assert is_staff_member(SYSTEM)
    assert not is_staff_member(ANON) and not is_staff_member(UserFactory())
    inactive = StaffFactory(is_active=False)
    assert not is_staff_member(inactive)


def test_flag_only_staff_gets_no_staff_pages(client):
    client.force_login(UserFactory(is_staff=True))
    for url in ("/review/", "/imports/", "/dashboard/"):
        assert client.get(url).status_code == 404


# --- Which enterprises -------------------------------------------------------------


def test_visible_and_editable_enterprises(people):
    draft, public = people["draft"], people["public"]
    expect = {
        "anon": ({public}, set()),
        "other": ({public}, set()),
        "owner": ({public, draft}, {draft}),
        "staff": ({public, draft}, {public, draft}),
    }
    for who, (visible, editable) in expect.items():
        user = ANON if who == "anon" else people[who]
        both = {draft, public}
        assert set(policy.visible_enterprises(user)) & both == visible, who
        assert set(policy.editable_enterprises(user)) & both == editable, who
        assert policy.user_can_view(user, draft) is (draft in visible), who
        assert policy.user_can_edit(user, draft) is (draft in editable), who


def test_access_by_id_is_a_404_when_missing_or_forbidden(people):
    draft = people["draft"]
    for user in (ANON, people["other"]):
        with pytest.raises(Http404):
            policy.access_enterprise_by_id(user, draft.pk)
    with pytest.raises(Http404):
        policy.access_enterprise_by_id(people["staff"], 999_999)
    with pytest.raises(Http404):
        policy.access_enterprise_by_id(people["other"], people["public"].pk, edit=True)
    assert policy.access_enterprise_by_id(people["owner"], draft.pk, edit=True) == draft


# --- Which fields ------------------------------------------------------------------


def test_field_tiers_per_viewer(people):
    draft = people["draft"]
    draft.contact_visibility = Visibility.STAFF
    public = people["public"]
    public.contact_visibility = Visibility.MEMBERS
    anon, other = policy.Viewer(ANON), policy.Viewer(people["other"])
    owner, staff = policy.Viewer(people["owner"]), policy.Viewer(people["staff"])
    assert "revenue_band" not in anon.fields(public)
    assert "contact_phone" not in anon.fields(public)
    assert {"revenue_band", "contact_phone"} <= other.fields(public)
    assert "source" not in other.fields(public)
    assert "source" not in owner.fields(public)  # the members tier elsewhere
    assert {"contact_phone", "source", "contact_visibility"} <= owner.fields(draft)
    assert policy.ALL_FIELDS == staff.fields(draft) == staff.fields(public)


def test_every_field_is_in_exactly_one_tier():
    tiers = [
        policy.PUBLIC_FIELDS,
        policy.MEMBER_FIELDS,
        policy.CONTACT_FIELDS,
        policy.STAFF_FIELDS,
    ]
    assert sum(len(t) for t in tiers) == len(policy.ALL_FIELDS)


# --- Which filters and facets --------------------------------------------------------


def test_every_facet_names_the_fields_it_reads():
    assert set(FACETS) == set(policy.FACET_FIELDS)
    for fields in policy.FACET_FIELDS.values():
        assert set(fields) <= policy.ALL_FIELDS


def test_a_facet_is_usable_only_where_its_fields_are_visible(people):
    for user in (ANON, people["other"], people["staff"]):
        shown = policy.visible_fields(policy.viewer_tier(user))
        usable = policy.usable_facets(user)
        for code, fields in policy.FACET_FIELDS.items():
            assert (code in usable) is (set(fields) <= shown), (user, code)
    assert "rb" not in policy.usable_facets(ANON)
    assert "rb" in policy.usable_facets(people["other"])
    assert "uw" not in policy.usable_facets(people["other"])
    assert policy.usable_health_filters(ANON) == {"stale"}
    assert policy.usable_health_filters(people["staff"]) == {"stale", "incomplete"}


def test_page_facets_are_the_usable_ones(client, banded):
    html = client.get("/enterprises/").content.decode()
    offered = {code for code in FACET_ORDER if f'data-facet="{FACETS[code]}"' in html}
    assert offered <= policy.usable_facets(ANON)
