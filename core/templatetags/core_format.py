from django import template

from core.formats import join_list as _join_list

register = template.Library()


@register.filter
def join_list(items) -> str:
    """A list joined with the reader's language's separator (``core.formats``)."""
    return _join_list(items or ())
