"""Every UI string is translated into Simplified Chinese (the default language)."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "core/locale/zh_Hans/LC_MESSAGES/django.po"


def _entries():
    text = PO.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        msgid = "".join(re.findall(r'^msgid "(.*)"$|^"(.*)"$', block, re.M)[0])
        yield block, msgid


def test_catalogue_has_no_missing_or_fuzzy_translations():
    missing = []
    for block, _msgid in _entries():
        if "#, fuzzy" in block or re.search(
            r'msgstr(\[0\])? ""\n*$', block.strip() + "\n"
        ):
            missing.append(block.splitlines()[-2:])
    assert missing == []


def test_chinese_is_the_default_and_english_is_the_source():
    assert translation.gettext("Liaoning Textile Directory") == "辽宁纺织名录"
    with translation.override("en"):
        assert translation.gettext("Liaoning Textile Directory") == (
            "Liaoning Textile Directory"
        )
    with translation.override("zh-hans"):
        assert translation.gettext("Enterprises") == "企业"
