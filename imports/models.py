from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage


class ImportJob(models.Model):
    """One uploaded spreadsheet and what became of it: checked (dry run), applied
    (atomically, as a background task), possibly undone."""

    class Kind(models.TextChoices):
        ENTERPRISES = "enterprises", _("Enterprises")
        CLUSTERS = "clusters", _("Clusters")
        COLLEGES = "colleges", _("Colleges")
        MARKETS = "markets", _("Markets")
        SURVEY = "survey", _("Survey figures")

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
    # Staff uploads hold contact phones and e-mails: private storage, outside
    # MEDIA_ROOT (never served), as claim proofs.
    file = models.FileField(
        _("file"), upload_to="imports/", storage=private_storage, blank=True
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    # Why the job stopped or what it needs (a message of `core.messages`: a code
    # and its parameters, rendered in the reader's language; a text stored before
    # messages had codes as it is); "" for none.
    message = models.JSONField(_("message"), default=str, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(_("progress"), default=0)
    progress_total = models.PositiveIntegerField(_("progress total"), default=0)
    report = models.JSONField(_("report"), default=list, blank=True)
    flagged = models.JSONField(
        _("rows flagged"),
        default=dict,
        blank=True,
        help_text=_("The numbers of the rows the dry run found errors or warnings in."),
    )
    report_file = models.FileField(
        _("dry-run report"),
        upload_to="imports/reports/",
        storage=private_storage,
        blank=True,
    )
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


class PreparedChunk(models.Model):
    """A chunk of an import's rows as its dry run prepared them (cleaned values,
    search documents), for the apply of the same file: compressed JSON, read by
    whichever machine runs the apply. The table is UNLOGGED (PostgreSQL writes no
    WAL for it and empties it after a crash, when an apply prepares the rows
    again); see `imports.prepare`."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)  # what the rows were prepared with
    number = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["job", "number"], name="import_prepared_chunk_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.number}"


class ExportRecord(models.Model):
    """One export: who downloaded what (the search's filters, the columns), in
    which format, and how many rows it held (empty until the download finished:
    an interrupted one keeps none)."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    kind = models.CharField(_("kind"), max_length=20, choices=ImportJob.Kind.choices)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("exported"), auto_now_add=True)
    filters = models.JSONField(
        _("filters"),
        default=dict,
        blank=True,
        help_text=_("The search's parameters (parameter: values)."),
    )
    columns = models.JSONField(_("columns"), default=list, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.kind} {self.format} {self.created_at:%Y-%m-%d %H:%M}"
