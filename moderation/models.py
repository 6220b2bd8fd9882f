"""Claims, change requests, invitations and confirmation reminders."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage
from enterprises.choices import MembershipRole
from enterprises.models import Enterprise
from enterprises.uscc import validate_uscc_format


class Claim(models.Model):
    """A person's request to be linked to an existing enterprise."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")
        REVOKED = "revoked", _("Revoked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="claims",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="claims",
    )
    relationship = models.CharField(
        _("relationship to the enterprise"),
        max_length=200,
        help_text=_("For example: legal representative, general manager, staff."),
    )
    uscc = models.CharField(
        _("Unified Social Credit Code"),
        max_length=18,
        validators=[validate_uscc_format],
    )
    contact_name = models.CharField(_("your name"), max_length=100)
    contact_phone = models.CharField(_("phone"), max_length=40)
    contact_email = models.EmailField(_("email"))
    proof = models.FileField(
        _("proof document"),
        upload_to="claims/",
        storage=private_storage,
        help_text=_("Business licence or letter: PDF, JPG or PNG, at most 5 MB."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "enterprise"],
                condition=models.Q(status="pending"),
                name="claim_one_pending_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"


class ChangeRequest(models.Model):
    """A proposed change to an enterprise's profile, one row per field in
    `ChangeRequestField`. At most one open request per enterprise."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="change_requests",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="change_requests",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(status="open"),
                name="change_request_one_open_per_enterprise",
            ),
        ]

    def __str__(self) -> str:
        return f"change-request:{self.pk}"

    @property
    def reference(self) -> str:
        return f"change-request:{self.pk}"


class ChangeRequestField(models.Model):
    """One field of a change request: old and new value and the decision on it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        PUBLISHED = "published", _("Published at once")

    change_request = models.ForeignKey(
        ChangeRequest,
        verbose_name=_("change request"),
        on_delete=models.CASCADE,
        related_name="fields",
    )
    field = models.CharField(_("field"), max_length=40)
    old = models.JSONField(_("old value"), null=True, blank=True)
    new = models.JSONField(_("new value"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed"), auto_now=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    comment = models.TextField(_("comment"), blank=True)
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
        ordering = ["id"]
        verbose_name = _("change request field")
        verbose_name_plural = _("change request fields")
        constraints = [
            models.UniqueConstraint(
                fields=["change_request", "field"],
                condition=models.Q(status="pending"),
                name="change_request_field_once_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change_request_id}:{self.field}"


class Invitation(models.Model):
    """A one-time, expiring link that makes the person who opens it a member."""

    email = models.EmailField(_("email"))
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=MembershipRole.choices,
        default=MembershipRole.EDITOR,
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.enterprise_id}"


class ConfirmationReminder(models.Model):
    """That a user was asked to confirm their profiles in a yearly cycle."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="confirmation_reminders",
    )
    cycle = models.PositiveSmallIntegerField(_("year"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("enterprises"), related_name="+"
    )

    class Meta:
        verbose_name = _("confirmation reminder")
        verbose_name_plural = _("confirmation reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cycle"], name="confirmation_reminder_once_per_cycle"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.cycle}"


class DuplicatePair(models.Model):
    """Two entries that look like one firm (``moderation.duplicates`` finds them),
    ``low`` < ``high`` by id. A dismissed pair stays, so it never comes back."""

    class Reason(models.TextChoices):
        USCC = "uscc", _("same organisation code in the USCC")
        NAME = "name", _("same name in the same county")
        PHONE = "phone", _("same phone")
        EMAIL = "email", _("same e-mail")
        WEBSITE = "website", _("same website")

    low = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    high = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    reasons = ArrayField(models.CharField(max_length=10), verbose_name=_("reasons"))
    score = models.PositiveSmallIntegerField(_("score"))
    found_at = models.DateTimeField(_("found"), auto_now_add=True)
    dismissed_at = models.DateTimeField(_("dismissed"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dismissed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-score", "low", "high"]
        verbose_name = _("likely duplicate")
        verbose_name_plural = _("likely duplicates")
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=models.Q(low__lt=models.F("high")),
                name="duplicate_pair_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["-score"],
                condition=models.Q(dismissed_at__isnull=True),
                name="duplicate_pair_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.low_id} ~ {self.high_id}"

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(self.Reason.choices)
        return [str(labels.get(r, r)) for r in self.reasons]


class DuplicateScan(models.Model):
    """One run of the duplicate finder (a background task), with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    found = models.PositiveIntegerField(_("pairs found"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("duplicate scan")
        verbose_name_plural = _("duplicate scans")

    def __str__(self) -> str:
        return f"duplicate-scan:{self.pk}"
