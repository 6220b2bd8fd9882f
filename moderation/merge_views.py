"""Staff pages for likely duplicates (``/review/duplicates/``) and merging
(``/enterprises/<id>/merge/``: another entry into this one)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.merging import (
    MERGE_FIELDS,
    enterprise_merge,
    merge_differences,
    merge_undo,
)
from enterprises.models import Enterprise, EnterpriseMerge
from enterprises.permissions import access_enterprise_by_id
from enterprises.provenance import enterprise_verify
from moderation.duplicates import duplicate_dismiss, duplicate_scan_start, open_pairs
from moderation.models import DuplicatePair, DuplicateScan
from moderation.views import staff_only


@staff_only
def review_duplicates(request: HttpRequest) -> HttpResponse:
    pairs = open_pairs().select_related("low__city", "high__city")
    page = Paginator(pairs, 50).get_page(request.GET.get("page"))
    template = "moderation/review_duplicates.html"
    if request.htmx:
        template += "#scan-status"
    return render(
        request,
        template,
        {"page": page, "scan": DuplicateScan.objects.first()},
    )


@staff_only
@require_POST
def review_duplicates_scan(request: HttpRequest) -> HttpResponse:
    duplicate_scan_start(actor=request.user)
    messages.success(request, _("The search for duplicates has started."))
    return redirect("review-duplicates")


@staff_only
@require_POST
def review_duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    pair = get_object_or_404(DuplicatePair, pk=pk)
    try:
        duplicate_dismiss(actor=request.user, pair=pair)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Dismissed: the pair will not be shown again."))
    return redirect("review-duplicates")


def _source(request: HttpRequest, target: Enterprise) -> tuple[Enterprise | None, str]:
    raw = (request.POST.get("source") or request.GET.get("source") or "").strip()
    if not raw:
        return None, ""
    try:
        source = access_enterprise_by_id(request.user, raw)
    except Http404:
        return None, _("There is no entry with ID %(id)s.") % {"id": raw[:20]}
    if source.pk == target.pk:
        return None, _("An entry cannot be merged into itself.")
    return source, ""


@staff_only
def enterprise_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    target = access_enterprise_by_id(request.user, pk)
    source, error = _source(request, target)
    if request.method == "POST" and source is not None:
        take = [f for f in request.POST.getlist("take") if f in MERGE_FIELDS]
        try:
            merge = enterprise_merge(
                actor=request.user,
                source=source,
                target=target,
                take=take,
                reason=request.POST.get("reason", "")[:1000],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            stayed = sum(len(ids) for ids in merge.stayed.values())
            messages.success(
                request,
                _("Entry %(id)s was merged into this one.") % {"id": source.pk},
            )
            if stayed:
                messages.warning(
                    request,
                    _(
                        "%(count)d related rows stayed with the merged-away entry: "
                        "this entry already had them."
                    )
                    % {"count": stayed},
                )
            return redirect("enterprises:enterprise-merge", pk=target.pk)
    merges = EnterpriseMerge.objects.filter(target=target).select_related(
        "source", "actor"
    )[:20]
    return render(
        request,
        "moderation/enterprise_merge.html",
        {
            "enterprise": target,
            "source": source,
            "error": error,
            "differences": merge_differences(source, target) if source else [],
            "merges": merges,
        },
        status=400 if error and request.method == "POST" else 200,
    )


@staff_only
@require_POST
def enterprise_merge_undo_view(
    request: HttpRequest, pk: int, merge_pk: int
) -> HttpResponse:
    merge = get_object_or_404(EnterpriseMerge, pk=merge_pk, target_id=pk)
    try:
        merge_undo(actor=request.user, merge=merge)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The merge was undone."))
    return redirect("enterprises:enterprise-merge", pk=pk)


@staff_only
@require_POST
def enterprise_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access_enterprise_by_id(request.user, pk)
    if enterprise_verify(actor=request.user, enterprise=enterprise) is None:
        messages.info(request, _("Every value was already verified."))
    else:
        messages.success(request, _("The profile is marked verified."))
    return redirect(enterprise)
