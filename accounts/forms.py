from django.contrib.auth.forms import AuthenticationForm
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
