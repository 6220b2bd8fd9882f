"""Field visibility tiers (DESIGN.md: Enterprise profile).

Every field shown anywhere (pages, search results, API, exports) passes through
`visible_fields`, so a field a viewer may not see never reaches the HTML.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from enterprises.choices import Visibility
from enterprises.fields import Tier, tier_fields

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


def viewer_tier(user: User | AnonymousUser, *, is_member: bool = False) -> str:
    """The tier a user sees an enterprise at. Members of the enterprise itself see
    their own private fields, like staff."""
    if user.is_authenticated and (user.is_staff or is_member):
        return Visibility.STAFF
    if user.is_authenticated:
        return Visibility.MEMBERS
    return Visibility.PUBLIC


def visible_fields(tier: str, contact_visibility: str = Visibility.STAFF) -> frozenset:
    fields = set(PUBLIC_FIELDS)
    rank = _RANK[Visibility(tier)]
    if rank >= 1:
        fields |= MEMBER_FIELDS
    if rank >= _RANK[Visibility(contact_visibility or Visibility.STAFF)]:
        fields |= CONTACT_FIELDS
    if rank >= 2:
        fields |= STAFF_FIELDS
    return frozenset(fields)


def visible_enterprise_ids(user):
    """A subquery of the enterprise ids ``user`` may see (as on the pages)."""
    from enterprises.models import Enterprise

    return Enterprise.objects.visible_to(user).values("id")


def visible_enterprise_q(user, prefix: str = "enterprise") -> Q:
    return Q(**{f"{prefix}__in": visible_enterprise_ids(user)})
