from django import template

register = template.Library()


@register.simple_tag
def user_api_tokens(user):
    """The user's API tokens, newest first (for the account page's token panel)."""
    if not user.is_authenticated:
        return []
    return list(user.api_tokens.all())
