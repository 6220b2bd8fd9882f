from django import template

from core.paging import page_numbers

register = template.Library()


@register.filter
def page_range(page) -> list[int | None]:
    """The page numbers to link around a ``django.core.paginator.Page``."""
    return page_numbers(page.number, page.paginator.num_pages)
