from django import template

from core.formats import in_own_language
from core.formats import join_groups as _join_groups
from core.formats import join_list as _join_list
from core.formats import labelled as _labelled
from core.formats import number as _number
from core.messages import render_message

register = template.Library()


@register.filter
def join_list(items) -> str:
    """A list joined with the reader's language's separator (``core.formats``)."""
    return _join_list(items or ())


@register.filter
def join_labelled(pairs) -> str:
    """(label, value) pairs as "行业：泳装；城市：葫芦岛市" / "Sector: Swimwear;
    City: Huludao" (``core.formats``): ``{{ filters|join_labelled }}``."""
    return _join_groups(_labelled(label, value) for label, value in pairs or ())


@register.filter
def lang_marked(text) -> str:
    """Text as it was written (a name, products, an address), marked
    ``lang="zh-CN"`` when it is Chinese in the English UI (``core.formats``):
    ``{{ enterprise.display_name|lang_marked }}``."""
    return in_own_language(text)


@register.filter(is_safe=True)
def number(value, decimals=None) -> str:
    """A figure with its digits grouped in the reader's language (``core.formats``):
    ``{{ total|number }}``, ``{{ revenue|number:1 }}``."""
    return _number(value, None if decimals is None else int(decimals))


@register.filter
def message(stored) -> str:
    """A stored message (``core.messages``) in the reader's language."""
    return render_message(stored)
