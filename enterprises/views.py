from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from enterprises.facets import facet_groups
from enterprises.models import Enterprise
from enterprises.search import SORTS, UPDATED_PRESETS, Search, run
from enterprises.visibility import viewer_tier, visible_fields

TYPEAHEAD_LIMIT = 8


def _member_ids(user) -> set[int]:
    if not user.is_authenticated or user.is_staff:
        return set()
    return set(user.memberships.values_list("enterprise_id", flat=True))


@login_not_required
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    search = Search.from_params(request.GET)
    result = run(search, request.user)
    members = _member_ids(request.user)
    rows = [
        (e, visible_fields(viewer_tier(request.user, is_member=e.id in members)))
        for e in result.rows
    ]
    context = {
        "search": search,
        "result": result,
        "rows": rows,
        "groups": facet_groups(result),
        "sorts": SORTS.items(),
        "updated_presets": UPDATED_PRESETS,
        "query_string": search.params().urlencode(),
        "prev_url": search.params(page=search.page - 1).urlencode()
        if result.has_previous
        else "",
        "next_url": search.params(page=search.page + 1).urlencode()
        if result.has_next
        else "",
    }
    template = "enterprises/enterprise_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#search-body"
    return render(request, template, context)


@login_not_required
@require_GET
def typeahead(request: HttpRequest) -> HttpResponse:
    search = Search.from_params(request.GET)
    search.page_size = TYPEAHEAD_LIMIT
    suggestions: list[Enterprise] = []
    if search.tsquery:
        pinned = search.pinned(request.user)[:TYPEAHEAD_LIMIT]
        found = {
            e.id: e
            for e in Enterprise.objects.filter(id__in=pinned).select_related("city")
        }
        suggestions = [found[i] for i in pinned if i in found]
        if len(suggestions) < TYPEAHEAD_LIMIT:
            more = (
                search.queryset(request.user)
                .exclude(id__in=pinned)
                .select_related("city")
                .order_by("id")[: TYPEAHEAD_LIMIT - len(suggestions)]
            )
            suggestions += list(more)
    return render(
        request,
        "enterprises/typeahead.html",
        {"suggestions": suggestions, "search": search},
    )


@login_not_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(
        Enterprise.objects.visible_to(request.user).select_related("region", "city"),
        pk=pk,
    )
    is_member = (
        request.user.is_authenticated
        and enterprise.memberships.filter(user=request.user).exists()
    )
    tier = viewer_tier(request.user, is_member=is_member)
    show = visible_fields(tier, enterprise.contact_visibility)
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "is_member": is_member,
            "show": dict.fromkeys(show, True),
            "clusters": enterprise.clusters.all(),
            "certifications": enterprise.certifications.all(),
            "designations": enterprise.designations.all(),
            "tenancies": enterprise.tenancies.select_related("market"),
            "participations": enterprise.participations.select_related(
                "programme", "event"
            ),
            "awards": enterprise.awards.select_related("event"),
            "partnerships": enterprise.partnerships.select_related("college"),
            "photos": enterprise.photos.all(),
        },
    )
