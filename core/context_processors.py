"""Template context the base template needs on every page."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.permissions import is_staff_member


def permissions(request: HttpRequest) -> dict:
    """``staff_member``: whether the user has staff capability (the policy's one
    check, ``core.permissions.is_staff_member``), worked out when a template asks."""
    user = getattr(request, "user", None)
    return {"staff_member": SimpleLazyObject(lambda: is_staff_member(user))}


def site(request: HttpRequest) -> dict:
    """The footer's ICP filing number (shown when configured) and the contact
    address of the about page."""
    return {
        "icp_number": settings.ICP_FILING_NUMBER,
        "contact_email": settings.SITE_CONTACT_EMAIL,
    }
