"""The history of an enterprise: one record per published change."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.models.enterprise import Enterprise


class ChangeRecord(models.Model):
    """One published change to an enterprise: who, when, which fields (old and new
    values), why, and where it came from. Written only by ``enterprise_update``."""

    class Origin(models.TextChoices):
        STAFF = "staff", _("Staff edit")
        CHANGE_REQUEST = "change_request", _("Change request")
        SELF_SERVICE = "self_service", _("Published at once (low-risk field)")
        IMPORT = "import", _("Import")
        API = "api", _("API")
        REVERT = "revert", _("Revert")
        MERGE = "merge", _("Merge")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="change_records",
        db_index=False,  # changerecord_ent leads with it
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    reason = models.TextField(_("reason"), blank=True)  # what a person typed
    # The reason the site wrote itself ("Undo of import 12"): a message of
    # `core.messages` (a code and its parameters), rendered in the reader's
    # language; see `reason_message`.
    system_reason = models.JSONField(
        _("reason given by the site"), null=True, blank=True, editable=False
    )
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("What the change came from, e.g. change-request:12 or import:5."),
    )
    changes = models.JSONField(_("changes"), default=dict)
    reverts = models.ForeignKey(
        "self",
        verbose_name=_("reverts"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reverted_by",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        indexes = [
            models.Index(fields=["enterprise", "-created_at"], name="changerecord_ent")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.origin} {self.created_at:%Y-%m-%d}"

    @property
    def reason_message(self) -> Any:
        """The reason as a stored message (`core.messages`): the site's, else the
        text a person typed (or one stored before the site's had codes)."""
        return self.system_reason or self.reason
