"""The enterprise field registry: every field of an enterprise profile, declared once.

Each :class:`EnterpriseField` says what the product needs to know about a field
(DESIGN.md: Enterprise profile, Import and export):

* ``label``: the model field's ``verbose_name`` (the few fields that are related
  rows, not columns of the enterprise, declare theirs);
* ``tier``: who sees it (:class:`Tier`);
* ``zh`` / ``en``: its import and export column headers (a field without them has
  no column); ``required``: the import needs the column;
* ``group``: for a field an enterprise user may propose a change to (the profile
  form), the section of the edit page it is shown in; ``low_risk``: such a change
  publishes at once (and stays in the history);
* ``editable`` (every field with a column but the ID):
  ``enterprises.services.enterprise_update`` may change it (staff edits, the staff
  API's PATCH, imports);
* ``completeness``: the part of the completeness score it stands for.

Everything else is built from :data:`FIELDS`, in its order: the profile form's fields
(``enterprises.forms``), the import and export columns (``imports.columns``,
``imports.exports``), the API's fields (``enterprises.api``), the tiers
(``enterprises.permissions``), ``enterprises.services.UPDATABLE_FIELDS``, the
completeness score (``enterprises.health``), and the low-risk fields and edit-page
groups of moderation. A field added here appears in all of them.

Rules that read several fields (coordinates, export share) are not declared here:
they live in ``Enterprise.clean`` (``Enterprise.check_rules``), which every writer
runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class Tier(StrEnum):
    """Who sees a field (``enterprises.permissions`` applies the tiers)."""

    PUBLIC = "public"  # everyone
    MEMBERS = "members"  # any signed-in user
    CONTACT = "contact"  # staff, unless the enterprise publishes its phone and e-mail
    STAFF = "staff"  # staff, and the enterprise's own users


class Group(StrEnum):
    """The sections of the edit page (``moderation``), in their order."""

    NAMES = "names"
    LOCATION = "location"
    BUSINESS = "business"
    EXPORT = "export"
    CONTACT = "contact"
    MEDIA = "media"
    CERTIFICATIONS = "certifications"


@dataclass(frozen=True)
class Completeness:
    """A part of the completeness score (``enterprises.health``) and what "filled"
    means for it:

    ``text``   every column is a non-empty string;
    ``value``  the (first) column is not NULL;
    ``array``  the array has at least one element;
    ``any``    at least one of the text columns is non-empty;
    ``export`` not an exporter, or an exporter with at least one market.

    ``columns`` default to the field itself; ``weight`` is the part's share of the
    score relative to the others."""

    part: str
    kind: str
    columns: tuple[str, ...] = ()
    weight: int = 1


@dataclass(frozen=True)
class EnterpriseField:
    name: str
    tier: Tier
    zh: str = ""
    en: str = ""
    required: bool = False
    # The edit page's section of a field an enterprise user may propose a change
    # to; None: only staff change it.
    group: Group | None = None
    low_risk: bool = False
    completeness: Completeness | None = None
    # The label of a field that is not a column of the enterprise row.
    label_text: _StrPromise | None = None

    @property
    def label(self) -> Any:
        """The field's (lazy, translated) label, as a form labels it: its verbose
        name with a capital ("Name (Chinese)", "Products (Chinese)"; Chinese as
        it is), wherever the site names the field (the profile form, history,
        change requests, the merge)."""
        if self.label_text is not None:
            return capfirst(self.label_text)
        field = Enterprise._meta.get_field(self.name)
        return capfirst(getattr(field, "verbose_name", self.name))

    @property
    def has_column(self) -> bool:
        """Whether imports and exports have a column for it."""
        return bool(self.zh)

    @property
    def editable(self) -> bool:
        """Whether `enterprise_update` may change it: every field with a column
        but the ID (an import writes each column through it, and the staff API's
        PATCH takes the same fields)."""
        return self.has_column and self.name != "id"

    @property
    def proposable(self) -> bool:
        """Whether an enterprise user may propose a change to it."""
        return self.group is not None

    @property
    def is_model_field(self) -> bool:
        """A column of the enterprise row or its cluster list (not related rows
        such as certifications or photos)."""
        try:
            field = Enterprise._meta.get_field(self.name)
        except FieldDoesNotExist:
            return False
        return bool(field.concrete or (field.many_to_many and not field.auto_created))


def _f(name: str, tier: Tier, zh: str = "", en: str = "", **kwargs: Any):
    return EnterpriseField(name, tier, zh, en, **kwargs)


def _part(part: str, kind: str = "text", *columns: str) -> Completeness:
    return Completeness(part, kind, columns)


P, M, C, S = Tier.PUBLIC, Tier.MEMBERS, Tier.CONTACT, Tier.STAFF
G = Group

# The order is the import template's (and so the export's) column order, and within
# each tier the order of the API's fields.
FIELDS: tuple[EnterpriseField, ...] = (
    _f("id", P, "系统编号", "ID"),
    _f("name", P, "企业名称", "Name", required=True, group=G.NAMES),
    _f("name_en", P, "英文名称", "English name", group=G.NAMES,
       completeness=_part("English name")),
    _f("short_name", P, "简称", "Short name", group=G.NAMES,
       completeness=_part("short name")),
    _f("former_names", P, "曾用名", "Former names", group=G.NAMES),
    _f("uscc", P, "统一社会信用代码", "USCC", completeness=_part("USCC", "value")),
    _f("uscc_check_override", S, "接受校验位不符", "Accept USCC check failure"),
    _f("registration_status", P, "登记状态", "Registration status"),
    _f("founded_year", P, "成立年份", "Founded",
       completeness=_part("founded year", "value")),
    _f("region", P, "区县代码", "Region code", required=True, group=G.LOCATION),
    _f("city", P),
    _f("address", P, "地址", "Address", group=G.LOCATION,
       completeness=_part("address")),
    _f("address_en", P, "英文地址", "English address", group=G.LOCATION),
    _f("latitude", P, "纬度", "Latitude", group=G.LOCATION,
       completeness=_part("coordinates", "value")),
    _f("longitude", P, "经度", "Longitude", group=G.LOCATION),
    _f("datum", P, "坐标系", "Datum", group=G.LOCATION),
    _f("clusters", P, "产业集群", "Clusters"),
    _f("business_models", P, "经营模式", "Business models", group=G.BUSINESS,
       completeness=_part("business model", "array")),
    _f("sectors", P, "行业", "Sectors", group=G.BUSINESS,
       completeness=_part("sector", "array")),
    _f("products", P, "主要产品", "Products", group=G.BUSINESS,
       completeness=_part("products")),
    _f("products_en", P, "英文产品", "Products (English)", group=G.BUSINESS),
    _f("processes", P, "工艺", "Processes", group=G.BUSINESS,
       completeness=_part("processes")),
    _f("monthly_capacity", M, "月产能", "Monthly capacity", group=G.BUSINESS,
       completeness=_part("monthly capacity")),
    _f("moq", M, "起订量", "MOQ", group=G.BUSINESS,
       completeness=_part("minimum order")),
    _f("lead_time_days", M, "交货期（天）", "Lead time (days)", group=G.BUSINESS,
       completeness=_part("lead time", "value")),
    _f("description", P, "简介", "Description", group=G.BUSINESS, low_risk=True,
       completeness=_part("description")),
    _f("description_en", P, "英文简介", "Description (English)", group=G.BUSINESS,
       low_risk=True),
    _f("is_exporter", P, "出口企业", "Exporter", group=G.EXPORT),
    _f("export_markets", P, "出口市场", "Export markets", group=G.EXPORT,
       completeness=_part("export markets", "export", "is_exporter",
                          "export_markets")),
    _f("export_share", M, "出口占比（%）", "Export share (%)", group=G.EXPORT),
    _f("employee_band", P, "员工规模", "Employees", group=G.BUSINESS,
       completeness=_part("employees")),
    _f("revenue_band", M, "营业收入", "Revenue", group=G.BUSINESS,
       completeness=_part("revenue")),
    _f("certifications", P, group=G.CERTIFICATIONS,
       label_text=_("certifications")),
    _f("designations", P, label_text=_("designations")),
    _f("contact_person", M, "联系人", "Contact person", group=G.CONTACT,
       completeness=_part("contact person")),
    _f("contact_phone", C, "电话", "Phone", group=G.CONTACT,
       completeness=_part("phone or email", "any", "contact_phone",
                          "contact_email")),
    _f("contact_email", C, "电子邮箱", "Email", group=G.CONTACT),
    _f("wechat", M, "微信", "WeChat", group=G.CONTACT),
    _f("contact_visibility", S, "电话邮箱可见范围", "Contact visibility",
       group=G.CONTACT, low_risk=True),
    _f("website", P, "网站", "Website", group=G.CONTACT,
       completeness=_part("website")),
    _f("logo", P, group=G.MEDIA),
    _f("photos", P, group=G.MEDIA, low_risk=True, label_text=_("photos")),
    _f("published", P, "已发布", "Published"),
    _f("source", S),
    _f("field_sources", S),
    # Where each section's values come from and when they were last confirmed
    # (enterprises.provenance), in the API's detail.
    _f("provenance", M, label_text=_("provenance")),
    _f("survey_year", S, "调查年份", "Survey year"),
    _f("last_confirmed_on", P, "最近确认日期", "Last confirmed"),
    _f("created_at", S),
    _f("updated_at", P),
    _f("merged_into", P),
)  # fmt: skip

BY_NAME: dict[str, EnterpriseField] = {f.name: f for f in FIELDS}

# --- Built from the registry -------------------------------------------------------

COLUMN_FIELDS = tuple(f for f in FIELDS if f.has_column)


@dataclass(frozen=True)
class ExportColumn:
    """A read-only column of exports, after the import columns: a name the import
    columns hold as a code, or an entry's related rows, written in the reader's
    language. An import skips it (``imports.columns``): its header says
    "read-only". ``source`` is the registry field it shows (its tier applies);
    ``tier`` is that field's, or the column's own for related rows the registry has
    no field for (programme participations, public as on the programme pages)."""

    name: str
    zh: str
    en: str
    tier: Tier
    source: str = ""

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"


def _export(name: str, zh: str, en: str, source: str = "", tier: Tier = P):
    return ExportColumn(name, zh, en, BY_NAME[source].tier if source else tier, source)


# In export order, after COLUMN_FIELDS.
EXPORT_COLUMNS: tuple[ExportColumn, ...] = (
    _export("city_name", "城市名称（只读）", "City (read-only)", "city"),
    _export("county_name", "区县名称（只读）", "County or district (read-only)",
            "region"),
    _export("certification_list", "认证及有效期（只读）",
            "Certifications and validity (read-only)", "certifications"),
    _export("designation_list", "荣誉称号（只读）", "Designations (read-only)",
            "designations"),
    _export("programme_list", "参与项目（只读）", "Programmes (read-only)"),
)  # fmt: skip
EDITABLE_FIELDS = tuple(f.name for f in FIELDS if f.editable)
PROPOSABLE_FIELDS = tuple(f.name for f in FIELDS if f.proposable)
LOW_RISK_FIELDS = frozenset(f.name for f in FIELDS if f.low_risk)
# Each part with its columns (the field itself unless it names others).
COMPLETENESS_PARTS = tuple(
    replace(f.completeness, columns=f.completeness.columns or (f.name,))
    for f in FIELDS
    if f.completeness
)


def tier_fields(tier: Tier) -> tuple[str, ...]:
    """The fields of a tier, in registry order."""
    return tuple(f.name for f in FIELDS if f.tier == tier)


def group_fields(group: Group) -> tuple[str, ...]:
    """The proposable fields of an edit-page section, in registry order."""
    return tuple(f.name for f in FIELDS if f.proposable and f.group == group)


def field_label(name: str) -> Any:
    """The label of a field of the registry (or its name, for a field it does not
    know, e.g. one of an old history record)."""
    field = BY_NAME.get(name)
    return field.label if field is not None else name


def value_label(name: str, value: Any) -> Any:
    """A stored value of a field (a history record's, a change request's) as the
    reader sees it: the label of each choice in the reader's language instead of
    its code ("100_299" → "100–299 人"), a date in the language's style
    ("2026-07-02" → "2026年7月2日"), a cluster's name instead of its slug
    ("swim" → "兴城泳装"); other values as they are."""
    try:
        model_field = Enterprise._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    if model_field.many_to_many and isinstance(value, list) and value:
        # Clusters are recorded by slug: their names in the reader's language.
        model: Any = model_field.related_model
        related = model._default_manager.filter(slug__in=value)
        names = {r.slug: str(r.display_name) for r in related}
        return [names.get(v, v) for v in value]
    base = getattr(model_field, "base_field", model_field)
    if isinstance(base, models.DateField) and isinstance(value, str):
        try:
            day = parse_date(value)
        except ValueError:  # well formed but not a day
            day = None
        return date_format(day) if day else value
    choices = getattr(base, "flatchoices", None)
    if not choices:
        return value
    labels = dict(choices)
    if isinstance(value, list):
        return [str(labels.get(v, v)) for v in value]
    if value in (None, ""):
        return value
    return str(labels.get(value, value))
