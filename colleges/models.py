"""Textile and garment colleges, their programmes and enterprise partnerships."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import BilingualName


class College(BilingualName):
    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        VOCATIONAL = "vocational", _("Vocational college")
        ART = "art", _("Art school or academy")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    school = models.CharField(
        _("school or faculty (Chinese)"), max_length=200, blank=True
    )
    school_en = models.CharField(
        _("school or faculty (English)"), max_length=200, blank=True
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="colleges",
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo row"), default=False)
    partners = models.ManyToManyField(
        "enterprises.Enterprise",
        through="Partnership",
        verbose_name=_("partner enterprises"),
        related_name="college_partners",
        blank=True,
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("college")
        verbose_name_plural = _("colleges")

    def get_absolute_url(self) -> str:
        return reverse("colleges:college-detail", args=[self.slug])


class CollegeProgramme(BilingualName):
    class Level(models.TextChoices):
        VOCATIONAL = "vocational", _("Vocational diploma")
        BACHELOR = "bachelor", _("Bachelor")
        MASTER = "master", _("Master")
        DOCTORATE = "doctorate", _("Doctorate")

    college = models.ForeignKey(
        College,
        verbose_name=_("college"),
        on_delete=models.CASCADE,
        related_name="programmes",
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)

    class Meta:
        ordering = ["college", "level", "name"]
        verbose_name = _("study programme")
        verbose_name_plural = _("study programmes")
        constraints = [
            models.UniqueConstraint(
                fields=["college", "name", "level"], name="college_programme_unique"
            )
        ]


class Partnership(models.Model):
    class Kind(models.TextChoices):
        INTERNSHIP = "internship", _("Internship base")
        RESEARCH = "research", _("Joint research")
        TRAINING = "training", _("Training")
        ORDER_CLASS = "order_class", _("Order-based class")

    college = models.ForeignKey(
        College, verbose_name=_("college"), on_delete=models.CASCADE
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="partnerships",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    since_year = models.PositiveSmallIntegerField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(
                fields=["college", "enterprise", "kind"], name="partnership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.college} – {self.enterprise}"
