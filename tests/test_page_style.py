"""Issue 13, "one date style per language; full-width colons after Chinese
labels": the pages where a label stands before its value (export filters, an
import's counts and changed fields, a survey's counts, flagged figures and
comments, search chips, badges, history and its revert, a change request's
comments, a claim's reason, an inquiry, a market's cluster, an event's
programme, where the data comes from), read in Chinese, have no ASCII colon after
a Chinese label ("行业：泳装", not "行业: 泳装") and no space after a full-width
colon ("行业：泳装", not "行业： 泳装": Chinese typography puts none); in English
the colon is followed by a space ("Sector: Swimwear", "To: …"). The one rule is
`core.formats.labelled` (``{% labelled %}`` and ``|join_labelled`` in templates).
Dates read in the language's style ("2026年1月5日", "Jan. 5, 2026"), never as ISO
codes ("2026-01-05"). A form field's label starts with a capital in English
("Reason", not "reason"). The walk covers the staff pages (as staff) and an
enterprise user's (as its owner)."""

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from enterprises.models import ChangeRecord
from enterprises.services import enterprise_update
from imports.jobs import import_job_check, import_job_create
from imports.models import ExportRecord
from inquiries.services import inquiry_send
from markets.models import Market
from moderation.services.changes import (
    change_request_decide,
    change_request_submit,
    history_revert,
)
from moderation.services.claims import claim_decide, claim_submit
from programmes.models import Event, Programme
from surveys.services import figures_record, submission_return, submission_save
from tests.enterprises.uploads import pdf
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)
from tests.imports.helpers import csv_bytes, row, uscc
from tests.surveys.helpers import figures, open_survey

pytestmark = pytest.mark.django_db

CJK = "\u3400-\u9fff\u3001-\u303f\uff01-\uff60"
ASCII_COLON_AFTER_CHINESE = re.compile(rf"[{CJK}]\s*:")
# A space (as the reader sees it: in one line of text) after a full-width colon.
SPACE_AFTER_FULL_WIDTH_COLON = re.compile(r"：[ \u00a0\u3000]+(?=\S)")
COLON_WITHOUT_SPACE = re.compile(r"[A-Za-z)]:(?=[^\s/\d])")
VOID = {"area", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}
# Elements that start a new line, and form controls (a field's label is not a
# labelled value): the text on either side is not one run.
BLOCK = {
    "address", "article", "aside", "br", "caption", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "input", "legend", "li", "main", "nav", "ol",
    "option", "p", "section", "select", "summary", "table", "tbody", "td",
    "textarea", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
LOWERCASE_LABEL = re.compile(r"<label[^>]*>\s*([a-z][^<]*)")
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")


class _Text(HTMLParser):
    """The text a reader sees, a line per block: not scripts, styles, code or what
    was typed, nor the values a change recorded (``del``/``ins``: as typed or as
    the spreadsheet has them), which read as "…"."""

    SKIPPED = {"script", "style", "code", "textarea", "title", "del", "ins"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK:
            self.parts.append("\n")
        if tag in VOID:
            return
        if tag in self.SKIPPED and not self.depth:
            self.parts.append("…")  # the reader sees something there
        self.stack.append((tag, tag in self.SKIPPED))

    def handle_endtag(self, tag):
        if tag in BLOCK:
            self.parts.append("\n")
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    @property
    def depth(self) -> int:
        return sum(skipped for _tag, skipped in self.stack)

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(re.sub(r"\s+", " ", data))


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r" *\n[ \n]*", "\n", "".join(parser.parts))


def test_the_reader_finds_a_wrong_colon():
    assert ASCII_COLON_AFTER_CHINESE.search(_text("<td>行业: 泳装</td>"))
    assert not ASCII_COLON_AFTER_CHINESE.search(_text("<td>行业：泳装 12:05</td>"))
    assert SPACE_AFTER_FULL_WIDTH_COLON.search(_text("<p>模板：\n <a>XLSX</a></p>"))
    assert SPACE_AFTER_FULL_WIDTH_COLON.search(_text("<li><b>名称</b>： <i>甲</i>"))
    assert not SPACE_AFTER_FULL_WIDTH_COLON.search(
        _text("<p>最新收录：</p>\n <ul><li>甲</li></ul><p>名称：<del> 甲</del></p>")
    )
    assert COLON_WITHOUT_SPACE.search(_text("<p>Registration:Active</p>"))
    assert COLON_WITHOUT_SPACE.search(_text("<p>To:<a>Firm</a></p>"))
    assert not COLON_WITHOUT_SPACE.search(_text("<p>Sector: x, 12:05 http://a</p>"))
    assert ISO_DATE.search(_text("<td>2026-01-05 12:05</td>"))
    assert not ISO_DATE.search(_text("<td>2026年1月5日 <code>2026-01-05</code></td>"))


def test_the_labelled_tag_follows_the_one_rule():
    page = Template(
        "{% load core_format %}{% labelled name strong %} <a>{{ value }}</a>\n"
        "{% endlabelled %}|{% autoescape off %}{% labelled name %}{{ value }}"
        "{% endlabelled %}{% endautoescape %}"
    )
    context = {"name": "名称<", "value": "甲&乙"}
    with translation.override("zh-hans"):
        shown = page.render(Context(context))
    assert shown == "<strong>名称&lt;</strong>：<a>甲&amp;乙</a>|名称<：甲&乙"
    with translation.override("en"):
        shown = page.render(Context(context))
    assert shown == "<strong>名称&lt;</strong>: <a>甲&amp;乙</a>|名称<: 甲&乙"


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
    enterprise_update(
        actor=staff,
        enterprise=enterprise,
        changes={"products": "泳装、沙滩裤"},
        origin=ChangeRecord.Origin.STAFF,
    )
    reverted = ChangeRecord.objects.filter(enterprise=enterprise).latest("pk")
    history_revert(actor=staff, record=reverted, reason="录错了")
    edit = ChangeRecord.objects.filter(
        enterprise=enterprise, changes__has_key="employee_band"
    ).latest("pk")
    request = change_request_submit(
        actor=member.user,
        enterprise=enterprise,
        changes={"moq": "500件", "lead_time_days": 20},
    )
    change_request_decide(
        actor=staff,
        change_request=request,
        decisions={"moq": (True, "已电话核实"), "lead_time_days": (False, "请核对")},
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
            note="电话核实",
        )
    submission = submission_save(
        actor=member.user,
        survey=survey,
        enterprise=enterprise,
        values=figures(),
        submit=True,
    )
    submission_return(actor=staff, submission=submission, comment="请核对出口额")
    claimed = EnterpriseFactory(uscc=uscc(82))
    claims = [
        claim_submit(
            actor=UserFactory(),
            enterprise=claimed,
            relationship="员工",
            uscc=claimed.uscc,
            contact_name="李",
            contact_phone="13800000000",
            contact_email=f"li{i}@example.com",
            proof=pdf(),
        )
        for i in range(2)
    ]
    claim_decide(actor=staff, claim=claims[0], approve=False, reason="证明不清楚")
    inquiry = inquiry_send(
        actor=UserFactory(),
        enterprise=enterprise,
        subject="询价",
        message="请报价。",
        products="泳装",
        quantity="5,000 件",
    )
    cluster = ClusterFactory(slug="swim", name="兴城泳装", name_en="Xingcheng Swimwear")
    Market.objects.create(
        slug="m", name="兴城泳装市场", region_id="211481", cluster=cluster
    )
    programme = Programme.objects.create(
        slug="brand", kind="regional_brand", name="区域品牌计划"
    )
    Event.objects.create(
        slug="expo",
        kind="exhibition",
        programme=programme,
        name="泳装博览会",
        starts_on=dt.date(2025, 6, 12),
        ends_on=dt.date(2025, 6, 15),
    )
    pk = enterprise.pk
    staff_pages = [
        "/enterprises/?sector=swimwear&is_exporter=yes",
        f"/enterprises/{pk}/",
        f"/enterprises/{pk}/history/",
        f"/enterprises/{pk}/history/{edit.pk}/revert/",
        f"/enterprises/{pk}/invite/",
        "/me/",
        "/dashboard/",
        "/review/",
        f"/review/change-requests/{request.pk}/",
        f"/review/claims/{claims[0].pk}/",
        f"/review/claims/{claims[1].pk}/",
        "/imports/",
        f"/imports/{job.pk}/",
        "/surveys/",
        f"/surveys/{survey.year}/",
        f"/surveys/{survey.year}/answers/{submission.pk}/",
        f"/surveys/figures/{pk}/",
        "/inquiries/",
        f"/inquiries/{inquiry.pk}/",
        "/markets/m/",
        "/events/expo/",
        "/privacy/",
        "/about/",
    ]
    member_pages = [
        "/me/",
        f"/enterprises/{pk}/",
        f"/enterprises/{pk}/history/",
        f"/me/surveys/{survey.year}/{pk}/",
        f"/inquiries/{inquiry.pk}/",
    ]
    return staff, member.user, staff_pages, member_pages


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_labels_values_and_dates_read_in_the_readers_style(client, language):
    staff, owner, staff_pages, member_pages = _data()
    client.cookies["django_language"] = language
    wrong = (
        (ASCII_COLON_AFTER_CHINESE, SPACE_AFTER_FULL_WIDTH_COLON)
        if language == "zh-hans"
        else (COLON_WITHOUT_SPACE,)
    )
    found = {}
    for user, pages in ((staff, staff_pages), (owner, member_pages)):
        client.force_login(user)
        for url in pages:
            response = client.get(url, headers={"accept-language": language})
            assert response.status_code == 200, url
            text = _text(response.content.decode())
            hits = [
                text[max(0, m.start() - 20) : m.end() + 20]
                for pattern in (*wrong, ISO_DATE)
                for m in pattern.finditer(text)
            ]
            if language == "en":  # a form field's label starts with a capital
                hits += LOWERCASE_LABEL.findall(response.content.decode())
            if hits:
                found[f"{user.get_username()} {url}"] = hits
    assert found == {}, "\n".join(f"{url}: {hits}" for url, hits in found.items())
    client.force_login(staff)
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
    assert changes == "企业名称：甲 → 乙；起订量：— → 500件"
    with translation.override("en"):
        changes = ReportRows("enterprises")(entry)[3]
    assert changes == "Name: 甲 → 乙; MOQ: — → 500件"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", ["主题：询价\n", "产品：泳装\n", "数量：5,000 件\n", "填写：http"]),
        (
            "en",
            ["Subject: 询价\n", "Products: 泳装\n", "Quantity: 5,000 件\n", "t: http"],
        ),
    ],
)
def test_e_mails_put_labels_before_values_by_the_same_rule(language, expected):
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    inquiry = SimpleNamespace(
        enterprise=SimpleNamespace(name="兴城泳装"),
        subject="询价",
        products="泳装",
        quantity="5,000 件",
        message="请报价。",
    )
    survey = SimpleNamespace(year=2025, closes_on=dt.date(2026, 3, 31))
    with translation.override(language):
        text = render_to_string(
            "inquiries/email/inquiry_received.txt",
            {"inquiry": inquiry, "link": "http://x/i/1/"},
        ) + render_to_string(
            "surveys/email/reminder.txt",
            {"survey": survey, "enterprises": [], "link": "http://x/me/"},
        )
    for part in expected:
        assert part in text, (part, text)


@pytest.mark.parametrize(
    ("language", "rule"),
    [("zh-hans", "%(title)s：%(value)s"), ("en", "%(title)s: %(value)s")],
)
def test_the_maps_tooltips_label_a_city_by_the_same_rule(client, language, rule):
    """The Liaoning maps' tooltips ("沈阳市：12") take the page's rule for a label
    and its value (core/static/directory/charts.js reads it from the map)."""
    client.force_login(StaffFactory())
    for url in ("/", "/dashboard/"):
        html = client.get(url, headers={"accept-language": language}).content.decode()
        assert f'id="liaoning-map" class="map" data-label-format="{rule}"' in html, url
