"""Names typed with a wrong character of the same sound (大阳 for 大杨).

An input method offers characters by their sound, and a user may pick the wrong
one. When the query as typed finds fewer than ``HOMOPHONES_BELOW`` entries, the
search is widened: each bigram of its Chinese words may also match by its pinyin
among the name's lexemes (``'大阳' | 'dayang':A``, see
:meth:`core.textsearch.queries.Parsed.homophone_query`). The entries found as typed
come first, in relevance order; the ones found only by sound follow (active firms
first, then by rank). Counts and facets are of both.

SQL here is assembled from constant fragments only; every value is a bound parameter.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from enterprises.search.ranking import ACTIVE, RANK_WEIGHTS, relevance_ids
from enterprises.search.sampling import TABLE, capped_count, index_only

if TYPE_CHECKING:
    from enterprises.search.query import Search

# Fewer exact matches than this: entries whose names sound the same are added.
HOMOPHONES_BELOW = 20


def widen(search: Search, user, exact_total: int) -> bool:
    """Add the entries whose names sound like the query's Chinese words, if the
    exact form finds few and they add any. Returns whether the search widened
    (then ``search.exact_matches`` is ``exact_total``)."""
    if exact_total >= HOMOPHONES_BELOW or search.dropped:
        return False
    if search.parsed.homophone_query(search.matched_words) is None:
        return False
    search.exact_matches = exact_total
    sql, params = search.where(user)
    if capped_count(sql, params, exact_total) > exact_total:
        return True
    search.exact_matches = None
    return False


def ordered_ids(search: Search, user, need: int) -> list[int]:
    """The first ``need`` ids of a widened search: the exact matches in relevance
    order, then those found by sound."""
    exact_total = search.exact_matches or 0
    exact = replace(search, exact_matches=None)
    ids = (
        relevance_ids(exact, user, exact_total, total=exact_total)
        if exact_total
        else []
    )
    if len(ids) >= need:
        return ids[:need]
    where_sql, params = search.where(user)
    sql = (
        f"SELECT {TABLE}.id FROM {TABLE} WHERE {where_sql} "  # noqa: S608
        f"AND NOT ({TABLE}.id = ANY(%s)) ORDER BY "
        f"{TABLE}.registration_status <> %s, "
        f"ts_rank(%s::float4[], {TABLE}.search_vector, %s::tsquery) DESC, "
        f"{TABLE}.id LIMIT %s"
    )
    values = [ids, ACTIVE, RANK_WEIGHTS, search.tsquery, need - len(ids)]
    with index_only() as cursor:
        cursor.execute(sql, [*params, *values])
        return ids + [row[0] for row in cursor.fetchall()]
