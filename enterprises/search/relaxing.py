"""A query whose words match nothing together: fewer words, or nearer queries."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations
from typing import TYPE_CHECKING

from enterprises.search.sampling import capped_count, index_only

if TYPE_CHECKING:
    from enterprises.search.query import Search

# Of a query that matches nothing, at most this many smaller word sets are tried.
MAX_RELAXATIONS = 12


def _has_match(search: Search, user) -> bool:
    sql, params = search.where(user)
    return capped_count(sql, params, 0) > 0


def relax(search: Search, user) -> bool:
    """For a query whose words match nothing together: search the most of them
    that match something (dropping the later words first) and note the others in
    ``search.dropped``. Returns whether such a set was found."""
    words = search.parsed.required
    tries = 0
    # (The probes' planner settings made once for all of them.)
    with index_only("indexscan"):
        for size in range(len(words) - 1, 0, -1):
            for kept in combinations(words, size):
                tries += 1
                if tries > MAX_RELAXATIONS:
                    break
                search.matched_words = kept
                if _has_match(search, user):
                    search.dropped = [w.text for w in words if w not in kept]
                    return True
    search.matched_words = None
    return False


def suggestions(search: Search, user, limit: int = 3) -> list[str]:
    """Queries near one that matches nothing that do have results: each word
    shortened (a Latin word letter by letter, a CJK word to its first two
    characters)."""
    found: list[str] = []
    with index_only("indexscan"):
        for word in search.parsed.required:
            text = word.text
            shorter = [text[:2]] if not text.isascii() else []
            if text.isascii():
                shorter += [text[:n] for n in range(len(text) - 1, 2, -1)]
            for candidate in shorter[:6]:
                probe = replace(search, q=candidate, matched_words=None, dropped=[])
                if probe.tsquery and candidate != text and _has_match(probe, user):
                    found.append(candidate)
                    break
            if len(found) >= limit:
                break
    return found
