"""Import and export speed: for each of CSV, XLSX and ODS, reading a file of
100,000 new enterprises (budget 3 s for XLSX), its dry run + apply (budget 60 s
together) and the import worker's peak memory (budget < 500 MB), each format in a
process of its own; then the export of every enterprise as CSV: rows/s and peak
RSS (budget >= 20,000 rows/s, < 300 MB), measured in a subprocess.

    DJANGO_DEBUG=1 .venv/bin/python bench/imports.py [--rows 100000]
        [--formats csv,xlsx,ods] [--no-export] [--updates]

The import runs in a scratch database (``bench_imports``, created with the
migrations on the same server and dropped afterwards), so the configured database -
e.g. the 1,000,000-row bench database of ``make bench`` - is left as it was; with
``--in-place`` it runs against the configured database instead and cleans up after
itself by undoing the import (also timed). The export reads the configured database.
The XLSX file is written by the export's writer (core.sheetwriter); the ODS file by
a small writer here (one table of text and number cells, as LibreOffice saves it,
without the styles calamine does not read). With ``--updates``, a second file of the
same format updates every entry the first created (other products and phone, matched
by USCC): its dry run, apply (seconds and statements per 1,000 updates) and undo.
"""

import argparse
import contextlib
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def bench_rows(rows: int, *, update: bool = False):
    """The header and the rows of the import file (new enterprises); with
    `update`, the same enterprises (by USCC) with other products and phone: a file
    of updates."""
    from core.models import Region
    from demo.rows import make_uscc
    from imports.exports import header

    counties = list(
        Region.objects.filter(level="county").values_list("code", flat=True)
    )
    rng = random.Random(7)
    sectors = ["服装", "泳装", "针织", "家纺", "textile", "Socks"]
    words = "华美丽祥瑞丰泰隆盛兴鑫源达宏远锦绣恒通安康福"

    def row(i):
        county = rng.choice(counties)
        brand = "".join(rng.choice(words) for _ in range(3))
        return [
            "",
            f"基准{brand}{i}服饰有限公司",
            f"Bench {i} Garments Co., Ltd.",
            "",
            "",
            make_uscc(county, 90_000_000 + i),
            "否",
            "存续" if False else "active",
            rng.randint(1980, 2024),
            county,
            f"测试路{i}号",
            "",
            "",
            "",
            "",
            "",
            "加工/代工（OEM）",
            rng.choice(sectors),
            "衬衫、西裤、夹克" if update else "衬衫、西裤",
            "shirts, trousers, jackets" if update else "shirts, trousers",
            "",
            "",
            "",
            "",
            "",
            "",
            "是" if i % 3 == 0 else "否",
            "JP;KR" if i % 3 == 0 else "",
            "",
            "20-99",
            "",
            "王先生",
            f"139{i:08d}" if update else f"138{i:08d}",
            "",
            "",
            "staff",
            "",
            "是",
            "2025",
            "",
        ]

    return header("enterprises"), (row(i) for i in range(rows))


def build_csv(path: Path, rows: int, *, update: bool = False) -> None:
    from core.tabular import csv_chunks

    head, body = bench_rows(rows, update=update)
    with path.open("wb") as out:
        for chunk in csv_chunks(head, body):
            out.write(chunk)


def build_xlsx(path: Path, rows: int, *, update: bool = False) -> None:
    from core.tabular import xlsx_chunks
    from imports.exports import column_kinds

    head, body = bench_rows(rows, update=update)
    with path.open("wb") as out:
        for chunk in xlsx_chunks(head, body, kinds=column_kinds("enterprises")):
            out.write(chunk)


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def build_ods(path: Path, rows: int, *, update: bool = False) -> None:
    import zipfile
    from xml.sax.saxutils import escape

    head, body = bench_rows(rows, update=update)

    def cell(value) -> str:
        if value == "" or value is None:
            return "<table:table-cell/>"
        if isinstance(value, int):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
        )

    def line(values) -> bytes:
        return ("<table:table-row>" + "".join(map(cell, values))).encode() + (
            b"</table:table-row>"
        )

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml"/></manifest:manifest>',
        )
        with archive.open("content.xml", "w", force_zip64=True) as content:
            content.write(
                '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                f'{_ODS_NS} office:version="1.2"><office:body><office:spreadsheet>'
                '<table:table table:name="Sheet1">'.encode()
            )
            content.write(line(head))
            for values in body:
                content.write(line(values))
            content.write(
                b"</table:table></office:spreadsheet></office:body>"
                b"</office:document-content>"
            )


BUILDERS = {"csv": build_csv, "xlsx": build_xlsx, "ods": build_ods}


def peak_mb() -> tuple[float, float]:
    """This process's peak resident memory and its children's (the worker
    processes of the dry run), in MB. VmHWM is this process's own peak
    (ru_maxrss would carry over the parent's peak across exec on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def server_cpu() -> float | None:
    """CPU seconds the embedded PostgreSQL server has used so far (its live
    processes and those it reaped), or None (another server, or not Linux): the
    apply's cost is mostly there, and CPU seconds do not depend on the load of a
    shared machine as a wall clock does."""
    from django.conf import settings

    from core import db

    if os.environ.get("DATABASE_URL") or not settings.DATABASES:
        return None
    try:
        postmaster = int((db.DATA_DIR / "postmaster.pid").read_text().split()[0])
        tick = os.sysconf("SC_CLK_TCK")

        def stat(pid: int) -> tuple[int, int, int]:
            text = Path(f"/proc/{pid}/stat").read_text()
            fields = text[text.rindex(")") + 2 :].split()
            own = int(fields[11]) + int(fields[12])
            return int(fields[1]), own, int(fields[13]) + int(fields[14])

        _parent, own, reaped = stat(postmaster)
        total = own + reaped
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    parent, used, _reaped = stat(int(entry))
                except (OSError, ValueError, IndexError):
                    continue  # gone meanwhile
                if parent == postmaster:
                    total += used
    except (OSError, ValueError, IndexError):
        return None
    return total / tick


class CpuClock:
    """CPU seconds of this process, its children (the dry run's cleaning
    processes) and the database server since the clock started."""

    def __init__(self) -> None:
        self.times, self.server = os.times(), server_cpu()

    def __str__(self) -> str:
        now, server = os.times(), server_cpu()
        own = now.user + now.system - self.times.user - self.times.system
        children = (
            now.children_user
            + now.children_system
            - self.times.children_user
            - self.times.children_system
        )
        text = f"CPU {own:.1f} s own, {children:.1f} s cleaning processes"
        if server is not None and self.server is not None:
            text += f", {server - self.server:.1f} s PostgreSQL"
        return text


class Statements:
    """Counts the SQL statements Django's cursors run meanwhile (the writer's
    COPYs, on the connection's own cursor, are not among them) and the garbage
    collector's runs in this process."""

    def __init__(self, rows: int) -> None:
        self.rows, self.count, self.collections = rows, 0, 0

    def __enter__(self) -> "Statements":
        import gc

        from django.db import connection

        self._wrapper = connection.execute_wrapper(self._count)
        self._wrapper.__enter__()
        self._gc = sum(g["collections"] for g in gc.get_stats())
        return self

    def __exit__(self, *exc) -> None:
        import gc

        self._wrapper.__exit__(*exc)
        self.collections = sum(g["collections"] for g in gc.get_stats()) - self._gc

    def _count(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __str__(self) -> str:
        per = self.count * 1000 / self.rows if self.rows else 0
        return (
            f"{self.count:,} statements ({per:.1f} per 1,000 rows), "
            f"{self.collections:,} garbage collections"
        )


def export_child(fmt: str) -> None:
    """Run in a subprocess: export every enterprise, print rows, seconds, peak RSS."""
    import django

    django.setup()
    from enterprises.models import Enterprise
    from enterprises.permissions import SYSTEM
    from imports.exports import export_chunks

    total = Enterprise.objects.count()
    start = time.perf_counter()
    size = 0
    for chunk in export_chunks("enterprises", fmt, SYSTEM):
        size += len(chunk)
    seconds = time.perf_counter() - start
    peak, _children = peak_mb()
    print(f"{total} {seconds:.3f} {peak:.1f} {size}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--export-format", default="csv", choices=["csv", "xlsx"])
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="import into the configured database (undone afterwards)",
    )
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument(
        "--formats", default="csv,xlsx,ods", help="import file formats, e.g. csv,ods"
    )
    parser.add_argument(
        "--updates",
        action="store_true",
        help="then import a file of updates to every entry created (matched by "
        "USCC) and undo it",
    )
    parser.add_argument("--import-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args.export_child)
        return
    if args.import_child:
        import_child(args, *args.import_child)
        return

    import django

    django.setup()
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if not args.no_import:
        if args.in_place:
            import_bench(args)
        else:
            with scratch_database():
                import_bench(args)
    if not args.no_export:
        export_bench(args)


SCRATCH_DB = "bench_imports"


@contextlib.contextmanager
def scratch_database():
    """Point Django at a freshly migrated database of its own on the same server,
    dropped on the way out."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    default = settings.DATABASES["default"]
    original = default["NAME"]
    connections.close_all()
    with connection.cursor() as cursor:  # still the configured database
        cursor.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
    connections.close_all()
    default["NAME"] = SCRATCH_DB
    try:
        call_command("migrate", verbosity=0)
        yield
    finally:
        connections.close_all()
        default["NAME"] = original
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        connections.close_all()


def import_bench(args) -> None:
    """For each format: build the file here, then read it, dry-run it and apply
    it in a process of its own (its peak memory is the worker's)."""
    from django.conf import settings

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    database = settings.DATABASES["default"]["NAME"]
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in formats:
            path = Path(tmp) / f"bench.{fmt}"
            start = time.perf_counter()
            BUILDERS[fmt](path, args.rows)
            print(
                f"--- {fmt}: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB "
                f"(built in {time.perf_counter() - start:.1f} s)",
                flush=True,
            )
            command = [sys.executable, __file__, "--import-child", fmt, str(path)]
            command += ["--database", database]
            if args.in_place:
                command.append("--in-place")
            if args.updates:
                command.append("--updates")
            subprocess.run(command, check=False, cwd=ROOT)  # noqa: S603


def import_child(args, fmt: str, path: str) -> None:
    """Run in a subprocess: read, dry-run, apply and undo one file; print the
    times and the peak memory."""
    from django.conf import settings

    if args.database:
        settings.DATABASES["default"]["NAME"] = args.database
    import django

    django.setup()
    from enterprises.models import Enterprise
    from imports.jobs import apply_file, import_job_check, import_job_create
    from imports.plan import Options, open_table
    from imports.undo import import_job_undo

    before = Enterprise.objects.count()
    data = Path(path).read_bytes()
    start, clock = time.perf_counter(), CpuClock()
    table, _fields = open_table(data, "enterprises")
    read_rows = sum(1 for _row in table.rows)
    read = time.perf_counter() - start
    budget = " (budget 3 s)" if fmt == "xlsx" else ""
    print(f"read:     {read:6.1f} s  {read_rows:,} rows{budget}; {clock}", flush=True)
    del table
    job = import_job_create(
        actor=None,
        kind="enterprises",
        data=data,
        file_name=f"bench.{fmt}",
        enqueue=False,
    )
    try:
        start, clock = time.perf_counter(), CpuClock()
        with Statements(read_rows) as statements:
            job = import_job_check(job_id=job.pk)  # the dry run task, as staff do
        dry = time.perf_counter() - start
        print(f"dry run:  {dry:6.1f} s  {job.counts}; {clock}; {statements}")
        start, clock = time.perf_counter(), CpuClock()
        with Statements(read_rows) as statements:
            applied = apply_file(job=job, actor=None, data=data, options=Options())
        apply = time.perf_counter() - start
        print(
            f"apply:    {apply:6.1f} s  created {applied.counts['create']:,}; "
            f"{clock}; {statements}",
            flush=True,
        )
        print(
            f"dry run + apply of {read_rows:,} rows ({fmt}): {dry + apply:.1f} s "
            f"(budget 60 s) {'OK' if dry + apply <= 60 else 'OVER BUDGET'}"
        )
        own, children = peak_mb()
        print(
            f"peak RSS: {own:.0f} MB (worker), {children:.0f} MB (its cleaning "
            f"processes) (budget < 500 MB) "
            f"{'OK' if max(own, children) < 500 else 'OVER BUDGET'}",
            flush=True,
        )
        if args.updates:
            update_bench(fmt, path, read_rows)
        job.refresh_from_db()
        start = time.perf_counter()
        import_job_undo(actor=None, job=job)
        print(f"undo:     {time.perf_counter() - start:6.1f} s")
    finally:
        _discard(job)
    assert Enterprise.objects.count() == before  # noqa: S101


def _discard(job) -> None:
    """An import job of the bench and what it left: undone if applied, its
    prepared rows, files and row."""
    from imports.models import ImportJob
    from imports.prepare import discard_prepared
    from imports.undo import import_job_undo

    job.refresh_from_db()
    if job.status == ImportJob.Status.APPLIED:
        import_job_undo(actor=None, job=job)
    discard_prepared(job)
    job.file.delete(save=False)
    if job.report_file:
        job.report_file.delete(save=False)
    job.delete()


def update_bench(fmt: str, path: str, rows: int) -> None:
    """A file of updates to every entry the first file created (other products
    and phone, matched by USCC): its dry run, apply and undo."""
    from imports.jobs import apply_file, import_job_check, import_job_create
    from imports.plan import Options
    from imports.undo import import_job_undo

    updates = Path(path).with_suffix(f".updates.{fmt}")
    BUILDERS[fmt](updates, rows, update=True)
    data = updates.read_bytes()
    job = import_job_create(
        actor=None,
        kind="enterprises",
        data=data,
        file_name=f"bench-updates.{fmt}",
        enqueue=False,
    )
    try:
        start, clock = time.perf_counter(), CpuClock()
        with Statements(rows) as statements:
            job = import_job_check(job_id=job.pk)
        dry = time.perf_counter() - start
        print(f"updates dry run: {dry:6.1f} s  {job.counts}; {clock}; {statements}")
        start, clock = time.perf_counter(), CpuClock()
        with Statements(rows) as statements:
            applied = apply_file(job=job, actor=None, data=data, options=Options())
        apply = time.perf_counter() - start
        updated = applied.counts.get("update", 0)
        per = apply * 1000 / updated if updated else 0
        print(
            f"updates apply:   {apply:6.1f} s  updated {updated:,} "
            f"({per:.2f} s per 1,000); {clock}; {statements}",
            flush=True,
        )
        print(
            f"updates dry run + apply of {rows:,} rows ({fmt}): {dry + apply:.1f} s "
            f"(budget 60 s) {'OK' if dry + apply <= 60 else 'OVER BUDGET'}"
        )
        job.refresh_from_db()
        start, clock = time.perf_counter(), CpuClock()
        import_job_undo(actor=None, job=job)
        print(f"updates undo:    {time.perf_counter() - start:6.1f} s; {clock}")
    finally:
        _discard(job)


def export_bench(args) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--export-child", args.export_format],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    rows, seconds, peak, size = result.stdout.split()[-4:]
    rate = int(rows) / float(seconds)
    print(
        f"export ({args.export_format}) of {int(rows):,} enterprises: "
        f"{float(seconds):.1f} s, "
        f"{rate:,.0f} rows/s (budget >= 20,000), peak RSS {float(peak):.0f} MB "
        f"(budget < 300 MB), {int(size) / 1e6:.0f} MB written"
    )


if __name__ == "__main__":
    main()
