"""``{% my_inquiries %}``: the inquiries section of /me/ (the latest received by the
user's enterprises and the latest sent)."""

from django import template
from django.db.models import Count

from inquiries.models import Inquiry
from inquiries.services import member_enterprise_ids

register = template.Library()
LATEST = 10


@register.inclusion_tag("inquiries/_my_inquiries.html", takes_context=True)
def my_inquiries(context) -> dict:
    user = context["request"].user
    counted = (
        Inquiry.objects.select_related("enterprise")
        .annotate(reply_count=Count("replies"))
        .order_by("-created_at", "-id")
    )
    received = None
    if user.memberships.exists():
        received = list(
            counted.filter(enterprise_id__in=member_enterprise_ids(user))[:LATEST]
        )
    return {
        "received": received,
        "sent": list(counted.filter(sender_id=user.pk)[:LATEST]),
    }
