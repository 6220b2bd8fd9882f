"""The fields that parse one spreadsheet cell of an import row: choices by code or
label, lists, yes/no, region codes, cluster slugs, and the code columns (USCC, phone,
region) that a spreadsheet may have turned into numbers, which are refused rather than
read as other digits.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from clusters.models import Cluster
from colleges.models import College
from core.models import Region
from core.tabular import NumberCell
from enterprises import choices as ch

LIST_SPLIT = re.compile(r"\s*[;；、|]\s*")
TRUE_WORDS = {"1", "y", "yes", "true", "t", "是", "对", "有", "√", "✓", "x"}
FALSE_WORDS = {"0", "n", "no", "false", "f", "否", "无", "不", "×"}

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)  # the same few labels fill whole columns of a sheet
def header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return _SPACES.sub("", text)


@cache
def _choice_lookup(key: str) -> dict[str, str]:
    """Code, Chinese label and English label (folded) -> code."""
    source = {
        "registration_status": ch.RegistrationStatus.choices,
        "datum": ch.Datum.choices,
        "employee_band": ch.EmployeeBand.choices,
        "revenue_band": ch.RevenueBand.choices,
        "contact_visibility": ch.Visibility.choices,
        "business_models": ch.BusinessModel.choices,
        "sectors": ch.Sector.choices,
        "export_markets": ch.EXPORT_MARKET_CHOICES,
        "college_kind": College.Kind.choices,
    }[key]
    out: dict[str, str] = {}
    for code, label in source:
        for language in ("en", "zh-hans"):
            with translation.override(language):
                out.setdefault(header_key(str(label)), code)
        out[header_key(code)] = code
    return out


def choice_label(key: str, code: str) -> str:
    """The label of a code in the active language (what exports write)."""
    source = {
        "registration_status": ch.RegistrationStatus,
        "datum": ch.Datum,
        "employee_band": ch.EmployeeBand,
        "revenue_band": ch.RevenueBand,
        "contact_visibility": ch.Visibility,
        "business_models": ch.BusinessModel,
        "sectors": ch.Sector,
        "college_kind": College.Kind,
    }
    if key == "export_markets":
        return str(ch.EXPORT_MARKETS.get(code, code))
    try:
        return str(source[key](code).label)
    except ValueError:
        return code


# --- Codes: what a spreadsheet does to them -------------------------------------
#
# A spreadsheet keeps at most 15 significant digits of a number and no leading
# zero: an 18-digit USCC typed (or opened from a CSV) into a cell not formatted as
# text becomes other digits (…592644 becomes …593024) or "9.12108020079393E+017",
# and a phone loses the 0 of its area code. Such a cell is a row error naming the
# column, never a code with other digits.

CODE_FIELDS = {"uscc": "uscc", "contact_phone": "phone", "region": "region"}
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+")
_MOBILE = re.compile(r"1\d{10}")
_REGION = re.compile(r"[1-9]\d{5}")
# All digits, 9 to 11 of them, not starting with 0 (an area code's), 1 (a mobile)
# or 400/800 (service numbers): a landline whose leading 0 was dropped.
_LOST_ZERO = re.compile(r"(?!400|800)[2-9]\d{8,10}")
_FIX = _(
    "Format the column as text in the spreadsheet (or type an apostrophe "
    "before the value) and enter it again, or edit the XLSX export, which keeps "
    "codes as text."
)


def code_cell_error(value: Any, kind: str) -> ValidationError | None:
    """Why a cell of a code column (`CODE_FIELDS`) cannot be the code it shows, or
    None: a number cell (unless a number cannot have changed it: a mobile number,
    a 6-digit region code), scientific notation, or a phone without its leading 0."""
    text = str(value).strip()
    if not text:
        return None
    if value.__class__ is NumberCell:
        if (kind == "phone" and _MOBILE.fullmatch(text)) or (
            kind == "region" and _REGION.fullmatch(text)
        ):
            return None
        return ValidationError(
            _(
                "the cell holds the number %(value)s, not text: a spreadsheet keeps "
                "only 15 digits of a number and no leading zero, so this may not be "
                "the code that was typed. %(fix)s"
            ),
            code="code_as_number",
            params={"value": text, "fix": _FIX},
        )
    if _SCIENTIFIC.fullmatch(text):
        return ValidationError(
            _(
                "“%(value)s” is a number in scientific notation: the spreadsheet "
                "rounded the code. %(fix)s"
            ),
            code="code_scientific",
            params={"value": text, "fix": _FIX},
        )
    if kind == "phone" and _LOST_ZERO.fullmatch(text):
        return ValidationError(
            _(
                "“%(value)s” looks like a phone number that lost its leading 0 "
                "(an area code such as 0411 or 024 starts with 0). %(fix)s"
            ),
            code="phone_lost_zero",
            params={"value": text, "fix": _FIX},
        )
    return None


class CodeTextField(forms.CharField):
    """A code column's cell (USCC, phone): text as typed, refused when a
    spreadsheet may have changed it (`code_cell_error`)."""

    def __init__(self, *, code: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.code = code

    def to_python(self, value: Any) -> str:
        error = code_cell_error(value, self.code) if value else None
        if error is not None:
            raise error
        return super().to_python(value)


class LabelChoiceField(forms.CharField):
    """One choice given as its code or its Chinese or English label."""

    def __init__(self, key: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.key = key

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        code = _choice_lookup(self.key).get(header_key(text))
        if code is None:
            raise ValidationError(
                _("“%(value)s” is not one of the allowed values."),
                code="bad_choice",
                params={"value": text},
            )
        return code


class LabelMultiChoiceField(LabelChoiceField):
    """Several choices separated by ; 、 or |."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = forms.CharField.to_python(self, value)
        codes: list[str] = []
        for part in LIST_SPLIT.split(text) if text else []:
            if part:
                code = LabelChoiceField.to_python(self, part)
                if code not in codes:
                    codes.append(code)
        return codes


class TextListField(forms.CharField):
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        return [p for p in LIST_SPLIT.split(text) if p] if text else []


class YesNoField(forms.Field):
    """是/否, yes/no, true/false, 1/0; empty is no."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> bool:
        text = header_key(str(value or ""))
        if not text or text in FALSE_WORDS:
            return False
        if text in TRUE_WORDS:
            return True
        raise ValidationError(
            _("“%(value)s” is not yes or no (是/否)."),
            code="bad_boolean",
            params={"value": value},
        )

    def validate(self, value: Any) -> None:
        pass


@cache
def _regions() -> tuple[dict[str, str], dict[str, list[str]]]:
    codes = {}
    names: dict[str, list[str]] = {}
    for code, name, name_en in Region.objects.values_list("code", "name", "name_en"):
        codes[code] = name
        for alias in (name, name_en):
            if alias:
                names.setdefault(header_key(alias), []).append(code)
    return codes, names


def clear_caches() -> None:
    """Forget cached regions (tests load them per test)."""
    _regions.cache_clear()


def warm_caches() -> None:
    """Load the regions the cleaning looks up (before forking worker processes,
    which run no queries)."""
    _regions()


class RegionCodeField(forms.CharField):
    """A GB/T 2260 code, or a region name that is unique in Liaoning."""

    def to_python(self, value: Any) -> str:
        error = code_cell_error(value, "region") if value else None
        if error is not None:
            raise error
        text = super().to_python(value)
        if not text:
            return ""
        codes, names = _regions()
        if text in codes:
            return text
        found = names.get(header_key(text), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValidationError(
                _("“%(value)s” names several regions; give its 6-digit code."),
                code="ambiguous_region",
                params={"value": text},
            )
        raise ValidationError(
            _("There is no region “%(value)s” in Liaoning."),
            code="bad_region",
            params={"value": text},
        )


class SlugListField(forms.CharField):
    """Cluster slugs or names separated by ; 、 or |."""

    def __init__(self, *, many: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.many = many
        self.lookup: dict[str, str] | None = None

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        parts = [p for p in LIST_SPLIT.split(text) if p] if text else []
        if not self.many and len(parts) > 1:
            raise ValidationError(_("Give one cluster only."), code="one_cluster")
        if self.lookup is None:
            self.lookup = cluster_lookup()
        lookup = self.lookup
        slugs: list[str] = []
        for part in parts:
            slug = lookup.get(header_key(part))
            if slug is None:
                raise ValidationError(
                    _("There is no cluster “%(value)s”."),
                    code="bad_cluster",
                    params={"value": part},
                )
            if slug not in slugs:
                slugs.append(slug)
        if not self.many:
            return slugs[0] if slugs else ""
        return sorted(slugs)


def cluster_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for slug, name, name_en in Cluster.objects.values_list("slug", "name", "name_en"):
        for alias in (name_en, name, slug):
            if alias:
                out[header_key(alias)] = slug
    return out
