"""The field registry (enterprises.fields) is what every list of enterprise fields is
built from: the profile form, the import and export columns, the API's fields and
tiers, the fields enterprise_update may change, moderation's low-risk fields and
edit-page sections, and the completeness score. A field added to the registry shows
up in all of them; a model field missing from it fails here."""

import csv
import io

import pytest
from django.utils import translation
from django.utils.text import capfirst

from enterprises import fields
from enterprises.api import EnterpriseSerializer, EnterpriseUpdateSerializer
from enterprises.fields import EXPORT_COLUMNS, FIELDS, LOW_RISK_FIELDS, Group, Tier
from enterprises.forms import (
    CHANGE_KEYS,
    PROFILE_GROUPS,
    EnterpriseProfileForm,
)
from enterprises.health import COMPLETENESS_FIELDS
from enterprises.models import Enterprise
from enterprises.permissions import (
    CONTACT_FIELD_ORDER,
    MEMBER_FIELD_ORDER,
    PUBLIC_FIELD_ORDER,
    STAFF_FIELD_ORDER,
    visible_fields,
)
from enterprises.services import UPDATABLE_FIELDS
from imports.columns import SECTIONS, EnterpriseRowForm
from imports.exports import export_chunks, header
from moderation.services.changes import field_label
from moderation.views import FIELD_GROUPS
from tests.factories import EnterpriseFactory

# Columns of the enterprise table that are no field of the profile: kept by the
# services for search, duplicates and the city of a region.
INTERNAL = {"search_vector", "facets", "name_key", "name_sort", "name_sort_en"}


def names(predicate) -> list[str]:
    return [f.name for f in FIELDS if predicate(f)]


def test_every_model_field_is_in_the_registry_once():
    declared = [f.name for f in FIELDS]
    assert len(declared) == len(set(declared))
    opts = Enterprise._meta
    model = {
        f.name
        for f in [*opts.concrete_fields, *opts.many_to_many]
        if f.name not in INTERNAL
    }
    assert model <= set(declared), model - set(declared)
    for field in FIELDS:
        assert field.is_model_field or field.label_text is not None, field.name
        assert str(field.label)


def test_the_registry_is_consistent():
    for field in FIELDS:
        assert not field.low_risk or field.proposable, field.name
        assert not field.required or field.has_column, field.name
        assert (field.zh == "") == (field.en == ""), field.name


def test_labels_are_the_model_fields_verbose_names_as_a_form_shows_them():
    with translation.override("en"):
        assert field_label("export_share") == "Export share (%)"
        assert field_label("certifications") == "Certifications"
        assert field_label("no_such_field") == "no_such_field"
    for field in FIELDS:
        if field.label_text is None:
            verbose = Enterprise._meta.get_field(field.name).verbose_name
            assert field.label == capfirst(verbose)


def test_import_columns_are_the_registry_columns():
    columns = SECTIONS["enterprises"].columns
    declared = [f for f in FIELDS if f.has_column]
    assert [(c.field, c.zh, c.en, c.required) for c in columns] == [
        (f.name, f.zh, f.en, f.required) for f in declared
    ]
    assert set(EnterpriseRowForm().fields) == {f.name for f in declared}


def test_the_import_template_headers_stay_as_they_were():
    # The first, the last and a few between: an export must re-import unchanged.
    headers = [c.header for c in SECTIONS["enterprises"].columns]
    assert len(headers) == 40
    assert headers[:3] == [
        "系统编号 / ID",
        "企业名称 / Name",
        "英文名称 / English name",
    ]
    assert headers[26:29] == [
        "出口企业 / Exporter",
        "出口市场 / Export markets",
        "出口占比（%） / Export share (%)",
    ]
    assert headers[-1] == "最近确认日期 / Last confirmed"


@pytest.mark.django_db
def test_export_columns_are_the_registry_columns(staff):
    EnterpriseFactory()
    expected = [f"{f.zh} / {f.en}" for f in FIELDS if f.has_column]
    assert header("enterprises") == expected
    # The export adds the registry's read-only columns after the import's.
    expected += [c.header for c in EXPORT_COLUMNS]
    data = b"".join(export_chunks("enterprises", "csv", staff)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == expected
    assert len(rows[1]) == len(expected)


def test_profile_form_fields_are_the_proposable_fields():
    form = EnterpriseProfileForm()
    proposable = names(lambda f: f.proposable)
    photos = {"photos_add", "photos_remove"}
    assert set(form.fields) == (set(proposable) - {"photos"}) | photos
    assert set(form.fields) == CHANGE_KEYS
    # Staff-only fields are never in the form.
    assert not {"published", "uscc", "uscc_check_override", "clusters"} & set(
        form.fields
    )


def test_edit_page_sections_follow_the_registry():
    assert FIELD_GROUPS == PROFILE_GROUPS
    assert [key for key, _names in PROFILE_GROUPS] == [
        str(g) for g in Group if g != Group.CERTIFICATIONS
    ]
    shown = [name for _key, group in PROFILE_GROUPS for name in group]
    form = EnterpriseProfileForm()
    assert set(shown) == set(form.fields) - {"certifications"}
    for key, group in PROFILE_GROUPS:
        for name in group:
            owner = "photos" if name.startswith("photos_") else name
            assert fields.BY_NAME[owner].group == key


def test_moderation_and_services_lists_are_the_registrys():
    assert (
        names(lambda f: f.low_risk)
        and set(names(lambda f: f.low_risk)) == LOW_RISK_FIELDS
    )
    assert set(names(lambda f: f.editable)) == UPDATABLE_FIELDS
    assert set(EnterpriseUpdateSerializer().fields) == UPDATABLE_FIELDS | {"reason"}
    assert [label for label, _kind, _cols in COMPLETENESS_FIELDS] == [
        f.completeness.part for f in FIELDS if f.completeness
    ]
    for (_label, _kind, columns), field in zip(
        COMPLETENESS_FIELDS, [f for f in FIELDS if f.completeness], strict=True
    ):
        assert columns == (field.completeness.columns or (field.name,))


def test_tiers_and_api_fields_are_the_registrys():
    by_tier = {tier: tuple(names(lambda f, t=tier: f.tier == t)) for tier in Tier}
    assert by_tier[Tier.PUBLIC] == PUBLIC_FIELD_ORDER
    assert by_tier[Tier.MEMBERS] == MEMBER_FIELD_ORDER
    assert by_tier[Tier.CONTACT] == CONTACT_FIELD_ORDER
    assert by_tier[Tier.STAFF] == STAFF_FIELD_ORDER
    assert list(EnterpriseSerializer.Meta.fields) == [
        "id",
        "url",
        *[n for n in by_tier[Tier.PUBLIC] if n != "id"],
        *by_tier[Tier.MEMBERS],
        *by_tier[Tier.CONTACT],
        *by_tier[Tier.STAFF],
    ]
    everything = {f.name for f in FIELDS}
    assert visible_fields("public") == set(by_tier[Tier.PUBLIC])
    assert visible_fields("members") == set(by_tier[Tier.PUBLIC]) | set(
        by_tier[Tier.MEMBERS]
    )
    assert visible_fields("staff") == everything
    assert visible_fields("members", "members") >= set(by_tier[Tier.CONTACT])


@pytest.mark.django_db
def test_each_viewer_gets_exactly_the_api_fields_of_its_tier(api, other_api, staff_api):
    enterprise = EnterpriseFactory(published=True)
    path = f"/api/v1/enterprises/{enterprise.pk}/"
    public = names(lambda f: f.tier == Tier.PUBLIC)
    member = names(lambda f: f.tier == Tier.MEMBERS)
    assert set(api.get(path).json()) == {"url", *public}
    assert set(other_api.get(path).json()) == {"url", *public, *member}
    assert set(staff_api.get(path).json()) == {"url", *(f.name for f in FIELDS)}
