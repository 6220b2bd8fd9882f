"""API tokens: creation (the key is returned once and only its hash is stored),
revocation, and the DRF authentication class that accepts them.

A key looks like ``ltd_<40 url-safe characters>``; clients send it as
``Authorization: Bearer <key>`` (``Token <key>`` is accepted too).
"""

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken
from core.permissions import is_staff_member

KEY_PREFIX = "ltd_"
PREFIX_CHARS = 12
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often per token (one UPDATE, not per request).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``actor``; returns it and its key (never stored)."""
    name = " ".join(name.split())
    if ApiToken.objects.active().filter(user_id=actor.pk).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(count)d active tokens; revoke one before creating another.")
            % {"count": MAX_ACTIVE_TOKENS}
        )
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(
        user_id=actor.pk, name=name, prefix=key[:PREFIX_CHARS], key_hash=hash_key(key)
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token: its owner or staff may. Revoking twice changes nothing."""
    if token.user_id != actor.pk and not is_staff_member(actor):
        raise PermissionDenied
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by_id = actor.pk
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>``. ``request.auth`` is the ApiToken."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: send “Bearer <token>”.")
            )
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(key_hash=hash_key(key))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if (
            token.last_used_at is None
            or now - token.last_used_at > LAST_USED_RESOLUTION
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
