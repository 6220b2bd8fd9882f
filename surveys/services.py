"""Writes of the annual survey: an enterprise's draft and submission, the staff
review (accept, return with a comment), figures entered by staff, the reminders.
Figures are recorded only through `figures_record`, which keeps the row it
replaces."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.mail import mail_after_commit
from core.formats import join_list
from enterprises.models import Enterprise, EnterpriseMembership
from enterprises.permissions import is_staff_member, user_can_edit
from surveys.figures import BY_NAME, FIGURE_NAMES
from surveys.models import EnterpriseFigures, Submission, Survey, SurveyReminder
from surveys.rules import plausibility_flags

# A date formatted in the language active when it is shown (a mail's subject is
# made in each recipient's language).
_date_in_reader_language = lazy(date_format, str)

REMIND_BEFORE = dt.timedelta(days=7)
VALUE_FIELDS = [*FIGURE_NAMES, "export_split"]


def _require_staff(actor: Any) -> None:
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only staff can do this."))


def _refresh_statistics() -> None:
    from surveys.tasks import refresh_statistics

    transaction.on_commit(lambda: refresh_statistics.enqueue())


def current_figures(enterprise_id: int, year: int) -> EnterpriseFigures | None:
    return EnterpriseFigures.objects.filter(
        enterprise_id=enterprise_id, year=year, current=True
    ).first()


def last_year_values(enterprise_id: int, year: int) -> dict | None:
    previous = current_figures(enterprise_id, year - 1)
    return previous.values() if previous else None


def split_json(split: dict) -> dict:
    """The export split as stored: market -> amount as text, to 0.1."""
    return {
        k: str(Decimal(str(v)).quantize(Decimal("0.1")))
        for k, v in (split or {}).items()
        if v not in (None, "")
    }


@transaction.atomic
def submission_save(
    *,
    actor: Any,
    survey: Survey,
    enterprise: Enterprise,
    values: dict[str, Any],
    submit: bool = False,
) -> Submission:
    """Save an enterprise's answer as a draft, or submit it for review."""
    if not user_can_edit(actor, enterprise):
        raise PermissionDenied(_("You cannot edit this enterprise."))
    if not survey.accepting():
        raise ValidationError(_("This survey is not open for answers."))
    submission, _created = Submission.objects.select_for_update().get_or_create(
        survey=survey, enterprise=enterprise
    )
    if submission.status in (Submission.Status.SUBMITTED, Submission.Status.ACCEPTED):
        raise ValidationError(
            _("This answer has been submitted and can no longer be changed.")
        )
    for name in VALUE_FIELDS:
        value = values.get(name)
        if name == "export_split":
            value = split_json(value or {})
        elif name == "products":
            value = value or ""
        setattr(submission, name, value)
    submission.full_clean()
    if submit:
        missing = [
            str(BY_NAME[name].label)
            for name in FIGURE_NAMES
            if not survey.is_optional(name) and getattr(submission, name) in (None, "")
        ]
        if missing:
            raise ValidationError(
                _("Fill in every figure not marked optional: %(names)s.")
                % {"names": join_list(missing)}
            )
        submission.flags = plausibility_flags(
            submission.values(), last_year_values(enterprise.pk, survey.year)
        )
        submission.status = Submission.Status.SUBMITTED
        submission.submitted_at = timezone.now()
    submission.updated_by = actor
    submission.save()
    return submission


@transaction.atomic
def figures_record(
    *,
    actor: Any,
    enterprise_id: int,
    year: int,
    values: dict[str, Any],
    source: str,
    submission: Submission | None = None,
    import_job_id: int | None = None,
    note: str = "",
) -> EnterpriseFigures:
    """Record an enterprise's figures for a year; the current figures, if any, are
    kept as replaced."""
    previous = (
        EnterpriseFigures.objects.select_for_update()
        .filter(enterprise_id=enterprise_id, year=year, current=True)
        .first()
    )
    figures = EnterpriseFigures(
        enterprise_id=enterprise_id,
        year=year,
        source=source,
        submission=submission,
        import_job_id=import_job_id,
        note=note[:500],
        entered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for name in VALUE_FIELDS:
        value = values.get(name)
        if name == "export_split":
            value = split_json(value or {})
        elif name == "products":
            value = value or ""
        setattr(figures, name, value)
    figures.flags = plausibility_flags(
        figures.values(), last_year_values(enterprise_id, year)
    )
    figures.full_clean(exclude=["enterprise", "submission", "import_job"])
    if previous is not None:
        previous.current = False
        previous.superseded_at = timezone.now()
        previous.save(update_fields=["current", "superseded_at"])
    figures.save()
    _refresh_statistics()
    return figures


@transaction.atomic
def figures_enter(
    *,
    actor: Any,
    enterprise: Enterprise,
    year: int,
    values: dict[str, Any],
    note: str = "",
    replace: bool = False,
) -> EnterpriseFigures:
    """Staff enter an enterprise's figures by hand; replacing the current figures
    must be asked for."""
    _require_staff(actor)
    previous = current_figures(enterprise.pk, year)
    if previous is not None and not replace:
        raise ValidationError(
            _(
                "This enterprise already has figures for %(year)s (%(source)s). "
                "Tick “replace” to replace them; they will be kept in the history."
            )
            % {"year": year, "source": previous.get_source_display()}
        )
    return figures_record(
        actor=actor,
        enterprise_id=enterprise.pk,
        year=year,
        values=values,
        source=EnterpriseFigures.Source.STAFF,
        note=note,
    )


def _locked_submission(submission: Submission) -> Submission:
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError(_("This answer is not waiting for review."))
    return submission


@transaction.atomic
def submission_accept(*, actor: Any, submission: Submission) -> EnterpriseFigures:
    """Accept a submitted answer: its figures become the enterprise's for the
    year (figures recorded earlier are kept as replaced)."""
    _require_staff(actor)
    submission = _locked_submission(submission)
    figures = figures_record(
        actor=actor,
        enterprise_id=submission.enterprise_id,
        year=submission.survey.year,
        values=submission.values(),
        source=EnterpriseFigures.Source.SURVEY,
        submission=submission,
    )
    submission.status = Submission.Status.ACCEPTED
    submission.decided_by = actor
    submission.decided_at = timezone.now()
    submission.save(update_fields=["status", "decided_by", "decided_at"])
    _notify(submission)
    return figures


@transaction.atomic
def submission_return(
    *, actor: Any, submission: Submission, comment: str
) -> Submission:
    """Return a submitted answer to the enterprise, saying what to correct."""
    _require_staff(actor)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Say what the enterprise should correct."))
    submission = _locked_submission(submission)
    submission.status = Submission.Status.RETURNED
    submission.comment = comment
    submission.decided_by = actor
    submission.decided_at = timezone.now()
    submission.save(update_fields=["status", "comment", "decided_by", "decided_at"])
    _notify(submission)
    return submission


def _notify(submission: Submission) -> None:
    user = submission.updated_by
    if user is None:
        return
    mail_after_commit(
        gettext_lazy("Your survey answer for %(year)s"),
        "surveys/email/submission_decided.txt",
        {"submission": submission, "link": reverse("me")},
        [user],
        params={"year": submission.survey.year},
    )


@transaction.atomic
def survey_reminders_send(*, today: dt.date, site_url: str = "") -> int:
    """Remind the users of enterprises that have not submitted an open survey's
    answer, a week before it closes; once per survey and user."""
    sent = 0
    surveys = Survey.objects.filter(
        status=Survey.Status.OPEN,
        opens_on__lte=today,
        closes_on__gte=today,
        closes_on__lte=today + REMIND_BEFORE,
    )
    for survey in surveys:
        done = Submission.objects.filter(
            survey=survey,
            status__in=[Submission.Status.SUBMITTED, Submission.Status.ACCEPTED],
        ).values("enterprise_id")
        already = SurveyReminder.objects.filter(survey=survey).values("user_id")
        memberships = (
            EnterpriseMembership.objects.exclude(enterprise_id__in=done)
            .exclude(user_id__in=already)
            .exclude(user__email="")
            .select_related("user", "enterprise")
            .order_by("user_id", "enterprise__name")
        )
        by_user: dict[int, tuple[Any, list[Enterprise]]] = {}
        for m in memberships:
            by_user.setdefault(m.user_id, (m.user, []))[1].append(m.enterprise)
        link = site_url.rstrip("/") + reverse("me")
        for user, enterprises in by_user.values():
            reminder = SurveyReminder.objects.create(survey=survey, user=user)
            reminder.enterprises.set(enterprises)
            mail_after_commit(
                gettext_lazy("The %(year)s survey closes on %(date)s"),
                "surveys/email/reminder.txt",
                {"user": user, "survey": survey, "enterprises": enterprises,
                 "link": link},
                [user],
                params={"year": survey.year,
                        "date": _date_in_reader_language(survey.closes_on)},
            )  # fmt: skip
            sent += 1
    return sent
