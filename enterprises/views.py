from functools import cache

from django.contrib.auth.decorators import login_not_required
from django.db import connections, router
from django.db.models import Prefetch, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from core.pagecache import built_generation, visitor_cache
from core.regions import region_levels, region_names
from enterprises.badges import (
    attach_badges,
    badges_for,
    certificate_state,
    due_certificates,
)
from enterprises.listing import (
    RESULT_COLUMNS,
    SEARCHABLE_FACETS,
    SEARCHABLE_FROM,
    canonical_query,
    chips,
    clear_all_query,
    facet_fieldsets,
    facet_options,
    is_untidy,
    page_links,
    result_rows,
    typeahead_options,
)
from enterprises.merging import survivor_id
from enterprises.models import Enterprise
from enterprises.permissions import Viewer, access_enterprise_by_id
from enterprises.provenance import section_provenance
from enterprises.search.facets import Labeller, facet_groups
from enterprises.search.query import (
    SORTS,
    UPDATED_PRESETS,
    Search,
    run,
)
from enterprises.search.ranking import like_prefix, name_matches, suggestion_rows

TYPEAHEAD_LIMIT = 8
# The columns a suggestion shows (its place is named from core.regions).
TYPEAHEAD_COLUMNS = ("name", "name_en", "city_id")
TYPEAHEAD_FIELDS = ("id", *TYPEAHEAD_COLUMNS)


@login_not_required
@require_GET
@visitor_cache
def enterprise_list(request: HttpRequest) -> HttpResponse:
    search = Search.from_params(request.GET, request.user)
    path = request.path
    # An address that repeats or empties a parameter (the form sent without JS)
    # moves to the tidy one, unless a value was refused (its message is shown).
    tidy_first = not request.htmx and not search.errors and is_untidy(request.GET)
    if tidy_first and search.page == 1:
        return redirect(_address(path, canonical_query(search)))
    result = run(search, request.user, columns=RESULT_COLUMNS)
    if search.page > result.num_pages:
        # Past the end: the last page (whose rows run() has already read).
        search.page = result.num_pages
        if not request.htmx and not search.errors:
            tidy_first = True
    if tidy_first:
        return redirect(_address(path, canonical_query(search)))
    viewer = Viewer(request.user)
    attach_badges(result.rows)
    rows = [(e, viewer.fields(e)) for e in result.rows]
    groups = facet_groups(result, Labeller(built_generation(request)))
    facet_options(groups, result)
    searchable = {
        g.param
        for g in groups
        if g.code in SEARCHABLE_FACETS
        and len(g.values) + len(g.more) >= SEARCHABLE_FROM
    }
    active = chips(search, groups)
    health = sum(1 for on in (search.stale, search.incomplete) if on) + (
        "uw" in search.filters
    )
    context = {
        "search": search,
        "result": result,
        "rows": rows,
        "rows_html": result_rows(rows),
        "groups": groups,
        "facets_html": facet_fieldsets(groups, searchable),
        "chips": active,
        "filter_count": len(active) + health,
        "clear_all_url": clear_all_query(search),
        "sorts": SORTS.items(),
        # Browsing (no query) lists the recently updated first without a sort
        # being chosen: the select then shows relevance, so that a query typed
        # next is ranked, not sent with the browse page's order.
        "sort_shown": "relevance"
        if not search.q and search.sort == "-updated" and not request.GET.get("sort")
        else search.sort,
        "updated_presets": UPDATED_PRESETS,
        "query_string": search.params().urlencode(),
        "health_clear_url": canonical_query(
            search, stale=None, incomplete=None, uscc_warning=None, page=None
        ),
        "pages": page_links(search, result),
        "prev_url": canonical_query(search, page=search.page - 1)
        if result.has_previous
        else "",
        "next_url": canonical_query(search, page=search.page + 1)
        if result.has_next
        else "",
    }
    template = "enterprises/enterprise_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#search-body"
    response = render(request, template, context)
    if request.htmx and not request.htmx.history_restore_request:
        # The address pushed is the tidy one, and the page actually shown.
        response["HX-Push-Url"] = _address(path, canonical_query(search))
    return response


def _address(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


@login_not_required
@require_GET
def typeahead(request: HttpRequest) -> HttpResponse:
    search = Search.from_params(request.GET, request.user)
    search.page_size = TYPEAHEAD_LIMIT
    suggestions: list[Enterprise] = []
    if search.tsquery:
        # Two statements, each with its planner settings in one round trip
        # (sampling.index_only_rows), in no transaction of their own.
        ids = name_matches(search.q, request.user, TYPEAHEAD_LIMIT)
        # Fewer than the limit: every name match is among them; the text
        # matches follow (the same statement reads the columns shown).
        rows = suggestion_rows(
            search, request.user, ids, TYPEAHEAD_LIMIT, TYPEAHEAD_COLUMNS
        )
        names = region_names()
        for row in rows:
            e = Enterprise.from_db(None, TYPEAHEAD_FIELDS, row)
            e.place = names[e.city_id]
            suggestions.append(e)
    clusters = _matching_clusters(search.normalized_q)
    places = _matching_places(search.normalized_q)
    return HttpResponse(typeahead_options(search, suggestions, clusters, places))


def _matching_clusters(text: str) -> list:
    """The first three clusters (by slug) whose name holds ``text``, or whose
    English name does in any case: one statement in SQL (through the ORM, the
    query cost a typeahead more CPU than its suggestions' own)."""
    if not text:
        return []
    Cluster = Enterprise._meta.get_field("clusters").related_model
    pattern = "%" + like_prefix(text)
    with connections[router.db_for_read(Cluster)].cursor() as cursor:
        cursor.execute(
            f"SELECT id, name, name_en, slug FROM {Cluster._meta.db_table} "  # noqa: S608
            "WHERE name LIKE %s OR upper(name_en) LIKE upper(%s) "
            "ORDER BY slug LIMIT 3",
            [pattern, pattern],
        )
        fields = ("id", "name", "name_en", "slug")
        return [Cluster.from_db(None, fields, row) for row in cursor.fetchall()]


def _matching_places(text: str) -> list[tuple[str, str, str]]:
    """(URL parameter, code, name) of cities and counties whose name matches."""
    if not text or len(text) > 20:
        return []
    names = region_names()
    levels = region_levels()
    found = []
    for code, name in names.items():
        if levels[code] == "province":
            continue
        if text in name or text in name.lower():
            found.append(("city" if levels[code] == "city" else "county", code, name))
    return found[:3]


# The kinds of rows an enterprise's page lists: the entry's own statement says
# which it has (an EXISTS each, ``has_<name>``), and only those are read (most
# entries have two or three of the eight). Memberships: the "claimed" badge.
DETAIL_RELATED = (
    "clusters",
    "certifications",
    "designations",
    "tenancies",
    "participations",
    "awards",
    "partnerships",
    "change_records",
    "memberships",
)


@cache
def _related_flags() -> dict[str, RawSQL]:
    table = Enterprise._meta.db_table
    flags = {}
    for name in DETAIL_RELATED:
        field = Enterprise._meta.get_field(name)
        if field.many_to_many:
            related = field.remote_field.through._meta.db_table
            column = field.m2m_column_name()
        else:
            related = field.related_model._meta.db_table
            column = field.field.column
        # (constant names from the models' metadata; no value)
        flags[f"has_{name}"] = RawSQL(  # noqa: S611
            f'EXISTS (SELECT 1 FROM "{related}" r '  # noqa: S608
            f'WHERE r."{column}" = "{table}".id)',
            (),
        )
    return flags


@login_not_required
@visitor_cache
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = Viewer(request.user)
    try:
        enterprise = access_enterprise_by_id(
            request.user,
            pk,
            queryset=Enterprise.objects.select_related("region", "city").annotate(
                **_related_flags()
            ),
        )
    except Http404:
        # A merged-away entry's address moved for good to its survivor's.
        survivor = access_enterprise_by_id(request.user, survivor_id(pk))
        return redirect(survivor, permanent=True)
    today = timezone.localdate()

    def rows(name: str, queryset):
        """The related rows ``name``, read only if the entry has some."""
        return queryset if getattr(enterprise, f"has_{name}") else ()

    @cache  # the template asks more than once
    def certifications():
        found = list(rows("certifications", enterprise.certifications.all()))
        for cert in found:
            cert.state = certificate_state(cert.valid_until, today)
        return found

    # Evaluated only when the template asks.
    def load_badges():
        due = due_certificates(certifications(), today)
        return badges_for(enterprise, enterprise.has_memberships, due, today)

    enterprise.badges = SimpleLazyObject(load_badges)
    Cluster = Enterprise._meta.get_field("clusters").related_model
    # Read once, for the page and its provenance (the clusters' field value).
    prefetch_related_objects(
        [enterprise],
        Prefetch(
            "clusters",
            Cluster.objects.all()
            if enterprise.has_clusters
            else Cluster.objects.none(),
        ),
    )
    visible = viewer.fields(enterprise)
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "is_member": viewer.is_member(enterprise.pk),
            "can_edit": viewer.can_edit(enterprise),
            "show": dict.fromkeys(visible, True),
            # Rows of an enterprise the user may see (access_enterprise_by_id).
            "clusters": enterprise.clusters.all(),
            "certifications": certifications,
            "designations": rows("designations", enterprise.designations.all()),
            "tenancies": rows(
                "tenancies", enterprise.tenancies.select_related("market")
            ),
            "participations": rows(
                "participations",
                enterprise.participations.select_related("programme", "event"),
            ),
            "awards": rows("awards", enterprise.awards.select_related("event")),
            "partnerships": rows(
                "partnerships", enterprise.partnerships.select_related("college")
            ),
            "photos": enterprise.photos.all(),
            "provenance": cache(
                lambda: section_provenance(
                    enterprise, visible, history=enterprise.has_change_records
                )
            ),
        },
    )
