"""The account page's API tokens: create (the key is shown once, on the response to
the form) and revoke."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_revoke


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


@require_POST
def api_token_revoke_view(request, pk: int):
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("me")
