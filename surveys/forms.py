from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from surveys.figures import FIGURES, MARKETS, figure_choices
from surveys.models import Survey
from surveys.rules import check_values


class SurveyForm(forms.ModelForm):
    optional_fields = forms.MultipleChoiceField(
        label=_("Optional figures"),
        choices=figure_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The figures an enterprise may leave empty."),
    )

    class Meta:
        model = Survey
        fields = [
            "year", "opens_on", "closes_on", "status", "optional_fields", "note",
            "note_en",
        ]  # fmt: skip
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 3}),
            "note_en": forms.Textarea(attrs={"rows": 3}),
        }


def _money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=14,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0))],
    )


class FiguresForm(forms.Form):
    """The figures of `surveys.figures`, all optional here: which must be filled
    is the survey's rule, checked when the answer is submitted."""

    revenue = _money(_("Operating revenue"))
    output = _money(_("Output value"))
    employees = forms.IntegerField(
        label=_("Employees"), required=False, min_value=0, max_value=10**7
    )
    exports = _money(_("Export value"))
    capacity = forms.IntegerField(
        label=_("Monthly capacity"), required=False, min_value=0, max_value=10**12
    )
    products = forms.CharField(label=_("Main products"), required=False, max_length=500)

    def __init__(self, *args: Any, survey: Survey | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.survey = survey
        for m in MARKETS:
            self.fields[f"export_{m.code}"] = _money(m.label)
        for f in FIGURES:
            field = self.fields[f.name]
            field.unit = f.unit  # type: ignore[attr-defined]
            field.optional = survey.is_optional(f.name) if survey else True  # type: ignore[attr-defined]

    @classmethod
    def initial_from(cls, values: dict[str, Any]) -> dict[str, Any]:
        initial = {f.name: values.get(f.name) for f in FIGURES}
        for code, value in (values.get("export_split") or {}).items():
            initial[f"export_{code}"] = value
        return initial

    def figure_fields(self) -> list[forms.BoundField]:
        return [self[f.name] for f in FIGURES]

    def market_fields(self) -> list[forms.BoundField]:
        return [self[f"export_{m.code}"] for m in MARKETS]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        out = {f.name: data.get(f.name) for f in FIGURES}
        out["products"] = out["products"] or ""
        out["export_split"] = {
            m.code: data[f"export_{m.code}"]
            for m in MARKETS
            if data.get(f"export_{m.code}") is not None
        }
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            try:
                check_values(self.values())
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    name = field if field in self.fields else None
                    for message in messages:
                        self.add_error(name, message)
        return data


class StaffFiguresForm(FiguresForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    note = forms.CharField(label=_("Source or reason"), required=False, max_length=500)
    replace = forms.BooleanField(
        label=_("Replace the current figures of this year (they are kept)"),
        required=False,
    )

    field_order = ["year"]
