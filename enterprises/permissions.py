"""The access policy: who may see or edit what of an enterprise.

This module is the only place that decides it (CONVENTIONS.md: Permissions: one
policy). Pages, the API, search SQL, facets, figures and exports all ask it:

* **which enterprises** a user may see: :func:`visible_enterprises` (a queryset),
  :func:`visible_enterprise_sql` (the same rule as SQL for the search),
  :func:`user_can_view`; and which they may edit (propose changes to):
  :func:`editable_enterprises`, :func:`user_can_edit`. Staff see and edit every
  entry; an enterprise's own users see and edit theirs; everyone sees the published
  ones;
* **one entry, or a 404**: :func:`access_enterprise_by_id` (as Zulip's
  ``access_stream_by_id``): a missing and a forbidden enterprise look the same;
* **which fields** of an entry: :class:`Viewer` (``Viewer(user).fields(entry)``),
  by the tiers below: public, members (any signed-in user), staff. The contact
  phone and e-mail are staff-only unless the enterprise publishes them (to members
  or to everyone); an enterprise's own users see its private fields, like staff;
* **which related rows** (awards, participations, tenancies, partnerships, cluster
  members, designations): :func:`visible_related` and :func:`visible_enterprise_q`,
  only those of enterprises the user may see;
* **which search filters and facets** a user may use: :func:`usable_facets`,
  :func:`usable_health_filters`: a filter on a field the user may not see is
  neither applied nor offered (its counts would tell the hidden values);
* **who is staff** (moderation, imports and exports, the dashboard, invitations):
  :func:`is_staff_member`, from model permissions (``core.permissions``).

The shape follows Wagtail's permission policies (a queryset of the instances a user
may act on, and a check for one instance) so that every caller asks the same
questions.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from core.permissions import SYSTEM, is_staff_member
from enterprises.choices import Visibility
from enterprises.fields import EXPORT_COLUMNS, Tier, tier_fields
from enterprises.health import COMPLETENESS_FIELDS
from enterprises.models import Enterprise, EnterpriseMembership

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

__all__ = [
    "SYSTEM",
    "Viewer",
    "access_enterprise_by_id",
    "editable_enterprises",
    "is_staff_member",
    "usable_facets",
    "usable_health_filters",
    "user_can_edit",
    "user_can_view",
    "viewer_tier",
    "visible_enterprise_ids",
    "visible_enterprise_q",
    "visible_enterprise_sql",
    "visible_enterprises",
    "visible_export_columns",
    "visible_fields",
    "visible_related",
]

# --- Field tiers -----------------------------------------------------------------

# Each tier's fields in the order the API lists them (the sets below are what
# the rest of the code checks against), from the field registry.
PUBLIC_FIELD_ORDER = tier_fields(Tier.PUBLIC)
MEMBER_FIELD_ORDER = tier_fields(Tier.MEMBERS)
CONTACT_FIELD_ORDER = tier_fields(Tier.CONTACT)
STAFF_FIELD_ORDER = tier_fields(Tier.STAFF)
PUBLIC_FIELDS = frozenset(PUBLIC_FIELD_ORDER)
MEMBER_FIELDS = frozenset(MEMBER_FIELD_ORDER)
CONTACT_FIELDS = frozenset(CONTACT_FIELD_ORDER)
STAFF_FIELDS = frozenset(STAFF_FIELD_ORDER)
ALL_FIELDS = PUBLIC_FIELDS | MEMBER_FIELDS | CONTACT_FIELDS | STAFF_FIELDS

_RANK = {Visibility.PUBLIC: 0, Visibility.MEMBERS: 1, Visibility.STAFF: 2}

# The fields each search filter reads (facet codes of enterprises.search.indexing,
# and the data-health switches). A filter is usable by a user who may see all of
# them on every entry; a facet missing here is for staff only.
FACET_FIELDS: dict[str, tuple[str, ...]] = {
    "cl": ("clusters",),
    "ci": ("city",),
    "co": ("region",),
    "se": ("sectors",),
    "bm": ("business_models",),
    "mk": ("export_markets",),
    "ce": ("certifications",),
    "de": ("designations",),
    "eb": ("employee_band",),
    "rb": ("revenue_band",),
    "pr": (),  # programme participations: related rows, shown with the entry
    "fy": ("founded_year",),
    "ex": ("is_exporter",),
    "rs": ("registration_status",),
    "uw": ("uscc", "uscc_check_override"),
    "vf": (),  # verified by the association: a public badge
}
HEALTH_FILTER_FIELDS: dict[str, tuple[str, ...]] = {
    "stale": ("last_confirmed_on",),
    "incomplete": tuple(
        dict.fromkeys(c for _label, _kind, cols in COMPLETENESS_FIELDS for c in cols)
    ),
}


def viewer_tier(user: User, *, is_member: bool = False) -> str:
    """The tier a user sees an enterprise at. Members of the enterprise itself see
    their own private fields, like staff."""
    if is_member and user.is_authenticated:
        return Visibility.STAFF
    if is_staff_member(user):
        return Visibility.STAFF
    if user.is_authenticated:
        return Visibility.MEMBERS
    return Visibility.PUBLIC


@cache
def visible_fields(tier: str, contact_visibility: str = Visibility.STAFF) -> frozenset:
    """The fields seen at ``tier`` of an entry whose phone and e-mail are published
    to ``contact_visibility``."""
    fields = set(PUBLIC_FIELDS)
    rank = _RANK[Visibility(tier)]
    if rank >= 1:
        fields |= MEMBER_FIELDS
    if rank >= _RANK[Visibility(contact_visibility or Visibility.STAFF)]:
        fields |= CONTACT_FIELDS
    if rank >= 2:
        fields |= STAFF_FIELDS
    return frozenset(fields)


_TIER_SETS = {
    Tier.PUBLIC: PUBLIC_FIELDS,
    Tier.MEMBERS: MEMBER_FIELDS,
    Tier.CONTACT: CONTACT_FIELDS,
    Tier.STAFF: STAFF_FIELDS,
}


@cache
def visible_export_columns(
    tier: str, contact_visibility: str = Visibility.STAFF
) -> frozenset:
    """The read-only export columns (``fields.EXPORT_COLUMNS``) seen at ``tier``
    of such an entry: each as its tier's fields are (`visible_fields`)."""
    shown = visible_fields(tier, contact_visibility)
    return frozenset(c.name for c in EXPORT_COLUMNS if _TIER_SETS[c.tier] & shown)


class Viewer:
    """One user looking at enterprises: the tier and visible fields of each entry.

    Built once per request (or export); the user's memberships are read once, when
    first needed."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.base_tier = viewer_tier(user)  # of an entry the user does not belong to
        self.staff = self.base_tier == Visibility.STAFF
        self._member_ids: frozenset[int] | None = None

    @property
    def member_ids(self) -> frozenset[int]:
        """Ids of the enterprises the user belongs to (none for staff and visitors:
        they see every entry at one tier)."""
        if self._member_ids is None:
            if self.staff or not self.user.is_authenticated:
                self._member_ids = frozenset()
            else:
                self._member_ids = frozenset(
                    _member_enterprise_ids(self.user).values_list(
                        "enterprise_id", flat=True
                    )
                )
        return self._member_ids

    def is_member(self, enterprise_id: int) -> bool:
        return enterprise_id in self.member_ids

    def tier(self, enterprise_id: int) -> str:
        if self.is_member(enterprise_id):
            return Visibility.STAFF
        return self.base_tier

    def fields(self, enterprise: Enterprise) -> frozenset:
        """The fields of ``enterprise`` this user may see."""
        return self.fields_of(enterprise.pk, enterprise.contact_visibility)

    def fields_of(self, enterprise_id: int, contact_visibility: str) -> frozenset:
        return visible_fields(self.tier(enterprise_id), contact_visibility)

    def sees(self, enterprise_id: int, *, published: bool, merged: bool) -> bool:
        """Whether the user sees an entry in this state (``visible_enterprises``
        for one entry known by its state, e.g. in the change feed's past)."""
        if merged:
            return False
        return published or self.staff or self.is_member(enterprise_id)

    # The same rules as SQL, for statements that shape many entries at once (the
    # change feed): conditions on SQL expressions of an entry's id and state.
    # tests/enterprises/test_permissions_sql.py checks they agree with the above.

    def member_sql(self, entry: str) -> str:
        """Whether the entry ``entry`` (an SQL expression of its id) is one of the
        user's own: a subquery of the memberships, the user's id inline (an
        integer read from the database), so that no statement waits for the ids."""
        if self.staff or not self.user.is_authenticated:
            return "FALSE"
        members = EnterpriseMembership._meta.db_table
        user_id = int(cast(int, self.user.pk))
        return (
            f"({entry} IN (SELECT enterprise_id FROM {members} "  # noqa: S608
            f"WHERE user_id = {user_id}))"
        )

    def sees_sql(self, entry: str, *, published: str, merged: str) -> str:
        """:meth:`sees` as an SQL condition on expressions of the entry's id and
        whether it is published and merged away."""
        anyway = "TRUE" if self.staff else self.member_sql(entry)
        return f"(NOT ({merged}) AND (({published}) OR {anyway}))"

    def fields_sql(
        self, entry: str, contact_visibility: str
    ) -> list[tuple[str, frozenset]]:
        """:meth:`fields_of` as SQL: (condition, fields) pairs over expressions of
        the entry's id and its contact visibility; the first condition that holds
        gives the fields (the last always holds). A contact visibility that is no
        choice counts as staff-only."""
        tiers = []
        if self.member_ids:
            tiers.append((self.member_sql(entry), self.tier(min(self.member_ids))))
        tiers.append(("TRUE", self.base_tier))
        cases = []
        for who, tier in tiers:
            for published_to in (Visibility.PUBLIC, Visibility.MEMBERS):
                condition = f"{who} AND {contact_visibility} = '{published_to}'"
                cases.append((condition, visible_fields(tier, published_to)))
            cases.append((who, visible_fields(tier, Visibility.STAFF)))
        return cases

    def can_edit(self, enterprise: Enterprise) -> bool:
        return self.staff or self.is_member(enterprise.pk)


# --- Which enterprises -------------------------------------------------------------


def _member_enterprise_ids(user: User) -> QuerySet:
    """The ids of the enterprises a signed-in ``user`` belongs to (a subquery)."""
    user_id = cast(int, user.pk)
    return EnterpriseMembership.objects.filter(user_id=user_id).values("enterprise_id")


def visible_enterprises(
    user: User, queryset: QuerySet[Enterprise] | None = None
) -> QuerySet[Enterprise]:
    """The entries ``user`` may see: staff all, an enterprise's users also their
    own drafts, everyone the published ones; nobody an entry merged into another
    (its addresses redirect to the survivor)."""
    queryset = Enterprise.objects.all() if queryset is None else queryset
    return queryset.filter(visible_enterprise_q(user, ""))


def sees_drafts(user: User) -> bool:
    """Whether the entries ``user`` may see include every unpublished draft (staff):
    their totals say "drafts included", everyone else's count published entries
    (and an enterprise's users' own drafts)."""
    return is_staff_member(user)


def editable_enterprises(
    user: User, queryset: QuerySet[Enterprise] | None = None
) -> QuerySet[Enterprise]:
    """The entries ``user`` may propose changes to (staff: all, and publish them),
    never a merged-away one."""
    queryset = Enterprise.objects.all() if queryset is None else queryset
    queryset = queryset.filter(merged_into__isnull=True)
    if is_staff_member(user):
        return queryset
    if user.is_authenticated:
        return queryset.filter(pk__in=_member_enterprise_ids(user))
    return queryset.none()


def user_can_view(user: User, enterprise: Enterprise) -> bool:
    if enterprise.merged_into_id is not None:
        return False
    if enterprise.published or is_staff_member(user):
        return True
    return editable_enterprises(user).filter(pk=enterprise.pk).exists()


def user_can_edit(user: User, enterprise: Enterprise) -> bool:
    return editable_enterprises(user).filter(pk=enterprise.pk).exists()


def access_enterprise_by_id(
    user: User,
    pk: Any,
    *,
    edit: bool = False,
    queryset: QuerySet[Enterprise] | None = None,
) -> Enterprise:
    """The enterprise ``pk`` if ``user`` may see it (``edit``: may edit it), else
    :class:`~django.http.Http404`: missing and forbidden look the same."""
    allowed = (editable_enterprises if edit else visible_enterprises)(user, queryset)
    try:
        return allowed.get(pk=pk)
    except (Enterprise.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def visible_enterprise_ids(user: User) -> QuerySet:
    """A subquery of the ids of the enterprises ``user`` may see."""
    return visible_enterprises(user).values("id")


def visible_enterprise_q(
    user: User, prefix: str = "enterprise", *, null_ok: bool = False
) -> Q:
    """:func:`visible_enterprises` as a condition on the enterprise reached through
    ``prefix`` (``""``: the entry itself): only those ``user`` may see (and, with
    ``null_ok``, rows related to none)."""
    at = f"{prefix}__" if prefix else ""
    # A merged-away entry is nobody's to see (its rows moved to the survivor).
    condition = Q(**{f"{at}merged_into__isnull": True})
    if not is_staff_member(user):
        shown = Q(**{f"{at}published": True})
        if user.is_authenticated:
            shown |= Q(**{f"{prefix or 'pk'}__in": _member_enterprise_ids(user)})
        condition &= shown
    if null_ok:
        condition |= Q(**{f"{prefix}__isnull": True})
    return condition


def visible_related(
    user: User, queryset: QuerySet[Model], field: str = "enterprise"
) -> QuerySet[Model]:
    """The rows of ``queryset`` (awards, participations, tenancies, partnerships,
    designations…) that may be shown to ``user``: those of enterprises the user may
    see, and, where the enterprise is optional (an award to a person, a cluster's
    designation), those of no enterprise."""
    null_ok = queryset.model._meta.get_field(field).null
    return queryset.filter(visible_enterprise_q(user, field, null_ok=null_ok))


def visible_enterprise_sql(
    user: User, table: str = Enterprise._meta.db_table
) -> tuple[list[str], list]:
    """:func:`visible_enterprises` as SQL conditions (and their parameters) on
    ``table``, for the search's raw queries: :meth:`Viewer.sees_sql` on its
    columns (PostgreSQL folds the constant parts away: staff read
    ``merged_into_id IS NULL``, visitors also ``published``)."""
    sees = Viewer(user).sees_sql(
        f"{table}.id",
        published=f"{table}.published",
        merged=f"{table}.merged_into_id IS NOT NULL",
    )
    return [sees], []


# --- Search filters and facets ---------------------------------------------------


@cache
def _usable(tier: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> frozenset:
    # An entry's contact fields are staff-only unless it publishes them: a filter
    # over every entry may only read what the tier sees on all of them.
    shown = visible_fields(tier)
    return frozenset(code for code, fields in table if set(fields) <= shown)


def usable_facets(user: User) -> frozenset[str]:
    """Facet codes ``user`` may filter by and see counts of."""
    return _usable(viewer_tier(user), tuple(FACET_FIELDS.items()))


def usable_health_filters(user: User) -> frozenset[str]:
    """Data-health switches (``stale``, ``incomplete``) ``user`` may filter by."""
    return _usable(viewer_tier(user), tuple(HEALTH_FILTER_FIELDS.items()))
