"""Formatting that differs by language and that Django's formats do not cover: the
separator of a list ("日本、韩国", "Japan, South Korea") and between sentences (none
after a Chinese full stop, a space after an English one)."""

from collections.abc import Iterable

from django.utils.translation import get_language, gettext_noop

# Django 6.1's label of a blank choice in a form's select has no Chinese in
# Django's own catalogue; ours translates it (this marks it for makemessages).
BLANK_CHOICE_LABEL = gettext_noop("- Select an option -")


def list_separator() -> str:
    return ", " if (get_language() or "").startswith("en") else "、"


def join_list(items: Iterable[object]) -> str:
    return list_separator().join(str(item) for item in items)


def join_sentences(sentences: Iterable[object]) -> str:
    glue = " " if (get_language() or "").startswith("en") else ""
    return glue.join(str(s) for s in sentences)
