"""Unified Social Credit Code (GB 32100-2015).

18 characters from ``0-9A-HJ-NPQRTUWXY`` (no I, O, S, V, Z). The 18th character is a
check character over the first 17 with weights 3^(i-1) mod 31. A malformed code is an
error; a code whose check character does not match is only a *warning*, because some
early real codes fail it and staff may accept them.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.messages import coded

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def normalize_uscc(value: str) -> str:
    """Upper-case and strip spaces; the form stored and compared."""
    return re.sub(r"\s+", "", value or "").upper()


def check_character(first17: str) -> str:
    """The 18th character for the first 17 characters of a code."""
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_well_formed(code: str) -> bool:
    return bool(USCC_RE.match(code))


def check_ok(code: str) -> bool:
    """Whether a well-formed code's check character matches."""
    return check_character(code[:17]) == code[17]


def validate_uscc_format(value: str) -> None:
    """Model/form validator: raise for a malformed code (not for the check char)."""
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A Unified Social Credit Code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        )
    if not is_well_formed(code):
        raise ValidationError(
            _(
                "A Unified Social Credit Code uses only digits and the letters "
                "A–H, J–N, P, Q, R, T, U, W, X, Y (never I, O, S, V or Z)."
            ),
            code="uscc_characters",
        )


def uscc_warning(value: str) -> dict[str, Any] | None:
    """The warning (a message to store, `core.messages`) for a well-formed code
    whose check character fails, else None."""
    code = normalize_uscc(value)
    if is_well_formed(code) and not check_ok(code):
        return coded("uscc_check", code=code, expected=check_character(code[:17]))
    return None
