"""A merge of one enterprise into another, kept so that it can be undone."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.models.enterprise import Enterprise
from enterprises.models.history import ChangeRecord


class EnterpriseMerge(models.Model):
    """``source`` merged into ``target`` (the survivor): which of the source's
    values it took, which related rows moved (and which stayed because the
    survivor already had them), and the USCC the source gave up.
    Written only by ``enterprises.merging``."""

    source = models.ForeignKey(
        Enterprise,
        verbose_name=_("merged-away entry"),
        on_delete=models.CASCADE,
        related_name="merges_away",
    )
    target = models.ForeignKey(
        Enterprise,
        verbose_name=_("survivor"),
        on_delete=models.CASCADE,
        related_name="merges_in",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    taken = ArrayField(
        models.CharField(max_length=40),
        verbose_name=_("values taken from the merged-away entry"),
        default=list,
        blank=True,
    )
    source_uscc = models.CharField(
        _("USCC of the merged-away entry"), max_length=18, blank=True, db_index=True
    )
    # {"app_label.model.field": [primary keys]}
    moved = models.JSONField(_("moved rows"), default=dict, blank=True)
    stayed = models.JSONField(_("rows left with the merged-away entry"), default=dict)
    field_sources_before = models.JSONField(default=dict, blank=True)
    record = models.ForeignKey(
        ChangeRecord,
        verbose_name=_("history entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"merge:{self.pk} {self.source_id} → {self.target_id}"
