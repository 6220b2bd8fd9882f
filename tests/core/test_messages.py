"""Stored messages (`core.messages`) render in the reader's language: a list of
messages as sentences, a list parameter as a list in the reader's style, a text
written in every language, and a text stored before codes as it is."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.messages import coded, every_language, render_message


def _in(language, stored):
    with translation.override(language):
        return render_message(stored)


def test_a_list_parameter_reads_as_a_list_in_the_readers_style():
    stored = coded("rows_with_errors", n=3, rows=[3, 5, 7])
    assert "(rows 3, 5, 7)" in _in("en", stored)
    assert "（第 3、5、7 行）" in _in("zh-hans", stored)


def test_a_list_of_messages_reads_as_sentences():
    stored = [
        coded("import_failed"),
        {"en": "Row 2 is bad.", "zh-hans": "第 2 行有误。"},
    ]
    assert _in("en", stored) == "The import failed. Nothing was changed. Row 2 is bad."
    assert _in("zh-hans", stored) == "导入失败。未做任何更改。第 2 行有误。"
    row = coded("row_error", row=4, error=[coded("extra_cells")])
    assert _in("en", row) == (
        "Row 4: The row has cells beyond the last column of the header. "
        "Nothing was changed."
    )


def test_every_language_writes_a_label_or_a_name_once_per_language():
    assert every_language(gettext_lazy("English")) == {
        "zh-hans": "英文",
        "en": "English",
    }

    def name():
        return "英文名" if translation.get_language() == "zh-hans" else "Name"

    stored = coded("merged_entry", id=7, name=every_language(name))
    assert _in("en", stored) == "Merged entry 7 (Name) into this one."
    assert _in("zh-hans", stored) == "已将条目 7（英文名）合并到本条目。"


def test_a_text_stored_before_codes_is_shown_as_it_is():
    assert _in("en", "导入失败。") == "导入失败。"
    assert _in("zh-hans", "") == ""


def test_an_unknown_code_cannot_be_stored():
    with pytest.raises(KeyError):
        coded("no-such-code")
