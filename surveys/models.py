"""The annual survey: surveys per year, enterprises' submissions, the figures kept
per enterprise per year (with their source, superseded rows kept), reminders and
the statistics computed from the figures."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from surveys.figures import DEFAULT_OPTIONAL, MARKET_CODES, figure_choices


def _money(label: object) -> models.DecimalField:
    """An amount in 10,000 yuan, to 0.1."""
    return models.DecimalField(
        label,  # type: ignore[arg-type]
        max_digits=14,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )


def _default_optional() -> list[str]:
    return list(DEFAULT_OPTIONAL)


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("In preparation")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(
        _("year"),
        unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The year the figures are for."),
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    optional_fields = ArrayField(
        models.CharField(max_length=20, choices=figure_choices()),
        verbose_name=_("optional figures"),
        default=_default_optional,
        blank=True,
        help_text=_("The figures an enterprise may leave empty."),
    )
    note = models.TextField(_("note to enterprises (Chinese)"), blank=True)
    note_en = models.TextField(_("note to enterprises (English)"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return str(self.year)

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError(
                {"closes_on": _("The survey cannot close before it opens.")}
            )

    def accepting(self, today=None) -> bool:
        """Whether enterprises can fill in and submit it today."""
        today = today or timezone.localdate()
        return (
            self.status == self.Status.OPEN and self.opens_on <= today <= self.closes_on
        )

    def is_optional(self, name: str) -> bool:
        return name in self.optional_fields


class FigureValues(models.Model):
    """The figures asked (see `surveys.figures`); money in 10,000 yuan."""

    revenue = _money(_("operating revenue"))
    output = _money(_("output value"))
    employees = models.PositiveIntegerField(
        _("employees"), null=True, blank=True, validators=[MaxValueValidator(10**7)]
    )
    exports = _money(_("export value"))
    export_split = models.JSONField(
        _("export value by market"), default=dict, blank=True
    )
    capacity = models.PositiveBigIntegerField(
        _("monthly capacity"), null=True, blank=True
    )
    products = models.CharField(_("main products"), max_length=500, blank=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        from surveys.rules import check_values

        check_values(self.values())

    def values(self) -> dict:
        from surveys.figures import FIGURE_NAMES

        out = {name: getattr(self, name) for name in FIGURE_NAMES}
        out["export_split"] = {
            k: Decimal(str(v))
            for k, v in (self.export_split or {}).items()
            if k in MARKET_CODES
        }
        return out


class Submission(FigureValues):
    """An enterprise's answer to one survey: a draft, submitted, returned with a
    comment or accepted (its figures then become the enterprise's for the year)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, waiting for review")
        RETURNED = "returned", _("Returned for correction")
        ACCEPTED = "accepted", _("Accepted")

    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="submissions",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="survey_submissions",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    flags = models.JSONField(_("flags"), default=list, blank=True)
    comment = models.TextField(_("staff comment"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last saved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("survey submission")
        verbose_name_plural = _("survey submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "enterprise"], name="survey_submission_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.enterprise_id}"


class EnterpriseFigures(FigureValues):
    """An enterprise's figures for a year, from the survey, an import or staff.
    One row per year is current; a replaced row is kept (not current), so no
    figure is overwritten silently."""

    class Source(models.TextChoices):
        SURVEY = "survey", _("Survey")
        IMPORT = "import", _("Import")
        STAFF = "staff", _("Entered by staff")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="yearly_figures",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    current = models.BooleanField(_("current"), default=True)
    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    import_job = models.ForeignKey(
        "imports.ImportJob",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    flags = models.JSONField(_("flags"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    superseded_at = models.DateTimeField(_("replaced"), null=True, blank=True)

    class Meta:
        ordering = ["enterprise_id", "-year", "-created_at", "-id"]
        verbose_name = _("enterprise figures")
        verbose_name_plural = _("enterprise figures")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=models.Q(current=True),
                name="enterprise_figures_one_current",
            ),
        ]
        indexes = [models.Index(fields=["year", "current"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id}:{self.year}:{self.source}"


class SurveyReminder(models.Model):
    """That a user was reminded of a survey's close (once per survey)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    enterprises = models.ManyToManyField(Enterprise, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"], name="survey_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.user_id}"


class Statistic(models.Model):
    """The sums of the current figures of one area for one year (computed by
    `surveys.statistics.statistics_refresh`). Shares, changes and the
    specialisation index are worked out from these rows when read."""

    class Area(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County or district")
        CLUSTER = "cluster", _("Cluster")
        SECTOR = "sector", _("Sector")

    year = models.PositiveSmallIntegerField(_("year"))
    area_kind = models.CharField(_("area kind"), max_length=10, choices=Area.choices)
    area = models.CharField(_("area"), max_length=60)
    enterprises = models.PositiveIntegerField(_("enterprises reporting"))
    employees = models.PositiveBigIntegerField(_("employees"), default=0)
    revenue = models.DecimalField(_("revenue"), max_digits=18, decimal_places=1)
    output = models.DecimalField(_("output"), max_digits=18, decimal_places=1)
    exports = models.DecimalField(_("exports"), max_digits=18, decimal_places=1)
    # A cluster's employees in its main sector (for the specialisation index).
    sector = models.CharField(_("main sector"), max_length=30, blank=True)
    sector_employees = models.PositiveBigIntegerField(default=0)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        ordering = ["year", "area_kind", "area"]
        verbose_name = _("statistic")
        verbose_name_plural = _("statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "area_kind", "area"], name="statistic_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.area_kind} {self.area}"
