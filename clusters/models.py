"""Industrial clusters and the designations awarded to clusters and enterprises."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import BilingualName, bilingual


class Cluster(BilingualName):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="clusters",
    )
    specialty = models.CharField(_("specialty (Chinese)"), max_length=200)
    specialty_en = models.CharField(
        _("specialty (English)"), max_length=200, blank=True
    )
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    is_synthetic = models.BooleanField(
        _("synthetic demo row"),
        default=False,
        help_text=_("Generated for the demo, not a real cluster."),
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def get_absolute_url(self) -> str:
        return reverse("clusters:cluster-detail", args=[self.slug])

    @property
    def display_specialty(self) -> str:
        return bilingual(self.specialty, self.specialty_en)


class Designation(models.Model):
    """A title awarded to a cluster or an enterprise, e.g. "China Swimwear City"."""

    class Kind(models.TextChoices):
        CLUSTER_TITLE = "cluster_title", _("Cluster title")
        NATIONAL_TOWN = "national_town", _("National industrial city or town")
        HIGH_QUALITY = "high_quality", _("High-quality manufacturing enterprise")
        BRAND = "brand", _("Brand")
        HONOUR = "honour", _("Honour")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    awarding_body = models.CharField(_("awarding body (Chinese)"), max_length=200)
    awarding_body_en = models.CharField(
        _("awarding body (English)"), max_length=200, blank=True
    )
    awarded_on = models.DateField(_("awarded on"), null=True, blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="designations",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="designations",
    )

    class Meta:
        ordering = ["-awarded_on", "title"]
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cluster__isnull=True, enterprise__isnull=False)
                | models.Q(cluster__isnull=False, enterprise__isnull=True),
                name="designation_for_cluster_xor_enterprise",
            ),
            models.CheckConstraint(
                condition=models.Q(next_review_on__isnull=True)
                | models.Q(awarded_on__isnull=True)
                | models.Q(next_review_on__gt=models.F("awarded_on")),
                name="designation_review_after_award",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        return bilingual(self.title, self.title_en)
