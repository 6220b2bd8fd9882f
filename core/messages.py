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
- a plain text: a row stored before messages had codes (or what a person
  typed), shown as it is;
- a list of stored messages: sentences, rendered one after the other.

A parameter that is a list of plain values (row numbers, names) renders as a list
in the reader's language ("3、5" / "3, 5"); a list holding messages renders as
sentences. A number under one of the names in ``FIGURES`` (a count or a size) has
its digits grouped ("12,345 rows"); other numbers (a row, a line, an ID) do not.

`render_message` renders any of them as text; `render_message_html` for a page,
where what a person or a file wrote (a plain text, a parameter such as a name or
a comment) is marked as Chinese in the English UI (`core.formats.in_own_language`)
and the site's own words are not: `{{ message|message }}` in templates
(``core_format``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from core.formats import in_own_language, join_list, join_sentences, number

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
    "rows_with_errors": _(
        "%(n)s row(s) have errors (rows %(rows)s): correct the file and "
        "upload it again, or skip those rows. Nothing was changed."
    ),
    "rows_with_warnings": _(
        "%(n)s row(s) have warnings not accepted (rows %(rows)s): accept "
        "them row by row, correct the file, or skip those rows. Nothing was "
        "changed."
    ),
    # Imports: why a job stopped (its message).
    "row_error": _("Row %(row)d: %(error)s Nothing was changed."),
    "row_warning": _(
        "Row %(row)d: %(warning)s The warning was not accepted. Nothing was changed."
    ),
    "entry_not_saved": _("An entry could not be saved: %(error)s Nothing was changed."),
    "import_failed": _("The import failed. Nothing was changed."),
    "import_interrupted": _(
        "The import stopped before it finished (the worker was "
        "interrupted). Nothing was changed."
    ),
    "undo_failed": _("The undo failed. Nothing was changed."),
    "undo_interrupted": _(
        "The undo stopped before it finished (the worker was "
        "interrupted). Nothing was changed."
    ),
    # Files that cannot be read as a table (`core.tabular`, the import header).
    "file_empty": _("The file is empty."),
    "file_too_large": _("The file is too large: the limit is %(mb)s MB."),
    "file_bad_utf8": _(
        "The file starts like UTF-8 text but contains invalid characters."
    ),
    "file_bad_utf16": _("The file starts like UTF-16 text but contains invalid data."),
    "file_encoding": _(
        "The file's text encoding was not recognised. Save it as CSV "
        "(UTF-8 or GBK) or as XLSX."
    ),
    "file_binary": _(
        "This is not a CSV, XLSX, XLS or ODS file (it contains binary data)."
    ),
    "csv_malformed": _("The CSV file is malformed near line %(line)d."),
    "file_damaged": _(
        "The %(format)s file is damaged or incomplete and cannot be read."
    ),
    "zip_not_workbook": _("This ZIP file is not an XLSX or ODS workbook."),
    "workbook_no_sheet": _("The workbook has no worksheet."),
    "workbook_no_such_sheet": _(
        "The workbook has no sheet “%(sheet)s”; its sheets: %(sheets)s."
    ),
    "sheet_too_large": _(
        "The sheet is too large: it spans %(rows)s rows and %(columns)s "
        "columns, and at most %(cells)s cells can be read. Delete what lies "
        "beyond the table, or split it into several files."
    ),
    "unpacks_too_large": _(
        "The file unpacks to %(size)s MB, more than a spreadsheet "
        "of its size holds (at most %(limit)s MB): it is refused unread. Save "
        "it again from the spreadsheet program, or split it into several files."
    ),
    "cell_too_large": _(
        "A cell of the file holds more than %(limit)s MB of text, more than "
        "any column takes: the file is refused unread. Shorten that cell and "
        "upload the file again."
    ),
    "unknown_import_kind": _("Unknown kind of import."),
    "header_mismatch": _(
        "The header row does not match the import template (%(problems)s). "
        "Download the template and keep its first row."
    ),
    "unknown_columns": _("unknown columns: %(cols)s"),
    "missing_columns": _("missing columns: %(cols)s"),
    "two_problems": _("%(first)s; %(second)s"),
    "column_twice": _("The column “%(col)s” appears twice in the header row."),
    # History: the reasons the site writes itself (a person's reason is their text).
    "profile_confirmed": _("Profile confirmed as current"),
    "verified_by_association": _("Verified by the association."),
    "undo_of_import": _("Undo of import %(id)s"),
    "merged_entry": _("Merged entry %(id)s (%(name)s) into this one."),
    "undo_of_merge": _("Undo of merge %(id)s."),
    # A staff member's comment on a field of a change request they accepted.
    "field_comment": _("%(label)s: “%(comment)s”"),
}


# The parameters that are figures: counts and sizes ("n" rows, "rows" × "columns").
FIGURES = frozenset({"n", "rows", "columns", "cells", "size", "limit"})


def coded(code: str, /, **params: Any) -> dict[str, Any]:
    """A message to store: ``MESSAGES[code]`` with ``params`` (JSON values)."""
    if code not in MESSAGES:
        raise KeyError(code)
    return {"code": code, "params": params} if params else {"code": code}


def every_language(text: Any) -> dict[str, str]:
    """A (lazily) translated text, e.g. a field's label, or a callable giving one
    (a name's ``display_name``), written in every language of the site: a
    parameter that renders in the reader's language."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts[language] = str(text() if callable(text) else text)
    return texts


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


def _param(value: Any, name: str = "") -> Any:
    if (
        name in FIGURES
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return number(value)
    if isinstance(value, dict):
        return render_message(value)
    if isinstance(value, list):
        if any(isinstance(item, dict | list) for item in value):
            return render_message(value)
        return join_list(value)
    return value


def render_message(stored: Any) -> str:
    """A stored message (see the module) in the reader's language."""
    if stored is None:
        return ""
    if isinstance(stored, str):
        return stored
    if isinstance(stored, list):
        return join_sentences(filter(None, map(render_message, stored)))
    if not isinstance(stored, dict):
        return str(stored)
    if "code" not in stored:
        return _in_reader_language(stored)
    template = MESSAGES.get(stored["code"])
    if template is None:  # a code since retired: what is known of it
        return " ".join(str(_param(v)) for v in (stored.get("params") or {}).values())
    params = {k: _param(v, k) for k, v in (stored.get("params") or {}).items()}
    return str(template) % params if params else str(template)


def _param_html(value: Any, name: str = "") -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value) if name in FIGURES else value  # %d wants a number
    if isinstance(value, dict):
        return render_message_html(value)
    if isinstance(value, list):
        if any(isinstance(item, dict | list) for item in value):
            return render_message_html(value)
        return mark_safe(join_list(map(in_own_language, value)))  # noqa: S308
    return in_own_language(value)


def render_message_html(stored: Any) -> SafeString:
    """`render_message` for a page: escaped, and what a person or a file wrote
    marked as Chinese in the English UI (``<span lang="zh-CN">``)."""
    if stored is None:
        return SafeString("")
    if isinstance(stored, list):
        parts = filter(None, map(render_message_html, stored))
        return mark_safe(join_sentences(parts))  # noqa: S308 (each part escaped)
    if not isinstance(stored, dict):
        return in_own_language(stored)
    if "code" not in stored:
        return escape(_in_reader_language(stored))
    template = MESSAGES.get(stored["code"])
    params = stored.get("params") or {}
    if template is None:
        return mark_safe(" ".join(str(_param_html(v)) for v in params.values()))  # noqa: S308
    shown = {k: _param_html(v, k) for k, v in params.items()}
    text = conditional_escape(str(template))
    return mark_safe(text % shown if shown else text)  # noqa: S308


class StoredMessageError(Exception):
    """An error whose reason is a message to store (a code and its parameters,
    ``stored``); ``message`` is it in the active language."""

    def __init__(self, stored: Any) -> None:
        self.stored = stored
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return render_message(self.stored)
