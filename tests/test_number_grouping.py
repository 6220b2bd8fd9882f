"""Issue 13, "numbers with thousands separators": the main pages walked as a visitor,
an enterprise user and staff would, in both languages, over demo data large enough
for four-digit figures (1,200 enterprises, their survey figures, an import of
12,345 rows). Every figure a reader sees has its digits grouped ("10,344" in
either language); codes, years, phones, USCCs, IDs, postcodes and page numbers
do not."""

import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.utils import timezone

from clusters.models import Cluster
from enterprises.models import Enterprise
from imports.models import ExportRecord, ImportJob
from markets.models import Market
from moderation.models import DuplicatePair
from surveys.models import Survey
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

# A number as written: digits, maybe grouped by commas, maybe with decimals; not
# part of a code such as "D-1046", "SA8000", "GB/T 2260" or "#1234" (Chinese
# characters may touch it: "共1138家").
NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.,/#-])(\d+(?:,\d{3})*)(?:\.\d+)?(?![A-Za-z0-9_,/-])"
)
STANDARD = re.compile(r"\b(?:ISO|GB(?:/T)?|IEC|EN)\s?\d+")
# Elements whose text is not a figure: what a person typed or a code (marked by
# the templates' data-field), the page numbers of a pager, machine text.
NOT_SHOWN = {"script", "style", "textarea", "time", "option", "title"}
CODE_FIELDS = {
    "uscc",
    "contact_phone",
    "contact_email",
    "contact_person",
    "wechat",
    "website",
    "monthly_capacity",
    "moq",
    "source",
    "address",
}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Figures(HTMLParser):
    """The ungrouped numbers of four digits or more in a page's text, outside the
    places where a number is a code, a year or a page number."""

    def __init__(self, years: set[str]):
        super().__init__(convert_charrefs=True)
        self.years = years
        self.stack: list[tuple[str, dict]] = []
        self.found: list[str] = []
        self.grouped = 0  # figures of four digits or more, grouped

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def _skipped(self) -> bool:
        """Text a reader does not see as text, or that is not ours to format."""
        return any(tag in NOT_SHOWN for tag, _attrs in self.stack)

    def _exempt(self) -> bool:
        """A code, an ID, a phone number or a page number: never grouped."""
        for tag, attrs in self.stack:
            if tag == "code" or attrs.get("data-field") in CODE_FIELDS:
                return True
            if "data-identifier" in attrs:
                return True
            if tag == "nav" and "pager" in (attrs.get("class") or ""):
                return True
        return False

    def _figure(self) -> bool:
        """Inside an element the templates mark as a figure (a cell, a count): no
        year passes."""
        return any(
            "data-figure" in attrs
            or {"num", "count", "value"} & set((attrs.get("class") or "").split())
            for _tag, attrs in self.stack
        )

    def _counted(self) -> bool:
        """Inside a figure or a sentence that gives one (data-total, data-count)."""
        return self._figure() or any(
            {"data-count", "data-total"} & set(attrs) for _tag, attrs in self.stack
        )

    def handle_data(self, data):
        if self._skipped():
            return
        if self._counted() and re.search(r"\d,\d{3}", data):
            self.grouped += 1
        if self._exempt():
            if re.search(r"\d,\d{3}", data):
                self.found.append(f"grouped code: {data.strip()[:80]}")
            return
        figure = self._figure()
        for match in NUMBER.finditer(STANDARD.sub("", data)):
            whole = match.group(1)
            if len(whole) < 4 or "," in whole:
                continue
            if not figure and whole in self.years:
                continue
            self.found.append(data.strip()[:80])


def ungrouped(html: str, years: set[str]) -> list[str]:
    parser = _Figures(years)
    parser.feed(html)
    return parser.found


def grouped_figures(html: str) -> int:
    parser = _Figures(set())
    parser.feed(html)
    return parser.grouped


def test_the_walker_finds_an_ungrouped_figure_and_passes_codes_and_years():
    years = {"2024"}
    html = (
        '<p id="result-count" data-total="10344">10344 published enterprises</p>'
        '<dd data-field="uscc">91211481MA0Y4N2K3X</dd><p>2024年，ISO 9001</p>'
        '<span class="value">2024</span><p>10,344 · 1,234.5 · 12.5% · D-1046</p>'
        "<p>共1138家</p>"
        '<nav class="pager"><a>1,046</a></nav>'
        "<p>ID <span data-identifier>1046</span></p>"
    )
    assert ungrouped(html, years) == [
        "10344 published enterprises",
        "2024",
        "共1138家",
        "grouped code: 1,046",
    ]


def _seed():
    call_command("seed_demo", enterprises=1200, seed=7, workers=1)
    staff = StaffFactory()
    job = ImportJob.objects.create(
        kind="enterprises",
        status="applied",
        applied_at=timezone.now(),
        applied_by=staff,
        created_by=staff,
        file_name="firms.xlsx",
        sha256="0" * 64,
        counts={"rows": 12345, "create": 10344, "update": 1234, "unchanged": 767},
        progress_done=12345,
        progress_total=12345,
    )
    ExportRecord.objects.create(kind="enterprises", format="xlsx", rows=10344)
    # 1,200 profiles to confirm and 1,100 likely duplicates to decide.
    Enterprise.objects.update(last_confirmed_on=None)
    ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    DuplicatePair.objects.bulk_create(
        DuplicatePair(low_id=low, high_id=high, reasons=["name"], score=90)
        for low, high in zip(ids[:1100], ids[1:1101], strict=True)
    )
    return staff, job


def _pages(staff, job):
    year = Survey.objects.filter(status="published").latest("year").year
    clusters = list(Cluster.objects.order_by("slug").values_list("slug", flat=True))
    enterprise = Enterprise.objects.filter(published=True).order_by("pk").first()
    market = Market.objects.order_by("pk").first()
    area = enterprise.city_id
    public = [
        "/",
        "/enterprises/",
        "/enterprises/?q=服装",
        f"/enterprises/{enterprise.pk}/",
        "/clusters/",
        f"/clusters/{clusters[0]}/",
        "/clusters/compare/?" + "&".join(f"c={s}" for s in clusters[:3]),
        "/statistics/",
        f"/statistics/clusters/{clusters[0]}/",
        f"/statistics/areas/{area}/",
        f"/statistics/report/{year}/",
        "/colleges/",
        "/markets/",
        f"/markets/{market.slug}/",
        "/programmes/",
        "/events/",
    ]
    owned = Enterprise.objects.get(memberships__user__username="demo-enterprise")
    current = Survey.objects.latest("year").year
    member = ["/me/", f"/me/surveys/{current}/{owned.pk}/"]
    staff_pages = [
        "/me/",
        "/dashboard/",
        "/review/",
        "/review/duplicates/",
        "/review/stale/",
        "/imports/",
        f"/imports/{job.pk}/",
        f"/imports/{job.pk}/undo/",
        "/surveys/",
        f"/surveys/{year}/",
        "/enterprises/?counts=with_drafts",
        "/inquiries/",
    ]
    # The pages whose data has four-digit figures (so the walk is not vacuous).
    large = {
        *("/", "/enterprises/", "/statistics/", "/dashboard/"),
        f"/statistics/report/{year}/",
        *("/imports/", f"/imports/{job.pk}/", f"/imports/{job.pk}/undo/"),
        *("/review/duplicates/", "/review/stale/", "/enterprises/?counts=with_drafts"),
    }
    return public, member, staff_pages, large


def test_every_figure_a_reader_sees_has_its_digits_grouped(client):
    from django.contrib.auth import get_user_model

    staff, job = _seed()
    # Years may stand alone (survey years, founding years, dates); in a figure
    # they count as figures.
    this_year = timezone.localdate().year
    years = {str(y) for y in range(1900, this_year + 11)}  # certificates run on
    public, member, staff_pages, large = _pages(staff, job)
    owner = get_user_model().objects.get(username="demo-enterprise")
    problems = []
    for language in ("zh-hans", "en"):
        for who, urls in ((None, public), (owner, member), (staff, staff_pages)):
            client.logout()
            if who is not None:
                client.force_login(who)
            client.cookies["django_language"] = language
            for url in urls:
                response = client.get(url, headers={"accept-language": language})
                assert response.status_code == 200, (language, url)
                html = response.content.decode()
                assert f'lang="{language}"' in html or language == "zh-hans", url
                problems += [(language, url, text) for text in ungrouped(html, years)]
                if url in large and not grouped_figures(html):
                    problems.append((language, url, "no four-digit figure"))
    assert problems == [], "\n".join(map(repr, problems))
