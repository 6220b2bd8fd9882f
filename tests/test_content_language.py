"""Chinese shown as it was written in the English UI (a firm's Chinese name when
it has no English one, its short name, products, address; a cluster's name and
specialty) is marked ``lang="zh-CN"`` on its element, on the results, the
enterprise page, the typeahead, the cluster list, a cluster's page and the
comparison, so a screen reader reads it as Chinese and the browser picks a
Chinese font. The Chinese UI marks nothing: the page is Chinese already."""

import re
from html.parser import HTMLParser

import pytest

from core.formats import in_own_language
from tests.factories import ClusterFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u9fff]")
VOID = {"br", "img", "input", "link", "meta", "hr", "source", "wbr", "col", "area"}


class _Unmarked(HTMLParser):
    """The texts with Han characters whose nearest ``lang`` is not Chinese."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[str] = []
        self.marked = 0

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not HAN.search(data) or any(
            t in ("script", "style", "title") for t, _ in self.stack
        ):
            return
        lang = next((la for _, la in reversed(self.stack) if la), "")
        if lang.startswith("zh"):
            self.marked += 1
        else:
            self.found.append(data.strip())


def _read(html: str) -> _Unmarked:
    parser = _Unmarked()
    parser.feed(html)
    return parser


def test_chinese_is_marked_only_in_the_english_ui():
    from django.utils import translation

    with translation.override("en"):
        assert (
            in_own_language("大杨<集团>")
            == '<span lang="zh-CN">大杨&lt;集团&gt;</span>'
        )
        assert in_own_language("Dayang Group") == "Dayang Group"
    with translation.override("zh-hans"):
        assert in_own_language("大杨集团") == "大杨集团"


def test_the_reader_finds_unmarked_chinese():
    found = _read('<html lang="en"><p>大杨</p><p lang="zh-CN"><a>兴城</a></p></html>')
    assert (found.found, found.marked) == (["大杨"], 1)


def _pages():
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
    return [
        "/enterprises/?q=海韵",
        f"/enterprises/{enterprise.pk}/",
        "/enterprises/typeahead/?q=海韵",
        "/enterprises/typeahead/?q=兴城",
        "/clusters/",
        "/clusters/swim/",
        "/clusters/compare/?c=swim&c=suits",
        "/",
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_chinese_content_in_the_english_ui_is_marked_as_chinese(client, language):
    urls = _pages()
    client.cookies["django_language"] = language
    unmarked, marked = {}, 0
    for url in urls:
        response = client.get(url, headers={"accept-language": language})
        assert response.status_code == 200, url
        html = response.content.decode()
        if "typeahead" in url:
            html = f'<html lang="{"en" if language == "en" else "zh-CN"}">{html}'
        found = _read(html)
        marked += found.marked
        if language == "en" and found.found:
            unmarked[url] = found.found
        if language == "zh-hans":
            assert '<span lang="zh-CN">' not in html, url
    assert unmarked == {}
    assert marked > 20  # the walk read the Chinese it was given
