"""Sending inquiries and replying, who may read them, and the sender's limits.

An inquiry goes to the enterprise's people (its members: in /me/ and by e-mail);
staff see every inquiry. Neither side sees the other's e-mail address or the
enterprise's contact fields through it: both write and read on the site, and the
e-mails carry only the text and a link. A sender may send ``PER_HOUR`` inquiries in
an hour and ``PER_DAY`` in a day; the count is taken with the sender's row locked,
so parallel requests cannot pass the limit together.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.mail import mail_after_commit
from accounts.models import Consent
from accounts.signup import consent_record
from enterprises.models import Enterprise, EnterpriseMembership
from enterprises.permissions import is_staff_member, user_can_view
from inquiries.models import Inquiry, InquiryReply

PER_HOUR = 5
PER_DAY = 20
REPLIES_PER_HOUR = 30


def member_enterprise_ids(user: User) -> QuerySet:
    return EnterpriseMembership.objects.filter(user_id=user.pk).values("enterprise_id")


def is_enterprise_side(user: User, inquiry: Inquiry) -> bool:
    return EnterpriseMembership.objects.filter(
        user_id=user.pk, enterprise_id=inquiry.enterprise_id
    ).exists()


def visible_inquiries(user: User) -> QuerySet[Inquiry]:
    """Staff see all inquiries; others those they sent and those to their
    enterprises."""
    if not user.is_authenticated:
        return Inquiry.objects.none()
    if is_staff_member(user):
        return Inquiry.objects.all()
    return Inquiry.objects.filter(
        Q(sender_id=user.pk) | Q(enterprise_id__in=member_enterprise_ids(user))
    )


def recipients(enterprise_id: int) -> list[User]:
    """The enterprise's active people, who are mailed its inquiries (each in their
    own language, ``accounts.mail``)."""
    return list(
        User.objects.filter(is_active=True, memberships__enterprise_id=enterprise_id)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _check_rate(actor: User, now: dt.datetime) -> None:
    User.objects.select_for_update().filter(pk=actor.pk).first()
    sent = Inquiry.objects.filter(
        sender_id=actor.pk, created_at__gte=now - dt.timedelta(days=1)
    ).values_list("created_at", flat=True)
    times = list(sent)
    if len([t for t in times if t >= now - dt.timedelta(hours=1)]) >= PER_HOUR:
        raise ValidationError(
            _(
                "You have sent %(count)d inquiries in the last hour, the most "
                "allowed. Please wait a while before sending another."
            )
            % {"count": PER_HOUR},
            code="throttled",
        )
    if len(times) >= PER_DAY:
        raise ValidationError(
            _(
                "You have sent %(count)d inquiries today, the most allowed. "
                "Please try again tomorrow."
            )
            % {"count": PER_DAY},
            code="throttled",
        )


@transaction.atomic
def inquiry_send(
    *,
    actor: User,
    enterprise: Enterprise,
    subject: str,
    message: str,
    products: str = "",
    quantity: str = "",
    site_url: str = "",
) -> Inquiry:
    if not actor.is_authenticated:
        raise PermissionDenied(_("Log in to send an inquiry."))
    if not user_can_view(actor, enterprise):
        raise PermissionDenied(_("You cannot write to this enterprise."))
    if EnterpriseMembership.objects.filter(
        user_id=actor.pk, enterprise_id=enterprise.pk
    ).exists():
        raise ValidationError(_("You cannot send an inquiry to your own enterprise."))
    now = timezone.now()
    _check_rate(actor, now)
    inquiry = Inquiry(
        sender=actor,
        enterprise=enterprise,
        subject=" ".join((subject or "").split()),
        message=(message or "").strip(),
        products=(products or "").strip(),
        quantity=(quantity or "").strip(),
    )
    inquiry.full_clean()
    if Inquiry.objects.filter(
        sender_id=actor.pk,
        enterprise_id=enterprise.pk,
        subject=inquiry.subject,
        message=inquiry.message,
        created_at__gte=now - dt.timedelta(days=1),
    ).exists():
        raise ValidationError(
            _("You sent this enterprise the same inquiry today already.")
        )
    inquiry.save()
    consent_record(user=actor, purpose=Consent.Purpose.INQUIRY)
    mail_after_commit(
        gettext_lazy("New inquiry: %(subject)s"),
        "inquiries/email/inquiry_received.txt",
        {
            "inquiry": inquiry,
            "link": site_url.rstrip("/") + inquiry.get_absolute_url(),
        },
        recipients(enterprise.pk),
        params={"subject": inquiry.subject},
    )
    return inquiry


@transaction.atomic
def inquiry_reply(
    *, actor: User, inquiry: Inquiry, message: str, site_url: str = ""
) -> InquiryReply:
    """A reply by the enterprise's people or by the sender; the other side is told
    by e-mail."""
    from_enterprise = is_enterprise_side(actor, inquiry)
    if not from_enterprise and inquiry.sender_id != actor.pk:
        raise PermissionDenied(_("Only the sender and the enterprise can reply."))
    User.objects.select_for_update().filter(pk=actor.pk).first()
    if (
        InquiryReply.objects.filter(
            author_id=actor.pk,
            created_at__gte=timezone.now() - dt.timedelta(hours=1),
        ).count()
        >= REPLIES_PER_HOUR
    ):
        raise ValidationError(
            _("You have sent many replies in the last hour. Please wait a while."),
            code="throttled",
        )
    reply = InquiryReply(
        inquiry=inquiry,
        author=actor,
        from_enterprise=from_enterprise,
        message=(message or "").strip(),
    )
    reply.full_clean()
    reply.save()
    to = [inquiry.sender] if from_enterprise else recipients(inquiry.enterprise_id)
    mail_after_commit(
        gettext_lazy("Reply to your inquiry: %(subject)s")
        if from_enterprise
        else gettext_lazy("New reply to an inquiry: %(subject)s"),
        "inquiries/email/inquiry_reply.txt",
        {
            "inquiry": inquiry,
            "reply": reply,
            "link": site_url.rstrip("/") + inquiry.get_absolute_url(),
        },
        to,
        params={"subject": inquiry.subject},
    )
    return reply
