"""One write path: an import writes exactly what `enterprise_create` and
`enterprise_update` write (every updatable field, the history record, the search
document, the facet keys, the name key), whichever way its rows were prepared."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from enterprises.models import ChangeRecord, Enterprise
from enterprises.search.indexing import facet_keys
from enterprises.services import (
    UPDATABLE_FIELDS,
    enterprise_create,
    enterprise_update,
    field_value,
    index_data_for,
)
from imports import prepare
from imports.jobs import apply_file, dry_run, import_job_check, import_job_create
from imports.plan import Options
from tests.factories import ClusterFactory, EnterpriseFactory
from tests.imports.helpers import bad_check, csv_bytes, row, uscc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# Every updatable field with a value that is not its default (the clusters by name).
FULL_ROW = {
    "name": "大连同一写法服饰有限公司",
    "name_en": "Dalian One Path Garments Co., Ltd.",
    "short_name": "同一服饰",
    "former_names": "大连旧名服饰厂;旧名二",
    "uscc_check_override": "是",
    "registration_status": "revoked",
    "founded_year": "1988",
    "region": "210202",
    "address": "中山区人民路1号",
    "address_en": "1 Renmin Road",
    "latitude": "38.914",
    "longitude": "121.6147",
    "datum": "gcj02",
    "clusters": "大连西装集群;兴城泳装集群",
    "business_models": "Processing / OEM;own_brand",
    "sectors": "泳装;socks",
    "products": "西装、泳衣",
    "products_en": "suits, swimwear",
    "processes": "裁剪、缝制",
    "monthly_capacity": "50000件",
    "moq": "500件",
    "lead_time_days": "30",
    "description": "一家测试企业。",
    "description_en": "A test enterprise.",
    "is_exporter": "是",
    "export_markets": "JP;KR;US",
    "export_share": "40",
    "employee_band": "100-299",
    "revenue_band": "20m-100m",
    "contact_person": "王先生",
    "contact_phone": "+86 411 5555 0000",
    "contact_email": "wang@example.com",
    "wechat": "wang-dalian",
    "contact_visibility": "members",
    "website": "https://example.com/",
    "published": "是",
    "survey_year": "2025",
    "last_confirmed_on": "2025-06-30",
}


# Checked in the language the apply runs in, so that the apply reads the rows its
# dry run prepared (when worker processes prepared them).
ENGLISH = {"language": "en", "enqueue": False}


def clusters():
    ClusterFactory(slug="dalian-suits", name="大连西装集群", region_id="210200")
    ClusterFactory(slug="xingcheng-swimwear", name="兴城泳装集群")


def snapshot(enterprise_id: int) -> dict:
    """Everything a write leaves of one enterprise, but its ID and times."""
    entry = Enterprise.objects.get(pk=enterprise_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text, facets FROM enterprises_enterprise "
            "WHERE id = %s",
            [enterprise_id],
        )
        document, facets = cursor.fetchone()
    records = [
        (r.origin, r.reference, r.reason, r.actor_id, r.changes)
        for r in ChangeRecord.objects.filter(enterprise=entry).order_by("id")
    ]
    return {
        **{name: field_value(entry, name) for name in sorted(UPDATABLE_FIELDS)},
        "city": entry.city_id,
        "source": entry.source,
        "field_sources": entry.field_sources,
        "name_key": entry.name_key,
        "name_sort": (entry.name_sort, entry.name_sort_en),
        "search_vector": document,
        "facets": facets,
        "records": records,
    }


def planned_values(data: bytes) -> dict:
    [plan] = dry_run("enterprises", data, Options(accept_warnings=True))
    assert plan.action == "create", plan.errors
    return plan.values


def through_the_service(staff, values: dict, reference: str) -> dict:
    """What `enterprise_create` writes for these values (rolled back)."""
    with transaction.atomic():
        created = enterprise_create(
            actor=staff, data=values, origin="import", reference=reference
        )
        written = snapshot(created.pk)
        transaction.set_rollback(True)
    return written


@pytest.mark.parametrize("parallel", [False, True])
def test_an_imported_entry_is_what_enterprise_create_writes(
    staff, monkeypatch, parallel
):
    clusters()
    values = dict(FULL_ROW, uscc=bad_check(uscc(801)))
    assert set(values) == UPDATABLE_FIELDS  # the row sets every updatable field
    data = csv_bytes([row(**values)])
    if parallel:  # worker processes prepare the rows, the apply reads them back
        monkeypatch.setattr(prepare, "PARALLEL_MIN_ROWS", 1)
    job = import_job_create(
        actor=staff, kind="enterprises", data=data, file_name="one.csv", **ENGLISH
    )
    job = import_job_check(job_id=job.pk)
    expected = through_the_service(staff, planned_values(data), f"import:{job.pk}")

    apply_file(job=job, actor=staff, data=data, options=Options())
    imported = snapshot(Enterprise.objects.get(uscc=values["uscc"]).pk)
    for key in expected:
        assert imported[key] == expected[key], key
    assert "uw:yes" not in imported["facets"]  # the file accepts its check failure


@pytest.mark.parametrize("parallel", [False, True])
def test_an_accepted_uscc_warning_is_not_counted_as_a_warning(
    staff, monkeypatch, parallel
):
    """Accepting the check-character warning sets the override, and the entry's
    facets say so, as they do for an entry saved through the services."""
    if parallel:
        monkeypatch.setattr(prepare, "PARALLEL_MIN_ROWS", 1)
    code = bad_check(uscc(802))
    data = csv_bytes([row(name="校验位接受服饰有限公司", uscc=code)])
    job = import_job_create(
        actor=staff, kind="enterprises", data=data, file_name="w.csv", **ENGLISH
    )
    job = import_job_check(job_id=job.pk)
    apply_file(job=job, actor=staff, data=data, options=Options(accept_warnings=True))
    entry = Enterprise.objects.get(uscc=code)
    assert entry.uscc_check_override is True
    assert "uw:yes" not in entry.facets
    assert entry.facets == facet_keys(index_data_for(entry))


def test_an_imported_update_is_what_enterprise_update_writes(staff):
    clusters()
    values = dict(FULL_ROW, uscc=bad_check(uscc(803)))
    data = csv_bytes([row(**values)])
    changes = planned_values(data)

    def target():
        return EnterpriseFactory(
            uscc=values["uscc"], name="原名服饰有限公司", name_en=""
        )

    with transaction.atomic():
        entry = target()
        enterprise_update(
            actor=staff,
            enterprise=entry,
            changes=changes,
            origin="import",
            reference="import:update",
        )
        expected = snapshot(entry.pk)
        transaction.set_rollback(True)

    entry = target()
    job = import_job_create(
        actor=staff, kind="enterprises", data=data, file_name="u.csv", **ENGLISH
    )
    job = import_job_check(job_id=job.pk)
    assert job.counts["update"] == 1, job.report
    # The row renames the entry its USCC matches: a warning, accepted for it.
    apply_file(
        job=job, actor=staff, data=data, options=Options(accept_rows=frozenset({2}))
    )
    imported = snapshot(entry.pk)
    expected["records"] = [
        (*r[:1], f"import:{job.pk}", *r[2:]) for r in expected["records"]
    ]
    for key in expected:
        assert imported[key] == expected[key], key


def test_a_chunk_of_updates_takes_the_same_statements_whatever_its_size(staff):
    """An import's updates are written in a few statements per chunk: applying
    40 updates takes no more statements than applying 4 (one by one, each took
    26)."""
    clusters()

    def applied_statements(count: int, start: int) -> int:
        entries = [
            EnterpriseFactory(uscc=uscc(start + i), name=f"批量{start + i}服饰有限公司")
            for i in range(count)
        ]
        data = csv_bytes(
            [
                row(
                    name=e.name,
                    uscc=e.uscc,
                    products="西装、泳衣",
                    region="210202",
                    clusters="大连西装集群",
                )
                for e in entries
            ]
        )
        job = import_job_create(
            actor=staff, kind="enterprises", data=data, file_name="n.csv", **ENGLISH
        )
        job = import_job_check(job_id=job.pk)
        assert job.counts["update"] == count, job.report
        with CaptureQueriesContext(connection) as queries:
            apply_file(job=job, actor=staff, data=data, options=Options())
        for e in entries:
            e.refresh_from_db()
            assert e.products == "西装、泳衣" and e.city_id == "210200"
        return len(queries.captured_queries)

    few, many = applied_statements(4, 810), applied_statements(40, 820)
    assert many <= few, (few, many)
