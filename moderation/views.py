"""Pages for self-service and moderation: edit (change requests), history with
revert, claims, invitations, the staff review queue and stale profiles."""

import mimetypes
from functools import wraps
from pathlib import Path

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import LanguageForm
from accounts.mail import language_of
from core.forms import add_service_errors
from core.models import Region
from enterprises.fields import LOW_RISK_FIELDS
from enterprises.forms import (
    PROFILE_GROUPS,
    CertificationFormSet,
    EnterpriseProfileForm,
    certifications_from_formset,
    changes_from_post,
    current_values,
    profile_form_data,
)
from enterprises.models import ChangeRecord, Enterprise
from enterprises.permissions import access_enterprise_by_id, is_staff_member
from moderation.forms import (
    ClaimDecisionForm,
    ClaimForm,
    InvitationForm,
    InvitationSignupForm,
)
from moderation.models import ChangeRequest, ChangeRequestField, Claim
from moderation.services.changes import (
    change_request_decide,
    change_request_submit,
)
from moderation.services.claims import claim_decide, claim_submit
from moderation.services.common import STALE_AFTER
from moderation.services.confirmations import enterprise_confirm, stale_enterprises
from moderation.services.invitations import (
    invitation_accept,
    invitation_accept_with_account,
    invitation_create,
    invitation_for_token,
)

# The edit page's sections and their fields (from the field registry).
FIELD_GROUPS = PROFILE_GROUPS


def staff_only(view):
    """Staff pages: other signed-in users get a 404, like any forbidden object."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _open_request(enterprise: Enterprise) -> ChangeRequest | None:
    return (
        ChangeRequest.objects.filter(
            enterprise=enterprise, status=ChangeRequest.Status.OPEN
        )
        .prefetch_related(
            Prefetch(
                "fields",
                queryset=ChangeRequestField.objects.filter(status="pending"),
                to_attr="pending",
            )
        )
        .first()
    )


def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access_enterprise_by_id(request.user, pk, edit=True)
    open_request = _open_request(enterprise)
    pending = (
        {row.field: row.new for row in open_request.pending} if open_request else {}
    )
    instance = Enterprise.objects.get(pk=pk)  # a copy the form may modify
    if request.method == "POST":
        form = EnterpriseProfileForm(request.POST, request.FILES, instance=instance)
        formset = CertificationFormSet(request.POST, prefix="cert")
        if formset.is_valid():
            changes = changes_from_post(request.POST, request.FILES)
            changes["certifications"] = certifications_from_formset(formset)
            try:
                change_request = change_request_submit(
                    actor=request.user, enterprise=enterprise, changes=changes
                )
            except ValidationError as exc:
                if form.is_valid():
                    add_service_errors(form, exc)
            else:
                if change_request is None:
                    messages.info(request, _("Nothing was changed."))
                elif change_request.status == ChangeRequest.Status.OPEN:
                    messages.success(
                        request,
                        _(
                            "Your changes were saved. Changes that need a review "
                            "are waiting for staff; the others are published."
                        ),
                    )
                else:
                    messages.success(request, _("Your changes are published."))
                return redirect("me")
    else:
        values = {**current_values(enterprise), **pending}
        initial = profile_form_data(values)
        form = EnterpriseProfileForm(initial=initial, instance=instance)
        formset = CertificationFormSet(initial=values["certifications"], prefix="cert")
    groups = [(key, [form[name] for name in names]) for key, names in FIELD_GROUPS]
    return render(
        request,
        "moderation/enterprise_edit.html",
        {
            "enterprise": enterprise,
            "form": form,
            "formset": formset,
            "groups": groups,
            "pending": pending,
            "low_risk": LOW_RISK_FIELDS | {"photos_add", "photos_remove"},
            "photos": enterprise.photos.all(),
        },
    )


def enterprise_history(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access_enterprise_by_id(request.user, pk, edit=True)
    records = enterprise.change_records.select_related("actor", "reverts")[:200]
    change_requests = (
        enterprise.change_requests.select_related("submitted_by")
        .prefetch_related("fields__decided_by", "fields__proposed_by")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "moderation/enterprise_history.html",
        {
            "enterprise": enterprise,
            "records": records,
            "change_requests": change_requests,
        },
    )


@require_POST
def enterprise_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access_enterprise_by_id(request.user, pk, edit=True)
    enterprise_confirm(actor=request.user, enterprise=enterprise)
    messages.success(request, _("Thank you: the profile is confirmed as current."))
    return redirect("me")


def enterprise_claim(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access_enterprise_by_id(request.user, pk)
    if request.method == "POST":
        form = ClaimForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                claim_submit(
                    actor=request.user,
                    enterprise=enterprise,
                    **{k: form.cleaned_data[k] for k in ClaimForm.Meta.fields},
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Your claim was sent. Staff will review it and tell you "
                        "by email."
                    ),
                )
                return redirect("me")
    else:
        form = ClaimForm(initial={"contact_email": request.user.email})
    return render(
        request,
        "moderation/claim_form.html",
        {"enterprise": enterprise, "form": form},
    )


@staff_only
def enterprise_invite(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access_enterprise_by_id(request.user, pk, edit=True)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation_create(
            actor=request.user,
            enterprise=enterprise,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            site_url=request.build_absolute_uri("/"),
        )
        messages.success(
            request,
            _("An invitation was sent to %(email)s.")
            % {"email": form.cleaned_data["email"]},
        )
        return redirect("enterprises:enterprise-invite", pk=pk)
    return render(
        request,
        "moderation/invitation_form.html",
        {
            "enterprise": enterprise,
            "form": form,
            "invitations": enterprise.invitations.select_related("accepted_by")[:50],
            "now": timezone.now(),
        },
    )


@login_not_required
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(request, "moderation/invitation_invalid.html", status=404)
    form = None
    try:
        if request.user.is_authenticated:
            if request.method == "POST":
                invitation_accept(actor=request.user, invitation=invitation)
                messages.success(request, _("You can now edit this enterprise."))
                return redirect("me")
        else:
            form = InvitationSignupForm(request.POST or None)
            if request.method == "POST" and form.is_valid():
                user, _membership = invitation_accept_with_account(
                    invitation=invitation, account_form=form
                )
                login(request, user)  # the one backend (accounts.backends)
                messages.success(
                    request, _("Welcome! You can now edit this enterprise.")
                )
                return redirect("me")
    except ValidationError:
        # Used by another request meanwhile (the link opened twice at once).
        return render(request, "moderation/invitation_invalid.html", status=404)
    return render(
        request,
        "moderation/invitation_accept.html",
        {"invitation": invitation, "form": form},
    )


# Staff review -------------------------------------------------------------------


@staff_only
def review_queue(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    city = request.GET.get("city", "")
    q = request.GET.get("q", "").strip()
    where = Q()
    if city:
        where &= Q(enterprise__city_id=city)
    if q:
        where &= Q(enterprise__name__icontains=q) | Q(enterprise__name_en__icontains=q)
    items = []
    if kind in ("", "changes"):
        change_requests = (
            ChangeRequest.objects.filter(where, status=ChangeRequest.Status.OPEN)
            .select_related("enterprise__city", "submitted_by")
            .annotate(pending=Count("fields", filter=Q(fields__status="pending")))
            .order_by("created_at")[:200]
        )
        items += [("change", cr) for cr in change_requests]
    if kind in ("", "claims"):
        claims = (
            Claim.objects.filter(where, status=Claim.Status.PENDING)
            .select_related("enterprise__city", "user")
            .order_by("created_at")[:200]
        )
        items += [("claim", c) for c in claims]
    items.sort(key=lambda item: item[1].created_at)
    return render(
        request,
        "moderation/review_queue.html",
        {
            "items": items,
            "kind": kind,
            "city": city,
            "q": q,
            "cities": Region.objects.filter(level=Region.Level.CITY).order_by("code"),
        },
    )


@staff_only
def review_change_request(request: HttpRequest, pk: int) -> HttpResponse:
    change_request = get_object_or_404(
        ChangeRequest.objects.select_related("enterprise", "submitted_by"), pk=pk
    )
    rows = list(
        change_request.fields.select_related("proposed_by", "decided_by").order_by("id")
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        decisions = {}
        for row in rows:
            if row.status != ChangeRequestField.Status.PENDING:
                continue
            choice = request.POST.get(f"decision-{row.field}", "")
            if choice in ("accept", "reject"):
                decisions[row.field] = (
                    choice == "accept",
                    request.POST.get(f"comment-{row.field}", ""),
                )
        try:
            change_request_decide(
                actor=request.user, change_request=change_request, decisions=decisions
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {}
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your decisions were saved."))
            return redirect("review")
    own = change_request.submitted_by_id == request.user.pk or any(
        r.proposed_by_id == request.user.pk for r in rows if r.status == "pending"
    )
    return render(
        request,
        "moderation/review_change_request.html",
        {
            "change_request": change_request,
            "enterprise": change_request.enterprise,
            "rows": rows,
            "errors": errors,
            "own": own,
            "posted": request.POST,
        },
    )


@staff_only
def review_claim(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(
        Claim.objects.select_related("enterprise", "user", "decided_by"), pk=pk
    )
    form = ClaimDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        reason = form.cleaned_data["reason"]
        try:
            if action in ("approve", "deny"):
                claim_decide(
                    actor=request.user,
                    claim=claim,
                    approve=action == "approve",
                    reason=reason,
                )
            else:
                raise ValidationError(_("Choose an action."))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The claim was updated."))
            return redirect("review")
    return render(
        request,
        "moderation/review_claim.html",
        {
            "claim": claim,
            "form": form,
            "other_claims": Claim.objects.filter(enterprise=claim.enterprise)
            .exclude(pk=claim.pk)
            .select_related("user"),
        },
    )


@staff_only
def review_claim_proof(request: HttpRequest, pk: int) -> FileResponse:
    claim = get_object_or_404(Claim, pk=pk)
    name = Path(claim.proof.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        handle = claim.proof.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle, as_attachment=True, filename=name, content_type=content_type
    )


@staff_only
def review_stale(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    stale = (
        stale_enterprises(today=today)
        .select_related("city")
        .annotate(members=Count("memberships"))
        .order_by("last_confirmed_on", "id")
    )
    page = Paginator(stale, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "moderation/review_stale.html",
        {"page": page, "cutoff": today - STALE_AFTER},
    )


def my_account_context(user) -> dict:
    """What /me/ shows: the user's enterprises (status, open change request, last
    decisions, recent history) and claims."""
    memberships = list(
        user.memberships.select_related("enterprise").order_by("enterprise__name")
    )
    ids = [m.enterprise_id for m in memberships]
    requests = (
        ChangeRequest.objects.filter(enterprise_id__in=ids)
        .prefetch_related("fields__decided_by")
        .order_by("enterprise_id", "-created_at")
    )
    latest: dict[int, list[ChangeRequest]] = {}
    for cr in requests:
        latest.setdefault(cr.enterprise_id, [])
        if len(latest[cr.enterprise_id]) < 3:
            latest[cr.enterprise_id].append(cr)
    records: dict[int, list[ChangeRecord]] = {}
    for record in (
        ChangeRecord.objects.filter(enterprise_id__in=ids)
        .select_related("actor")
        .order_by("enterprise_id", "-created_at")
    ):
        bucket = records.setdefault(record.enterprise_id, [])
        if len(bucket) < 5:
            bucket.append(record)
    cutoff = timezone.localdate() - STALE_AFTER
    rows = [
        {
            "membership": m,
            "enterprise": m.enterprise,
            "open_request": next(
                (cr for cr in latest.get(m.enterprise_id, []) if cr.status == "open"),
                None,
            ),
            "requests": latest.get(m.enterprise_id, []),
            "records": records.get(m.enterprise_id, []),
            "stale": m.enterprise.last_confirmed_on is None
            or m.enterprise.last_confirmed_on < cutoff,
        }
        for m in memberships
    ]
    claims = user.claims.select_related("enterprise").order_by("-created_at")
    language = language_of(user, default=translation.get_language())
    return {
        "memberships": memberships,
        "rows": rows,
        "claims": claims,
        "language_form": LanguageForm(initial={"language": language}),
    }


def me(request: HttpRequest) -> HttpResponse:
    return render(request, "moderation/me.html", my_account_context(request.user))
