"""What an enterprise export holds: names and related rows in the reader's
language, only the fields the reader's tier sees, the columns staff choose, the
filters on a notes sheet, a record of every export, and a re-import that skips the
read-only columns."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from python_calamine import CalamineWorkbook

from clusters.models import Designation
from enterprises.fields import EXPORT_COLUMNS
from enterprises.models import Enterprise, EnterpriseCertification
from imports.exports import choosable_columns, export_chunks
from imports.jobs import dry_run
from imports.models import ExportRecord
from imports.plan import Options
from programmes.models import Event, Participation, Programme
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory
from tests.imports.helpers import HEADER, uscc

pytestmark = pytest.mark.django_db

READ_ONLY = [c.header for c in EXPORT_COLUMNS]


def _csv(data: bytes) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _header(name: str) -> str:
    return next(c.header for c in EXPORT_COLUMNS if c.name == name)


def _related(enterprise, n: int = 0) -> None:
    EnterpriseCertification.objects.create(
        enterprise=enterprise,
        scheme="oeko_tex_100",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2026, 12, 31),
    )
    EnterpriseCertification.objects.create(enterprise=enterprise, scheme="iso9001")
    Designation.objects.create(
        kind=Designation.Kind.HIGH_QUALITY,
        title="优质制造企业",
        title_en="High-quality manufacturer",
        awarding_body="辽宁省纺织服装协会",
        awarding_body_en="Liaoning Textile Association",
        awarded_on=dt.date(2023, 5, 1),
        next_review_on=dt.date(2026, 5, 1),
        enterprise=enterprise,
    )
    programme, _new = Programme.objects.get_or_create(
        slug="brand",
        defaults={
            "kind": "regional_brand",
            "name": "区域品牌计划",
            "name_en": "Brands",
        },
    )
    event, _new = Event.objects.get_or_create(
        slug="expo",
        defaults={
            "kind": "exhibition",
            "programme": programme,
            "name": "泳装博览会",
            "name_en": "Swimwear Expo",
            "starts_on": dt.date(2025, 6, 12),
            "ends_on": dt.date(2025, 6, 15),
        },
    )
    Participation.objects.create(
        programme=programme, enterprise=enterprise, event=event, year=2025
    )


def test_export_holds_names_and_related_rows_in_the_readers_language(staff):
    entry = EnterpriseFactory(region_id="211481", uscc=uscc(1))
    _related(entry)
    EnterpriseFactory(region_id="210213")  # none of them
    with translation.override("en"):
        rows = _csv(b"".join(export_chunks("enterprises", "csv", staff)))
    first, second = rows
    assert first[_header("city_name")] == "Huludao"
    assert first[_header("county_name")] == "Xingcheng City"
    assert first[_header("certification_list")] == (
        "ISO 9001; OEKO-TEX Standard 100 (2024-01-01–2026-12-31)"
    )
    assert first[_header("designation_list")] == (
        "High-quality manufacturer (Liaoning Textile Association, "
        "2023-05-01–2026-05-01)"
    )
    assert first[_header("programme_list")] == "Brands 2025 (Swimwear Expo)"
    assert second[_header("city_name")] == "Dalian"
    assert second[_header("certification_list")] == ""
    with translation.override("zh-hans"):
        rows = _csv(b"".join(export_chunks("enterprises", "csv", staff)))
    assert rows[0][_header("county_name")] == "兴城市"
    assert rows[0][_header("designation_list")].startswith("优质制造企业 (辽宁省")
    assert rows[0][_header("programme_list")] == "区域品牌计划 2025 (泳装博览会)"


def test_each_tier_exports_only_what_it_sees(staff):
    entry = EnterpriseFactory(
        moq="500 pieces",
        revenue_band="10-50m",
        contact_phone="0429-5550101",
        survey_year=2024,
        uscc_check_override=True,
    )
    _related(entry)
    EnterpriseFactory(published=False, name="未发布企业有限公司")
    member = UserFactory()
    own = MembershipFactory(
        enterprise=EnterpriseFactory(published=False, survey_year=2023)
    )
    moq, revenue = "起订量 / MOQ", "营业收入 / Revenue"
    phone, year = "电话 / Phone", "调查年份 / Survey year"

    def export(user):
        return {
            r["企业名称 / Name"]: r
            for r in _csv(b"".join(export_chunks("enterprises", "csv", user)))
        }

    anonymous = export(AnonymousUser())
    assert list(anonymous) == [entry.name]
    row = anonymous[entry.name]
    assert row[moq] == row[revenue] == row[phone] == row[year] == ""
    assert row["接受校验位不符 / Accept USCC check failure"] == ""
    # Public related rows are there for everyone.
    assert row[_header("certification_list")].startswith("ISO 9001")
    signed_in = export(member)[entry.name]
    assert signed_in[moq] == "500 pieces" and signed_in[revenue]
    assert signed_in[phone] == signed_in[year] == ""
    everything = export(staff)
    assert everything[entry.name][phone] == "0429-5550101"
    assert everything[entry.name][year] == "2024"
    assert "未发布企业有限公司" in everything
    # An enterprise's own user sees its own private fields, no one else's.
    mine = export(own.user)
    assert mine[own.enterprise.name][year] == "2023"
    assert mine[entry.name][year] == ""
    # And may only choose the columns of their tier.
    names = {c.name for c in choosable_columns(AnonymousUser())}
    assert "moq" not in names and "survey_year" not in names
    assert "certification_list" in names
    # The phone is offered (it shows where an entry publishes it to everyone).
    assert "contact_phone" in names
    assert {"moq", "contact_phone"} <= {c.name for c in choosable_columns(member)}
    assert "survey_year" not in {c.name for c in choosable_columns(member)}
    assert len(choosable_columns(staff)) == len(HEADER) + len(READ_ONLY)


def _export(client, query: str, **extra):
    return client.get(
        reverse("imports:export", args=["enterprises"]) + "?" + query,
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def test_xlsx_export_lists_its_filters_on_a_notes_sheet(client, staff):
    EnterpriseFactory(name="兴城泳装甲有限公司", products="泳装", sectors=["swimwear"])
    EnterpriseFactory(name="兴城泳装乙有限公司", products="泳装", sectors=["socks"])
    client.force_login(staff)
    response = _export(client, "format=xlsx&q=泳装&sector=swimwear&stale=1")
    assert response.status_code == 200
    workbook = CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(response.streaming_content))
    )
    assert workbook.sheet_names == ["enterprises", "Notes"]
    rows = workbook.get_sheet_by_name("enterprises").to_python()
    assert [r[1] for r in rows[1:]] == ["兴城泳装甲有限公司"]
    notes = {r[0]: r[1] for r in workbook.get_sheet_by_name("Notes").to_python()}
    assert notes["Search text"] == "泳装"
    assert notes["Sector"] == "Swimwear"
    assert notes["Data health"] == "not confirmed in 12 months"
    assert notes["Exported by"] == staff.get_username()
    assert notes["Rows"] == "1"
    assert _header("programme_list") in notes["Read-only columns"]
    # Without filters the sheet says so.
    response = _export(client, "format=xlsx")
    workbook = CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(response.streaming_content))
    )
    notes = {r[0]: r[1] for r in workbook.get_sheet_by_name("Notes").to_python()}
    assert notes["Filters"].startswith("none")
    assert notes["Rows"] == "2"


def test_csv_export_holds_only_the_header_and_the_rows(client, staff):
    EnterpriseFactory(products="泳装")
    client.force_login(staff)
    data = b"".join(_export(client, "format=csv&q=泳装").streaming_content)
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("系统编号 / ID,企业名称 / Name")
    assert len(lines) == 2


def test_staff_choose_the_columns(client, staff):
    entry = EnterpriseFactory(uscc=uscc(3), products="泳装")
    _related(entry)
    client.force_login(staff)
    page = client.get(
        reverse("imports:export-columns", args=["enterprises"]) + "?q=泳装",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('name="col"') == len(HEADER) + len(READ_ONLY)
    assert text.count(" checked>") == len(HEADER) + len(READ_ONLY) + 1  # + XLSX
    assert '<input type="hidden" name="q" value="泳装">' in text
    assert "Search text" in text
    response = _export(
        client, "format=csv&q=泳装&col=certification_list&col=uscc&col=name"
    )
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    )
    # In export order, whatever the order asked.
    assert rows[0] == [
        "企业名称 / Name",
        "统一社会信用代码 / USCC",
        _header("certification_list"),
    ]
    assert rows[1][:2] == [entry.name, uscc(3)]
    assert ExportRecord.objects.get().columns == ["name", "uscc", "certification_list"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("col=name&col=secret", "“secret” is not a column you can export."),
        ("format=pdf", "“pdf” is not an export format"),
    ],
)
def test_bad_export_choices_are_refused_with_a_message(client, staff, query, message):
    EnterpriseFactory()
    client.force_login(staff)
    response = _export(client, query)
    assert response.status_code == 400
    assert not response.streaming
    assert message in response.content.decode()
    assert not ExportRecord.objects.exists()


def test_every_export_is_recorded_and_listed_for_staff(client, staff):
    EnterpriseFactory(products="泳装", sectors=["swimwear"])
    EnterpriseFactory(products="袜子")
    client.force_login(staff)
    response = _export(client, "format=xlsx&q=泳装&sector=swimwear")
    record = ExportRecord.objects.get()
    assert record.rows is None  # not yet downloaded
    b"".join(response.streaming_content)
    record.refresh_from_db()
    assert (record.kind, record.format, record.created_by) == (
        "enterprises",
        "xlsx",
        staff,
    )
    assert record.filters == {"q": ["泳装"], "sector": ["swimwear"]}
    assert record.rows == 1 and record.finished_at is not None
    b"".join(_export(client, "format=csv").streaming_content)
    page = client.get(reverse("imports:import-list"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert text.count('id="export-history"') == 1  # once, in the page's body
    title = text[text.index("<title>") + 7 : text.index("</title>")]
    assert "<" not in title and title.startswith("Imports"), title
    first, second = ExportRecord.objects.order_by("id")
    assert f'data-export="{first.pk}"' in text and f'data-export="{second.pk}"' in text
    # The searched words as typed, marked Chinese in the English UI.
    assert 'Search text: <span lang="zh-CN">泳装</span>; Sector: Swimwear' in text
    assert text.index(f'data-export="{second.pk}"') < text.index(
        f'data-export="{first.pk}"'
    )


def test_export_with_read_only_columns_reimports_with_one_changed_field(staff):
    entry = EnterpriseFactory(uscc=uscc(4), products="泳装")
    _related(entry)
    EnterpriseFactory(uscc=uscc(5))
    data = b"".join(export_chunks("enterprises", "xlsx", staff))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["enterprises"]
    header = [c.value for c in sheet[1]]
    assert header[-len(READ_ONLY) :] == READ_ONLY
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == entry.name)
    row[header.index("主要产品 / Products")].value = "泳装、沙滩裤"
    # Editing a read-only column changes nothing either.
    row[header.index(_header("county_name"))].value = "别的地方"
    out = io.BytesIO()
    workbook.save(out)
    plans = list(dry_run("enterprises", out.getvalue(), Options()))
    assert sorted(p.action for p in plans) == ["unchanged", "update"], [
        p.errors for p in plans
    ]
    changed = next(p for p in plans if p.action == "update")
    assert changed.target == entry.pk
    assert set(changed.changes) == {"products"}


def test_export_queries_do_not_grow_with_the_rows(staff):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            b"".join(export_chunks("enterprises", "xlsx", staff))
        return len(queries)

    for _ in range(2):
        _related(EnterpriseFactory())
    count()  # the region names are read once per process
    few = count()
    for _ in range(10):
        _related(EnterpriseFactory())
    assert count() == few


def test_related_rows_go_to_their_own_entry_in_dense_and_sparse_results(staff):
    entries = [
        EnterpriseFactory(products="泳装" if i in (0, 9) else "袜子") for i in range(10)
    ]
    for i in (0, 4, 9):
        _related(entries[i])
    EnterpriseCertification.objects.filter(enterprise=entries[4]).delete()
    # Dense: every entry (one id range); the hidden fifth one's rows stay its own.
    Enterprise.objects.filter(pk=entries[4].pk).update(published=False)
    anonymous = {
        r["系统编号 / ID"]: r
        for r in _csv(b"".join(export_chunks("enterprises", "csv", AnonymousUser())))
    }
    assert str(entries[4].pk) not in anonymous
    lists = [
        anonymous[str(e.pk)][_header("designation_list")]
        for e in entries
        if e != entries[4]
    ]
    assert [bool(v) for v in lists] == [True] + [False] * 7 + [True]
    # Sparse: the first and the last of ten (their ids looked up).
    queryset = Enterprise.objects.filter(products="泳装")
    rows = _csv(b"".join(export_chunks("enterprises", "csv", staff, queryset)))
    assert [r["系统编号 / ID"] for r in rows] == [
        str(entries[0].pk),
        str(entries[9].pk),
    ]
    assert all(r[_header("certification_list")].startswith("ISO 9001") for r in rows)
