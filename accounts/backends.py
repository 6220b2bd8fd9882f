"""Logging in with the e-mail address or the username, whatever their case.

Sign-up stores addresses in lower case and refuses an address another account
already uses in any case (``accounts.signup``), so ``Wang@Example.com`` and
``wang@example.com`` are one account; this backend lets either log in to it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Case, IntegerField, Q, Value, When

User = get_user_model()


class EmailOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        login = (username or kwargs.get(User.USERNAME_FIELD) or "").strip()
        if not login or password is None:
            return None
        # The exact username first, then the username in another case, then an
        # address (a few old accounts may share one: the oldest wins).
        candidates = (
            User._default_manager.filter(
                Q(username__iexact=login) | Q(email__iexact=login)
            )
            .annotate(
                rank=Case(
                    When(username=login, then=Value(0)),
                    When(username__iexact=login, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("rank", "pk")[:1]
        )
        user = next(iter(candidates), None)
        if user is None:
            User().set_password(password)  # the same time as a wrong password
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
