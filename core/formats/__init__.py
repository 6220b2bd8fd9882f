"""Formatting that differs by language: a figure's digits grouped by thousands
(`number`, through Django's number format of the reader's language, which
``zh_Hans/formats.py`` here adjusts: FORMAT_MODULE_PATH), and what Django's formats
do not cover: the separator of a list ("日本、韩国", "Japan, South Korea"), a
label before its value (a full-width colon after a Chinese label: "行业：泳装",
"Sector: Swimwear"), the separator of such groups ("；", "; ") and between
sentences (none after a Chinese full stop, a space after an English one), and
the language of what the site shows as it was written: a Chinese name, product or
address in the English UI is marked ``lang="zh-CN"`` (`in_own_language`), so a
screen reader reads it as Chinese and the browser picks a Chinese font.

`number` is for counts and amounts a reader sees (results, facet counts, figures,
progress); codes, years, IDs, phone numbers, postcodes and page numbers are not
figures and stay as they are. Templates call it as ``{{ value|number }}`` or
``{{ value|number:1 }}`` (``core_format``)."""

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

# Django 6.1's label of a blank choice in a form's select has no Chinese in
# Django's own catalogue; ours translates it (this marks it for makemessages).
BLANK_CHOICE_LABEL = gettext_noop("- Select an option -")
# A form field's label suffix (Django's forms translate ":"): full-width in
# Chinese. Our templates write a label and its value through `labelled`, so this
# marks the message for makemessages.
LABEL_SUFFIX = gettext_noop(":")


def list_separator() -> str:
    return ", " if (get_language() or "").startswith("en") else "、"


def join_list(items: Iterable[object]) -> str:
    return list_separator().join(str(item) for item in items)


def label_rule() -> str:
    """The rule for a label and its value in the reader's language, with its
    ``%(title)s`` and ``%(value)s`` (for a script: the maps' tooltips)."""
    return gettext("%(title)s: %(value)s")


def labelled(title: object, value: object) -> str:
    """``value`` after its label: "出口企业：日本、韩国", "Exporter: Japan"."""
    return label_rule() % {"title": title, "value": value}


def labelled_html(title: object, value: object) -> SafeString:
    """`labelled` in HTML: ``title`` and ``value`` escaped unless they are safe
    already (a link, ``<strong>``), so a page's label and its value follow the
    same rule ("来源：<a>…</a>", "Source: <a>…</a>"; the template tag
    ``{% labelled title %}value{% endlabelled %}`` of ``core_format``)."""
    rule = conditional_escape(label_rule())
    parts = {
        name: conditional_escape(_text(part))
        for name, part in (("title", title), ("value", value))
    }
    return mark_safe(rule % parts)  # noqa: S308 (every part escaped above)


def _text(value: object) -> str | SafeData:
    return value if isinstance(value, SafeData) else str(value)


def join_groups(items: Iterable[object]) -> str:
    """Labelled values (`labelled`) one after another: "行业：泳装；城市：葫芦岛市"."""
    glue = "; " if (get_language() or "").startswith("en") else "；"
    return glue.join(str(item) for item in items)


_HAN = re.compile(r"[\u3400-\u9fff]")


def in_own_language(text: object) -> SafeString:
    """``text`` escaped, in a ``<span lang="zh-CN">`` when it is Chinese (has Han
    characters) and the reader's language is English."""
    text = "" if text is None else str(text)
    if reads_as_chinese(text):
        return format_html('<span lang="zh-CN">{}</span>', text)
    return escape(text)


def reads_as_chinese(text: object) -> bool:
    """Whether ``text`` is Chinese shown in the English UI (`in_own_language`
    marks it so)."""
    return bool(_HAN.search(str(text or ""))) and (get_language() or "").startswith(
        "en"
    )


def readable_or(text: object, fallback: object) -> object:
    """``text``, or ``fallback`` where ``text`` would be Chinese in the English UI:
    for a place no ``lang`` can mark, such as an action page's <title> ("Edit this
    enterprise" for a firm with only a Chinese name; "Edit Dayang Group";
    "编辑 大杨集团")."""
    return fallback if reads_as_chinese(text) else text


def join_sentences(sentences: Iterable[object]) -> str:
    glue = " " if (get_language() or "").startswith("en") else ""
    return glue.join(str(s) for s in sentences)


def number(value: object, decimals: int | None = None) -> str:
    """``value`` (an int, a Decimal, a float or a numeric text) with its digits
    grouped in the reader's language ("10,344"; "1,234.5" with ``decimals=1``);
    ``None`` as an empty text and anything else as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value)
    if not isinstance(value, int | float | Decimal):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        if not value.is_finite():
            return str(value)
    if decimals is not None:
        # Rounded here: Django's number format cuts the digits beyond decimal_pos.
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
        value = exact.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return number_format(value, decimal_pos=decimals, force_grouping=True)
