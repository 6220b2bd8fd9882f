"""``manage.py inline_search_documents [--from-id N]``: store every search document
inline in its row (enterprises.search.storage), in batches, each committed; it can
be stopped and started again from the id it last printed."""

from django.core.management.base import BaseCommand
from django.db import connection

from enterprises.search.storage import BATCH, inline_documents


class Command(BaseCommand):
    help = "Store every enterprise's search document inline in its row."

    def add_arguments(self, parser):
        parser.add_argument("--from-id", type=int, default=0)
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args, **options):
        def progress(upto: int, last: int, done: int) -> None:
            self.stdout.write(f"ids below {upto} of {last}: {done} rows written")

        done = inline_documents(
            connection,
            batch=max(1, options["batch"]),
            start=max(0, options["from_id"]),
            progress=progress,
        )
        self.stdout.write(self.style.SUCCESS(f"{done} search documents written"))
