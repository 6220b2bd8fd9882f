"""The import template of each section (columns with Chinese and English headers) and
the forms that parse and validate one spreadsheet row.

A header cell is matched against the column's Chinese header, its English header, the
two together ("企业名称 / Name") or the field name, ignoring case, width and spaces.
Choice cells accept the code, the Chinese label or the English label; lists are
separated by ``;`` ``；`` ``、`` or ``|``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from clusters.models import Cluster
from colleges.models import College
from enterprises import choices as ch
from enterprises import fields
from enterprises.models import Enterprise
from enterprises.uscc import normalize_uscc, validate_uscc_format
from imports.cells import (
    CODE_FIELDS,
    CodeTextField,
    LabelChoiceField,
    LabelMultiChoiceField,
    RegionCodeField,
    SlugListField,
    TextListField,
    YesNoField,
    header_key,
)
from markets.models import Market


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    en: str
    required: bool = False

    @property
    def header(self) -> str:
        """The template's header, in both languages."""
        return f"{self.zh} / {self.en}"

    @property
    def label(self) -> str:
        """The column's name in the reader's language: an import's changed
        fields on its page and in its report."""
        return self.en if (get_language() or "").startswith("en") else self.zh


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


# The read-only columns of enterprise exports (names, related rows): a file with
# them re-imports, the import skipping them.
READ_ONLY_HEADERS = frozenset(
    header_key(alias)
    for c in fields.EXPORT_COLUMNS
    for alias in (c.header, c.zh, c.en, f"{c.zh}/{c.en}")
)


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
        if field is None and cell.strip() and header_key(cell) not in READ_ONLY_HEADERS:
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
