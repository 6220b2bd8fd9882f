"""Counting a search: its total and facet counts, exact or estimated.

Exact whenever at most ``EXACT_LIMIT`` entries match; above, estimated from a
block sample and labelled so. No statement reads more than ``EXACT_LIMIT + 1``
matches: a result, or a selected facet's alternatives, that may be more is
counted from the sample. See :func:`count`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from enterprises.search import facetindex
from enterprises.search.sampling import (
    Sample,
    capped_count,
    estimate,
    sample_percent,
    sampled_facet_counts,
)

if TYPE_CHECKING:
    from enterprises.search.query import Search

# Counts are exact up to this many matches; above, estimated and labelled so.
EXACT_LIMIT = 50_000
# Above this planner estimate a search is taken as broad without counting; below
# a tenth of EXACT_LIMIT it is counted exactly without a cap.
BROAD_ESTIMATE = 5 * EXACT_LIMIT
# The planner underestimates searches that combine correlated conditions (兴城 and
# 泳装 and city 211400): from this estimate on, the block sample (needed anyway for
# a broad result) is taken first and decides.
SAMPLE_FIRST_ESTIMATE = 200
# A sample's estimate at least this many times EXACT_LIMIT says the matches are
# more, without counting them: the sample holds about 5,000 rows, so a result of
# 50,000 in 1,000,000 shows as some 250 sampled matches, with a standard error of
# about 6 %; 1.2 is three of them. (Counting says it for sure, but by reading
# EXACT_LIMIT + 1 matches: seconds at 1,000,000 entries.)
SURELY_MORE = 1.2
# A table whose block sample would hold at least this share of it (10,000
# entries) is counted without estimates and samples.
SMALL_TABLE_PERCENT = 10


def count(search: Search, user, with_facets: bool) -> tuple[int, bool, dict, set]:
    """(total, whether broad and estimated, facet counts, the facets whose counts
    are estimates though the total is exact) of a search.

    On a table of at most a tenth of the sample's reach (10,000 entries: the
    sample would be most of it) a search is counted in one statement with its
    facets; a filtered one adds one for the selected facets' alternatives. On a
    larger table the planner's estimate (no rows read) and, for a middling one,
    the block sample decide whether the result is broad; a result that may not be
    is counted in the same one capped statement. No statement reads more than
    ``EXACT_LIMIT + 1`` matches: a selected facet whose alternatives are more
    counts them from the sample (and says so).
    """
    where_sql, params = search.where(user)
    sampled: Sample | None = None
    small = sample_percent() >= SMALL_TABLE_PERCENT
    if not small:
        planned = estimate(where_sql, params)
        if planned > BROAD_ESTIMATE:
            return _sampled(search, user, with_facets, None)
        if planned >= SAMPLE_FIRST_ESTIMATE:
            sampled = sampled_facet_counts(search, user, with_facets=with_facets)
            if sampled.total >= SURELY_MORE * EXACT_LIMIT:
                return _sampled(search, user, with_facets, sampled)
    if with_facets and (small or _few_unfiltered(search, user)):
        # Exact counts in memory when the matches without the facet filters
        # are few enough to name (enterprises.search.facetindex).
        exact = facetindex.facet_counts(search, user, EXACT_LIMIT)
        if exact is not None:
            return exact[1], False, exact[0], set()
        if not search.filters:  # the matches are those: more than the limit
            return _sampled(search, user, with_facets, sampled)
    if with_facets and not (search.filters and small):
        counts, exact_total = _capped_counts(where_sql, params)
    else:
        counts, exact_total = {}, capped_count(where_sql, params, EXACT_LIMIT)
    if exact_total > EXACT_LIMIT:
        return _sampled(search, user, with_facets, sampled)
    estimated: set[str] = set()
    if with_facets and exact_total and search.filters:
        # A facet with a selected value counts its alternatives without its own
        # filter, so another value can be added to the selection. On a small
        # table every facet in one pass over the matches without the facet
        # filters (each filter a column, the counts FILTERed by the others);
        # on a large one that set may be most of the table: one count per facet,
        # capped, and from the sample when it holds more.
        if small:
            sample = sampled_facet_counts(search, user, with_facets=True, percent=100)
            return exact_total, False, sample.counts, estimated
        for code in search.filters:
            sql, p = search.where(user, exclude_facet=code)
            own: dict[str, int] | None = None
            if not _broad_without(sampled, code, sql, p):
                counted = facetindex.counts_where(sql, p, EXACT_LIMIT)
                own = counted[0] if counted is not None else None
            if own is None:
                sampled = sampled or sampled_facet_counts(
                    search, user, with_facets=True
                )
                own = sampled.counts
                estimated.add(code)
            for key in [k for k in counts if k.startswith(code + ":")]:
                del counts[key]
            counts.update({k: v for k, v in own.items() if k.startswith(code + ":")})
    return exact_total, False, counts, estimated


def _capped_counts(sql: str, params: list) -> tuple[dict[str, int], int]:
    """Exact facet counts and total of a condition, counted in memory (the facet
    index); a total over EXACT_LIMIT (with no counts) when more match."""
    counted = facetindex.counts_where(sql, params, EXACT_LIMIT)
    return counted if counted is not None else ({}, EXACT_LIMIT + 1)


def _broad_without(sampled: Sample | None, code: str, sql: str, params: list) -> bool:
    """Whether the matches without one facet's filter are surely more than
    EXACT_LIMIT: by the sample when there is one, else by the planner."""
    if sampled is not None:
        return sampled.without[code] >= SURELY_MORE * EXACT_LIMIT
    return estimate(sql, params) > BROAD_ESTIMATE


def _few_unfiltered(search: Search, user) -> bool:
    """Whether the matches without the facet filters may be few enough to name
    (at most EXACT_LIMIT, by the planner's estimate): not the whole directory of
    a search by filters alone."""
    if not search.filters:
        return True
    return estimate(*search.where(user, exclude_facet="*")) <= EXACT_LIMIT


def _sampled(search: Search, user, with_facets: bool, sampled) -> tuple:
    sample = sampled or sampled_facet_counts(search, user, with_facets=with_facets)
    return max(sample.total, EXACT_LIMIT + 1), True, sample.counts, set()
