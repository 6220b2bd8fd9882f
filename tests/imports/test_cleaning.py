"""The row cleaner: Django's public form API only, one form for every row."""

import pytest
from django import forms
from django.utils import translation

from core.messages import render_message
from imports.cleaning import RowCleaner
from imports.columns import SECTIONS
from tests.imports.helpers import FIELDS, row, uscc

pytestmark = pytest.mark.django_db


def test_row_forms_override_no_private_method_of_django_forms():
    django_private = {
        name
        for cls in (forms.BaseForm, forms.models.BaseModelForm)
        for name in vars(cls)
        if name.startswith("_") and not name.startswith("__")
    }
    for section in SECTIONS.values():
        for cls in section.form.__mro__:
            if cls.__module__.startswith("imports."):
                assert not django_private & set(vars(cls)), cls


def test_one_cleaner_cleans_each_row_on_its_own():
    with translation.override("en"):
        cleaner = RowCleaner(SECTIONS["enterprises"], FIELDS)
        rows = [
            row(name="甲服饰有限公司", uscc=uscc(1), latitude="40.1"),
            row(name="", employee_band="huge", region="999999"),
            row(
                name="乙服饰有限公司",
                latitude="40.5",
                longitude="120.25",
                datum="wgs84",
            ),
        ]
        half, bad, good = (
            cleaner.clean(dict(zip(FIELDS, r, strict=True))) for r in rows
        )
    # The form's clean(): the model's rules across fields (a latitude alone breaks
    # two, the pair and the datum).
    assert half[0] == {} and len(half[1]) == 2
    with translation.override("en"):
        assert "both latitude and longitude" in render_message(half[1][0])
        assert {render_message(m).split(":")[0] for m in bad[1]} == {
            "Name",
            "Region code",
            "Employees",
        }
    # Stored as codes: each reader reads them in their language.
    with translation.override("zh-hans"):
        assert render_message(half[1][0]) == "请同时填写纬度和经度，或都不填写。"
        assert {render_message(m).split("：")[0] for m in bad[1]} == {
            "企业名称",
            "区县代码",
            "员工规模",
        }
    assert bad[0] == {}
    values, errors = good
    assert errors == []
    assert values["name"] == "乙服饰有限公司" and values["uscc"] is None
    assert str(values["latitude"]) == "40.500000"  # quantised by the form's hook
    assert values["registration_status"] == "active"  # the form's clean()
    assert values["sectors"] == [] and values["employee_band"] == ""
