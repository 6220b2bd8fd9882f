"""core.formats.number: a figure's digits grouped the reader's way, in both
languages ("10,344"; Django's own zh_Hans format would print "10344")."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from core.formats import number
from core.messages import coded, render_message


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_figures_are_grouped_by_thousands_in_both_languages(language):
    with translation.override(language):
        assert number(10344) == "10,344"
        assert number(1234567) == "1,234,567"
        assert number(999) == "999"
        assert number(Decimal("95460.0"), 1) == "95,460.0"
        assert number(1234.25, 1) == "1,234.3"  # rounded, not cut
        assert number("12345") == "12,345"


def test_what_is_not_a_number_stays_as_it_is():
    assert number(None) == ""
    assert number("") == ""
    assert number("—") == "—"
    assert number("20000 pieces") == "20000 pieces"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_number_filter_groups_and_plain_output_does_not(language):
    template = Template(
        "{% load core_format %}{{ n|number }} {{ r|number:1 }} {{ year }}"
    )
    with translation.override(language):
        out = template.render(Context({"n": 10344, "r": 521607.23, "year": 2025}))
    assert out == "10,344 521,607.2 2025"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_stored_message_groups_its_counts_but_not_its_row_numbers(language):
    stored = coded("rows_with_errors", n=1234, rows=[1005, 2010])
    with translation.override(language):
        text = render_message(stored)
    assert "1,234" in text and "1005" in text and "2010" in text
    assert "1,005" not in text
