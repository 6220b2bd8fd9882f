"""Dry run, apply, duplicates, row errors, undo and the export round trip."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import QueryDict
from django.utils import translation

from core.messages import render_message
from core.tabular import TabularError
from enterprises.models import ChangeRecord, Enterprise
from enterprises.names import name_key
from enterprises.search.query import Search, run
from enterprises.services import enterprise_update
from imports import prepare
from imports.exports import export_chunks
from imports.jobs import (
    apply_file,
    dry_run,
    import_job_check,
    import_job_create,
    import_job_request_apply,
)
from imports.models import ImportJob
from imports.plan import ImportRefused, Options
from imports.undo import import_job_undo
from tests.factories import ClusterFactory, EnterpriseFactory
from tests.imports.helpers import bad_check, csv_bytes, row, uscc, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def plans(data: bytes, **options):
    return list(dry_run("enterprises", data, Options(**options)))


def job_for(staff, data: bytes, kind="enterprises") -> ImportJob:
    job = import_job_create(
        actor=staff, kind=kind, data=data, file_name="t.csv", enqueue=False
    )
    return import_job_check(job_id=job.pk)


def apply(staff, job, django_capture_on_commit_callbacks, **kwargs) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        import_job_request_apply(actor=staff, job=job, **kwargs)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_encoding_plans_the_same(encoding):
    data = csv_bytes(
        [row(name="兴城泳装有限公司", sectors="泳装;Socks", is_exporter="是")],
        encoding=encoding,
    )
    [plan] = plans(data)
    assert plan.action == "create"
    assert plan.values["name"] == "兴城泳装有限公司"
    assert plan.values["sectors"] == ["swimwear", "socks"]
    assert plan.values["is_exporter"] is True


def test_xlsx_and_english_headers_and_labels_are_accepted():
    header = ["Name", "Region code", "Employees", "Business models"]
    data = xlsx_bytes(
        [["Dalian Test Co.", "210202", "20–99 employees", "Own brand、ODM"]],
        header=header,
    )
    [plan] = plans(data)
    assert plan.action == "create"
    assert plan.values["employee_band"] == "20-99"
    assert plan.values["business_models"] == ["own_brand", "odm"]


def test_wrong_headers_are_refused_with_one_message():
    with pytest.raises(TabularError) as info:
        plans(csv_bytes([["a", "b"]], header=["公司", "地区"]))
    message = str(info.value.message)
    assert "unknown columns: 公司, 地区; missing columns:" in message
    assert "企业名称 / Name" in message
    # Stored as a code, it reads in the reader's language (its list style too).
    with translation.override("zh-hans"):
        chinese = render_message(info.value.stored)
    assert "公司、地区" in chinese
    assert "unknown columns" not in chinese


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"uscc": "91211481ABC"}, "18 characters"),
        ({"uscc": "91211481MA0OOOOOO1"}, "never I, O, S, V or Z"),
        ({"region": "999999"}, "no region “999999”"),
        ({"region": "铁西区"}, "names several regions"),
        ({"employee_band": "huge"}, "“huge” is not one of the allowed values"),
        ({"sectors": "泳装;rockets"}, "“rockets” is not one of the allowed values"),
        ({"name": ""}, "This field is required"),
        ({"founded_year": "1700"}, "greater than or equal to 1800"),
        ({"is_exporter": "maybe"}, "is not yes or no"),
        ({"latitude": "40.1"}, "both latitude and longitude"),
        ({"contact_email": "nope"}, "valid email"),
        ({"clusters": "no-such"}, "no cluster “no-such”"),
        ({"id": "999999"}, "no enterprise with ID 999999"),
        ({"name": "长" * 201}, "at most 200 characters (it has 201)"),
    ],
)
def test_every_row_error_is_reported_with_its_reason(values, expected):
    values.setdefault("name", "某某服装有限公司")
    [plan] = plans(csv_bytes([row(**values)]))
    assert plan.action == "error"
    assert any(expected in render_message(e) for e in plan.errors), plan.errors


def test_uscc_check_character_is_a_warning_that_can_be_accepted(staff):
    code = bad_check(uscc(1))
    data = csv_bytes([row(name="校验位企业有限公司", uscc=code)])
    [plan] = plans(data)
    assert plan.action == "create"
    assert "check character" in render_message(plan.warnings[0])
    job = job_for(staff, data)
    with pytest.raises(ImportRefused):
        apply_file(job=job, actor=staff, data=data, options=Options())
    assert not Enterprise.objects.filter(uscc=code).exists()
    apply_file(job=job, actor=staff, data=data, options=Options(accept_warnings=True))
    assert Enterprise.objects.get(uscc=code).uscc_check_override is True


def test_similar_name_in_the_same_county_is_flagged():
    assert name_key("大连大杨集团有限公司") == name_key("大连大杨集团有限责任公司")
    EnterpriseFactory(name="大连大杨集团有限责任公司", region_id="210202")
    data = csv_bytes(
        [
            row(name="大连大杨集团有限公司", region="210202"),
            row(name="大连大杨集团有限公司", region="210203"),  # another district
            row(name="沈阳新华服饰有限公司", region="210202"),
            row(name="沈阳新华服饰股份有限公司", region="210202"),  # same as row 4
        ]
    )
    first, other_county, new, same_as_row = plans(data)
    assert first.duplicate["kind"] == "name"
    assert first.duplicate["name"] == "大连大杨集团有限责任公司"
    assert first.action == "skip"  # until confirmed
    assert other_county.duplicate is None
    assert new.duplicate is None and new.action == "create"
    assert same_as_row.duplicate == {
        "kind": "name",
        "row": 4,
        "name": "沈阳新华服饰有限公司",
    }
    confirmed = plans(data, confirm_rows=frozenset({2}))
    assert confirmed[0].action == "create"


def test_a_renamed_entry_is_matched_by_its_new_name_only(staff):
    entry = EnterpriseFactory(name="大连大杨集团有限责任公司", region_id="210202")
    enterprise_update(
        actor=staff,
        enterprise=entry,
        changes={"name": "大连创新服饰有限公司"},
        origin=ChangeRecord.Origin.STAFF,
    )
    old_name, new_name = plans(
        csv_bytes(
            [
                row(name="大连大杨集团有限公司", region="210202"),
                row(name="大连创新服饰股份有限公司", region="210202"),
            ]
        )
    )
    assert old_name.duplicate is None and old_name.action == "create"
    assert new_name.duplicate == {
        "kind": "name",
        "id": entry.pk,
        "name": "大连创新服饰有限公司",
    }


def test_same_uscc_twice_in_a_file_is_an_error_flagged_as_duplicate():
    code = uscc(2)
    data = csv_bytes(
        [row(name="甲服装有限公司", uscc=code), row(name="乙有限公司", uscc=code)]
    )
    first, second = plans(data)
    assert first.action == "create"
    assert second.action == "error"
    assert second.duplicate == {"kind": "uscc", "row": 2}
    assert "same USCC" in render_message(second.errors[0])


def test_apply_creates_and_updates_with_history_provenance_and_search(
    staff, django_capture_on_commit_callbacks
):
    cluster = ClusterFactory(slug="xingcheng-swimwear", name="兴城泳装产业集群")
    existing = EnterpriseFactory(
        uscc=uscc(3), name="老企业有限公司", name_en="", products="衬衫"
    )
    data = csv_bytes(
        [
            row(
                name="辽宁蓝海泳装有限公司",
                uscc=uscc(4),
                clusters="兴城泳装产业集群",
                sectors="泳装",
                products="比基尼",
                published="是",
            ),
            row(name="老企业有限公司", uscc=uscc(3), products="泳衣", published="是"),
        ]
    )
    job = job_for(staff, data)
    assert job.status == ImportJob.Status.CHECKED
    assert job.counts["create"] == 1 and job.counts["update"] == 1
    update_row = next(r for r in job.report if r["action"] == "update")
    assert update_row["changes"] == {"products": ["衬衫", "泳衣"]}

    job = apply(staff, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.APPLIED, job.message
    created = Enterprise.objects.get(uscc=uscc(4))
    assert list(created.clusters.all()) == [cluster]
    assert created.field_sources["products"] == "import"
    record = ChangeRecord.objects.get(enterprise=created)
    assert record.origin == "import" and record.reference == f"import:{job.pk}"
    assert record.changes["name"] == {"old": None, "new": "辽宁蓝海泳装有限公司"}
    assert record.actor == staff
    existing.refresh_from_db()
    assert existing.products == "泳衣"
    assert existing.field_sources["products"] == "import"
    update = ChangeRecord.objects.get(enterprise=existing)
    assert update.changes == {"products": {"old": "衬衫", "new": "泳衣"}}
    # Both are found by search at once, with their facets.
    search = Search.from_params(QueryDict("q=比基尼&cluster=xingcheng-swimwear"))
    assert [e.pk for e in run(search, staff).rows] == [created.pk]
    found = run(Search.from_params(QueryDict("q=泳衣")), staff).rows
    assert existing.pk in [e.pk for e in found]


def test_bulk_create_matches_enterprise_create(staff):
    """The bulk path stores what the one-by-one service would."""
    from enterprises.search.indexing import facet_keys
    from enterprises.services import enterprise_create, index_data_for

    values = {
        "name": "大连测试服饰有限公司",
        "region": "210202",
        "sectors": ["apparel"],
        "products": "西装",
        "is_exporter": True,
        "export_markets": ["JP"],
        "registration_status": "active",
        "contact_visibility": "staff",
    }
    single = enterprise_create(actor=staff, data=values, origin="import", reference="x")
    data = csv_bytes(
        [
            row(
                name="大连测试服饰二有限公司",
                region="210202",
                sectors="apparel",
                products="西装",
                is_exporter="yes",
                export_markets="JP",
            )
        ]
    )
    job = job_for(staff, data)
    apply_file(job=job, actor=staff, data=data, options=Options())
    bulk = Enterprise.objects.get(name="大连测试服饰二有限公司")
    single.refresh_from_db()
    assert bulk.city_id == single.city_id == "210200"
    assert bulk.facets == single.facets == facet_keys(index_data_for(single))
    assert bulk.source == single.source == "import"
    assert set(bulk.field_sources) - {"name"} == set(single.field_sources) - {"name"}
    bulk_record = ChangeRecord.objects.get(enterprise=bulk).changes
    single_record = ChangeRecord.objects.get(enterprise=single).changes
    assert set(bulk_record) == set(single_record)
    assert bulk_record["sectors"] == single_record["sectors"]


def test_an_error_anywhere_changes_nothing(staff):
    before = Enterprise.objects.count()
    data = csv_bytes(
        [row(name=f"企业{i}有限公司") for i in range(5)] + [row(name="坏", region="1")]
    )
    job = job_for(staff, data)
    assert job.counts["error"] == 1
    with pytest.raises(ImportRefused, match="Row 7"):
        apply_file(job=job, actor=staff, data=data, options=Options())
    assert Enterprise.objects.count() == before
    assert not ChangeRecord.objects.exists()
    with pytest.raises(Exception, match="have errors"):
        import_job_request_apply(actor=staff, job=job)


def test_undo_restores_what_the_import_changed(
    staff, django_capture_on_commit_callbacks
):
    existing = EnterpriseFactory(
        uscc=uscc(5), name="原名有限公司", name_en="", products="衬衫"
    )
    data = csv_bytes(
        [
            row(name="原名有限公司", uscc=uscc(5), products="泳衣"),
            row(name="新建企业有限公司", uscc=uscc(6)),
        ]
    )
    job = apply(staff, job_for(staff, data), django_capture_on_commit_callbacks)
    assert Enterprise.objects.filter(uscc=uscc(6)).exists()
    import_job_undo(actor=staff, job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE and job.undone_at
    assert not Enterprise.objects.filter(uscc=uscc(6)).exists()
    existing.refresh_from_db()
    assert existing.products == "衬衫"
    assert ChangeRecord.objects.filter(origin="revert").count() == 1
    with pytest.raises(Exception, match="Only an applied import"):
        import_job_undo(actor=staff, job=job)


def test_undo_is_refused_when_an_entry_changed_since(
    staff, django_capture_on_commit_callbacks
):
    from enterprises.services import enterprise_update

    existing = EnterpriseFactory(uscc=uscc(7), name_en="", products="衬衫")
    data = csv_bytes([row(name=existing.name, uscc=uscc(7), products="泳衣")])
    job = apply(staff, job_for(staff, data), django_capture_on_commit_callbacks)
    enterprise_update(
        actor=staff, enterprise=existing, changes={"products": "袜子"}, origin="staff"
    )
    with pytest.raises(Exception, match="changed again"):
        import_job_undo(actor=staff, job=job)
    existing.refresh_from_db()
    assert existing.products == "袜子"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reimports_unchanged(staff, fmt):
    cluster = ClusterFactory()
    EnterpriseFactory(
        uscc=uscc(8),
        clusters=[cluster],
        sectors=["swimwear", "socks"],
        business_models=["processing"],
        export_markets=["JP", "KR"],
        is_exporter=True,
        employee_band="1000+",
        latitude="40.617000",
        longitude="120.726100",
        datum="gcj02",
        contact_phone="+86 429 555",
        former_names=["旧名一", "旧名二"],
        description="=SUM(A1)",
    )
    EnterpriseFactory(published=False, contact_visibility="public")
    data = b"".join(export_chunks("enterprises", fmt, staff))
    result = plans(data)
    assert [p.action for p in result] == ["unchanged", "unchanged"], [
        (p.errors, p.changes) for p in result
    ]


def test_clusters_import_by_slug_and_undo(staff, django_capture_on_commit_callbacks):
    ClusterFactory(slug="pulandian-suits", name="普兰店服装产业集群", specialty="西装")
    header = ["标识", "名称", "区域代码", "特色产业", "行业"]
    data = csv_bytes(
        [
            [
                "pulandian-suits",
                "普兰店服装产业集群",
                "210214",
                "西装、职业装",
                "西装礼服",
            ],
            ["new-cluster", "新集群", "211481", "泳装", "swimwear"],
        ],
        header=header,
    )
    job = job_for(staff, data, kind="clusters")
    assert job.counts["create"] == 1 and job.counts["update"] == 1, job.report
    job = apply(staff, job, django_capture_on_commit_callbacks)
    from clusters.models import Cluster

    assert Cluster.objects.get(slug="new-cluster").sectors == ["swimwear"]
    assert Cluster.objects.get(slug="pulandian-suits").specialty == "西装、职业装"
    import_job_undo(actor=staff, job=job)
    assert not Cluster.objects.filter(slug="new-cluster").exists()
    assert Cluster.objects.get(slug="pulandian-suits").specialty == "西装"


def test_command_line_dry_run_apply_template_and_export(tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row(name="命令行企业有限公司", uscc=uscc(9))]))
    call_command("import_directory", "enterprises", str(good), "--dry-run")
    assert "row 2: create “命令行企业有限公司”" in capsys.readouterr().out
    assert not Enterprise.objects.exists()
    call_command("import_directory", "enterprises", str(good))
    assert Enterprise.objects.filter(uscc=uscc(9)).exists()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.APPLIED and job.created_by is None

    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes([row(name="好企业有限公司"), row(name="坏企业", region="000000")])
    )
    with pytest.raises(CommandError, match="have errors"):
        call_command("import_directory", "enterprises", str(bad))
    assert "no region “000000”" in capsys.readouterr().out
    assert Enterprise.objects.count() == 1

    template = tmp_path / "template.xlsx"
    call_command("import_directory", "enterprises", "--template", str(template))
    assert plans(template.read_bytes()) == []
    out = tmp_path / "out.csv"
    call_command("export_directory", "enterprises", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert [p.action for p in plans(out.read_bytes())] == ["unchanged"]


def test_large_files_build_search_documents_in_worker_processes(staff, monkeypatch):
    monkeypatch.setattr(prepare, "PARALLEL_MIN_ROWS", 10)
    data = csv_bytes(
        [row(name=f"并行企业{i}有限公司", products="泳装") for i in range(450)]
    )
    job = job_for(staff, data)
    summary = apply_file(job=job, actor=staff, data=data, options=Options())
    assert summary.counts["create"] == 450
    assert not Enterprise.objects.filter(search_vector__isnull=True).exists()
    found = run(Search.from_params(QueryDict("q=并行企业449")), staff).rows
    assert [e.name for e in found][:1] == ["并行企业449有限公司"]
    assert ChangeRecord.objects.filter(reference=f"import:{job.pk}").count() == 450


def test_an_apply_leaves_the_worker_thread_switch_interval_as_it_was(staff):
    import sys

    before = sys.getswitchinterval()
    data = csv_bytes(
        [row(name=f"切换{i}服饰有限公司", uscc=uscc(400 + i)) for i in range(3)]
    )
    apply_file(job=job_for(staff, data), actor=staff, data=data, options=Options())
    assert Enterprise.objects.filter(name__startswith="切换").count() == 3
    assert sys.getswitchinterval() == before


def test_rows_match_entries_by_id_then_by_uscc_and_a_taken_uscc_is_an_error():
    first = EnterpriseFactory(uscc=uscc(501), name="甲服饰有限公司")
    second = EnterpriseFactory(uscc=uscc(502), name="乙服饰有限公司")
    holder = EnterpriseFactory(uscc=uscc(503), name="丙服饰有限公司")
    other = EnterpriseFactory(uscc=None, name="丁服饰有限公司")
    by_id, by_code, taken = plans(
        csv_bytes(
            [
                row(id=first.pk, name="甲服饰有限公司", uscc=uscc(501), products="T恤"),
                row(name="乙服饰有限公司", uscc=uscc(502), products="卫衣"),
                row(id=other.pk, name="丁服饰有限公司", uscc=uscc(503)),
            ]
        )
    )
    assert (by_id.action, by_id.target) == ("update", first.pk)
    assert by_id.changes["products"] == ["", "T恤"]
    assert (by_code.action, by_code.target) == ("update", second.pk)
    assert taken.action == "error"
    assert f"belongs to another enterprise (ID {holder.pk})" in " ".join(
        map(render_message, taken.errors)
    )
    assert taken.duplicate == {"kind": "uscc", "id": holder.pk, "name": holder.name}


def test_the_same_bad_label_is_an_error_on_every_row_that_has_it():
    data = csv_bytes(
        [
            row(name=f"标签{i}服饰有限公司", employee_band=band, region=region)
            for i, (band, region) in enumerate(
                [("huge", "211481"), ("20-99", "211481"), ("huge", "没有的区")]
            )
        ]
    )
    first, good, third = plans(data)
    assert first.action == third.action == "error"
    assert good.action == "create"
    first_errors = [render_message(e) for e in first.errors]
    third_errors = [render_message(e) for e in third.errors]
    assert any("“huge” is not one of the allowed values" in e for e in first_errors)
    assert any("“huge” is not one of the allowed values" in e for e in third_errors)
    assert any("no region “没有的区”" in e for e in third_errors)


@pytest.mark.parametrize("accept_warnings", [False, True])
def test_rows_prepared_by_the_worker_processes_are_planned_the_same(
    monkeypatch, accept_warnings
):
    EnterpriseFactory(uscc=uscc(601), name="并行服饰有限公司", products="衬衫")
    EnterpriseFactory(uscc=uscc(602), name="不变服饰有限公司", products="")
    EnterpriseFactory(name="大连大杨集团有限责任公司", region_id="210202")
    data = csv_bytes(
        [
            row(
                name="并行服饰有限公司", uscc=uscc(601), products="泳衣", sectors="泳装"
            ),
            row(name="不变服饰有限公司", uscc=uscc(602)),
            row(name="新建针织有限公司", uscc=bad_check(uscc(603)), is_exporter="是"),
            row(name="大连大杨集团有限公司", region="210202", founded_year="1979"),
            row(name="错误企业", employee_band="huge"),
        ]
    )
    serial = [p.as_json() for p in plans(data, accept_warnings=accept_warnings)]
    monkeypatch.setattr(prepare, "PARALLEL_MIN_ROWS", 1)
    parallel = plans(data, accept_warnings=accept_warnings)
    assert all(p.ahead for p in parallel if p.action != "error")  # the workers' path
    assert [p.as_json() for p in parallel] == serial
    actions = [p["action"] for p in serial]
    assert actions[0] == "update" and actions[2:] == ["create", "skip", "error"]
    assert "check character" in render_message(serial[2]["warnings"][0])


@pytest.mark.parametrize("parallel", [False, True])
def test_entries_an_import_creates_are_found_by_their_name_key(
    staff, monkeypatch, parallel
):
    if parallel:
        monkeypatch.setattr(prepare, "PARALLEL_MIN_ROWS", 1)
    data = csv_bytes([row(name="大连大杨集团有限公司", region="210202")])
    apply_file(job=job_for(staff, data), actor=staff, data=data, options=Options())
    created = Enterprise.objects.get(name="大连大杨集团有限公司")
    assert created.name_key == "大连大杨集团"
    [again] = plans(csv_bytes([row(name="大连大杨集团有限责任公司", region="210202")]))
    assert again.duplicate == {"kind": "name", "id": created.pk, "name": created.name}


def test_rules_across_fields_check_a_file_without_every_column(staff):
    """A rule reading a field the file has no column for is checked against the
    entry as the row leaves it: its current value, or a new entry's."""
    exporter = EnterpriseFactory(uscc=uscc(701), is_exporter=True)
    other = EnterpriseFactory(uscc=uscc(702), is_exporter=False)
    header = ["系统编号", "企业名称", "区县代码", "出口占比（%）"]
    update_ok, update_bad, create_bad = plans(
        csv_bytes(
            [
                [exporter.pk, exporter.name, "211481", "40"],
                [other.pk, other.name, "211481", "40"],
                ["", "新出口企业有限公司", "211481", "40"],
            ],
            header=header,
        )
    )
    assert update_ok.action == "update"
    assert update_ok.changes["export_share"] == [None, 40]
    for plan in (update_bad, create_bad):
        assert plan.action == "error"
        assert [render_message(e) for e in plan.errors] == [
            "Export share (%): Only an exporter can have an export share."
        ]


def test_coordinates_without_a_datum_column_are_a_row_error(staff):
    """They used to pass the dry run (the row form checked the datum only with its
    column) and then break the table's constraint when applied."""
    header = ["企业名称", "区县代码", "纬度", "经度"]
    data = csv_bytes([["坐标企业有限公司", "211481", "40.6", "120.7"]], header=header)
    [plan] = plans(data)
    assert plan.action == "error"
    assert [render_message(e) for e in plan.errors] == [
        "Datum: Say which datum the coordinates use (WGS-84 or GCJ-02)."
    ]
    data = csv_bytes(
        [["坐标企业有限公司", "211481", "40.6", "120.7", "WGS-84"]],
        header=[*header, "坐标系"],
    )
    job = job_for(staff, data)
    apply_file(job=job, actor=staff, data=data, options=Options())
    assert Enterprise.objects.get(name="坐标企业有限公司").datum == "wgs84"


def test_command_line_reads_xls_and_ods(tmp_path, capsys):
    from tests.imports.helpers import HEADER
    from tests.spreadsheets import ods_table, xls_table

    for make, name in ((xls_table, "old.xls"), (ods_table, "calc.ods")):
        path = tmp_path / name
        path.write_bytes(make([HEADER, row(name=f"{name}企业有限公司")]))
        call_command("import_directory", "enterprises", str(path), "--dry-run")
        assert f"row 2: create “{name}企业有限公司”" in capsys.readouterr().out
