"""Numbered page links for the list pages: first, …, neighbours, …, last.

Django's ``Paginator.get_elided_page_range`` chooses the numbers; a paginator over a
``range`` costs no query. When the number of pages is an estimate, the last page is
not offered (it cannot be computed): the links stop after the neighbours, with an
ellipsis where more pages follow.
"""

from __future__ import annotations

from django.core.paginator import Paginator

ELLIPSIS = None  # in a page range: a gap


def page_numbers(
    current: int, num_pages: int, *, last_known: bool = True, on_each_side: int = 2
) -> list[int | None]:
    """Page numbers to link, ``None`` for a gap."""
    num_pages = max(1, num_pages)
    current = min(max(1, current), num_pages)
    paginator = Paginator(range(num_pages), 1)
    out: list[int | None] = [
        ELLIPSIS if n == Paginator.ELLIPSIS else int(n)
        for n in paginator.get_elided_page_range(
            current, on_each_side=on_each_side, on_ends=1
        )
    ]
    if not last_known:
        upto = current + on_each_side
        kept = [n for n in out if n is not None and n <= upto]
        out = [n for n in out if n is None or n <= upto]
        while out and out[-1] is None:
            out.pop()
        if kept and kept[-1] < num_pages:
            out.append(ELLIPSIS)
    return out
