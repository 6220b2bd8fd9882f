"""The association's programmes, events and competitions, participants and awards."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import BilingualName


class Programme(BilingualName):
    class Kind(models.TextChoices):
        HERITAGE = "heritage", _("Intangible cultural heritage collaboration")
        REGIONAL_BRAND = "regional_brand", _("Regional brand and cluster upgrading")
        HIGH_QUALITY = "high_quality", _("High-quality manufacturing service")
        INDUSTRY_ACADEMIA = (
            "industry_academia",
            _("Industry–university–research cooperation"),
        )
        BEAUTIFUL_MOTHER = (
            "beautiful_mother",
            _("“Beautiful mother” employment"),
        )

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, unique=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    participants = models.ManyToManyField(
        "enterprises.Enterprise",
        through="Participation",
        verbose_name=_("participants"),
        related_name="programmes",
        blank=True,
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def get_absolute_url(self) -> str:
        return reverse("programmes:programme-detail", args=[self.slug])


class Event(BilingualName):
    class Kind(models.TextChoices):
        EXHIBITION = "exhibition", _("Exhibition")
        FASHION_WEEK = "fashion_week", _("Fashion week")
        COMPETITION = "competition", _("Competition")
        FORUM = "forum", _("Forum")
        TRAINING = "training", _("Training")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="event_ends_after_start",
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("programmes:event-detail", args=[self.slug])


class Participation(models.Model):
    """An enterprise taking part in a programme (optionally at one event)."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="participations",
    )
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        ordering = ["-year"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "enterprise", "year"],
                name="participation_once_a_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} – {self.programme} {self.year}"


class Award(models.Model):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="awards"
    )
    title = models.CharField(_("award (Chinese)"), max_length=200)
    title_en = models.CharField(_("award (English)"), max_length=200, blank=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="awards",
    )
    winner_name = models.CharField(_("winner"), max_length=200, blank=True)

    class Meta:
        ordering = ["event", "title"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(winner_name="")
                | models.Q(enterprise__isnull=False),
                name="award_has_winner",
            )
        ]

    def __str__(self) -> str:
        return self.title
