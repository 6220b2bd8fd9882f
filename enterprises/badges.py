"""The trust badges of an entry, shown on search results and the enterprise page
(``Badges.html``): registration status, claimed, staff-verified, the
last-confirmed date, and certificates that have expired or expire soon.

- **claimed**: at least one person is linked to the entry (an approved claim or an
  accepted invitation makes an ``EnterpriseMembership``).
- **staff-verified**: ``profile_verified``: the entry's source is
  ``Source.STAFF_VERIFIED`` (staff entered or checked it as a whole) and no value
  has come from anyone else since. The badge shows that one fact, not the source.
- a certificate is **expired** when its ``valid_until`` is before today, and
  **expiring** when it falls within ``EXPIRING_WITHIN`` of today.

Registration status, the confirmation date and certificates are public fields; the
badges of a page of results cost one query, whatever its size. They are written
out in Python (``Badges.html``), not by a template include: on a page of 20 results
the include cost more than the rest of the row (about 1 ms each).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from core.formats import labelled
from enterprises.choices import RegistrationStatus, profile_verified
from enterprises.models import (
    Enterprise,
    EnterpriseCertification,
    EnterpriseMembership,
)

EXPIRING_WITHIN = dt.timedelta(days=90)
EXPIRED, SOON = "expired", "expiring"  # (certificate_state)
# (as get_registration_status_display, which builds the dict at each call)
REGISTRATION_LABELS = dict(RegistrationStatus.choices)
# The entry's own fields the badges read (a page that loads only some columns
# loads these).
BADGE_COLUMNS = ("registration_status", "source", "field_sources", "last_confirmed_on")


def certificate_state(valid_until: dt.date | None, today: dt.date) -> str:
    """``"expired"``, ``"expiring"`` or ``""`` (current, or no end date)."""
    if valid_until is None:
        return ""
    if valid_until < today:
        return EXPIRED
    if valid_until <= today + EXPIRING_WITHIN:
        return SOON
    return ""


@dataclass
class Badges:
    registration_status: str
    registration_label: str
    claimed: bool
    staff_verified: bool
    last_confirmed_on: dt.date | None
    expired: list[EnterpriseCertification] = field(default_factory=list)
    expiring: list[EnterpriseCertification] = field(default_factory=list)

    @property
    def registration_active(self) -> bool:
        return self.registration_status == RegistrationStatus.ACTIVE

    def html(self) -> SafeString:
        """The badges as a list, in the active language (results and the page).
        Written with the fixed words of the language looked up once a process
        (:func:`_words`): twenty rows asked for them a hundred times a page."""
        words = _words(get_language())
        items = [
            '<li class="tag ok" data-badge="registration"'
            if self.registration_active
            else '<li class="tag bad" data-badge="registration"',
            f' data-value="{escape(self.registration_status)}">',
            escape(labelled(words["registration"], self.registration_label)),
            "</li>",
        ]
        if self.claimed:
            items.append(words["claimed"])
        if self.staff_verified:
            items.append(words["staff-verified"])
        if self.last_confirmed_on:
            items.append(
                _item(
                    "tag",
                    "confirmed",
                    labelled(
                        words["last-confirmed"], date_format(self.last_confirmed_on)
                    ),
                )
            )
        else:
            items.append(words["never-confirmed"])
        items += [
            _item(
                "tag bad",
                "certificate-expired",
                gettext("%(scheme)s expired") % {"scheme": c.get_scheme_display()},
            )
            for c in self.expired
        ]
        items += [
            _item(
                "tag warn",
                "certificate-expiring",
                gettext("%(scheme)s expires %(date)s")
                % {
                    "scheme": c.get_scheme_display(),
                    "date": date_format(c.valid_until),
                },
            )
            for c in self.expiring
        ]
        return SafeString(f"{words['open']}{''.join(items)}</ul>")


@lru_cache(maxsize=8)
def _words(language: str | None) -> dict[str, str]:
    """The badges' fixed words and items in ``language`` (HTML)."""
    trust = escape(gettext("Trust"))
    return {
        "registration": gettext("Registration"),
        "claimed": _item("tag ok", "claimed", gettext("Claimed")),
        "staff-verified": _item("tag ok", "staff-verified", gettext("Staff-verified")),
        "last-confirmed": gettext("Last confirmed"),
        "never-confirmed": _item("tag", "confirmed", gettext("Never confirmed")),
        "open": f'<ul class="badges plain-inline" aria-label="{trust}">',
    }


def _item(classes: str, badge: str, text: str) -> str:
    return f'<li class="{classes}" data-badge="{badge}">{escape(text)}</li>'


def attach_badges(
    enterprises: Iterable[Enterprise], today: dt.date | None = None
) -> None:
    """Set ``.badges`` on each enterprise (one statement for all of them)."""
    rows = list(enterprises)
    if not rows:
        return
    today = today or timezone.localdate()
    claimed, due = _claims_and_due([e.pk for e in rows], today + EXPIRING_WITHIN)
    for e in rows:
        e.badges = badges_for(e, e.pk in claimed, due.get(e.pk, []), today)


def badges_for(
    e: Enterprise,
    claimed: bool,
    due: list[EnterpriseCertification],
    today: dt.date,
) -> Badges:
    """The badges of ``e``, given whether it is claimed and its certificates that
    end by ``today + EXPIRING_WITHIN`` (:func:`due_certificates`)."""
    return Badges(
        registration_status=e.registration_status,
        registration_label=str(
            REGISTRATION_LABELS.get(e.registration_status, e.registration_status)
        ),
        claimed=claimed,
        staff_verified=profile_verified(e.source, e.field_sources),
        last_confirmed_on=e.last_confirmed_on,
        expired=[c for c in due if certificate_state(c.valid_until, today) == EXPIRED],
        expiring=[c for c in due if certificate_state(c.valid_until, today) == SOON],
    )


def due_certificates(
    certificates: Iterable[EnterpriseCertification], today: dt.date
) -> list[EnterpriseCertification]:
    """Of an entry's certificates, those that end by ``today + EXPIRING_WITHIN``,
    soonest first (as :func:`attach_badges` reads them)."""
    until = today + EXPIRING_WITHIN
    return sorted(
        (c for c in certificates if c.valid_until and c.valid_until <= until),
        key=lambda c: (c.valid_until, c.id),
    )


def _claims_and_due(
    ids: list[int], until: dt.date
) -> tuple[set[int], dict[int, list[EnterpriseCertification]]]:
    """Which of ``ids`` are claimed, and their certificates ending by ``until``
    (soonest first): one statement rather than one per kind."""
    membership = EnterpriseMembership._meta.db_table
    certification = EnterpriseCertification._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id, EXISTS (SELECT 1 FROM "  # noqa: S608
            f'"{membership}" m WHERE m.enterprise_id = e.id), '
            "(SELECT coalesce(json_agg(json_build_array(c.id, c.scheme, "
            "c.valid_until) ORDER BY c.valid_until, c.id), '[]') "
            f'FROM "{certification}" c '
            "WHERE c.enterprise_id = e.id AND c.valid_until <= %s) "
            "FROM unnest(%s::bigint[]) AS e(id)",
            [until, ids],
        )
        found = cursor.fetchall()
    claimed = {pk for pk, is_claimed, _certs in found if is_claimed}
    due: dict[int, list[EnterpriseCertification]] = defaultdict(list)
    for pk, _claimed, certs in found:
        for cert_id, scheme, valid_until in certs:  # (json, parsed by psycopg)
            due[pk].append(
                EnterpriseCertification(
                    id=cert_id,
                    enterprise_id=pk,
                    scheme=scheme,
                    valid_until=dt.date.fromisoformat(valid_until),
                )
            )
    return claimed, due
