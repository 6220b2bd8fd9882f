from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from enterprises.models import Enterprise
from enterprises.visibility import viewer_tier, visible_fields


@login_not_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    queryset = (
        Enterprise.objects.visible_to(request.user)
        .select_related("region", "city")
        .order_by("id")
    )
    page = Paginator(queryset, 20).get_page(request.GET.get("page"))
    return render(request, "enterprises/enterprise_list.html", {"page": page})


@login_not_required
def typeahead(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


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
