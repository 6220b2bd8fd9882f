"""The confirmation pages of destructive staff actions in moderation: reverting a
published change and revoking a claim. GET shows what will happen and asks for the
reason; POST does it. Both work without JavaScript (``core/confirm.html``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from enterprises.models import ChangeRecord
from moderation.forms import ReasonForm
from moderation.models import Claim
from moderation.services.changes import history_revert
from moderation.services.claims import claim_revoke
from moderation.views import staff_only


@staff_only
def enterprise_history_revert(
    request: HttpRequest, pk: int, record_pk: int
) -> HttpResponse:
    record = get_object_or_404(
        ChangeRecord.objects.select_related("enterprise", "actor"),
        pk=record_pk,
        enterprise_id=pk,
    )
    history_url = reverse("enterprises:enterprise-history", args=[pk])
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            history_revert(
                actor=request.user, record=record, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The change was reverted."))
            return redirect(history_url)
    return render(
        request,
        "moderation/revert_confirm.html",
        {
            "heading": _("Revert this change?"),
            "question": _(
                "The old values below are published again, and the revert is "
                "recorded in the history with your reason."
            ),
            "record": record,
            "form": form,
            "action_url": request.path,
            "cancel_url": history_url,
            "confirm_label": _("Revert the change"),
        },
    )


@staff_only
def review_claim_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.select_related("enterprise", "user"), pk=pk)
    if claim.status != Claim.Status.APPROVED:
        messages.error(request, _("Only an approved claim can be revoked."))
        return redirect("review-claim", pk=claim.pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim_revoke(
                actor=request.user, claim=claim, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The claim was revoked."))
            return redirect("review-claim", pk=claim.pk)
    return render(
        request,
        "core/confirm.html",
        {
            "heading": _("Revoke this claim?"),
            "question": _(
                "%(user)s loses access to the profile of %(name)s and is told so "
                "by e-mail, with your reason."
            )
            % {
                "user": claim.user.get_username(),
                "name": claim.enterprise.display_name,
            },
            "form": form,
            "action_url": request.path,
            "cancel_url": reverse("review-claim", args=[claim.pk]),
            "confirm_label": _("Revoke the claim"),
        },
    )
