"""Messages the site stores (an import's row errors and warnings, …) as a code and
its parameters, rendered when read, in the reader's language.

A stored message is one of:

- ``{"code": …, "params": {…}}``: ``MESSAGES[code]``, the one place that maps codes
  to translatable texts, translated when rendered and filled with the parameters.
  A parameter may itself be a stored message, or a text in each language;
- a text in each language, ``{"zh-hans": …, "en": …}``: what a validation message
  of Django or of a form field said (its template and plural forms are Django's,
  so it is written down in every language of the site when it is raised:
  `validation_texts`);
- a plain text: a row stored before messages had codes, shown as it is.

`render_message` renders any of them; `{{ message|message }}` in templates
(``core_format``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # A cell's error after its column ("label": a text in each language).
    "column": _("%(label)s: %(message)s"),
    # Imports: a row's errors and warnings.
    "extra_cells": _("The row has cells beyond the last column of the header."),
    "no_such_id": _("There is no enterprise with ID %(id)s."),
    "no_such_uscc": _("There is no enterprise with the USCC %(uscc)s."),
    "id_twice": _("Row %(row)d already updates enterprise %(id)s."),
    "uscc_of_another": _("USCC %(uscc)s belongs to another enterprise (ID %(id)s)."),
    "uscc_twice": _("Row %(row)d has the same USCC %(uscc)s."),
    "slug_twice": _("Row %(row)d has the same slug “%(slug)s”."),
    "figures_twice": _("Row %(row)d has figures for the same enterprise and year."),
    "uscc_check": _(
        "The check character of %(code)s should be %(expected)s. Some early "
        "codes fail this check: confirm the code against the business licence."
    ),
    "uscc_name_mismatch": _(
        "USCC %(uscc)s belongs to entry %(id)s “%(old)s”, but this row names "
        "“%(new)s”: a likely duplicate. Accept the warning to rename the "
        "entry, or correct the row."
    ),
}


def coded(code: str, /, **params: Any) -> dict[str, Any]:
    """A message to store: ``MESSAGES[code]`` with ``params`` (JSON values)."""
    if code not in MESSAGES:
        raise KeyError(code)
    return {"code": code, "params": params} if params else {"code": code}


def validation_texts(error: ValidationError) -> list[dict[str, str]]:
    """Each message of ``error`` written in every language of the site."""
    if hasattr(error, "error_dict"):
        singles = [e for raised in error.error_dict.values() for e in raised]
    else:
        singles = error.error_list
    texts: list[dict[str, str]] = [{} for _e in singles]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for text, single in zip(texts, singles, strict=True):
                text[language] = single.messages[0]
    return texts


def _in_reader_language(texts: dict[str, Any]) -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    for key in (language, language.split("-")[0], settings.LANGUAGE_CODE):
        if key in texts:
            return str(texts[key])
    return str(next(iter(texts.values()), ""))


def _param(value: Any) -> Any:
    if isinstance(value, dict):
        return render_message(value)
    return value


def render_message(stored: Any) -> str:
    """A stored message (see the module) in the reader's language."""
    if stored is None:
        return ""
    if isinstance(stored, str):
        return stored
    if not isinstance(stored, dict):
        return str(stored)
    if "code" not in stored:
        return _in_reader_language(stored)
    template = MESSAGES.get(stored["code"])
    if template is None:  # a code since retired: what is known of it
        return " ".join(str(_param(v)) for v in (stored.get("params") or {}).values())
    params = {k: _param(v) for k, v in (stored.get("params") or {}).items()}
    return str(template) % params if params else str(template)
