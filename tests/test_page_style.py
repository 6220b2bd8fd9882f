"""Issue 13, "one date style per language; full-width colons after Chinese
labels": the pages where a label stands before its value (export filters, an
import's changed fields, a survey's flagged figures, search chips, badges,
history, where the data comes from), read in Chinese, have no ASCII colon after a
Chinese label ("行业：泳装", not "行业: 泳装"); in English the colon is followed
by a space ("Sector: Swimwear"). Dates read in the language's style
("2026年1月5日", "Jan. 5, 2026"), never as ISO codes ("2026-01-05")."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from enterprises.models import ChangeRecord
from enterprises.services import enterprise_update
from imports.jobs import import_job_check, import_job_create
from imports.models import ExportRecord
from surveys.services import figures_record
from tests.factories import MembershipFactory, StaffFactory
from tests.imports.helpers import csv_bytes, row, uscc
from tests.surveys.helpers import figures, open_survey

pytestmark = pytest.mark.django_db

CJK = "\u3400-\u9fff\u3001-\u303f\uff01-\uff60"
ASCII_COLON_AFTER_CHINESE = re.compile(rf"[{CJK}]\s*:")
COLON_WITHOUT_SPACE = re.compile(r"[A-Za-z)]:(?=[^\s/\d])")
VOID = {"area", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")


class _Text(HTMLParser):
    """The text a reader sees: not scripts, styles, code or what was typed, nor
    an import's changed cells (``ul.changes``: as the spreadsheet has them)."""

    SKIPPED = {"script", "style", "code", "textarea", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        self.stack.append((tag, tag in self.SKIPPED or "changes" in classes))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    @property
    def depth(self) -> int:
        return sum(skipped for _tag, skipped in self.stack)

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def test_the_reader_finds_a_wrong_colon():
    assert ASCII_COLON_AFTER_CHINESE.search(_text("<td>行业: 泳装</td>"))
    assert not ASCII_COLON_AFTER_CHINESE.search(_text("<td>行业：泳装 12:05</td>"))
    assert COLON_WITHOUT_SPACE.search(_text("<p>Registration:Active</p>"))
    assert not COLON_WITHOUT_SPACE.search(_text("<p>Sector: x, 12:05 http://a</p>"))
    assert ISO_DATE.search(_text("<td>2026-01-05 12:05</td>"))
    assert not ISO_DATE.search(_text("<td>2026年1月5日 <code>2026-01-05</code></td>"))


def _data():
    staff = StaffFactory()
    member = MembershipFactory(
        enterprise__uscc=uscc(81),
        enterprise__employee_band="20-99",
        enterprise__is_exporter=True,
        enterprise__export_markets=["JP", "KR"],
        enterprise__last_confirmed_on=timezone.localdate(),
        enterprise__sectors=["swimwear"],
    )
    enterprise = member.enterprise
    enterprise_update(
        actor=staff,
        enterprise=enterprise,
        changes={"employee_band": "100-299", "last_confirmed_on": "2026-01-05"},
        origin=ChangeRecord.Origin.STAFF,
    )
    ExportRecord.objects.create(
        kind="enterprises",
        format="xlsx",
        rows=1,
        created_by=staff,
        filters={"q": ["泳装"], "sector": ["swimwear"], "updated": ["2026-01-05"]},
    )
    job = import_job_create(
        actor=staff,
        kind="enterprises",
        data=csv_bytes([row(name="改名纺织有限公司", uscc=uscc(81))]),
        file_name="rename.csv",
        enqueue=False,
    )
    job = import_job_check(job_id=job.pk)
    survey = open_survey(year=2025)
    for year, employees in ((2024, 10), (2025, 1000)):
        figures_record(
            actor=staff,
            enterprise_id=enterprise.pk,
            year=year,
            values=figures(employees=employees, exports=Decimal("5000")),
            source="staff",
        )
    pk = enterprise.pk
    pages = [
        "/enterprises/?sector=swimwear&is_exporter=yes",
        f"/enterprises/{pk}/",
        f"/enterprises/{pk}/history/",
        "/me/",
        "/review/",
        "/imports/",
        f"/imports/{job.pk}/",
        "/surveys/",
        f"/surveys/{survey.year}/",
    ]
    return staff, pages


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_labels_values_and_dates_read_in_the_readers_style(client, language):
    staff, pages = _data()
    client.force_login(staff)
    client.cookies["django_language"] = language
    wrong = ASCII_COLON_AFTER_CHINESE if language == "zh-hans" else COLON_WITHOUT_SPACE
    found = {}
    for url in pages:
        response = client.get(url, headers={"accept-language": language})
        assert response.status_code == 200, url
        text = _text(response.content.decode())
        hits = [
            text[max(0, m.start() - 20) : m.end() + 20]
            for pattern in (wrong, ISO_DATE)
            for m in pattern.finditer(text)
        ]
        if hits:
            found[url] = hits
    assert found == {}
    imports = _text(
        client.get("/imports/", headers={"accept-language": language}).content.decode()
    )
    if language == "zh-hans":
        assert "搜索词：泳装；" in imports and "2026年1月5日" in imports
    else:
        assert "Search text: 泳装; " in imports and "Jan. 5, 2026" in imports


def test_the_dry_run_reports_changed_fields_in_the_readers_style():
    from django.utils import translation

    from imports.reports import ReportRows

    entry = {
        "row": 2,
        "action": "update",
        "label": "甲",
        "changes": {"name": ["甲", "乙"], "moq": [None, "500件"]},
    }
    with translation.override("zh-hans"):
        changes = ReportRows("enterprises")(entry)[3]
    assert changes == "企业名称 / Name：甲 → 乙；起订量 / MOQ： → 500件"
    with translation.override("en"):
        changes = ReportRows("enterprises")(entry)[3]
    assert changes == "企业名称 / Name: 甲 → 乙; 起订量 / MOQ:  → 500件"
