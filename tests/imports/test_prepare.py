"""The dry run's prepared rows: kept in the database (never as files or pickles)
for the apply, on whichever machine it runs, and only for the file and the data
they were made with."""

import datetime as dt
import json
import os
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from enterprises.models import Enterprise
from imports import prepare
from imports.jobs import apply_file, import_job_check, import_job_create
from imports.models import PreparedChunk
from imports.plan import ImportRefused, Options, RowPlan
from tests.factories import ClusterFactory
from tests.imports.helpers import csv_bytes, row, uscc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _workers(monkeypatch):
    monkeypatch.setattr(prepare, "PARALLEL_MIN_ROWS", 1)
    with translation.override("en"):
        yield


ROWS = [
    row(
        name="准备一服饰有限公司",
        uscc=uscc(901),
        latitude="40.617",
        longitude="120.7261",
        datum="gcj02",
        last_confirmed_on="2025-06-30",
        sectors="泳装;socks",
        export_share="0",
    ),
    row(name="准备二服饰有限公司", founded_year="1999", is_exporter="是"),
]


def checked(staff, data):
    job = import_job_create(
        actor=staff,
        kind="enterprises",
        data=data,
        file_name="p.csv",
        language="en",  # as the apply runs (the rows' messages are in it)
        enqueue=False,
    )
    return import_job_check(job_id=job.pk)


def no_preparing(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("the rows were prepared again")

    monkeypatch.setattr(prepare.multiprocessing, "get_context", boom)


def test_the_apply_reads_the_rows_the_dry_run_prepared(staff, monkeypatch):
    data = csv_bytes(ROWS)
    folder = Path(settings.MEDIA_ROOT)
    before = set(folder.rglob("*"))
    job = checked(staff, data)
    stored = PreparedChunk.objects.filter(job=job)
    assert [(c.number, c.rows) for c in stored] == [(0, 2)]
    # Nothing but the upload is kept on disk.
    assert set(folder.rglob("*")) - before <= {
        folder / job.file.name,
        folder / "imports",
    }

    no_preparing(monkeypatch)
    apply_file(job=job, actor=staff, data=data, options=Options())
    first = Enterprise.objects.get(uscc=uscc(901))
    assert first.latitude == Decimal("40.617000")
    assert first.last_confirmed_on == dt.date(2025, 6, 30)
    assert first.sectors == ["swimwear", "socks"] and first.export_share == 0
    assert Enterprise.objects.get(name="准备二服饰有限公司").founded_year == 1999
    assert not PreparedChunk.objects.filter(job=job).exists()  # no longer needed


def test_the_apply_writes_the_name_sort_keys_the_dry_run_made(staff, monkeypatch):
    # The pinyin of the names is made by the dry run's worker processes: the
    # apply's own process makes none, and writes what enterprise_create would.
    from core.textsearch import text
    from enterprises.names import sort_keys

    data = csv_bytes(ROWS)
    job = checked(staff, data)
    no_preparing(monkeypatch)

    def no_pinyin(*args, **kwargs):
        raise AssertionError("the apply made sort keys itself")

    monkeypatch.setattr(text, "sort_key", no_pinyin)
    apply_file(job=job, actor=staff, data=data, options=Options())
    monkeypatch.undo()
    created = Enterprise.objects.filter(name__startswith="准备").order_by("name")
    assert [e.name_sort[:8] for e in created] == ["zhun bei", "zhun bei"]
    for entry in created:
        assert (entry.name_sort, entry.name_sort_en) == sort_keys(
            entry.name, entry.name_en
        )


def test_prepared_rows_are_compressed_json_that_reads_back_the_same(staff):
    job = checked(staff, csv_bytes(ROWS))
    [chunk] = PreparedChunk.objects.filter(job=job)
    stored = json.loads(zlib.decompress(chunk.data))
    rows, names = stored["rows"], stored["names"]
    assert [r[1] for r in rows] == ["准备一服饰有限公司", "准备二服饰有限公司"]
    first = dict(zip(names, rows[0][3], strict=True))
    assert first["latitude"] == {"decimal": "40.617000"}
    assert first["last_confirmed_on"] == {"date": "2025-06-30"}

    [(plan, values), _second] = prepare.unpack(bytes(chunk.data))
    assert values["latitude"] == Decimal("40.617000")
    assert values["last_confirmed_on"] == dt.date(2025, 6, 30)
    assert values["export_share"] == 0 and values["uscc"] == uscc(901)
    assert plan.index and plan.ahead["key"] == "准备一服饰"
    assert "export_share" not in plan.ahead["json"]  # zero counts as empty
    error = (RowPlan(row=9, action="error", label="坏", errors=["bad"]), {})
    odd = (RowPlan(row=10, action=""), {"name": "另一种", "latitude": Decimal("1.5")})
    chunk = [(plan, values), error, odd]
    assert prepare.unpack(prepare.pack(chunk)) == chunk


def test_rows_prepared_with_other_clusters_are_prepared_again(staff, monkeypatch):
    data = csv_bytes([row(name="重新准备服饰有限公司", clusters="")])
    job = checked(staff, data)
    assert PreparedChunk.objects.filter(job=job).exists()
    ClusterFactory(slug="new-cluster")  # the documents could name it now
    calls = []
    real = prepare.multiprocessing.get_context
    monkeypatch.setattr(
        prepare.multiprocessing,
        "get_context",
        lambda *a: calls.append(a) or real(*a),
    )
    apply_file(job=job, actor=staff, data=data, options=Options())
    assert calls  # cleaned and indexed again
    assert Enterprise.objects.filter(name="重新准备服饰有限公司").exists()


def test_rows_of_another_dry_run_of_the_same_job_are_replaced(staff):
    job = checked(staff, csv_bytes(ROWS))
    job.status = job.Status.CHECK_QUEUED
    job.save()
    job = import_job_check(job_id=job.pk)
    assert [c.number for c in PreparedChunk.objects.filter(job=job)] == [0]


@pytest.mark.django_db(transaction=True)
def test_the_apply_reads_committed_prepared_rows_on_its_own_connection(
    monkeypatch,
):
    """As in production: the dry run committed its rows; the apply reads them on a
    second connection while its own is busy writing."""
    from django.db.models.query import QuerySet

    from tests.factories import StaffFactory

    data = csv_bytes(ROWS)
    job = checked(StaffFactory(), data)
    no_preparing(monkeypatch)
    real_filter = QuerySet.filter

    def only_the_metadata(self, *args, **kwargs):
        assert "number" not in kwargs, "read on the apply's own connection"
        return real_filter(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "filter", only_the_metadata)
    apply_file(job=job, actor=None, data=data, options=Options())
    monkeypatch.undo()
    assert Enterprise.objects.filter(uscc=uscc(901)).exists()


def test_the_apply_of_prepared_rows_does_not_read_the_file_again(staff, monkeypatch):
    # A large workbook's cells would be parsed and held in memory a second time.
    from imports import jobs

    data = csv_bytes(ROWS)
    job = checked(staff, data)
    assert job.options["read"]["fields"][1] == "name"
    no_preparing(monkeypatch)

    def no_reading(*args, **kwargs):
        raise AssertionError("the apply read the file again")

    monkeypatch.setattr(jobs, "open_table", no_reading)
    apply_file(job=job, actor=staff, data=data, options=Options())
    assert Enterprise.objects.filter(uscc=uscc(901)).exists()


def test_a_file_other_than_the_one_prepared_is_read_and_prepared(staff, monkeypatch):
    job = checked(staff, csv_bytes(ROWS))
    other = csv_bytes([row(name="另一个文件服饰有限公司", uscc=uscc(902))])
    calls = []
    real = prepare.multiprocessing.get_context
    monkeypatch.setattr(
        prepare.multiprocessing,
        "get_context",
        lambda *a: calls.append(a) or real(*a),
    )
    apply_file(job=job, actor=staff, data=other, options=Options())
    assert calls
    assert Enterprise.objects.filter(uscc=uscc(902)).exists()
    assert not Enterprise.objects.filter(uscc=uscc(901)).exists()


_PREPARE = prepare._prepare


def _noting_prepare(chunk):
    """`prepare._prepare`, noting the worker process's collector thresholds."""
    import gc

    notes = Path(os.environ["TEST_GC_NOTES"])
    (notes / str(os.getpid())).write_text(json.dumps(gc.get_threshold()))
    return _PREPARE(chunk)


def test_a_run_collects_garbage_less_often_and_sets_the_collector_back(
    staff, monkeypatch, tmp_path
):
    """While a large file is planned (the dry run, its worker processes, the
    apply) the collector runs at GC_THRESHOLDS; after it, and after a run that
    failed, the process's own thresholds are back."""
    import gc

    seen = []
    monkeypatch.setattr(prepare, "_prepare", _noting_prepare)
    monkeypatch.setenv("TEST_GC_NOTES", str(tmp_path))
    before = gc.get_threshold()
    assert before != prepare.GC_THRESHOLDS
    job = checked(staff, csv_bytes(ROWS))
    assert job.counts["create"] == 2
    noted = [json.loads(p.read_text()) for p in tmp_path.iterdir()]
    assert noted and all(tuple(t) == prepare.GC_THRESHOLDS for t in noted)
    assert not any(p.name == str(os.getpid()) for p in tmp_path.iterdir())
    assert gc.get_threshold() == before

    original = prepare.PlanRun._freeze

    def watch(run):
        original(run)
        seen.append(gc.get_threshold())

    monkeypatch.setattr(prepare.PlanRun, "_freeze", watch)
    apply_file(job=job, actor=staff, data=csv_bytes(ROWS), options=Options())
    assert seen == [prepare.GC_THRESHOLDS]
    assert gc.get_threshold() == before
    assert Enterprise.objects.count() == 2

    # A refused apply (a row with an error) sets them back too.
    data = csv_bytes([row(name="准备三服饰有限公司", founded_year="x")])
    bad = checked(staff, data)
    assert bad.counts["error"] == 1
    with pytest.raises(ImportRefused):
        apply_file(job=bad, actor=staff, data=data, options=Options())
    assert len(seen) == 3 and gc.get_threshold() == before  # its dry run, apply
