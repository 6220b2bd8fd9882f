import pytest
from django.core.exceptions import ValidationError

from core.messages import render_message
from demo.rows import make_uscc
from enterprises.uscc import (
    check_character,
    check_ok,
    is_well_formed,
    uscc_warning,
    validate_uscc_format,
)

VALID = ["91110000600037341L", "91230184MA1BUFLT44", "92371000MA3MXH0E3W"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass_format_and_check(code):
    validate_uscc_format(code)
    assert check_ok(code)
    assert uscc_warning(code) is None


def test_lowercase_and_spaces_are_normalised():
    validate_uscc_format(" 91110000600037341l ")
    assert uscc_warning("9111 0000 6000 3734 1l") is None


def test_wrong_check_character_is_a_warning_not_an_error():
    code = "91350100M0001TGQXM"
    validate_uscc_format(code)  # no error
    assert is_well_formed(code)
    assert not check_ok(code)
    warning = uscc_warning(code)
    assert warning is not None
    assert code in render_message(warning)
    assert check_character(code[:17]) == "1"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_forbidden_letters_are_errors(letter):
    code = "91110000600037341" + letter
    with pytest.raises(ValidationError) as info:
        validate_uscc_format(code)
    assert info.value.code == "uscc_characters"


@pytest.mark.parametrize("code", ["", "9111000060003734", "91110000600037341LL"])
def test_wrong_length_is_an_error(code):
    with pytest.raises(ValidationError) as info:
        validate_uscc_format(code)
    assert info.value.code == "uscc_length"


def test_generated_demo_codes_are_valid_and_distinct():
    codes = {make_uscc("211481", n * 7919 + 2026) for n in range(1, 2000)}
    assert len(codes) == 1999
    for code in codes:
        validate_uscc_format(code)
        assert check_ok(code)
        assert code[2:8] == "211481"
