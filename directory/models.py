"""Shared core models: administrative regions and the demo-data marker."""

from django.conf import settings
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


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A named API key of a user. Only a SHA-256 hash of the key is stored; the key
    itself is shown once, when the token is created (see ``directory.tokens``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(
        _("key prefix"),
        max_length=12,
        help_text=_("The first characters of the key, to recognise it by."),
    )
    key_hash = models.CharField(
        _("key hash (SHA-256)"), max_length=64, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ImportJob(models.Model):
    """One uploaded spreadsheet and what became of it: checked (dry run), applied
    (atomically, as a background task), possibly undone."""

    class Kind(models.TextChoices):
        ENTERPRISES = "enterprises", _("Enterprises")
        CLUSTERS = "clusters", _("Clusters")
        COLLEGES = "colleges", _("Colleges")
        MARKETS = "markets", _("Markets")

    class Status(models.TextChoices):
        CHECK_QUEUED = "check_queued", _("Waiting to be checked")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        INVALID = "invalid", _("File rejected")
        APPLY_QUEUED = "apply_queued", _("Waiting to be applied")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed; nothing was changed")
        UNDO_QUEUED = "undo_queued", _("Waiting to be undone")
        UNDOING = "undoing", _("Undoing")
        UNDONE = "undone", _("Undone")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.CHECK_QUEUED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    file = models.FileField(_("file"), upload_to="imports/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    message = models.TextField(_("message"), blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(_("progress"), default=0)
    progress_total = models.PositiveIntegerField(_("progress total"), default=0)
    report = models.JSONField(_("report"), default=list, blank=True)
    options = models.JSONField(
        _("options"),
        default=dict,
        blank=True,
        help_text=_(
            "Decisions taken when applying: rows confirmed, warnings accepted."
        ),
    )
    result = models.JSONField(
        _("result"),
        default=dict,
        blank=True,
        help_text=_("What applying changed, so it can be undone."),
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in {
            self.Status.CHECK_QUEUED,
            self.Status.CHECKING,
            self.Status.APPLY_QUEUED,
            self.Status.APPLYING,
            self.Status.UNDO_QUEUED,
            self.Status.UNDOING,
        }

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
