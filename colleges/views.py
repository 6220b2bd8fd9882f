from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from colleges.models import College, Partnership
from enterprises.permissions import visible_related


@login_not_required
def college_list(request: HttpRequest) -> HttpResponse:
    colleges = College.objects.select_related("region", "region__parent")
    return render(request, "colleges/college_list.html", {"colleges": colleges})


@login_not_required
def college_detail(request: HttpRequest, slug: str) -> HttpResponse:
    college = get_object_or_404(
        College.objects.select_related("region", "region__parent"), slug=slug
    )
    partnerships = (
        visible_related(request.user, Partnership.objects.filter(college=college))
        .select_related("enterprise")
        .order_by("enterprise__name")
    )
    return render(
        request,
        "colleges/college_detail.html",
        {
            "college": college,
            "programmes": college.programmes.all(),
            "partnerships": partnerships,
        },
    )
