"""Professional wholesale markets and their tenant enterprises."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import BilingualName


class Market(BilingualName):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="markets",
    )
    cluster = models.ForeignKey(
        "clusters.Cluster",
        verbose_name=_("cluster"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="markets",
    )
    address = models.CharField(_("address (Chinese)"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    specialty = models.CharField(_("specialty (Chinese)"), max_length=200, blank=True)
    specialty_en = models.CharField(
        _("specialty (English)"), max_length=200, blank=True
    )
    opened_year = models.PositiveSmallIntegerField(_("opened"), null=True, blank=True)
    stall_count = models.PositiveIntegerField(_("stalls"), null=True, blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_synthetic = models.BooleanField(_("synthetic demo row"), default=False)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("market")
        verbose_name_plural = _("markets")

    def get_absolute_url(self) -> str:
        return reverse("markets:market-detail", args=[self.slug])


class Tenancy(models.Model):
    """An enterprise's stall in a market."""

    market = models.ForeignKey(
        Market,
        verbose_name=_("market"),
        on_delete=models.CASCADE,
        related_name="tenancies",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="tenancies",
    )
    stall = models.CharField(_("stall"), max_length=40)
    since_year = models.PositiveSmallIntegerField(_("since"), null=True, blank=True)

    class Meta:
        ordering = ["market", "stall"]
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        constraints = [
            models.UniqueConstraint(
                fields=["market", "stall"], name="tenancy_stall_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.market} {self.stall}"
