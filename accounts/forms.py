from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts import throttle
from accounts.mail import language_of


class ThrottledLoginMixin:
    """Counts each attempt before the password is checked and refuses it (even with
    the right password) while the account or the address is locked
    (``accounts.throttle``). Used by the site's and the admin's login forms."""

    throttled_message = _(
        "Too many failed login attempts. For your security, logging in is "
        "blocked for %(minutes)s minutes; try again later or reset your password."
    )

    def clean(self):
        username = self.cleaned_data.get("username") or ""  # type: ignore[attr-defined]
        address = throttle.client_address(self.request)  # type: ignore[attr-defined]
        if not throttle.login_attempt(username=username, address=address):
            raise ValidationError(
                self.throttled_message,
                code="throttled",
                params={"minutes": throttle.LOCKOUT_MINUTES},
            )
        data = super().clean()  # type: ignore[misc]
        if self.get_user() is not None:  # type: ignore[attr-defined]
            # Only a checked password clears the count (a form without one
            # passes clean() with a field error, and must not).
            throttle.login_succeeded(username=username, address=address)
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


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The site's login form (/accounts/login/)."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form (/admin/login/), under the same lock."""


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends at most ``throttle.MAX_EMAILS`` reset e-mails an hour to an address and
    to an account; beyond that nothing is sent, and the page says what it always
    says (so it reveals no more about which addresses have accounts)."""

    def get_users(self, email):
        if not throttle.email_allowed("password-reset", email=email):
            return
        for user in super().get_users(email):
            if throttle.email_allowed("password-reset", account=user.pk):
                yield user

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """The reset e-mail goes out in its account's language
        (``accounts.mail.language_of``); an account without one gets the
        language it was asked for in."""
        language = language_of(context["user"], default=translation.get_language())
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name=html_email_template_name,
            )


class LanguageForm(forms.Form):
    """The user's language, for the e-mail the site sends them and for its pages
    (``/me/``)."""

    language = forms.ChoiceField(
        label=_("Language for e-mail and the site"),
        choices=settings.LANGUAGES,
        error_messages={
            "required": _("Choose one of the site's languages."),
            "invalid_choice": _("Choose one of the site's languages."),
        },
    )
