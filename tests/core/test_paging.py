"""Numbered page links: first, …, neighbours, …, last; no last page for an estimate."""

from core.paging import page_numbers


def test_short_ranges_list_every_page():
    assert page_numbers(1, 5) == [1, 2, 3, 4, 5]


def test_long_ranges_elide_both_sides():
    assert page_numbers(8, 15) == [1, None, 6, 7, 8, 9, 10, None, 15]
    assert page_numbers(1, 15) == [1, 2, 3, None, 15]
    assert page_numbers(15, 15) == [1, None, 13, 14, 15]


def test_an_estimated_total_offers_no_last_page():
    assert page_numbers(1, 500, last_known=False) == [1, 2, 3, None]
    assert page_numbers(8, 500, last_known=False) == [1, None, 6, 7, 8, 9, 10, None]


def test_out_of_range_numbers_are_clamped():
    assert page_numbers(99, 3) == [1, 2, 3]
    assert page_numbers(0, 0) == [1]
