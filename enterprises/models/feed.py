"""The change feed's events (``/api/v1/changes/``): one row per create, update,
merge, restore (a merge undone), publish, unpublish and delete of an enterprise,
written by PostgreSQL triggers (migration ``0005_change_feed``) on the enterprise
table and its cluster list, so every writer is covered: the services, the import's
COPY, its set-based undo, merges, the admin.

``id`` orders the feed. It is taken while the writer holds the row's lock, so two
changes of one entry are in the order they committed; ``enterprises.feed`` serves
only ids below the first id any transaction still in flight may commit (each
writing transaction holds an advisory lock keyed by a number taken before its first
event), so a reader never skips an event of a late committer.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Now


class ChangeEvent(models.Model):
    class Kind(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        MERGE = "merge"
        RESTORE = "restore"
        PUBLISH = "publish"
        UNPUBLISH = "unpublish"
        DELETE = "delete"

    id = models.BigAutoField(primary_key=True)
    enterprise_id = models.BigIntegerField()  # no key: a deleted entry keeps its events
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The changed columns (every column for a create).
    fields = ArrayField(models.CharField(max_length=40), default=list)
    # New values by column (the whole row for create, publish and restore).
    data = models.JSONField(null=True)
    # The entry's state after the change: who may see it and its contacts.
    published = models.BooleanField()
    contact_visibility = models.CharField(max_length=10)
    merged_into_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["enterprise_id", "id"], name="changeevent_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.enterprise_id} #{self.id}"
