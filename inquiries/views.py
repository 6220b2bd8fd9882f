"""Pages of inquiries: the form on an enterprise, one inquiry's thread with its
reply form, and the list (staff see all)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from enterprises.permissions import access_enterprise_by_id
from inquiries.forms import InquiryForm, ReplyForm
from inquiries.services import (
    inquiry_reply,
    inquiry_send,
    is_enterprise_side,
    visible_inquiries,
)


def enterprise_inquire(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access_enterprise_by_id(request.user, pk)
    form = InquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in InquiryForm.Meta.fields}
        try:
            inquiry = inquiry_send(
                actor=request.user,
                enterprise=enterprise,
                site_url=request.build_absolute_uri("/"),
                **data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your inquiry was sent. You will get an e-mail when it is answered."),
            )
            return redirect(inquiry)
    return render(
        request,
        "inquiries/inquiry_form.html",
        {"enterprise": enterprise, "form": form},
    )


def inquiry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = get_object_or_404(
        visible_inquiries(request.user).select_related("enterprise", "sender"), pk=pk
    )
    enterprise_side = is_enterprise_side(request.user, inquiry)
    can_reply = enterprise_side or inquiry.sender_id == request.user.pk
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and can_reply and form.is_valid():
        try:
            inquiry_reply(
                actor=request.user,
                inquiry=inquiry,
                message=form.cleaned_data["message"],
                site_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect(inquiry)
    return render(
        request,
        "inquiries/inquiry_detail.html",
        {
            "inquiry": inquiry,
            "replies": inquiry.replies.all(),
            "form": form if can_reply else None,
            "enterprise_side": enterprise_side,
        },
    )


def inquiry_list(request: HttpRequest) -> HttpResponse:
    queryset = (
        visible_inquiries(request.user)
        .select_related("enterprise")
        .annotate(reply_count=Count("replies"))
        .order_by("-created_at", "-id")
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "inquiries/inquiry_list.html", {"page": page})
