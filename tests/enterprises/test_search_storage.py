"""The search document is stored in the row (migration 0012,
enterprises.search.storage): a ranked search reads it once per row from the heap
page instead of once per test from the TOAST table."""

import io
import random
import string

from django.core.management import call_command
from django.db import connection

from enterprises.models import ChangeEvent, Enterprise
from tests.factories import EnterpriseFactory

# A document of several KB that does not compress much.
WORDS = [
    "".join(random.Random(n).choices(string.ascii_lowercase, k=9)) for n in range(200)
]
LONG = {
    field: " ".join(WORDS[i * 40 : (i + 1) * 40][: 29 if "address" in field else 40])
    for i, field in enumerate(
        ["products", "products_en", "processes", "address", "address_en"]
    )
}
LAST = WORDS[120]


def _storage() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = "
            "'enterprises_enterprise'::regclass AND attname = 'search_vector'"
        )
        return cursor.fetchone()[0]


def _documents() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_vector::text FROM enterprises_enterprise")
        return dict(cursor.fetchall())


def test_the_column_keeps_documents_in_the_row(db):
    assert _storage() == "m"  # MAIN: compressed, in the row


def test_rewriting_the_documents_keeps_them_and_records_no_change(db):
    EnterpriseFactory.create_batch(3, **LONG)
    before = _documents()
    events = ChangeEvent.objects.count()
    out = io.StringIO()
    call_command("inline_search_documents", "--batch", "2", stdout=out)
    assert "3 search documents written" in out.getvalue()
    assert _documents() == before
    assert ChangeEvent.objects.count() == events
    assert Enterprise.objects.filter(search_vector__isnull=False).count() == 3


def test_a_long_document_is_found_and_ranked(client, db):
    e = EnterpriseFactory(name="长文档面料有限公司", **LONG)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(search_vector) FROM enterprises_enterprise "
            "WHERE id = %s",
            [e.pk],
        )
        assert cursor.fetchone()[0] > 2_000  # would be stored out of line
    html = client.get(f"/enterprises/?q={LAST}").content.decode()
    assert f'data-id="{e.pk}"' in html
