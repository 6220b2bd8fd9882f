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

import hashlib
from collections.abc import Callable

from core.textsearch.lexicon import SYNONYM_GROUPS
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


def fold_synonym_groups(
    connection, *, batch: int = BATCH, progress: Callable | None = None
) -> int:
    """Give every stored search document the lexemes of the synonym groups it
    holds a member of (core.textsearch.queries.GROUP_MARK), each at the highest
    weight at which it holds one, as documents built now have them, and drop
    those it should not hold (a group may have changed): the documents are read
    in batches of ``batch`` ids and only those that change are written, one
    statement a batch. The change feed records nothing (documents are not
    fields). Returns the rows written."""
    from core.textsearch.text import stored_groups

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}")  # noqa: S608
        last = cursor.fetchone()[0]
        done = 0
        for low in range(0, last + 1, batch):
            cursor.execute(
                f"SELECT id, search_vector::text FROM {TABLE} "  # noqa: S608
                "WHERE id >= %s AND id < %s AND search_vector IS NOT NULL",
                [low, low + batch],
            )
            ids, drops, adds = [], [], []
            for pk, vector in cursor.fetchall():
                held, wanted = stored_groups(vector)
                if held != wanted:
                    ids.append(pk)
                    drops.append(" ".join(held))
                    adds.append(" ".join(f"{q}:1{w}" for q, w in wanted.items()))
            if ids:
                cursor.execute(
                    f"UPDATE {TABLE} AS e SET search_vector = "  # noqa: S608
                    "ts_delete(e.search_vector, tsvector_to_array(v.drop::tsvector)) "
                    "|| v.add::tsvector FROM unnest(%s::bigint[], %s::text[], "
                    "%s::text[]) AS v(id, drop, add) WHERE e.id = v.id",
                    [ids, drops, adds],
                )
                done += cursor.rowcount
            if progress:
                progress(min(low + batch, last + 1), last, done)
    return done


def folding_fingerprint() -> str:
    """What the stored documents' group lexemes depend on: each group's lexeme and
    its members' tsquery. A migration that folds records it (``FOLDS``); a test
    fails when it differs from the last one's, so a change of the synonym groups
    (or of how a member matches) comes with a migration that folds again."""
    from core.textsearch.text import group_lexeme, members_expression

    text = "\n".join(
        f"{group_lexeme(n)}={members_expression(n)}" for n in range(len(SYNONYM_GROUPS))
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]
