"""The import template of each section (columns with Chinese and English headers) and
the forms that parse and validate one spreadsheet row.

A header cell is matched against the column's Chinese header, its English header, the
two together ("企业名称 / Name") or the field name, ignoring case, width and spaces.
Choice cells accept the code, the Chinese label or the English label; lists are
separated by ``;`` ``；`` ``、`` or ``|``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Any

from django import forms
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from clusters.models import Cluster
from colleges.models import College
from core.models import Region
from core.tabular import NumberCell
from enterprises import choices as ch
from enterprises import fields
from enterprises.models import Enterprise
from enterprises.uscc import normalize_uscc, validate_uscc_format
from markets.models import Market

LIST_SPLIT = re.compile(r"\s*[;；、|]\s*")
TRUE_WORDS = {"1", "y", "yes", "true", "t", "是", "对", "有", "√", "✓", "x"}
FALSE_WORDS = {"0", "n", "no", "false", "f", "否", "无", "不", "×"}


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    en: str
    required: bool = False

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"


# The enterprise columns: the field registry's, in its order.
ENTERPRISE_COLUMNS = [
    Column(f.name, f.zh, f.en, required=f.required) for f in fields.COLUMN_FIELDS
]

_COMMON = [
    Column("slug", "标识", "Slug", required=True),
    Column("name", "名称", "Name", required=True),
    Column("name_en", "英文名称", "English name"),
]
CLUSTER_COLUMNS = [
    *_COMMON,
    Column("region", "区域代码", "Region code", required=True),
    Column("specialty", "特色产业", "Specialty", required=True),
    Column("specialty_en", "英文特色产业", "Specialty (English)"),
    Column("sectors", "行业", "Sectors"),
    Column("description", "简介", "Description"),
    Column("description_en", "英文简介", "Description (English)"),
]
COLLEGE_COLUMNS = [
    *_COMMON,
    Column("kind", "类型", "Kind", required=True),
    Column("school", "院系", "School"),
    Column("school_en", "英文院系", "School (English)"),
    Column("region", "区域代码", "Region code", required=True),
    Column("website", "网站", "Website"),
    Column("description", "简介", "Description"),
    Column("description_en", "英文简介", "Description (English)"),
]
MARKET_COLUMNS = [
    *_COMMON,
    Column("region", "区域代码", "Region code", required=True),
    Column("cluster", "产业集群", "Cluster"),
    Column("address", "地址", "Address"),
    Column("address_en", "英文地址", "English address"),
    Column("specialty", "特色", "Specialty"),
    Column("specialty_en", "英文特色", "Specialty (English)"),
    Column("opened_year", "开业年份", "Opened"),
    Column("stall_count", "摊位数", "Stalls"),
    Column("description", "简介", "Description"),
    Column("description_en", "英文简介", "Description (English)"),
]


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)  # the same few labels fill whole columns of a sheet
def header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return _SPACES.sub("", text)


def match_header(
    header: list[str], columns: list[Column]
) -> tuple[list[str | None], list[str], list[Column]]:
    """Map header cells to fields: (field per cell or None, unknown cells, missing
    required columns)."""
    lookup: dict[str, str] = {}
    for column in columns:
        for alias in (
            column.zh,
            column.en,
            column.field,
            column.header,
            f"{column.zh}/{column.en}",
            f"{column.en} / {column.zh}",
        ):
            lookup[header_key(alias)] = column.field
    fields: list[str | None] = []
    unknown: list[str] = []
    for cell in header:
        field = lookup.get(header_key(cell))
        if field is None and cell.strip():
            unknown.append(cell)
        fields.append(field)
    present = set(fields)
    missing = [c for c in columns if c.required and c.field not in present]
    return fields, unknown, missing


def looks_like_header(cells: list[str], columns: list[Column]) -> bool:
    """Whether a row is a header row of these columns: two or more of its cells,
    and at least half of those not empty, name a column (a title row above the
    header names none; a header with a column missing or added still counts, so
    the message says which)."""
    fields, unknown, _missing = match_header(cells, columns)
    known = sum(1 for f in fields if f)
    return known >= 2 and known >= len(unknown)


# --- Cell parsing fields ----------------------------------------------------------


@cache
def _choice_lookup(key: str) -> dict[str, str]:
    """Code, Chinese label and English label (folded) -> code."""
    source = {
        "registration_status": ch.RegistrationStatus.choices,
        "datum": ch.Datum.choices,
        "employee_band": ch.EmployeeBand.choices,
        "revenue_band": ch.RevenueBand.choices,
        "contact_visibility": ch.Visibility.choices,
        "business_models": ch.BusinessModel.choices,
        "sectors": ch.Sector.choices,
        "export_markets": ch.EXPORT_MARKET_CHOICES,
        "college_kind": College.Kind.choices,
    }[key]
    out: dict[str, str] = {}
    for code, label in source:
        for language in ("en", "zh-hans"):
            with translation.override(language):
                out.setdefault(header_key(str(label)), code)
        out[header_key(code)] = code
    return out


def choice_label(key: str, code: str) -> str:
    """The label of a code in the active language (what exports write)."""
    source = {
        "registration_status": ch.RegistrationStatus,
        "datum": ch.Datum,
        "employee_band": ch.EmployeeBand,
        "revenue_band": ch.RevenueBand,
        "contact_visibility": ch.Visibility,
        "business_models": ch.BusinessModel,
        "sectors": ch.Sector,
        "college_kind": College.Kind,
    }
    if key == "export_markets":
        return str(ch.EXPORT_MARKETS.get(code, code))
    try:
        return str(source[key](code).label)
    except ValueError:
        return code


# --- Codes: what a spreadsheet does to them -------------------------------------
#
# A spreadsheet keeps at most 15 significant digits of a number and no leading
# zero: an 18-digit USCC typed (or opened from a CSV) into a cell not formatted as
# text becomes other digits (…592644 becomes …593024) or "9.12108020079393E+017",
# and a phone loses the 0 of its area code. Such a cell is a row error naming the
# column, never a code with other digits.

CODE_FIELDS = {"uscc": "uscc", "contact_phone": "phone", "region": "region"}
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+")
_MOBILE = re.compile(r"1\d{10}")
_REGION = re.compile(r"[1-9]\d{5}")
# All digits, 9 to 11 of them, not starting with 0 (an area code's), 1 (a mobile)
# or 400/800 (service numbers): a landline whose leading 0 was dropped.
_LOST_ZERO = re.compile(r"(?!400|800)[2-9]\d{8,10}")
_FIX = _(
    "Format the column as text in the spreadsheet (or type an apostrophe "
    "before the value) and enter it again, or edit the XLSX export, which keeps "
    "codes as text."
)


def code_cell_error(value: Any, kind: str) -> ValidationError | None:
    """Why a cell of a code column (`CODE_FIELDS`) cannot be the code it shows, or
    None: a number cell (unless a number cannot have changed it: a mobile number,
    a 6-digit region code), scientific notation, or a phone without its leading 0."""
    text = str(value).strip()
    if not text:
        return None
    if value.__class__ is NumberCell:
        if (kind == "phone" and _MOBILE.fullmatch(text)) or (
            kind == "region" and _REGION.fullmatch(text)
        ):
            return None
        return ValidationError(
            _(
                "the cell holds the number %(value)s, not text: a spreadsheet keeps "
                "only 15 digits of a number and no leading zero, so this may not be "
                "the code that was typed. %(fix)s"
            ),
            code="code_as_number",
            params={"value": text, "fix": _FIX},
        )
    if _SCIENTIFIC.fullmatch(text):
        return ValidationError(
            _(
                "“%(value)s” is a number in scientific notation: the spreadsheet "
                "rounded the code. %(fix)s"
            ),
            code="code_scientific",
            params={"value": text, "fix": _FIX},
        )
    if kind == "phone" and _LOST_ZERO.fullmatch(text):
        return ValidationError(
            _(
                "“%(value)s” looks like a phone number that lost its leading 0 "
                "(an area code such as 0411 or 024 starts with 0). %(fix)s"
            ),
            code="phone_lost_zero",
            params={"value": text, "fix": _FIX},
        )
    return None


class CodeTextField(forms.CharField):
    """A code column's cell (USCC, phone): text as typed, refused when a
    spreadsheet may have changed it (`code_cell_error`)."""

    def __init__(self, *, code: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.code = code

    def to_python(self, value: Any) -> str:
        error = code_cell_error(value, self.code) if value else None
        if error is not None:
            raise error
        return super().to_python(value)


class LabelChoiceField(forms.CharField):
    """One choice given as its code or its Chinese or English label."""

    def __init__(self, key: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.key = key

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        code = _choice_lookup(self.key).get(header_key(text))
        if code is None:
            raise ValidationError(
                _("“%(value)s” is not one of the allowed values."),
                code="bad_choice",
                params={"value": text},
            )
        return code


class LabelMultiChoiceField(LabelChoiceField):
    """Several choices separated by ; 、 or |."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = forms.CharField.to_python(self, value)
        codes: list[str] = []
        for part in LIST_SPLIT.split(text) if text else []:
            if part:
                code = LabelChoiceField.to_python(self, part)
                if code not in codes:
                    codes.append(code)
        return codes


class TextListField(forms.CharField):
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        return [p for p in LIST_SPLIT.split(text) if p] if text else []


class YesNoField(forms.Field):
    """是/否, yes/no, true/false, 1/0; empty is no."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> bool:
        text = header_key(str(value or ""))
        if not text or text in FALSE_WORDS:
            return False
        if text in TRUE_WORDS:
            return True
        raise ValidationError(
            _("“%(value)s” is not yes or no (是/否)."),
            code="bad_boolean",
            params={"value": value},
        )

    def validate(self, value: Any) -> None:
        pass


@cache
def _regions() -> tuple[dict[str, str], dict[str, list[str]]]:
    codes = {}
    names: dict[str, list[str]] = {}
    for code, name, name_en in Region.objects.values_list("code", "name", "name_en"):
        codes[code] = name
        for alias in (name, name_en):
            if alias:
                names.setdefault(header_key(alias), []).append(code)
    return codes, names


def clear_caches() -> None:
    """Forget cached regions (tests load them per test)."""
    _regions.cache_clear()


def warm_caches() -> None:
    """Load the regions the cleaning looks up (before forking worker processes,
    which run no queries)."""
    _regions()


class RegionCodeField(forms.CharField):
    """A GB/T 2260 code, or a region name that is unique in Liaoning."""

    def to_python(self, value: Any) -> str:
        error = code_cell_error(value, "region") if value else None
        if error is not None:
            raise error
        text = super().to_python(value)
        if not text:
            return ""
        codes, names = _regions()
        if text in codes:
            return text
        found = names.get(header_key(text), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValidationError(
                _("“%(value)s” names several regions; give its 6-digit code."),
                code="ambiguous_region",
                params={"value": text},
            )
        raise ValidationError(
            _("There is no region “%(value)s” in Liaoning."),
            code="bad_region",
            params={"value": text},
        )


class SlugListField(forms.CharField):
    """Cluster slugs or names separated by ; 、 or |."""

    def __init__(self, *, many: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.many = many
        self.lookup: dict[str, str] | None = None

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        parts = [p for p in LIST_SPLIT.split(text) if p] if text else []
        if not self.many and len(parts) > 1:
            raise ValidationError(_("Give one cluster only."), code="one_cluster")
        if self.lookup is None:
            self.lookup = cluster_lookup()
        lookup = self.lookup
        slugs: list[str] = []
        for part in parts:
            slug = lookup.get(header_key(part))
            if slug is None:
                raise ValidationError(
                    _("There is no cluster “%(value)s”."),
                    code="bad_cluster",
                    params={"value": part},
                )
            if slug not in slugs:
                slugs.append(slug)
        if not self.many:
            return slugs[0] if slugs else ""
        return sorted(slugs)


def cluster_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for slug, name, name_en in Cluster.objects.values_list("slug", "name", "name_en"):
        for alias in (name_en, name, slug):
            if alias:
                out[header_key(alias)] = slug
    return out


# --- Row forms --------------------------------------------------------------------


class RowForm(forms.ModelForm):
    """The fields and rules of one spreadsheet row: its fields come from the model
    (so they carry the model's lengths, ranges and validators), with choice and list
    fields replaced by the label-aware fields above; its rules are ``clean_<field>``
    hooks and ``clean()``. `imports.cleaning.RowCleaner` cleans rows with it (it is
    never bound to a row)."""


DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]


def cell_kind(model_field: Any) -> str:
    """How an enterprise column's cells read and write, from its model field:
    ``region`` (a code or a unique name), ``clusters`` (slugs or names),
    ``yes_no`` (是/否), ``choice`` and ``choices`` (codes or labels; several
    separated by ;), ``list`` (texts separated by ;), ``date``, or ``value`` (as
    the model field's own form field reads it)."""
    if model_field.name == "region":
        return "region"
    if model_field.many_to_many:
        return "clusters"
    if isinstance(model_field, models.BooleanField):
        return "yes_no"
    if isinstance(model_field, ArrayField):
        return "choices" if model_field.base_field.choices else "list"
    if model_field.choices:
        return "choice"
    if isinstance(model_field, models.DateField) and not isinstance(
        model_field, models.DateTimeField
    ):
        return "date"
    return "value"


def enterprise_cell_field(model_field: Any, **kwargs: Any) -> forms.Field | None:
    """The form field that cleans the cells of an enterprise column (the row form's
    ``formfield_callback``)."""
    kind = cell_kind(model_field)
    name = model_field.name
    if kind == "region":
        return RegionCodeField(required=True)
    if kind == "clusters":
        return SlugListField()
    if kind == "yes_no":
        return YesNoField()
    if kind == "choices":
        return LabelMultiChoiceField(name)
    if kind == "list":
        return TextListField(required=False)
    if kind == "choice":
        return LabelChoiceField(name)
    if kind == "date":
        return forms.DateField(required=False, input_formats=DATE_FORMATS)
    if name in CODE_FIELDS:
        return model_field.formfield(
            form_class=CodeTextField, code=CODE_FIELDS[name], **kwargs
        )
    return model_field.formfield(**kwargs)


class EnterpriseRowForm(RowForm):
    """One enterprise row: a field per column of the field registry, cleaned as
    `enterprise_cell_field` says. Region and clusters are looked up in caches, not
    one query per row; uniqueness is checked in bulk by the importer, and the
    model's rules across fields (`Enterprise.check_rules`) in `clean`."""

    id = forms.IntegerField(required=False, min_value=1)  # not an editable field

    class Meta:
        model = Enterprise
        fields = [c.field for c in ENTERPRISE_COLUMNS if c.field != "id"]
        formfield_callback = enterprise_cell_field

    def clean_uscc(self) -> str | None:
        code = normalize_uscc(self.cleaned_data.get("uscc") or "")
        if not code:
            return None
        validate_uscc_format(code)
        return code

    def _clean_coordinate(self, name: str) -> Decimal | None:
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)

    def clean_latitude(self) -> Decimal | None:
        return self._clean_coordinate("latitude")

    def clean_longitude(self) -> Decimal | None:
        return self._clean_coordinate("longitude")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        fields = self.fields
        if "registration_status" in fields and not data.get("registration_status"):
            data["registration_status"] = ch.RegistrationStatus.ACTIVE.value
        if "contact_visibility" in fields and not data.get("contact_visibility"):
            data["contact_visibility"] = ch.Visibility.STAFF.value
        # The rules whose fields are all columns of the file (and clean); the
        # planner checks the others against the entry's current values. Their
        # ValidationError names the fields (`imports.cleaning` labels them).
        Enterprise.check_rules(data)
        return data

    def clean_former_names(self) -> list[str]:
        names = self.cleaned_data.get("former_names") or []
        if any(len(n) > 200 for n in names):
            raise ValidationError(
                _("A former name has more than 200 characters."), code="too_long"
            )
        return names


class ClusterRowForm(RowForm):
    region = RegionCodeField(required=True)
    sectors = LabelMultiChoiceField("sectors")

    class Meta:
        model = Cluster
        fields = [c.field for c in CLUSTER_COLUMNS if c.field != "region"]


class CollegeRowForm(RowForm):
    region = RegionCodeField(required=True)
    kind = LabelChoiceField("college_kind", required=True)

    class Meta:
        model = College
        fields = [c.field for c in COLLEGE_COLUMNS if c.field != "region"]


class MarketRowForm(RowForm):
    region = RegionCodeField(required=True)
    cluster = SlugListField(many=False)

    class Meta:
        model = Market
        fields = [
            c.field for c in MARKET_COLUMNS if c.field not in {"region", "cluster"}
        ]


@dataclass(frozen=True)
class Section:
    kind: str
    columns: list[Column]
    form: type[forms.ModelForm]
    model: type
    # Fields that hold a related object's key: field -> attname written to the row.
    relations: tuple[tuple[str, str], ...] = ()
    # A kind registered by a higher app (`register_section`) brings its own
    # planner, writer and undo: planner(section, fields, options) and
    # writer(job, actor) with the interfaces of `imports.plan.GenericPlanner` and
    # `imports.write.GenericWriter`; undo(job=, actor=, progress=) -> None.
    planner: Any = None
    writer: Any = None
    undo: Any = None


SECTIONS = {
    "enterprises": Section(
        "enterprises", ENTERPRISE_COLUMNS, EnterpriseRowForm, Enterprise
    ),
    "clusters": Section(
        "clusters", CLUSTER_COLUMNS, ClusterRowForm, Cluster, (("region", "region_id"),)
    ),
    "colleges": Section(
        "colleges", COLLEGE_COLUMNS, CollegeRowForm, College, (("region", "region_id"),)
    ),
    "markets": Section(
        "markets",
        MARKET_COLUMNS,
        MarketRowForm,
        Market,
        (("region", "region_id"), ("cluster", "cluster_id")),
    ),
}


def register_section(section: Section) -> None:
    """Add a kind of import from an app above imports (in its AppConfig.ready),
    which imports cannot name."""
    SECTIONS[section.kind] = section
