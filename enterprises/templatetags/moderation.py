from django import template

from enterprises.moderation import field_label as _field_label

register = template.Library()


@register.filter
def field_label(field: str) -> str:
    return _field_label(field)
