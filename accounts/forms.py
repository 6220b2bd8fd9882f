from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, refusing further attempts for a while after repeated
    failures for the same account or from the same address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed login attempts. For your security, logging in is "
            "blocked for %(minutes)s minutes; try again later or reset your password."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = throttle.client_address(self.request)
        if throttle.is_locked(username=username, address=address):
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": throttle.LOCKOUT_MINUTES},
            )
        try:
            data = super().clean()
        except ValidationError:
            throttle.record_failure(username=username, address=address)
            raise
        throttle.clear(username=username)
        return data


class SignupForm(forms.Form):
    """E-mail, password twice (Django's password validators apply) and consent to
    the privacy notice."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree to it."),
        error_messages={
            "required": _("Please agree to the privacy notice to create an account.")
        },
    )

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean(self):
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ."))
        elif one:
            user = User(username=data.get("email") or "", email=data.get("email") or "")
            try:
                password_validation.validate_password(one, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data
