"""The rules across an enterprise's fields live once, in ``Enterprise.clean``
(``Enterprise.check_rules``), and every writer runs them with the same message: the
model, the profile form, an enterprise user's PATCH (a change request), the staff
API's PATCH and the import."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.messages import render_message
from enterprises.forms import (
    CertificationForm,
    EnterpriseProfileForm,
    current_values,
    profile_form_data,
)
from enterprises.models import ChangeRecord, Enterprise, EnterpriseCertification
from imports.exports import export_chunks
from imports.jobs import Options, dry_run
from moderation.models import ChangeRequest
from moderation.services.changes import change_request_submit
from tests.factories import EnterpriseFactory
from tests.imports.helpers import csv_bytes, row, uscc

pytestmark = pytest.mark.django_db

PAIR = "Give both latitude and longitude, or neither."
RANGE = "The coordinates are out of range."
DATUM = "Say which datum the coordinates use (WGS-84 or GCJ-02)."
SHARE = "Only an exporter can have an export share."
MARKETS = "Only an exporter can have export markets."
# The messages the copies of the rules used to give instead.
OLD = (
    "Coordinates need their datum",
    "enterprise_coordinates",
    "certification_valid_range",
)

CASES = [
    ({"latitude": "41.500000", "datum": "wgs84"}, PAIR),
    ({"latitude": "41.500000", "longitude": "121.500000", "datum": ""}, DATUM),
    ({"latitude": "95.000000", "longitude": "121.500000", "datum": "wgs84"}, RANGE),
    ({"latitude": "41.500000", "longitude": "190.000000", "datum": "wgs84"}, RANGE),
    ({"is_exporter": False, "export_share": 30}, SHARE),
    ({"is_exporter": False, "export_markets": ["JP"]}, MARKETS),
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _flat(errors: dict) -> list[str]:
    return [str(m) for messages in errors.values() for m in messages]


def via_model(values) -> list[str]:
    enterprise = Enterprise(name="规则测试有限公司", region_id="211481")
    for field, value in values.items():
        setattr(enterprise, field, value)
    with pytest.raises(ValidationError) as exc:
        enterprise.full_clean(exclude=["city", "logo"])
    return _flat(exc.value.message_dict)


def via_form(enterprise, values) -> list[str]:
    data = profile_form_data({**current_values(enterprise), **values})
    form = EnterpriseProfileForm(data=data, instance=enterprise)
    assert not form.is_valid()
    return _flat(form.errors)


def via_api(client, enterprise, values) -> list[str]:
    response = client.patch(
        f"/api/v1/enterprises/{enterprise.pk}/",
        values,
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    return [error["message"], *_flat(error["fields"])]


def via_import(values) -> list[str]:
    cells = {
        field: ";".join(value)
        if isinstance(value, list)
        else {True: "yes", False: "no"}.get(value, value)
        for field, value in values.items()
    }
    data = csv_bytes([row(name="规则测试有限公司", **cells)])
    [plan] = dry_run("enterprises", data, Options())
    assert plan.action == "error", plan
    return [render_message(e) for e in plan.errors]  # stored as codes


@pytest.mark.parametrize(("values", "message"), CASES)
def test_each_rule_gives_its_one_message_on_every_path(
    values, message, owner, owned, owner_api, staff_api
):
    before = Enterprise.objects.values().get(pk=owned.pk)
    paths = {
        "model": via_model(values),
        "form": via_form(owned, values),
        "change request": via_api(owner_api, owned, values),
        "staff API": via_api(staff_api, owned, values),
        "import": via_import(values),
    }
    for path, messages in paths.items():
        found = [m for m in messages if m.endswith(message)]
        assert len(found) == 1, (path, messages)
        assert not [m for m in messages for old in OLD if old in m], (path, messages)
    # The import puts the column's header before a message about one field.
    assert all(m == message or m.endswith(": " + message) for m in paths["import"])
    assert Enterprise.objects.values().get(pk=owned.pk) == before
    assert not ChangeRequest.objects.exists()
    assert not ChangeRecord.objects.exists()


def test_staff_api_refuses_a_latitude_without_a_longitude(staff, staff_api, owner):
    """It used to accept it; the entry then no longer re-imported from its own
    export, and its owner could no longer save an edit."""
    enterprise = owner.memberships.get().enterprise
    response = staff_api.patch(
        f"/api/v1/enterprises/{enterprise.pk}/",
        {"latitude": "41.0", "datum": "wgs84"},
        format="json",
    )
    assert response.status_code == 400
    enterprise.refresh_from_db()
    assert enterprise.latitude is None
    data = b"".join(export_chunks("enterprises", "csv", staff))
    assert [p.action for p in dry_run("enterprises", data, Options())] == ["unchanged"]
    change_request_submit(actor=owner, enterprise=enterprise, changes={"moq": "500"})
    assert ChangeRequest.objects.get().fields.get().new == "500"


def test_import_refuses_an_export_share_without_exporter():
    [plan] = dry_run(
        "enterprises",
        csv_bytes([row(name="出口占比企业有限公司", export_share="30")]),
        Options(),
    )
    assert plan.action == "error"
    assert [render_message(e) for e in plan.errors] == [f"Export share (%): {SHARE}"]
    [plan] = dry_run(
        "enterprises",
        csv_bytes(
            [row(name="出口占比企业有限公司", export_share="30", is_exporter="是")]
        ),
        Options(),
    )
    assert plan.action == "create" and plan.values["export_share"] == 30


def test_a_valid_combination_passes_everywhere(owner, owned, owner_api, staff_api):
    values = {
        "latitude": "41.500000",
        "longitude": "121.500000",
        "datum": "wgs84",
        "is_exporter": True,
        "export_markets": ["JP"],
        "export_share": 30,
    }
    data = profile_form_data({**current_values(owned), **values})
    assert EnterpriseProfileForm(data=data, instance=owned).is_valid()
    cells = {**values, "is_exporter": "是", "export_markets": "JP"}
    [plan] = dry_run(
        "enterprises", csv_bytes([row(name="规则测试有限公司", **cells)]), Options()
    )
    assert plan.action == "create", plan.errors
    response = staff_api.patch(
        f"/api/v1/enterprises/{owned.pk}/", values, format="json"
    )
    assert response.status_code == 200, response.content
    owned.refresh_from_db()
    assert owned.export_markets == ["JP"] and str(owned.longitude) == "121.500000"


def test_the_staff_api_stores_a_uscc_as_the_import_does(staff, staff_api):
    """A USCC is upper-case without spaces and none is NULL, whoever writes it (the
    API used to store "…x" and "" as given)."""
    code = uscc(41)
    enterprise = EnterpriseFactory()
    other = EnterpriseFactory(uscc=uscc(42))
    spaced = " ".join([code[:6].lower(), code[6:12], code[12:].lower()])
    response = staff_api.patch(
        f"/api/v1/enterprises/{enterprise.pk}/", {"uscc": spaced}, format="json"
    )
    assert response.status_code == 200, response.content
    enterprise.refresh_from_db()
    assert enterprise.uscc == code
    record = ChangeRecord.objects.get(enterprise=enterprise)
    assert record.changes["uscc"] == {"old": None, "new": code}
    # The same code again, in another case, changes nothing.
    response = staff_api.patch(
        f"/api/v1/enterprises/{enterprise.pk}/", {"uscc": code.lower()}, format="json"
    )
    assert response.status_code == 200
    assert ChangeRecord.objects.filter(enterprise=enterprise).count() == 1
    # It re-imports from its export unchanged.
    data = b"".join(export_chunks("enterprises", "csv", staff))
    assert {p.action for p in dry_run("enterprises", data, Options())} == {"unchanged"}
    # Clearing the code of two entries leaves both without one (NULL, not "").
    for entry in (enterprise, other):
        response = staff_api.patch(
            f"/api/v1/enterprises/{entry.pk}/", {"uscc": ""}, format="json"
        )
        assert response.status_code == 200, response.content
        entry.refresh_from_db()
        assert entry.uscc is None


def test_a_certificate_ends_after_it_starts_with_one_message(enterprise):
    certification = EnterpriseCertification(
        enterprise=enterprise,
        scheme="iso9001",
        valid_from="2025-01-01",
        valid_until="2024-01-01",
    )
    with pytest.raises(ValidationError) as exc:
        certification.full_clean()
    expected = "The end of validity is before its start."
    assert _flat(exc.value.message_dict) == [expected]
    form = CertificationForm(
        data={
            "scheme": "iso9001",
            "valid_from": "2025-01-01",
            "valid_until": "2024-01-01",
        }
    )
    assert not form.is_valid()
    assert _flat(form.errors) == [expected]
