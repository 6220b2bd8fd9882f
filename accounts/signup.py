"""Sign-up by e-mail and password, confirmed through a link that expires.

A new account stays inactive (it cannot log in) until its owner opens the link
mailed to the address. The link is a ``TimestampSigner`` signature of the account
and the page to continue to, valid for ``LINK_DAYS``. Its page asks to confirm with
a button (so a mail scanner that opens links activates nothing); confirming
activates the account and logs its owner in, and a link of an account that is
already active logs no one in. Signing up again with an address that has an
account sends that address a note (and a way to reset the password) instead, so
the page never tells whether an address is registered. Attempts are counted per
client address and per e-mail address with the login throttle's counters
(``accounts.throttle``).
"""

from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import throttle
from accounts.mail import language_set, mail_after_commit
from accounts.models import Consent

LINK_DAYS = 3
SIGNUPS_PER_ADDRESS = 10
SIGNUPS_PER_EMAIL = 3
# The version of the privacy notice (core/privacy.html) a consent refers to.
PRIVACY_NOTICE_VERSION = "2026-12"
_SALT = "accounts.signup"


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _signup_allowed(*, email: str, address: str) -> bool:
    """Count this sign-up for its client address and its e-mail address (one
    atomic upsert each, ``accounts.throttle.hit``) and say whether both are within
    their limits. A refused sign-up's transaction rolls its count back."""
    window = throttle.LOCKOUT_MINUTES * 60
    if address:
        count, _ends = throttle.hit(throttle.key("signup-addr", address), window=window)
        if count > SIGNUPS_PER_ADDRESS:
            return False
    count, _ends = throttle.hit(throttle.key("signup-email", email), window=window)
    return count <= SIGNUPS_PER_EMAIL


def consent_record(*, user: User, purpose: str) -> Consent:
    consent = Consent(user=user, purpose=purpose, notice_version=PRIVACY_NOTICE_VERSION)
    consent.full_clean()
    consent.save()
    return consent


def signup_token(user: User, next_url: str = "") -> str:
    return signing.TimestampSigner(salt=_SALT).sign_object(
        {"u": user.pk, "n": next_url}
    )


@transaction.atomic
def signup_start(
    *, email: str, password: str, address: str, next_url: str, site_url: str
) -> None:
    """Create an inactive account for ``email`` (or refresh the password of one not
    yet confirmed) and mail the confirmation link; an address that already has an
    active account gets a note instead. Raises ``ValidationError`` when throttled."""
    email = normalize_email(email)
    if not _signup_allowed(email=email, address=address):
        raise ValidationError(
            _(
                "Too many sign-ups from here or for this address. "
                "Please try again in %(minutes)s minutes."
            )
            % {"minutes": throttle.LOCKOUT_MINUTES},
            code="throttled",
        )
    site = site_url.rstrip("/")
    existing = (
        User.objects.select_for_update()
        .filter(username__iexact=email)
        .order_by("pk")
        .first()
    ) or User.objects.filter(email__iexact=email).order_by("pk").first()
    if existing is not None and existing.is_active:
        mail_after_commit(
            gettext_lazy("You already have an account"),
            "registration/signup_exists_email.txt",
            {"site": site, "reset_url": site + reverse("password_reset")},
            [email],
        )
        return
    if existing is None:
        user = User(username=email, email=email, is_active=False)
        user.set_password(password)
        user.full_clean()
        user.save()
    else:
        user = existing
        user.set_password(password)
        user.save(update_fields=["password"])
    consent_record(user=user, purpose=Consent.Purpose.SIGNUP)
    # The language the account signs up in is the one it is mailed in.
    language_set(user, translation.get_language())
    link = site + reverse("signup-verify", args=[signup_token(user, next_url)])
    mail_after_commit(
        gettext_lazy("Confirm your e-mail address"),
        "registration/signup_email.txt",
        {"link": link, "days": LINK_DAYS},
        [email],
    )


def _pending(token: str, *, lock: bool = False) -> tuple[User, str] | None:
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(
            token, max_age=LINK_DAYS * 24 * 3600
        )
    except signing.BadSignature:  # SignatureExpired is one
        return None
    users = User.objects.select_for_update() if lock else User.objects
    user = users.filter(pk=data.get("u")).first()
    # Once active (or ever logged in, then deactivated by staff) the link is spent.
    if user is None or user.is_active or user.last_login is not None:
        return None
    return user, str(data.get("n") or "")


def signup_link_valid(token: str) -> bool:
    return _pending(token) is not None


@transaction.atomic
def signup_verify(*, token: str) -> tuple[User, str] | None:
    """Activate the account of a valid, unexpired link: returns it and the page to
    continue to, or ``None`` for a link that is invalid, expired or already used."""
    pending = _pending(token, lock=True)
    if pending is None:
        return None
    user, next_url = pending
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user, next_url
