"""Chinese shown as it was written in the English UI (a firm's Chinese name when
it has no English one, its short name, products, address; a cluster's name and
specialty; a market's, a programme's, an event's, a college's name) is marked
``lang="zh-CN"`` on its element, on the results, the enterprise page and its
edit, history, claim, inquiry and merge pages, the typeahead, the cluster list, a
cluster's page and its statistics, the comparison and the other sections' pages,
so a screen reader reads it as Chinese and the browser picks a Chinese font. The
Chinese UI marks nothing: the page is Chinese already.

An attribute a reader hears (``aria-label``, ``title``, ``alt``, ``placeholder``)
and the page's ``<title>`` cannot carry a ``lang`` of their own when they mix
English words with a Chinese name, so in the English UI they hold no Chinese:
a cluster's checkbox is labelled by its (marked) name element
(``aria-labelledby``), a chart by its (marked) caption, an action page's
``<title>`` says "this enterprise" (``core.formats.readable_or``), an image's
``alt`` that is Chinese (a caption as typed) carries ``lang`` on its element.
What remains is documented in `DOCUMENTED_TITLES`: the ``<title>`` of a page
whose subject *is* the name (an enterprise, cluster, market, programme, event or
college with no English name, and a cluster's statistics), and of a search for
Chinese words (the words as the reader typed them), and an inquiry's subject.
There the Chinese is the content, and the title has no translated word to put
instead.

The staff and enterprise pages (history and its revert, change requests,
claims, imports, surveys, answers and figures, inquiries, /me/) mark what people
and files wrote: values, comments, reasons (a stored message's parameters too:
"Reason: Minimum order quantity: “<span lang=zh-CN>已电话核实</span>”"), a
search's words, an import's row names and cells."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from colleges.models import College
from core.formats import in_own_language, readable_or
from enterprises.models import EnterprisePhoto
from markets.models import Market
from programmes.models import Event, Programme
from tests.enterprises.uploads import png
from tests.factories import (
    ClusterFactory,
    EnterpriseFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u9fff]")
ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
VOID = {"br", "img", "input", "link", "meta", "hr", "source", "wbr", "col", "area"}
SITE = " · Liaoning Textile Directory"

# The <title>s of the walk that keep Chinese in the English UI, and why: the
# page's subject is the name, which has no English form (or the words searched
# for, as typed). Every other place the walk reads holds none.
DOCUMENTED_TITLES = {
    "/enterprises/?q=海韵": "“海韵” – enterprises" + SITE,  # the search, as typed
    "enterprise": "兴城市海韵泳装有限公司" + SITE,  # no English name
    "/clusters/swim/": "兴城泳装" + SITE,  # no English name
    "/statistics/clusters/swim/": "兴城泳装 · Industry statistics" + SITE,
    "/markets/m/": "兴城泳装市场" + SITE,
    "/programmes/brand/": "区域品牌计划" + SITE,
    "/events/expo/": "泳装博览会" + SITE,
    "/colleges/c/": "辽东学院" + SITE,
    "inquiry": "询价" + SITE,  # its subject, as the sender typed it
}


class _Unmarked(HTMLParser):
    """The texts with Han characters whose nearest ``lang`` is not Chinese, and
    the attributes (and <title>) with Han characters whose element's nearest
    ``lang`` is not Chinese."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[str] = []
        self.marked = 0
        # (tag, attribute, value); the <title> as ("title", "", text).
        self.attributes: list[tuple[str, str, str]] = []

    def _lang(self, own: str | None = None) -> str:
        return own or next((la for _, la in reversed(self.stack) if la), "")

    def handle_starttag(self, tag, attrs):
        own = dict(attrs).get("lang")
        for name, value in attrs:
            if name in ATTRIBUTES and value and HAN.search(value):
                if self._lang(own).startswith("zh"):
                    self.marked += 1
                else:
                    self.attributes.append((tag, name, value))
        if tag not in VOID:
            self.stack.append((tag, own))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not HAN.search(data) or any(t in ("script", "style") for t, _ in self.stack):
            return
        if any(t == "title" for t, _ in self.stack):
            self.attributes.append(("title", "", data.strip()))
            return
        if self._lang().startswith("zh"):
            self.marked += 1
        else:
            self.found.append(data.strip())


def _read(html: str) -> _Unmarked:
    parser = _Unmarked()
    parser.feed(html)
    return parser


def test_chinese_is_marked_only_in_the_english_ui():
    with translation.override("en"):
        assert (
            in_own_language("大杨<集团>")
            == '<span lang="zh-CN">大杨&lt;集团&gt;</span>'
        )
        assert in_own_language("Dayang Group") == "Dayang Group"
        assert readable_or("大杨集团", "this enterprise") == "this enterprise"
        assert readable_or("Dayang Group", "this enterprise") == "Dayang Group"
    with translation.override("zh-hans"):
        assert in_own_language("大杨集团") == "大杨集团"
        assert readable_or("大杨集团", "本企业") == "大杨集团"


def test_the_reader_finds_unmarked_chinese():
    found = _read('<html lang="en"><p>大杨</p><p lang="zh-CN"><a>兴城</a></p></html>')
    assert (found.found, found.marked) == (["大杨"], 1)
    found = _read(
        '<html lang="en"><head><title>大杨 · Directory</title></head>'
        '<input aria-label="Compare 兴城"><img alt="车间" lang="zh-CN">'
        '<p lang="zh-CN"><a title="兴城">x</a></p><img alt="Loom"></html>'
    )
    assert found.attributes == [
        ("title", "", "大杨 · Directory"),
        ("input", "aria-label", "Compare 兴城"),
    ]
    assert found.marked == 2


def _pages():
    """(who, url) of the walk: a visitor, a signed-in user who is not the firm's,
    the firm's owner and staff; and the enterprise's ID."""
    cluster = ClusterFactory(
        slug="swim", name="兴城泳装", name_en="", specialty="泳装", specialty_en=""
    )
    ClusterFactory(slug="suits", name="大连服装", name_en="Dalian Garments")
    enterprise = EnterpriseFactory(
        name="兴城市海韵泳装有限公司",
        name_en="",
        short_name="海韵",
        former_names=["海韵泳装厂"],
        products="泳装、沙滩裤",
        products_en="",
        address="兴城市泳装产业园1号",
        address_en="",
        processes="裁剪、缝制",
        description="专业生产泳装。",
        description_en="",
    )
    enterprise.clusters.add(cluster)
    EnterprisePhoto.objects.create(enterprise=enterprise, image=png(), caption="车间")
    other = EnterpriseFactory(name="兴城另一泳装有限公司", name_en="")
    owner = MembershipFactory(enterprise=enterprise).user
    Market.objects.create(slug="m", name="兴城泳装市场", region_id="211481")
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
    College.objects.create(
        slug="c", name="辽东学院", kind=College.Kind.choices[0][0], region_id="210602"
    )
    pk = enterprise.pk
    public = [
        "/enterprises/?q=海韵",
        f"/enterprises/{pk}/",
        "/enterprises/typeahead/?q=海韵",
        "/enterprises/typeahead/?q=兴城",
        "/clusters/",
        "/clusters/swim/",
        "/clusters/compare/?c=swim&c=suits",
        "/statistics/clusters/swim/",
        "/markets/m/",
        "/programmes/brand/",
        "/events/expo/",
        "/colleges/c/",
        "/",
    ]
    return pk, [
        *((None, url) for url in public),
        (UserFactory(), f"/enterprises/{other.pk}/claim/"),
        (UserFactory(), f"/enterprises/{other.pk}/inquire/"),
        (owner, f"/enterprises/{pk}/edit/"),
        (owner, f"/enterprises/{pk}/history/"),
        (StaffFactory(), f"/enterprises/{pk}/merge/?source={other.pk}"),
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_chinese_content_in_the_english_ui_is_marked_as_chinese(client, language):
    pk, walk = _pages()
    client.cookies["django_language"] = language
    unmarked, attributes, marked = {}, {}, 0
    for user, url in walk:
        if user is not None:
            client.force_login(user)
        response = client.get(url, headers={"accept-language": language})
        assert response.status_code == 200, url
        html = response.content.decode()
        if "typeahead" in url:
            html = f'<html lang="{"en" if language == "en" else "zh-CN"}">{html}'
        found = _read(html)
        marked += found.marked
        if language == "en" and found.found:
            unmarked[url] = found.found
        if language == "en":
            key = "enterprise" if url == f"/enterprises/{pk}/" else url
            documented = (
                [("title", "", DOCUMENTED_TITLES[key])]
                if key in DOCUMENTED_TITLES
                else []
            )
            if found.attributes != documented:
                attributes[url] = found.attributes
        if language == "zh-hans":
            assert '<span lang="zh-CN">' not in html, url
            assert '" lang="zh-CN"' not in html, url  # e.g. an image's alt
    assert unmarked == {}, "\n".join(f"{u}: {t}" for u, t in unmarked.items())
    assert attributes == {}, "\n".join(f"{u}: {a}" for u, a in attributes.items())
    assert marked > 20  # the walk read the Chinese it was given


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_chart_is_named_by_its_caption_in_the_readers_language(language):
    chart = {"name": "series", "title": "兴城泳装", "json_id": "d", "payload": {}}
    with translation.override(language):
        html = render_to_string("surveys/_chart.html", {"chart": chart})
    found = _read(f'<html lang="{language}">{html}</html>')
    assert found.attributes == [] and found.found == []
    assert 'aria-labelledby="chart-series-title"' in html
    assert ('<span lang="zh-CN">兴城泳装</span>' in html) == (language == "en")


def test_staff_and_enterprise_pages_mark_what_people_wrote(client):
    from tests.test_page_style import _data

    staff, owner, staff_pages, member_pages = _data()
    client.cookies["django_language"] = "en"
    documented = {
        ("title", "", DOCUMENTED_TITLES[key])
        for key in ("inquiry", "/markets/m/", "/events/expo/")
    }
    unmarked, attributes, marked = {}, {}, 0
    for user, pages in ((staff, staff_pages), (owner, member_pages)):
        client.force_login(user)
        for url in pages:
            html = client.get(url, headers={"accept-language": "en"}).content
            found = _read(html.decode())
            marked += found.marked
            if found.found:
                unmarked[url] = found.found
            if set(found.attributes) - documented:
                attributes[url] = found.attributes
    assert unmarked == {}, "\n".join(f"{u}: {t}" for u, t in unmarked.items())
    assert attributes == {}
    assert marked > 30


# The Latin the Chinese UI shows besides content: file formats and units, codes
# (datums, IDs, hashes), trade terms without a Chinese form in use (OEM, ODM)
# and the certification schemes' own names. The language switch's "English" and
# the home page's pitch for buyers are English on purpose, marked lang="en".
DOCUMENTED_LATIN = {
    *[
        "CSV",
        "XLSX",
        "XLS",
        "ODS",
        "PNG",
        "JPEG",
        "JPG",
        "WebP",
        "PDF",
        "MB",
        "GBK",
        "UTF-8",
        "UTF-16",
        "SHA-256",
        "API",
        "ID",
    ],
    *["WGS-84", "GCJ-02", "OEM", "ODM"],
    *[
        "ISO",
        "OEKO-TEX",
        "Standard",
        "BSCI",
        "amfori",
        "WRAP",
        "GOTS",
        "GRS",
        "SA8000",
        "SMETA",
        "Sedex",
    ],
    "bluesign",
}
# Content of the walk's data: user names and addresses, file names, English names
# of firms, the letters of a USCC.
CONTENT_LATIN = re.compile(
    r"\S+@\S+|user\d+|\w+\.csv|Test Enterprise \d+ Co\., Ltd\.|(?<![A-Za-z])[A-Z]\b"
)
LATIN = re.compile(r"[A-Za-z][\w'’-]*(?:\.\d+)?")


class _NotEnglish(HTMLParser):
    """The text of a page outside elements marked English, scripts, styles and
    code (an API header, a file's hash)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            lang = dict(attrs).get("lang") or ""
            self.stack.append((tag, lang.startswith("en")))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not any(en or t in ("script", "style", "code") for t, en in self.stack):
            self.parts.append(data)


def _english_words(html: str) -> set[str]:
    parser = _NotEnglish()
    parser.feed(html)
    text = CONTENT_LATIN.sub(" ", " ".join(parser.parts))
    return set(LATIN.findall(text)) - DOCUMENTED_LATIN


@pytest.mark.parametrize("walk", ["sections", "staff"])
def test_the_chinese_ui_shows_no_english_but_codes_formats_and_brands(client, walk):
    if walk == "sections":
        _pk, pages = _pages()
    else:
        from tests.test_page_style import _data

        staff, owner, staff_pages, member_pages = _data()
        pages = [(staff, u) for u in staff_pages] + [(owner, u) for u in member_pages]
    client.cookies["django_language"] = "zh-hans"
    found = {}
    for user, url in pages:
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        html = client.get(url, headers={"accept-language": "zh-hans"}).content
        words = _english_words(html.decode())
        if words:
            found[url] = sorted(words)
    assert found == {}, "\n".join(f"{u}: {w}" for u, w in found.items())
