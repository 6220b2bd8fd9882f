"""Cleaning spreadsheet rows with the row forms of `imports.columns`.

A row form declares a row's fields (from the model, so they carry its lengths,
ranges and choices, with the label-aware cell fields where a sheet needs them) and
its rules: ``clean_<field>()`` hooks and ``clean()``. `RowCleaner` runs them the way
`Form.full_clean()` does (each field's ``clean``, then its hook, then ``clean()``)
and then the model fields' own validators, through public APIs only, on one unbound
form instance for the whole file: a real sheet has tens of thousands of rows, and a
bound form per row (or Django's loop over bound fields) spent most of an import's
time around the cleaning itself. What makes it fast:

- what an empty cell cleans to is worked out once per field (an empty cell is most
  cells of a sheet);
- a label, region or cluster text is cleaned once per import and remembered (the
  same few texts fill whole columns; a number cell is not remembered as the same
  text: `imports.cells.code_cell_error` tells them apart);
- a plain text cell is stripped and length-checked inline, as ``CharField.clean``
  would; anything it would refuse goes through ``CharField.clean`` for its message;
- a model validator that the form field already runs is not run twice.

Building and cleaning a model instance per row would double the time of a
100,000-row import; the importer checks uniqueness for the whole file, and
`enterprise_create` / `enterprise_update` run the model's ``full_clean`` on what
they save.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models

from core.messages import coded, validation_texts
from imports.cells import (
    CodeTextField,
    LabelChoiceField,
    RegionCodeField,
    SlugListField,
    YesNoField,
    cluster_lookup,
    code_cell_error,
)
from imports.columns import Section

# Fields whose cleaning looks a text up in a fixed table (choices, regions,
# clusters): the same text always cleans the same way within an import.
LOOKUP_FIELDS = (LabelChoiceField, YesNoField, RegionCodeField, SlugListField)
MEMO_SIZE = 5000  # distinct texts remembered per lookup column
_NONE = object()  # "no value worked out" (None is a cleaned value)


@dataclass
class _Step:
    """How one field of a row is cleaned."""

    name: str
    field: forms.Field
    hook: Callable[[], Any] | None  # the form's clean_<name>
    empty: Any  # what an empty cell cleans to (hook included), or _NONE
    plain: bool  # the cell is read straight from the row (no widget logic)
    limit: int | None  # a plain CharField's max_length: cleaned inline
    code: str | None  # a code column's kind (`CODE_FIELDS`): checked inline too
    memo: dict[Any, Any] | None  # cell text -> value or ValidationError


class RowCleaner:
    """Cleans the rows of one file with one instance of a section's row form."""

    def __init__(self, section: Section, fields: list[str]) -> None:
        self.section = section
        self.form = form = section.form()
        for name in list(form.fields):
            if name not in fields:
                del form.fields[name]
        lookup = cluster_lookup()
        for field in form.fields.values():
            if isinstance(field, SlugListField):
                field.lookup = lookup
        self.labels = {c.field: {"zh-hans": c.zh, "en": c.en} for c in section.columns}
        self.model_checks = self._model_checks()
        self.steps = [self._step(name, field) for name, field in form.fields.items()]
        empty, errors = self._clean_slowly({})
        for step in self.steps:
            if step.name not in errors and step.name in empty:
                step.empty = empty[step.name]

    def _step(self, name: str, field: forms.Field) -> _Step:
        plain = (
            not field.disabled
            and type(field.widget).value_from_datadict
            is forms.Widget.value_from_datadict
        )
        hook = getattr(self.form, f"clean_{name}", None)
        return _Step(
            name=name,
            field=field,
            hook=hook,
            empty=_NONE,
            plain=plain,
            limit=_plain_text_limit(field) if plain else None,
            code=field.code if isinstance(field, CodeTextField) else None,
            memo={} if plain and hook is None and isinstance(field, LOOKUP_FIELDS)
            else None,
        )  # fmt: skip

    def _model_checks(self) -> list[tuple[str, models.Field]]:
        """The model fields with validators their form field does not run."""
        opts = self.section.model._meta
        checks = []
        for name, field in self.form.fields.items():
            try:
                model_field = opts.get_field(name)
            except FieldDoesNotExist:
                continue
            if not model_field.concrete or model_field.is_relation:
                continue
            if any(v not in field.validators for v in model_field.validators):
                checks.append((name, model_field))
        return checks

    def clean(
        self, data: dict[str, str]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A row's cleaned values, or ({}, the messages of its errors, to store:
        `core.messages`)."""
        cleaned: dict[str, Any] = {}
        errors: dict[str, list[ValidationError]] = {}
        for step in self.steps:
            raw = data.get(step.name)
            empty = step.empty
            if empty is not _NONE and (raw is None or raw == ""):
                cleaned[step.name] = empty.copy() if empty.__class__ is list else empty
                continue
            if step.memo is not None and raw.__class__ is str:
                # A label, region or cluster: the same few texts fill a column.
                outcome = step.memo.get(raw, _NONE)
                if outcome is _NONE:
                    try:
                        outcome = step.field.clean(raw)
                    except ValidationError as exc:
                        outcome = exc
                    if len(step.memo) < MEMO_SIZE:
                        step.memo[raw] = outcome
                if isinstance(outcome, ValidationError):
                    errors.setdefault(step.name, []).append(outcome)
                else:
                    cleaned[step.name] = (
                        outcome.copy() if outcome.__class__ is list else outcome
                    )
                continue
            self._clean_field(step, raw, data, cleaned, errors)
        return self._finish(cleaned, errors)

    def _clean_slowly(self, data: dict[str, str]) -> tuple[dict[str, Any], dict]:
        """A row cleaned field by field without the shortcuts (what the shortcuts
        are worked out from)."""
        cleaned: dict[str, Any] = {}
        errors: dict[str, list[ValidationError]] = {}
        for step in self.steps:
            self._clean_field(
                step, data.get(step.name), data, cleaned, errors, inline=False
            )
        return cleaned, errors

    def _clean_field(
        self,
        step: _Step,
        raw: Any,
        data: dict[str, str],
        cleaned: dict[str, Any],
        errors: dict[str, list[ValidationError]],
        *,
        inline: bool = True,
    ) -> None:
        """Clean one cell with its field and the form's hook, as `full_clean`
        does (the hook sees the fields cleaned before it in `cleaned_data`)."""
        name = step.name
        try:
            if inline and step.limit is not None and raw.__class__ is str:
                # A plain text cell: what CharField.clean does, inline; anything
                # it would refuse goes through it for its message.
                text = raw.strip()
                if step.code is not None and text:
                    error = code_cell_error(text, step.code)
                    if error is not None:
                        raise error
                if text and len(text) <= step.limit and "\x00" not in text:
                    cleaned[name] = text
                else:
                    cleaned[name] = step.field.clean(raw)
            elif step.plain:
                cleaned[name] = step.field.clean(raw)
            elif step.field.disabled:
                cleaned[name] = step.field.clean(
                    self.form.get_initial_for_field(step.field, name)
                )
            else:
                value = step.field.widget.value_from_datadict(data, {}, name)
                cleaned[name] = step.field.clean(value)
            if step.hook is not None:
                self.form.cleaned_data = cleaned
                cleaned[name] = step.hook()
        except ValidationError as exc:
            cleaned.pop(name, None)
            errors.setdefault(name, []).append(exc)

    def _finish(
        self, cleaned: dict[str, Any], errors: dict[str, list[ValidationError]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The form's `clean()` (row rules across fields), then the model fields'
        own validators; the messages labelled with their column."""
        form = self.form
        form.cleaned_data = cleaned
        try:
            result = form.clean()
        except ValidationError as exc:
            _add(errors, exc)
        else:
            if result is not None:
                cleaned = result
        for name, model_field in self.model_checks:
            value = cleaned.get(name)
            if value is None or value in model_field.empty_values:
                continue
            try:
                model_field.run_validators(value)
            except ValidationError as exc:
                cleaned.pop(name, None)
                errors.setdefault(name, []).append(exc)
        if not errors:
            return dict(cleaned), []
        return {}, self.messages(errors)

    def messages(
        self, errors: dict[str, list[ValidationError]]
    ) -> list[dict[str, Any]]:
        """Row error messages to store, each after its column's header (in the
        reader's language when shown)."""
        messages: list[dict[str, Any]] = []
        for name, raised in errors.items():
            label = None if name == NON_FIELD_ERRORS else self.labels.get(name)
            for error in raised:
                for texts in validation_texts(error):
                    if name == NON_FIELD_ERRORS:
                        messages.append(texts)
                    else:
                        messages.append(
                            coded("column", label=label or name, message=texts)
                        )
        return messages

    def rule_errors(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        """The messages of the model's rules across fields (`check_rules`) for an
        entry's values as the row would leave them."""
        try:
            self.section.model.check_rules(values)
        except ValidationError as exc:
            return self.messages(
                {k: [ValidationError(v)] for k, v in exc.error_dict.items()}
            )
        return []


def _add(errors: dict[str, list[ValidationError]], exc: ValidationError) -> None:
    """Record an error raised by `clean()`: for fields when it names them."""
    if hasattr(exc, "error_dict"):
        for name, raised in exc.error_dict.items():
            errors.setdefault(name, []).append(ValidationError(raised))
    else:
        errors.setdefault(NON_FIELD_ERRORS, []).append(exc)


def _plain_text_limit(field: forms.Field) -> int | None:
    """The maximum length of a plain CharField (stripped, checked for length and
    NUL characters only; a code column's is also checked by `code_cell_error`,
    which a text cell needs alone), or None for any other field."""
    if (
        type(field) not in (forms.CharField, CodeTextField)
        or not field.strip
        or not field.max_length
    ):
        return None
    allowed = (
        validators.MaxLengthValidator,
        validators.ProhibitNullCharactersValidator,
    )
    if not all(isinstance(v, allowed) for v in field.validators):
        return None
    return field.max_length
