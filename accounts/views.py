"""The account page's API tokens: create (the key is shown once, on the response to
the form) and revoke; sign-up and its confirmation link."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts import throttle
from accounts.forms import LanguageForm, SignupForm
from accounts.mail import language_set
from accounts.models import ApiToken
from accounts.signup import (
    LINK_DAYS,
    signup_link_valid,
    signup_start,
    signup_verify,
)
from accounts.tokens import api_token_create, api_token_revoke
from core.permissions import is_staff_member


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Token name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “ERP sync”."),
    )


@require_POST
@never_cache
def api_token_create_view(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = api_token_create(
                actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(
                request,
                "accounts/api_token_created.html",
                {"token": token, "key": key},
            )
    for error in form.errors.values():
        for message in error:
            messages.error(request, str(message))
    return redirect("me")


def api_token_revoke_view(request, pk: int):
    """GET asks to confirm (a page that works without JavaScript); POST revokes."""
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    if request.method != "POST":
        if not token.is_active:
            return redirect("me")
        return render(
            request,
            "core/confirm.html",
            {
                "heading": _("Revoke this token?"),
                "question": _(
                    "Programs that use the token “%(name)s” (%(prefix)s…) can no "
                    "longer use the API. This cannot be undone."
                )
                % {"name": token.name, "prefix": token.prefix},
                "action_url": request.path,
                "cancel_url": reverse("me"),
                "confirm_label": _("Revoke the token"),
            },
        )
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("me")


@login_not_required
def set_language_view(request):
    """Django's ``set_language`` (the cookie and the redirect); a signed-in user's
    choice is also kept as the language the site mails them in."""
    response = django_set_language(request)
    if request.method == "POST":
        language_set(request.user, request.POST.get("language", ""))
    return response


@require_POST
def language_preference_view(request):
    """``/me/``'s language form: the user's language for e-mail and the site.
    Django's ``set_language`` (through `set_language_view`, which also stores it)
    switches the pages; anything but one of the site's languages changes
    nothing and says so."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("language", []):
            messages.error(request, str(message))
        return redirect(reverse("me") + "#language")
    language = form.cleaned_data["language"]
    response = set_language_view(request)
    with translation.override(language):
        messages.success(
            request,
            _("Saved: the site and its e-mail to you are now in this language."),
        )
    return response


def _safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


@login_not_required
@never_cache
def signup_view(request):
    if request.user.is_authenticated:
        return redirect("me")
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signup_start(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                address=throttle.client_address(request),
                next_url=next_url,
                site_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(
                request,
                "registration/signup_sent.html",
                {"email": form.cleaned_data["email"], "days": LINK_DAYS},
            )
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@login_not_required
@never_cache
def signup_verify_view(request, token: str):
    if request.method != "POST":
        if not signup_link_valid(token):
            return render(request, "registration/signup_invalid.html", status=400)
        return render(request, "registration/signup_confirm.html")
    verified = signup_verify(token=token)
    if verified is None:
        return render(request, "registration/signup_invalid.html", status=400)
    user, next_url = verified
    login(request, user)  # the one backend (accounts.backends)
    messages.success(request, _("Your e-mail address is confirmed. Welcome!"))
    return redirect(_safe_next(request, next_url) or "me")


class SiteLoginView(auth_views.LoginView):
    """The site's login: staff land on the review queue, everyone else on /me/
    (a safe ``next`` wins for both)."""

    def get_default_redirect_url(self):
        if is_staff_member(self.request.user):
            return reverse("review")
        return super().get_default_redirect_url()


class SiteLogoutView(auth_views.LogoutView):
    """Logging out (POST) says so on the page it lands on."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have logged out."))
        return response
