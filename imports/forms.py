"""The export form: format and, for enterprises, the columns (the registry's
exportable fields the reader's tier sees)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from imports.exports import choosable_columns


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("xlsx", _("XLSX (for editing and re-importing)")), ("csv", "CSV")],
        required=False,
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not an export format: choose XLSX or CSV."
            )
        },
    )
    col = forms.MultipleChoiceField(
        label=_("Columns"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("“%(value)s” is not a column you can export.")
        },
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = choosable_columns(user)
        self.fields["col"].choices = [(c.name, c.label) for c in self.columns]

    def clean_format(self) -> str:
        return self.cleaned_data.get("format") or "csv"

    def chosen(self) -> list[str]:
        """The chosen columns (default: every column the reader may choose)."""
        return self.cleaned_data.get("col") or [c.name for c in self.columns]
