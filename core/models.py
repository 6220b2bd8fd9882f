"""Shared core models: bilingual names and administrative regions."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def bilingual(zh: str, en: str) -> str:
    """The English text when English is active and there is one, else the Chinese."""
    if en and (get_language() or "").startswith("en"):
        return en
    return zh


class BilingualName(models.Model):
    """A `name` (Chinese, required) and `name_en` (English, optional) pair."""

    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return bilingual(self.name, self.name_en)


class Region(BilingualName):
    """An administrative division of Liaoning with its GB/T 2260 code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County or district")

    code = models.CharField(_("GB/T 2260 code"), max_length=6, primary_key=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"),
                name="region_code_six_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(level="province", parent__isnull=True)
                | models.Q(~models.Q(level="province"), parent__isnull=False),
                name="region_parent_unless_province",
            ),
        ]

    @property
    def city_code(self) -> str:
        """The code of the prefecture-level city this region is or lies in."""
        return self.code[:4] + "00"
