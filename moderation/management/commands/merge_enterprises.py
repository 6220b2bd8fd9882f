"""``manage.py merge_enterprises SOURCE TARGET [--take FIELD,...]``: merge entry
SOURCE into TARGET without asking; the target's values win except the fields
``--take`` names. ``--undo MERGE_ID`` undoes a merge."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from enterprises.merging import MERGE_FIELDS, enterprise_merge, merge_undo
from enterprises.models import Enterprise, EnterpriseMerge
from enterprises.permissions import SYSTEM


class Command(BaseCommand):
    help = "Merge enterprise SOURCE into TARGET (the survivor)."

    def add_arguments(self, parser):
        parser.add_argument("source", type=int, nargs="?")
        parser.add_argument("target", type=int, nargs="?")
        parser.add_argument(
            "--take",
            default="",
            help="Comma-separated fields whose value comes from SOURCE: "
            + ", ".join(MERGE_FIELDS),
        )
        parser.add_argument("--reason", default="")
        parser.add_argument("--undo", type=int, metavar="MERGE_ID")

    def handle(self, *args, **options):
        try:
            if options["undo"]:
                merge = EnterpriseMerge.objects.filter(pk=options["undo"]).first()
                if merge is None:
                    raise CommandError(f"There is no merge {options['undo']}.")
                merge_undo(actor=SYSTEM, merge=merge)
                self.stdout.write(f"Undid merge {merge.pk}.")
                return
            if options["source"] is None or options["target"] is None:
                raise CommandError("Give SOURCE and TARGET (or --undo MERGE_ID).")
            entries = Enterprise.objects.in_bulk([options["source"], options["target"]])
            for key in ("source", "target"):
                if options[key] not in entries:
                    raise CommandError(f"There is no enterprise {options[key]}.")
            take = [f.strip() for f in options["take"].split(",") if f.strip()]
            merge = enterprise_merge(
                actor=None,
                source=entries[options["source"]],
                target=entries[options["target"]],
                take=take,
                reason=options["reason"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        stayed = sum(len(ids) for ids in merge.stayed.values())
        self.stdout.write(
            f"Merged {merge.source_id} into {merge.target_id} (merge {merge.pk}); "
            f"{sum(len(i) for i in merge.moved.values())} related rows moved, "
            f"{stayed} stayed."
        )
