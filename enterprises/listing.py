"""The enterprise search page's view glue: its canonical address, the numbered page
links and the active filters as removable chips (the SQL is enterprises.search)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape
from types import SimpleNamespace
from urllib.parse import quote

from django.http import QueryDict
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext

from core.formats import in_own_language, join_list, labelled, number
from core.paging import page_numbers
from core.regions import region_names
from enterprises.badges import BADGE_COLUMNS
from enterprises.search.facets import choice_labels
from enterprises.search.indexing import FACETS
from enterprises.search.query import UPDATED_PRESETS, Search

DETAIL_URL = "enterprises:enterprise-detail"
LIST_URL = "enterprises:enterprise-list"
FACET_GROUP_TEMPLATE = "enterprises/enterprise_list.html#facet-group"
PK_MARK = 987654321  # (in no other part of the address)
# Facets long enough to get a filter box over their options.
SEARCHABLE_FACETS = ("ci", "co", "mk", "cl")
SEARCHABLE_FROM = 8  # options


def canonical_query(search: Search, **changes) -> str:
    """The search's query string: each parameter once (the values of one facet
    joined by commas, as ``Search.from_params`` reads them), no empty ones, no
    ``page=1``."""
    params = search.params(**changes)
    if "page" not in changes and search.page > 1:
        params["page"] = str(search.page)
    out = QueryDict(mutable=True)
    for key, values in params.lists():
        values = [v for v in values if v != ""]
        if key == "page" and values == ["1"]:
            continue
        if values:
            out[key] = ",".join(values)
    return out.urlencode(safe=",")


def is_untidy(params: QueryDict) -> bool:
    """Whether an address repeats a parameter or has an empty one (a form sent
    without JS does both: ``q=&updated=&sector=a&sector=b``)."""
    return any(len(values) != 1 or values[0] == "" for _k, values in params.lists())


@dataclass
class PageLink:
    number: int | None  # None: a gap
    query: str = ""
    current: bool = False


def page_links(search: Search, result) -> list[PageLink]:
    """First, …, the neighbours, …, last; with an estimated total no last page
    (it cannot be computed), only a gap after the neighbours."""
    if result.num_pages <= 1:
        return []
    links = []
    for n in page_numbers(
        search.page, result.num_pages, last_known=not result.estimated
    ):
        if n is None:
            links.append(PageLink(None))
        else:
            links.append(PageLink(n, canonical_query(search, page=n), n == search.page))
    return links


@dataclass
class Chip:
    label: str
    query: str  # the search without this filter
    name: str  # the form control's name and value, for site.js
    value: str


def chips(search: Search, groups) -> list[Chip]:
    """The active filters (facet values and the date), each with the address of
    the search without it."""
    out = []
    titles = {g.param: g for g in groups}
    for code, values in search.filters.items():
        param = FACETS[code]
        group = titles.get(param)
        if group is None:  # not a shown facet (the data-health switch)
            continue
        labels = {v: label for v, label, _c, _s in [*group.values, *group.more]}
        for value in values:
            rest = [v for v in values if v != value] or None
            out.append(
                Chip(
                    labelled(group.title, labels.get(value, value)),
                    canonical_query(search, **{param: rest, "page": None}),
                    param,
                    value,
                )
            )
    if search.updated_param:
        days = UPDATED_PRESETS.get(search.updated_param)
        if days:
            text = ngettext("last %(days)s day", "last %(days)s days", days) % {
                "days": days
            }
        else:
            text = gettext("since %(date)s") % {
                "date": date_format(search.updated_since, "DATE_FORMAT")
            }
        out.append(
            Chip(
                labelled(gettext("Updated since"), text),
                canonical_query(search, updated=None, page=None),
                "updated",
                search.updated_param,
            )
        )
    return out


def clear_all_query(search: Search) -> str:
    """The search without any filter: the words, the order and the page size."""
    bare = Search(q=search.q, sort=search.sort, page_size=search.page_size)
    return canonical_query(bare, page=None)


# The only columns a page of results reads (``run(..., columns=...)``): the row
# below, the badges, and the contact visibility that decides the reader's fields.
RESULT_COLUMNS = (
    "name",
    "name_en",
    "published",
    "city",
    "region",
    "founded_year",
    "sectors",
    "is_exporter",
    "export_markets",
    "products",
    "products_en",
    "contact_person",
    "contact_phone",
    "contact_visibility",
    *BADGE_COLUMNS,
)


def result_rows(rows) -> SafeString:
    """The results (``<article class="result">`` each), in the active language:
    written out here rather than by the template's loop, which cost about 15 ms a
    page of 20, more than the page's SQL. ``rows`` holds (enterprise, the fields
    the reader may see) pairs; the badges are ``Badges.html``."""
    english = (get_language() or "").startswith("en")
    draft = f' <span class="tag warn">{escape(gettext("draft"))}</span>'
    contact_titles = (
        ("contact_person", gettext("Contact person")),
        ("contact_phone", gettext("Phone")),
    )
    names = region_names()
    sectors, markets = choice_labels("se"), choice_labels("mk")
    # Each row's address from one reversal (the pk in its place).
    head, _pk, tail = reverse(DETAIL_URL, args=[PK_MARK]).partition(str(PK_MARK))
    head, tail = escape(head), escape(tail)
    out = []
    for e, show in rows:
        place = names[e.city_id]
        if e.region_id != e.city_id:
            place += " · " + names[e.region_id]
        if e.founded_year:
            place += " · " + gettext("founded %(year)s") % {"year": e.founded_year}
        tags = "".join(
            f'<span class="tag">{escape(sectors.get(s, s))}</span>' for s in e.sectors
        )
        if e.is_exporter:
            label = gettext("Exporter")
            if e.export_markets:
                label = labelled(
                    label, join_list([markets.get(m, m) for m in e.export_markets])
                )
            tags += f'<span class="tag">{escape(label)}</span>'
        products = e.products_en if english and e.products_en else e.products
        contacts = "".join(
            f'<div class="sub" data-field="{name}">'
            f"{escape(labelled(title, getattr(e, name)))}</div>"
            for name, title in contact_titles
            if name in show and getattr(e, name)
        )
        out.append(
            f'<article class="result" data-id="{e.pk}">\n'
            f'<h2><a href="{head}{e.pk}{tail}">'
            f"{in_own_language(e.display_name)}</a>"
            f"{'' if e.published else draft}</h2>\n"
            f"{e.badges.html()}\n"
            f'<div class="sub">{escape(place)}</div>\n'
            f"<div>{tags}</div>\n"
            f'<div class="sub">{in_own_language(products)}</div>\n'
            f"{contacts}</article>"
        )
    return SafeString("\n".join(out))


# Where a facet group's checkboxes go in its fieldset rendered once (``_fieldset``).
_VALUES, _MORE = SafeString("\x00values\x00"), SafeString("\x00more\x00")


def facet_fieldsets(groups, searchable: set[str]) -> SafeString:
    """The facet groups' fieldsets (the template's ``facet-group`` partial, with
    each group's checkboxes from ``facet_options``): the partial is rendered once
    a process per language and kind of group, not per group and page (the loop
    cost about a tenth of the page's CPU). ``searchable``: the params of the
    groups with a filter box."""
    # (The engine's template: the same object while the cached loader keeps it.)
    template = get_template(FACET_GROUP_TEMPLATE).template
    language = get_language() or ""
    return SafeString(
        "".join(
            _fieldset(
                template,
                language,
                g.param,
                g.title,
                g.param in searchable,
                bool(g.more),
            )
            .replace(_VALUES, g.values_html)
            .replace(_MORE, g.more_html)
            for g in groups
        )
    )


@lru_cache(maxsize=512)
def _fieldset(
    template, language: str, param: str, title: str, searchable: bool, more: bool
) -> str:
    # (The template object in the key: a reloaded template is rendered anew.)
    group = SimpleNamespace(
        param=param, title=title, values_html=_VALUES, more=more, more_html=_MORE
    )
    context = Context({"group": group, "searchable": {param} if searchable else ()})
    return template.render(context)


def facet_options(groups, result) -> None:
    """Set ``values_html`` and ``more_html`` on each facet group: its checkboxes,
    written out here rather than by the template's loop (a page has about 200 of
    them, and the loop cost about as much as the page's SQL). Estimated counts
    read "≈"."""
    for group in groups:
        prefix = "≈" if result.facet_estimated(group.code) else ""
        group.values_html = _options(group.param, group.values, prefix)
        group.more_html = _options(group.param, group.more, prefix)


def _options(param: str, items, prefix: str) -> SafeString:
    return SafeString(
        "\n".join(
            '<label><span><input type="checkbox" form="search-form" '
            f'id="f-{param}-{escape(value)}" name="{param}" value="{escape(value)}"'
            f"{' checked' if selected else ''}> {escape(label)}</span> "
            f'<span class="count">{prefix}{number(count)}'
            "</span></label>"
            for value, label, count, selected in items
        )
    )


def typeahead_options(search: Search, suggestions, clusters, places) -> SafeString:
    """The typeahead's answer: the options of a listbox (WAI-ARIA combobox), plain
    text with no links inside (site.js follows ``data-href``): the entries
    (``place`` set on each), the clusters, the places (param, code, name), then
    all the results of the query. Written out here rather than by a template,
    which cost about a fifth of a keystroke's CPU."""
    option = '<li role="option" aria-selected="false" data-href="'
    head, _pk, tail = reverse(DETAIL_URL, args=[PK_MARK]).partition(str(PK_MARK))
    list_url = escape(reverse(LIST_URL))
    out = [""]
    for e in suggestions:
        out.append(
            f"{option}{escape(head)}{e.pk}{escape(tail)}"
            f'">{in_own_language(e.display_name)} '
            f'<span class="sub">{escape(e.place)}</span></li>'
        )
    cluster = escape(gettext("cluster"))
    for c in clusters:
        out.append(
            f'{option}{list_url}?cluster={escape(c.slug)}">'
            f'{in_own_language(c.display_name)} <span class="sub">{cluster}</span></li>'
        )
    place = escape(gettext("place"))
    for param, code, name in places:
        out.append(
            f'{option}{list_url}?{escape(param)}={escape(code)}">{escape(name)} '
            f'<span class="sub">{place}</span></li>'
        )
    if search.tsquery and (suggestions or clusters or places):
        everything = gettext("All results for “%(q)s”") % {
            "q": in_own_language(search.q)
        }
        out.append(
            f'{option}{list_url}?q={escape(quote(search.q))}" class="all">'
            f"{everything}</li>"
        )
    # (Each option on a line of its own, between two line ends.)
    return SafeString("\n".join(out) + "\n\n")
