from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from enterprises.permissions import visible_related
from programmes.models import Award, Event, Participation, Programme


@login_not_required
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = Programme.objects.annotate(event_count=Count("events"))
    return render(request, "programmes/programme_list.html", {"programmes": programmes})


@login_not_required
def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme, slug=slug)
    participations = (
        visible_related(request.user, Participation.objects.filter(programme=programme))
        .select_related("enterprise", "event")
        .order_by("-year", "enterprise__name")
    )
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "events": programme.events.select_related("region"),
            "page": Paginator(participations, 50).get_page(request.GET.get("page")),
            "awards": visible_related(
                request.user, Award.objects.filter(event__programme=programme)
            )
            .select_related("event", "enterprise")
            .order_by("-event__starts_on"),
        },
    )


@login_not_required
def event_list(request: HttpRequest) -> HttpResponse:
    events = Event.objects.select_related("programme", "region")
    return render(request, "programmes/event_list.html", {"events": events})


@login_not_required
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(
        Event.objects.select_related("programme", "region"), slug=slug
    )
    return render(
        request,
        "programmes/event_detail.html",
        {
            "event": event,
            "participations": visible_related(
                request.user, event.participations.all()
            ).select_related("enterprise"),
            "awards": visible_related(request.user, event.awards.all()).select_related(
                "enterprise"
            ),
        },
    )
