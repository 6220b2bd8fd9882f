"""Choice lists for the enterprise profile (DESIGN.md: Enterprise profile).

Codes are stable ASCII slugs stored in the database and used in URLs, facets, the
API and import templates; labels are translated.
"""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class BusinessModel(models.TextChoices):
    PROCESSING = "processing", _("Processing / OEM")
    ODM = "odm", _("ODM")
    OWN_BRAND = "own_brand", _("Own brand")
    TRADING = "trading", _("Trading")
    ECOMMERCE = "ecommerce", _("E-commerce")
    SERVICE = "service", _("Service")


class Sector(models.TextChoices):
    TEXTILE = "textile", _("Textile")
    APPAREL = "apparel", _("Apparel")
    HOME_TEXTILE = "home_textile", _("Home textile")
    KNITTING = "knitting", _("Knitting")
    SILK = "silk", _("Silk")
    LEATHER_FUR = "leather_fur", _("Leather & fur")
    SWIMWEAR = "swimwear", _("Swimwear")
    SOCKS = "socks", _("Socks")
    DYEING = "dyeing", _("Dyeing & finishing")
    TECHNICAL = "technical", _("Technical textiles")
    ACCESSORIES = "accessories", _("Accessories")
    SUITS = "suits", _("Suits & formal wear")
    OUTDOOR = "outdoor", _("Outdoor & sportswear")
    PROTECTIVE = "protective", _("Protective clothing")
    QIPAO = "qipao", _("Qipao & ethnic dress")
    EMBROIDERY = "embroidery", _("Embroidery")


class Certification(models.TextChoices):
    ISO9001 = "iso9001", _("ISO 9001")
    ISO14001 = "iso14001", _("ISO 14001")
    ISO45001 = "iso45001", _("ISO 45001")
    OEKO_TEX_100 = "oeko_tex_100", _("OEKO-TEX Standard 100")
    BSCI = "bsci", _("BSCI / amfori")
    WRAP = "wrap", _("WRAP")
    GOTS = "gots", _("GOTS")
    GRS = "grs", _("GRS")
    SA8000 = "sa8000", _("SA8000")
    BLUESIGN = "bluesign", _("bluesign")
    SEDEX = "sedex", _("Sedex / SMETA")


class EmployeeBand(models.TextChoices):
    MICRO = "1-19", _("1–19 employees")
    SMALL = "20-99", _("20–99 employees")
    MEDIUM = "100-299", _("100–299 employees")
    LARGE = "300-999", _("300–999 employees")
    XLARGE = "1000+", _("1,000+ employees")


class RevenueBand(models.TextChoices):
    UNDER_5M = "lt5m", _("Under ¥5 million")
    FROM_5M = "5m-20m", _("¥5–20 million")
    FROM_20M = "20m-100m", _("¥20–100 million")
    FROM_100M = "100m-500m", _("¥100–500 million")
    OVER_500M = "gt500m", _("Over ¥500 million")


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    DEREGISTERED = "deregistered", _("Deregistered")


class Datum(models.TextChoices):
    WGS84 = "wgs84", _("WGS-84")
    GCJ02 = "gcj02", _("GCJ-02")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members")
    STAFF = "staff", _("Staff")


class Source(models.TextChoices):
    SELF_REPORTED = "self", _("Self-reported")
    STAFF_VERIFIED = "staff", _("Staff-verified")
    IMPORT = "import", _("Import")
    SURVEY = "survey", _("Survey")
    DEMO = "demo", _("Demo data")


def profile_verified(source: str, field_sources: dict) -> bool:
    """A profile verified by the association: entered or checked by staff as a
    whole (``source``), and no value since from anyone else (``field_sources``).
    The staff-verified badge and the search's "verified" filter both ask this."""
    return source == Source.STAFF_VERIFIED and all(
        value == Source.STAFF_VERIFIED for value in (field_sources or {}).values()
    )


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")


StrOrPromise = str | Promise

# ISO 3166-1 alpha-2 codes of the export markets the branch reports on.
EXPORT_MARKETS: dict[str, StrOrPromise] = {
    "JP": _("Japan"),
    "KR": _("South Korea"),
    "US": _("United States"),
    "CA": _("Canada"),
    "GB": _("United Kingdom"),
    "DE": _("Germany"),
    "FR": _("France"),
    "IT": _("Italy"),
    "ES": _("Spain"),
    "NL": _("Netherlands"),
    "RU": _("Russia"),
    "AU": _("Australia"),
    "AE": _("United Arab Emirates"),
    "SG": _("Singapore"),
    "VN": _("Vietnam"),
    "MN": _("Mongolia"),
    "BR": _("Brazil"),
    "MX": _("Mexico"),
}
EXPORT_MARKET_CHOICES = list(EXPORT_MARKETS.items())
