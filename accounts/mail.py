"""Every e-mail the site sends goes through ``mail_after_commit``: in each
recipient's language, sent once the transaction commits.

A recipient's language is their ``Preference`` (set when a signed-in user switches
the site's language, and at sign-up); a plain address that belongs to an account
takes that account's; anything else gets the site's language
(``settings.LANGUAGE_CODE``). The subject is a lazy string with optional
``%``-parameters, so it, and the body, are rendered under
``translation.override`` once per language.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from accounts.models import Preference

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def language_set(user: Any, language: str) -> None:
    """Store ``language`` as ``user``'s preference (ignored for anonymous users
    and for languages the site does not offer)."""
    if not getattr(user, "is_authenticated", False) or language not in LANGUAGE_CODES:
        return
    Preference.objects.update_or_create(user=user, defaults={"language": language})


def language_of(user: Any, default: str | None = None) -> str:
    """The language to mail ``user`` in: their preference, else ``default``, else
    the site's."""
    language = (
        Preference.objects.filter(user_id=user.pk)
        .values_list("language", flat=True)
        .first()
    )
    return _offered(language, _offered(default, settings.LANGUAGE_CODE))


def _offered(language: str | None, otherwise: str) -> str:
    """``language`` if the site offers it, else ``otherwise``."""
    return language if language in LANGUAGE_CODES else otherwise


def _by_language(recipients: Iterable[Any]) -> dict[str, list[str]]:
    """Group the recipients' addresses by language: two queries whatever their
    number."""
    addresses: dict[str, int | None] = {}  # lower-cased address -> its user's id
    shown: dict[str, str] = {}
    for recipient in recipients:
        if isinstance(recipient, str):
            email, user_id = recipient.strip(), None
        else:
            email, user_id = (recipient.email or "").strip(), recipient.pk
        if not email:
            continue
        key = email.lower()
        shown.setdefault(key, email)
        if addresses.get(key) is None:
            addresses[key] = user_id
    unknown = [key for key, user_id in addresses.items() if user_id is None]
    if unknown:
        for user_id, email in (
            User.objects.annotate(lower_email=Lower("email"))
            .filter(lower_email__in=unknown)
            .order_by("pk")
            .values_list("pk", "email")
        ):
            if addresses.get(email.lower()) is None:
                addresses[email.lower()] = user_id
    user_ids = {user_id for user_id in addresses.values() if user_id is not None}
    languages: dict[int | None, str] = dict(
        Preference.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "language"
        )
    )
    groups: dict[str, list[str]] = {}
    for key, user_id in addresses.items():
        language = _offered(languages.get(user_id), settings.LANGUAGE_CODE)
        groups.setdefault(language, []).append(shown[key])
    return {language: sorted(to) for language, to in groups.items()}


def mail_after_commit(
    subject: Any,
    template: str,
    context: Mapping[str, Any],
    recipients: Iterable[Any],
    *,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Mail ``template`` rendered with ``context`` to ``recipients`` (users and/or
    plain addresses; blank ones are skipped), one message per language, once the
    current transaction commits. ``subject`` is a lazy translatable string,
    formatted with ``params`` when given."""
    for language, to in _by_language(recipients).items():
        with translation.override(language):
            title = str(subject)
            if params:
                title = title % {
                    key: str(value) if isinstance(value, Promise) else value
                    for key, value in params.items()
                }
            body = render_to_string(template, dict(context))

        def send(title: str = title, body: str = body, to: list[str] = to) -> None:
            send_mail(title, body, settings.DEFAULT_FROM_EMAIL, to)

        transaction.on_commit(send)
