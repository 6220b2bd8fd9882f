"""The export's read-ahead: rows read on a second thread, on the same connection."""

import threading

import pytest
from django.db import DatabaseError, connection

from core.models import Region
from core.readahead import read_ahead

pytestmark = pytest.mark.django_db


def _codes():
    return Region.objects.order_by("code").values_list("code", flat=True)


def test_yields_every_row_in_order_including_this_transactions_own():
    # The test runs in a transaction: a row it wrote is visible only on this
    # connection, so the reader must be using it.
    Region.objects.create(
        code="219901", name="测试区", name_en="Test", level="county", parent_id="210100"
    )
    expected = list(_codes())
    got = list(read_ahead(lambda: _codes().iterator(chunk_size=7), batch=5))
    assert got == expected
    assert "219901" in got


def test_closing_early_stops_the_reader_and_frees_the_connection():
    before = threading.active_count()
    rows = read_ahead(lambda: _codes().iterator(chunk_size=3), batch=2, depth=1)
    first = [next(rows) for _ in range(3)]
    rows.close()
    assert first == list(_codes()[:3])
    assert threading.active_count() == before
    # The connection is this thread's alone again and still works.
    assert Region.objects.filter(code=first[0]).exists()


def test_a_failing_query_raises_on_the_consuming_thread():
    def broken():
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM core_region")
            yield from cursor.fetchall()

    with pytest.raises(DatabaseError):
        list(read_ahead(broken))
