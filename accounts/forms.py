from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import throttle


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
