"""The header's count of what waits for review (staff only)."""

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.permissions import is_staff_member
from moderation.models import ChangeRequest, Claim

PENDING_CACHE_KEY = "moderation:review-pending"
PENDING_CACHE_SECONDS = 30


def review_pending_count() -> int:
    """Open change requests plus pending claims: one query (a UNION ALL count),
    cached for everyone for ``PENDING_CACHE_SECONDS``."""
    count = cache.get(PENDING_CACHE_KEY)
    if count is None:
        changes = ChangeRequest.objects.filter(
            status=ChangeRequest.Status.OPEN
        ).values_list("pk")
        claims = Claim.objects.filter(status=Claim.Status.PENDING).values_list("pk")
        count = changes.union(claims, all=True).count()
        cache.set(PENDING_CACHE_KEY, count, PENDING_CACHE_SECONDS)
    return count


def review(request: HttpRequest) -> dict:
    """``review_pending``: the count above for staff, None for everyone else;
    worked out only when a template asks."""
    user = getattr(request, "user", None)
    return {
        "review_pending": SimpleLazyObject(
            lambda: review_pending_count() if is_staff_member(user) else None
        )
    }
