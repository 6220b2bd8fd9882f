"""Formatting that differs by language and that Django's formats do not cover: the
separator of a list ("日本、韩国", "Japan, South Korea")."""

from collections.abc import Iterable

from django.utils.translation import get_language


def list_separator() -> str:
    return ", " if (get_language() or "").startswith("en") else "、"


def join_list(items: Iterable[object]) -> str:
    return list_separator().join(str(item) for item in items)
