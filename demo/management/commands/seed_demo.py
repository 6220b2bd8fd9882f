import time

from django.core.management.base import BaseCommand, CommandError

from demo import seed as demo


class Command(BaseCommand):
    help = "Load deterministic demo data into an empty directory."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the directory already has content.",
        )

    def handle(self, *args, enterprises, seed, workers, if_empty, **options):
        if enterprises < 0:
            raise CommandError("--enterprises must be 0 or more.")
        if if_empty and demo.has_content():
            self.stdout.write("The directory already has data; demo data not loaded.")
            return
        started = time.monotonic()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] > 5 or done == total:
                last[0] = now
                self.stdout.write(f"  {done:,}/{total:,} enterprises")

        try:
            demo.seed(
                enterprises=enterprises, seed=seed, workers=workers, progress=progress
            )
        except demo.AlreadySeeded as exc:
            raise CommandError(
                "The directory already has data. Use a fresh database "
                "(e.g. `make reset-db`) to load the demo data again."
            ) from exc
        # Let the task worker compute the dashboard's figures before anyone asks.
        from dashboard.tasks import refresh_dashboard

        refresh_dashboard.enqueue()
        # And the queue of likely duplicates (the demo has some).
        from moderation.duplicates import duplicates_find

        self.stdout.write(f"  {duplicates_find():,} likely duplicate pairs")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {enterprises:,} enterprises "
                f"in {time.monotonic() - started:.1f} s (seed {seed})."
            )
        )
