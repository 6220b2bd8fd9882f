"""Where the search document is stored: inline in the row (``STORAGE MAIN``).

A search ranks its matches by testing each one's document several times (the
match itself, the name and product tiers, ``ts_rank``), and PostgreSQL reads a
value stored out of line (TOAST) again for every test: at 10,000 entries a ranked
search of 970 matches read 7,736 buffers and took 50 ms; with the documents
inline (compressed, in the row) 1,838 buffers and 21 ms. Migration 0012 sets the
column's storage; values already stored move inline when they are written again,
which :func:`inline_documents` does for every row, in batches.
"""

from __future__ import annotations

from collections.abc import Callable

from enterprises.search.sampling import TABLE

# Tables up to this many rows are rewritten by the migration itself; larger ones
# by ``manage.py inline_search_documents`` (it takes a while: every index of the
# row is written again).
MIGRATION_REWRITES_UP_TO = 200_000
BATCH = 5_000


def inline_documents(
    connection, *, batch: int = BATCH, start: int = 0, progress: Callable | None = None
) -> int:
    """Write every search document from id ``start`` on again, so that it is
    stored as the column's storage says; one statement (and, outside a
    transaction, one commit) per ``batch`` ids. The values are the same: the
    change feed records nothing. Returns the rows written."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}")  # noqa: S608
        last = cursor.fetchone()[0]
        done = 0
        for low in range(start, last + 1, batch):
            cursor.execute(
                f"UPDATE {TABLE} SET search_vector = search_vector || ''::tsvector "  # noqa: S608
                "WHERE id >= %s AND id < %s AND search_vector IS NOT NULL",
                [low, low + batch],
            )
            done += cursor.rowcount
            if progress:
                progress(min(low + batch, last + 1), last, done)
    return done
