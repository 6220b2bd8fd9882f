from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoDataset(models.Model):
    """Present when the database holds generated demo data (the pages say so)."""

    seed = models.IntegerField(_("seed"))
    enterprises = models.PositiveIntegerField(_("enterprises generated"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("demo dataset")
        verbose_name_plural = _("demo datasets")

    def __str__(self) -> str:
        return f"demo seed {self.seed}"
