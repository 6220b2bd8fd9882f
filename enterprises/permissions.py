"""Field visibility tiers (DESIGN.md: Enterprise profile).

Every field shown anywhere (pages, search results, API, exports) passes through
`visible_fields`, so a field a viewer may not see never reaches the HTML.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from enterprises.choices import Visibility

# Each tier's fields in the order the API lists them (the sets below are what
# the rest of the code checks against).
PUBLIC_FIELD_ORDER = (
    "id",
    "uscc",
    "name",
    "name_en",
    "short_name",
    "former_names",
    "registration_status",
    "founded_year",
    "region",
    "city",
    "address",
    "address_en",
    "latitude",
    "longitude",
    "datum",
    "clusters",
    "business_models",
    "sectors",
    "products",
    "products_en",
    "processes",
    "description",
    "description_en",
    "is_exporter",
    "export_markets",
    "employee_band",
    "certifications",
    "designations",
    "website",
    "logo",
    "photos",
    "published",
    "last_confirmed_on",
    "updated_at",
)
MEMBER_FIELD_ORDER = (
    "monthly_capacity",
    "moq",
    "lead_time_days",
    "export_share",
    "revenue_band",
    "contact_person",
    "wechat",
)
CONTACT_FIELD_ORDER = ("contact_phone", "contact_email")
STAFF_FIELD_ORDER = (
    "source",
    "field_sources",
    "survey_year",
    "uscc_check_override",
    "created_at",
)
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
