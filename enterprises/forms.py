"""Forms for enterprise self-service and moderation.

`EnterpriseProfileForm` is the one definition of what an enterprise may change and
how each value is validated: the edit page and the API both hand their values to
`moderation.services.change_request_submit`, which validates them with it.
"""

import datetime as dt
import json
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.postgres.forms import SimpleArrayField
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.formats import in_own_language
from core.models import Region
from core.uploads import MAX_IMAGE_BYTES, reencode_image
from enterprises.choices import (
    EXPORT_MARKET_CHOICES,
    BusinessModel,
    Certification,
    Sector,
)
from enterprises.fields import BY_NAME, PROPOSABLE_FIELDS, Group, group_fields
from enterprises.models import Enterprise, EnterpriseCertification
from enterprises.services import field_value, jsonable

# Model fields an enterprise user may propose changes to (the field registry's
# proposable fields). Anything else (published, uscc, sources, …) is staff-only.
PROFILE_MODEL_FIELDS = tuple(
    name for name in PROPOSABLE_FIELDS if BY_NAME[name].is_model_field
)
# Fields enterprise_update does not handle; moderation.services publishes them.
EXTRA_FIELDS = tuple(
    name for name in PROPOSABLE_FIELDS if not BY_NAME[name].is_model_field
)
PROFILE_FIELDS = PROFILE_MODEL_FIELDS + EXTRA_FIELDS
CHOICE_LIST_FIELDS: dict[str, list[tuple[str, Any]]] = {
    "business_models": BusinessModel.choices,
    "sectors": Sector.choices,
    "export_markets": EXPORT_MARKET_CHOICES,
}
MAX_PHOTOS = 12
# Form fields that stand for a registry field on the edit page.
FORM_FIELDS = {"photos": ("photos_add", "photos_remove")}
# The edit page's sections: (group, form field names), in the registry's order.
# Certifications have a section of their own (a formset).
PROFILE_GROUPS = [
    (
        str(group),
        [n for name in group_fields(group) for n in FORM_FIELDS.get(name, (name,))],
    )
    for group in Group
    if group != Group.CERTIFICATIONS
]
# Keys accepted in a change payload: the profile fields, with photos given as
# additions (image files) and removals (photo ids).
CHANGE_KEYS = frozenset(
    n for name in PROFILE_FIELDS for n in FORM_FIELDS.get(name, (name,))
)


def _field_label(field: str):
    return BY_NAME[field].label


def _choice_order(field: str, values: list[str]) -> list[str]:
    order = {code: i for i, (code, _label) in enumerate(CHOICE_LIST_FIELDS[field])}
    return sorted(values, key=lambda v: (order.get(v, len(order)), v))


def certification_values(enterprise: Enterprise) -> list[dict[str, Any]]:
    return [
        {
            "scheme": c.scheme,
            "certificate_no": c.certificate_no,
            "valid_from": jsonable(c.valid_from),
            "valid_until": jsonable(c.valid_until),
        }
        for c in enterprise.certifications.order_by("scheme")
    ]


def current_value(enterprise: Enterprise, field: str) -> Any:
    """The published value of a profile field, JSON-safe (as in history)."""
    if field == "logo":
        return enterprise.logo.name or ""
    if field == "certifications":
        return certification_values(enterprise)
    if field == "photos":
        return list(enterprise.photos.values_list("image", flat=True))
    value = field_value(enterprise, field)
    if field in CHOICE_LIST_FIELDS:
        return _choice_order(field, value)
    return value


def current_values(enterprise: Enterprise) -> dict[str, Any]:
    return {field: current_value(enterprise, field) for field in PROFILE_FIELDS}


class CertificationForm(forms.ModelForm):
    """One certification with its validity (a row of the edit page's formset and
    the shape of each item of the `certifications` value)."""

    class Meta:
        model = EnterpriseCertification
        fields = ["scheme", "certificate_no", "valid_from", "valid_until"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def validate_unique(self):
        """Uniqueness per enterprise is checked over the whole list."""

    def validate_constraints(self):
        """The validity range is checked by the model's `clean`; the rest over the
        list."""


CertificationFormSet = forms.formset_factory(
    CertificationForm, extra=2, can_delete=True, max_num=len(Certification.choices)
)


def certifications_from_formset(formset) -> list[dict[str, Any]]:
    """The certifications of a valid formset, without blank or deleted rows."""
    items = []
    for row in formset.cleaned_data:
        if not row or row.get("DELETE") or not row.get("scheme"):
            continue
        items.append(
            {
                "scheme": row["scheme"],
                "certificate_no": row.get("certificate_no", ""),
                "valid_from": jsonable(row.get("valid_from")),
                "valid_until": jsonable(row.get("valid_until")),
            }
        )
    return items


class CertificationsField(forms.Field):
    """A list of certifications, each {"scheme", "certificate_no", "valid_from",
    "valid_until"}; dates as ISO strings. Accepts a list or its JSON text."""

    widget = forms.HiddenInput

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValidationError(
                    _("Certifications must be a list."), code="invalid"
                ) from exc
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValidationError(_("Certifications must be a list."), code="invalid")
        items, seen, errors = [], set(), []
        for i, raw in enumerate(value, start=1):
            row = CertificationForm(data={k: raw.get(k) or "" for k in raw})
            if not row.is_valid():
                for field, messages in row.errors.items():
                    label = (
                        row.fields[field].label if field in row.fields else ""
                    ) or ""
                    for message in messages:
                        errors.append(
                            ValidationError(
                                _("Certification %(n)s: %(field)s %(message)s"),
                                params={
                                    "n": i,
                                    "field": label,
                                    "message": message,
                                },
                            )
                        )
                continue
            data = row.cleaned_data
            if data["scheme"] in seen:
                errors.append(
                    ValidationError(
                        _("%(scheme)s is listed twice."),
                        params={"scheme": row.instance.get_scheme_display()},
                    )
                )
                continue
            seen.add(data["scheme"])
            items.append(
                {
                    "scheme": data["scheme"],
                    "certificate_no": data["certificate_no"],
                    "valid_from": jsonable(data["valid_from"]),
                    "valid_until": jsonable(data["valid_until"]),
                }
            )
        if errors:
            raise ValidationError(errors)
        return sorted(items, key=lambda c: c["scheme"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several images, each checked and re-encoded."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        if not isinstance(data, list | tuple):
            data = [data]
        return [reencode_image(super(MultipleImageField, self).clean(f)) for f in data]


def _region_label(region: Region) -> str:
    """A county in the reader's language, with its city (county names repeat)."""
    city = region.parent.display_name if region.parent is not None else ""
    return f"{region.code} {city} {region.display_name}".replace("  ", " ")


class EnterpriseProfileForm(forms.ModelForm):
    """Every field an enterprise may change. Bind it with current values overlaid
    with the proposed ones; `proposed_values()` gives the JSON-safe result."""

    business_models = forms.MultipleChoiceField(
        label=_field_label("business_models"),
        choices=BusinessModel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sectors = forms.MultipleChoiceField(
        label=_field_label("sectors"),
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    export_markets = forms.MultipleChoiceField(
        label=_field_label("export_markets"),
        choices=EXPORT_MARKET_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    former_names = SimpleArrayField(
        forms.CharField(max_length=200),
        label=_field_label("former_names"),
        required=False,
        help_text=_("Separate several names with commas."),
    )
    logo = forms.FileField(
        label=_field_label("logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("JPEG, PNG or WebP, at most 5 MB."),
    )
    certifications = CertificationsField(
        label=_field_label("certifications"), required=False
    )
    photos_add = MultipleImageField(
        label=_("Add photos"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 5 MB each."),
    )
    photos_remove = forms.MultipleChoiceField(
        label=_("Remove photos"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    # The edit page's order (its error summary lists the errors in it).
    field_order = [name for _group, names in PROFILE_GROUPS for name in names]

    class Meta:
        model = Enterprise
        fields = [f for f in PROFILE_MODEL_FIELDS if f != "logo"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        region = cast(forms.ModelChoiceField, self.fields["region"])
        region.queryset = (
            Region.objects.filter(level=Region.Level.COUNTY)
            .select_related("parent")
            .order_by("code")
        )
        region.label_from_instance = _region_label  # type: ignore[method-assign,assignment]
        self.photos = list(self.instance.photos.all()) if self.instance.pk else []
        photos_remove = cast(forms.MultipleChoiceField, self.fields["photos_remove"])
        photos_remove.choices = [
            (str(p.pk), in_own_language(p.caption or p.image.name)) for p in self.photos
        ]
        # A field with an English twin ("products" / "products_en") holds
        # Chinese: in the English UI its input says so (as core.formats marks
        # Chinese text), for screen readers and the font.
        if (get_language() or "").startswith("en"):
            for name, field in self.fields.items():
                if f"{name}_en" in self.fields:
                    field.widget.attrs["lang"] = "zh-CN"

    def clean_logo(self):
        value = self.cleaned_data.get("logo")
        if value is False:
            return ""  # cleared
        if value is None or not hasattr(value, "read") or value == self.instance.logo:
            return None  # unchanged
        return reencode_image(value, max_bytes=MAX_IMAGE_BYTES)

    def clean(self):
        """The rules across fields are the model's (`Enterprise.clean`, run with
        the model validation after this)."""
        super().clean()
        data = self.cleaned_data
        if data.get("latitude") is None and "datum" in data:
            data["datum"] = ""  # no coordinates, no datum
        removed = set(data.get("photos_remove") or [])
        kept = [p for p in self.photos if str(p.pk) not in removed]
        if len(kept) + len(data.get("photos_add") or []) > MAX_PHOTOS:
            self.add_error(
                "photos_add",
                _("At most %(n)s photos.") % {"n": MAX_PHOTOS},
            )
        return data

    def proposed_values(self) -> dict[str, Any]:
        """The proposed value of every profile field, JSON-safe, in the same form
        as `current_value`. New uploads stay `ContentFile`s (logo) or are listed
        after the kept photo names (photos)."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for field in PROFILE_MODEL_FIELDS:
            if field == "logo":
                continue
            value = data.get(field)
            if field == "region":
                value = value.pk if value else None
            elif isinstance(value, Decimal):
                value = str(value.quantize(Decimal("0.000001")))
            elif field in CHOICE_LIST_FIELDS:
                value = _choice_order(field, list(value or []))
            elif isinstance(value, dt.date):
                value = value.isoformat()
            values[field] = value
        logo = data.get("logo")
        values["logo"] = (
            self.instance.logo.name or "" if logo is None else logo
        )  # "" (cleared), a ContentFile (new) or the current name
        values["certifications"] = data.get("certifications", [])
        removed = set(data.get("photos_remove") or [])
        values["photos"] = [
            p.image.name for p in self.photos if str(p.pk) not in removed
        ] + list(data.get("photos_add") or [])
        return values


def profile_form_data(values: dict[str, Any]) -> dict[str, Any]:
    """Form data (for binding `EnterpriseProfileForm`) from JSON-safe values."""
    data = {}
    for field in PROFILE_MODEL_FIELDS:
        if field == "logo":
            continue
        value = values.get(field)
        data[field] = "" if value is None else value
    data["certifications"] = values.get("certifications") or []
    return data


def changes_from_post(post, files) -> dict[str, Any]:
    """The change payload submitted by the edit page (every field of the page,
    nothing else: extra or hidden inputs are not read)."""
    form = EnterpriseProfileForm()
    changes: dict[str, Any] = {}
    for name in CHANGE_KEYS - {"certifications"}:
        value = form.fields[name].widget.value_from_datadict(post, files, name)
        if name == "logo":
            if value is False:
                changes["logo"] = ""
            elif value:
                changes["logo"] = value
            continue
        changes[name] = value
    return changes
