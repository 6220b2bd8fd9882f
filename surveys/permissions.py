"""The survey's access policy: who sees which statistics, submissions and
enterprise figures. Every page, API view and export of the app asks here.

* Statistics of a year are public once its survey is **published**; staff see
  every year. For readers below staff, an area's figures from fewer than
  ``MIN_ENTERPRISES`` enterprises are suppressed (and so are the shares and
  changes worked out from them), so no firm's figures can be deduced.
* Enterprise-level figures and submissions are never public: staff see all, an
  enterprise's own users their enterprise's, nobody else any.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from enterprises.permissions import editable_enterprises, is_staff_member
from surveys.models import EnterpriseFigures, Submission, Survey

MIN_ENTERPRISES = 3


def sees_all_statistics(user: Any) -> bool:
    """Staff: every year's statistics, unsuppressed."""
    return is_staff_member(user)


def statistics_years(user: Any) -> list[int]:
    """The years whose statistics ``user`` may see, newest first."""
    from surveys.models import Statistic

    # order_by(): without it the model's ordering joins the DISTINCT (a row per area).
    years = Statistic.objects.order_by().values_list("year", flat=True).distinct()
    if not sees_all_statistics(user):
        published = Survey.objects.filter(status=Survey.Status.PUBLISHED)
        years = years.filter(year__in=published.values("year"))
    return sorted(years, reverse=True)


def suppress(user: Any, enterprises: int | None) -> bool:
    """Whether figures summed over ``enterprises`` are hidden from ``user``."""
    if sees_all_statistics(user):
        return False
    return enterprises is None or enterprises < MIN_ENTERPRISES


def visible_submissions(user: Any) -> QuerySet[Submission]:
    if is_staff_member(user):
        return Submission.objects.all()
    return Submission.objects.filter(enterprise__in=editable_enterprises(user))


def visible_figures(user: Any) -> QuerySet[EnterpriseFigures]:
    if is_staff_member(user):
        return EnterpriseFigures.objects.all()
    return EnterpriseFigures.objects.filter(enterprise__in=editable_enterprises(user))


def access_survey(user: Any, year: Any, *, staff: bool = False) -> Survey:
    """The survey of ``year``: staff see every survey, enterprise users the open,
    closed and published ones; else a 404."""
    queryset = Survey.objects.all()
    if not is_staff_member(user):
        if staff or not getattr(user, "is_authenticated", False):
            raise Http404
        queryset = queryset.exclude(status=Survey.Status.DRAFT)
    try:
        return queryset.get(year=int(year))
    except (Survey.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def require_staff(user: Any) -> None:
    """Staff pages of the survey: everyone else gets a 404."""
    if not is_staff_member(user):
        raise Http404
