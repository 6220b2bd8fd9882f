"""The enterprise: its profile fields and the rules across them."""

from collections.abc import Mapping
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import BilingualName
from enterprises import names
from enterprises.choices import (
    EXPORT_MARKET_CHOICES,
    BusinessModel,
    Datum,
    EmployeeBand,
    RegistrationStatus,
    RevenueBand,
    Sector,
    Source,
    Visibility,
)
from enterprises.uscc import normalize_uscc, validate_uscc_format

_UNKNOWN = object()  # a field `Enterprise.check_rules` is not given


def _labels(choices: list[tuple[str, Any]], values: list[str]) -> list[str]:
    labels = dict(choices)
    return [str(labels.get(v, v)) for v in values]


class EnterpriseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    # Who may see or edit which entries: enterprises.permissions.


class Enterprise(BilingualName):
    # Identity
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    former_names = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("former names"),
        default=list,
        blank=True,
    )
    uscc = models.CharField(
        _("Unified Social Credit Code"),
        max_length=18,
        null=True,
        blank=True,
        validators=[validate_uscc_format],
    )
    uscc_check_override = models.BooleanField(
        _("accept a failing USCC check character"),
        default=False,
        help_text=_("Some early real codes fail the check; staff may accept them."),
    )
    registration_status = models.CharField(
        _("registration status"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.ACTIVE,
    )
    founded_year = models.PositiveSmallIntegerField(
        _("founded"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    # Location
    # Indexed in Meta.indexes: the automatic index of a key to a text primary key
    # comes with a second, LIKE-only one that no query uses (and every insert
    # pays for).
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("county or district"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        db_index=False,
    )
    city = models.ForeignKey(
        "core.Region",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
    )
    address = models.CharField(_("address (Chinese)"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    datum = models.CharField(
        _("coordinate datum"), max_length=5, choices=Datum.choices, blank=True
    )
    # Business
    clusters = models.ManyToManyField(
        "clusters.Cluster",
        verbose_name=_("clusters"),
        blank=True,
        related_name="enterprises",
    )
    business_models = ArrayField(
        models.CharField(max_length=20, choices=BusinessModel.choices),
        verbose_name=_("business models"),
        default=list,
        blank=True,
    )
    sectors = ArrayField(
        models.CharField(max_length=20, choices=Sector.choices),
        verbose_name=_("sectors"),
        default=list,
        blank=True,
    )
    products = models.CharField(_("products (Chinese)"), max_length=500, blank=True)
    products_en = models.CharField(_("products (English)"), max_length=500, blank=True)
    processes = models.CharField(_("processes"), max_length=500, blank=True)
    monthly_capacity = models.CharField(
        _("monthly capacity"), max_length=100, blank=True
    )
    moq = models.CharField(_("minimum order quantity"), max_length=100, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(
        _("lead time (days)"), null=True, blank=True
    )
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    # Export
    is_exporter = models.BooleanField(_("exporter"), default=False)
    export_markets = ArrayField(
        models.CharField(max_length=2, choices=EXPORT_MARKET_CHOICES),
        verbose_name=_("export markets"),
        default=list,
        blank=True,
    )
    export_share = models.PositiveSmallIntegerField(
        _("export share (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    # Size
    employee_band = models.CharField(
        _("employees"), max_length=10, choices=EmployeeBand.choices, blank=True
    )
    revenue_band = models.CharField(
        _("annual revenue"), max_length=10, choices=RevenueBand.choices, blank=True
    )
    # Contacts
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    contact_visibility = models.CharField(
        _("who sees the phone and email"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.STAFF,
    )
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    # Meta
    published = models.BooleanField(_("published"), default=False)
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=Source.choices,
        default=Source.STAFF_VERIFIED,
    )
    field_sources = models.JSONField(
        _("source of each value"),
        default=dict,
        blank=True,
        help_text=_('Field name to source, e.g. {"products": "self"}.'),
    )
    survey_year = models.PositiveSmallIntegerField(
        _("survey year"), null=True, blank=True
    )
    last_confirmed_on = models.DateField(_("last confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    # Search: maintained by enterprises.services from the fields above.
    search_vector = SearchVectorField(null=True, editable=False)
    facets = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, editable=False
    )
    # `enterprises.names.name_key(name)`, kept by `save` (and by the bulk writers
    # of imports and the demo seeder): likely duplicates are found through it.
    name_key = models.CharField(
        _("name key"), max_length=200, blank=True, default="", editable=False
    )
    # `enterprises.names.sort_keys(name, name_en)`, kept like `name_key`: sorting by
    # name is pinyin order in Chinese and A-Z by English name in English (binary
    # collation: the same order on any PostgreSQL, with or without ICU).
    name_sort = models.CharField(
        _("name sort key"),
        max_length=300,
        blank=True,
        default="",
        editable=False,
        db_collation="C",
    )
    name_sort_en = models.CharField(
        _("English name sort key"),
        max_length=300,
        blank=True,
        default="",
        editable=False,
        db_collation="C",
    )

    # An entry merged into another (enterprises.merging): hidden everywhere by the
    # access policy; its page and API address redirect to the survivor.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        editable=False,
        db_index=False,  # enterprise_merged_into (partial)
    )

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(uscc__isnull=False),
                name="enterprise_uscc_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(export_share__isnull=True)
                | models.Q(export_share__lte=100),
                name="enterprise_export_share_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="enterprise_coordinates_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | ~models.Q(datum=""),
                name="enterprise_coordinates_have_datum",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="enterprise_search_gin"),
            # The name words, and the name, product and sector words, of the
            # search document: the tiers of the relevance order
            # (enterprises.search.ranking.FIELD_VECTORS).
            GinIndex(
                Func(
                    F("search_vector"),
                    Value("{a}"),
                    function="ts_filter",
                    output_field=SearchVectorField(),
                ),
                name="enterprise_search_name_gin",
            ),
            GinIndex(
                Func(
                    F("search_vector"),
                    Value("{a,b}"),
                    function="ts_filter",
                    output_field=SearchVectorField(),
                ),
                name="enterprise_search_products_gin",
            ),
            GinIndex(fields=["facets"], name="enterprise_facets_gin"),
            models.Index(fields=["published", "id"], name="enterprise_published_id"),
            # The yearly statistics read every entry's place and sectors
            # (surveys.statistics): from this index alone, not from the wide
            # table (at 1,000,000 entries 70 MB instead of 4 GB).
            models.Index(
                fields=["id"],
                include=["city", "region", "sectors"],
                name="enterprise_areas_cover",
            ),
            models.Index(fields=["name"], name="enterprise_name"),
            # Sorting by name (pinyin, English) walks these (search.query).
            models.Index(fields=["name_sort", "id"], name="enterprise_name_sort_id"),
            models.Index(
                fields=["name_sort_en", "id"], name="enterprise_name_sort_en_id"
            ),
            # Sorting a broad search by founding year walks it (search.query).
            models.Index(fields=["founded_year", "id"], name="enterprise_founded_id"),
            # Exact and prefix name matches rank first (search, typeahead).
            models.Index(
                OpClass("name", name="varchar_pattern_ops"),
                name="enterprise_name_prefix",
            ),
            models.Index(
                OpClass(Lower("name_en"), name="varchar_pattern_ops"),
                name="enterprise_name_en_prefix",
            ),
            models.Index(fields=["name_key", "region"], name="enterprise_name_key"),
            models.Index(fields=["region"], name="enterprise_region"),
            models.Index(fields=["city"], name="enterprise_city"),
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="enterprise_merged_into",
            ),
        ]

    # The fields the cross-field rules of `check_rules` read.
    RULE_FIELDS = (
        "latitude",
        "longitude",
        "datum",
        "is_exporter",
        "export_markets",
        "export_share",
    )

    @staticmethod
    def check_rules(values: Mapping[str, Any]) -> None:
        """The rules across fields of an enterprise: raise a ValidationError
        (errors by field) for the values that break one.

        ``values`` maps fields to their (cleaned) values; a rule that reads a field
        missing from it is not checked. `clean` runs every rule on the instance;
        the import runs them on a row's cells (without an instance per row). These
        are the only copies of the rules and their messages: the profile form and
        change requests (the form's model validation), the staff API and the
        import's updates (`enterprises.services`, which full_clean) and the
        import's rows (its row form and planner) all come here.
        """
        errors: dict[str, list[ValidationError]] = {}
        get = values.get
        lat, lng = get("latitude", _UNKNOWN), get("longitude", _UNKNOWN)
        if (
            lat is not _UNKNOWN
            and lng is not _UNKNOWN
            and (lat is None) != (lng is None)
        ):
            errors[NON_FIELD_ERRORS] = [
                ValidationError(
                    _("Give both latitude and longitude, or neither."),
                    code="coordinates_pair",
                )
            ]
        for field, value, limit in (("latitude", lat, 90), ("longitude", lng, 180)):
            if (
                value is not None
                and value is not _UNKNOWN
                and not -limit <= value <= limit
            ):
                errors[field] = [
                    ValidationError(
                        _("The coordinates are out of range."),
                        code="coordinates_range",
                    )
                ]
        if lat is not None and lat is not _UNKNOWN and get("datum", "-") == "":
            errors["datum"] = [
                ValidationError(
                    _("Say which datum the coordinates use (WGS-84 or GCJ-02)."),
                    code="coordinates_datum",
                )
            ]
        if get("is_exporter", True) is False:  # known, and not an exporter
            if get("export_share"):
                errors["export_share"] = [
                    ValidationError(
                        _("Only an exporter can have an export share."),
                        code="export_share_exporter",
                    )
                ]
            if get("export_markets"):
                errors["export_markets"] = [
                    ValidationError(
                        _("Only an exporter can have export markets."),
                        code="export_markets_exporter",
                    )
                ]
        if errors:
            raise ValidationError(errors)

    def clean_fields(self, exclude: Any = None) -> None:
        # A USCC is stored in one form (upper case, no spaces; none is NULL, which
        # the unique constraint allows many times), as the import writes it.
        if self.uscc is not None:
            self.uscc = normalize_uscc(self.uscc) or None
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        super().clean()
        self.check_rules({field: getattr(self, field) for field in self.RULE_FIELDS})

    # The keys `save` keeps of the names (and writes when a name is saved).
    NAME_KEY_FIELDS = ("name_key", "name_sort", "name_sort_en")

    def set_name_keys(self) -> None:
        self.name_key = names.name_key(self.name)
        self.name_sort, self.name_sort_en = names.sort_keys(self.name, self.name_en)

    @classmethod
    def fields_saved(cls, update_fields: Any) -> set[str]:
        """The fields a save of `update_fields` writes: the name keys too when a
        name is among them (`enterprises.services` writes many rows the same way)."""
        fields = set(update_fields)
        if {"name", "name_en"} & fields:
            fields.update(cls.NAME_KEY_FIELDS)
        return fields

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.set_name_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = self.fields_saved(update_fields)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("enterprises:enterprise-detail", args=[self.pk])

    @property
    def sector_labels(self) -> list[str]:
        return _labels(Sector.choices, self.sectors)

    @property
    def business_model_labels(self) -> list[str]:
        return _labels(BusinessModel.choices, self.business_models)

    @property
    def export_market_labels(self) -> list[str]:
        return _labels(EXPORT_MARKET_CHOICES, self.export_markets)
