"""The survey flow: draft, submit, review; figures kept with their source."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from surveys.figures import BY_NAME, FIGURE_NAMES
from surveys.models import EnterpriseFigures, Submission, Survey
from surveys.services import (
    figures_enter,
    figures_record,
    submission_accept,
    submission_return,
    submission_save,
    survey_reminders_send,
)
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory
from tests.surveys.helpers import figures, open_survey

pytestmark = pytest.mark.django_db


def test_draft_then_submit_then_accept_records_survey_figures(owner, owned, staff):
    survey = open_survey()
    draft = submission_save(
        actor=owner, survey=survey, enterprise=owned, values=figures(revenue=None)
    )
    assert draft.status == Submission.Status.DRAFT
    assert not EnterpriseFigures.objects.exists()
    submitted = submission_save(
        actor=owner, survey=survey, enterprise=owned, values=figures(), submit=True
    )
    assert submitted.status == Submission.Status.SUBMITTED
    recorded = submission_accept(actor=staff, submission=submitted)
    assert recorded.source == EnterpriseFigures.Source.SURVEY
    assert recorded.current and recorded.year == 2025
    assert recorded.revenue == Decimal("1200.0")
    assert recorded.export_split == {"jp": "400.0", "us": "200.0"}
    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.ACCEPTED


def test_submit_needs_every_figure_not_marked_optional(owner, owned):
    survey = open_survey()
    with translation.override("en"), pytest.raises(ValidationError, match="optional"):
        submission_save(
            actor=owner,
            survey=survey,
            enterprise=owned,
            values=figures(employees=None),
            submit=True,
        )
    # A survey that marks employees optional accepts the answer without them.
    survey.optional_fields = [*survey.optional_fields, "employees"]
    survey.save()
    saved = submission_save(
        actor=owner,
        survey=survey,
        enterprise=owned,
        values=figures(employees=None),
        submit=True,
    )
    assert saved.status == Submission.Status.SUBMITTED


def test_another_enterprises_user_cannot_answer(owned):
    survey = open_survey()
    with pytest.raises(PermissionDenied):
        submission_save(
            actor=UserFactory(), survey=survey, enterprise=owned, values=figures()
        )
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Survey.Status.CLOSED},
        {"status": Survey.Status.DRAFT},
        {"closes_on": dt.date(2020, 1, 1), "opens_on": dt.date(2019, 12, 1)},
    ],
)
def test_a_survey_not_open_refuses_answers(owner, owned, changes):
    survey = open_survey(**changes)
    with pytest.raises(ValidationError):
        submission_save(actor=owner, survey=survey, enterprise=owned, values=figures())
    assert not Submission.objects.exists()


def test_split_above_export_value_is_refused(owner, owned):
    survey = open_survey()
    with pytest.raises(ValidationError):
        submission_save(
            actor=owner,
            survey=survey,
            enterprise=owned,
            values=figures(exports=Decimal("100")),
        )
    assert not Submission.objects.exists()


def test_return_with_comment_lets_the_enterprise_correct(owner, owned, staff):
    survey = open_survey()
    submitted = submission_save(
        actor=owner, survey=survey, enterprise=owned, values=figures(), submit=True
    )
    with pytest.raises(ValidationError):
        submission_return(actor=staff, submission=submitted, comment="  ")
    with pytest.raises(ValidationError):  # submitted answers are locked
        submission_save(actor=owner, survey=survey, enterprise=owned, values=figures())
    returned = submission_return(
        actor=staff, submission=submitted, comment="营业收入单位应为万元"
    )
    assert returned.status == Submission.Status.RETURNED
    corrected = submission_save(
        actor=owner,
        survey=survey,
        enterprise=owned,
        values=figures(revenue=Decimal("1300")),
        submit=True,
    )
    assert corrected.status == Submission.Status.SUBMITTED
    assert corrected.revenue == Decimal("1300")


def test_only_staff_review(owner, owned):
    survey = open_survey()
    submitted = submission_save(
        actor=owner, survey=survey, enterprise=owned, values=figures(), submit=True
    )
    with pytest.raises(PermissionDenied):
        submission_accept(actor=owner, submission=submitted)
    assert not EnterpriseFigures.objects.exists()


def test_figures_are_never_overwritten_silently(staff, enterprise):
    first = figures_enter(
        actor=staff, enterprise=enterprise, year=2024, values=figures(), note="年报"
    )
    with translation.override("en"), pytest.raises(ValidationError, match="replace"):
        figures_enter(
            actor=staff,
            enterprise=enterprise,
            year=2024,
            values=figures(employees=90),
        )
    second = figures_enter(
        actor=staff,
        enterprise=enterprise,
        year=2024,
        values=figures(employees=90),
        replace=True,
    )
    first.refresh_from_db()
    assert not first.current and first.superseded_at is not None
    assert first.employees == 80  # kept as it was
    assert second.current and second.source == EnterpriseFigures.Source.STAFF
    assert EnterpriseFigures.objects.filter(enterprise=enterprise).count() == 2


def test_implausible_values_are_flagged(staff, enterprise):
    figures_record(
        actor=staff,
        enterprise_id=enterprise.pk,
        year=2023,
        values=figures(employees=10),
        source="staff",
    )
    jumped = figures_record(
        actor=staff,
        enterprise_id=enterprise.pk,
        year=2024,
        values=figures(
            employees=1000, exports=Decimal("5000"), revenue=Decimal("1000")
        ),
        source="staff",
    )
    assert set(jumped.flags) == {"employees_jump", "exports_above_revenue"}
    plain = figures_record(
        actor=staff,
        enterprise_id=enterprise.pk,
        year=2025,
        values=figures(employees=1100),
        source="staff",
    )
    assert plain.flags == []


def test_reminder_a_week_before_close_to_those_not_submitted(owner, owned):
    today = dt.date(2026, 3, 24)
    survey = Survey.objects.create(
        year=2025,
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 3, 31),
        status=Survey.Status.OPEN,
    )
    done = MembershipFactory(enterprise=EnterpriseFactory())
    Submission.objects.create(
        survey=survey, enterprise=done.enterprise, status="submitted"
    )
    assert survey_reminders_send(today=dt.date(2026, 3, 23)) == 0  # 8 days before
    with pytest.MonkeyPatch.context():
        pass
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert survey_reminders_send(today=today) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert owned.name in mail.outbox[0].body
    # the closing date in the reader's language, not as ISO
    subject = mail.outbox[0].subject
    assert "2026-03-31" not in subject
    assert "2026年3月31日" in subject or "March 31, 2026" in subject, subject
    assert survey_reminders_send(today=dt.date(2026, 3, 25)) == 0  # once only


@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-hans", "、")])
def test_the_missing_figures_are_listed_the_readers_way(
    owner, owned, language, separator
):
    survey = open_survey()
    with translation.override(language), pytest.raises(ValidationError) as caught:
        submission_save(
            actor=owner,
            survey=survey,
            enterprise=owned,
            values=figures(employees=None, revenue=None),
            submit=True,
        )
    with translation.override(language):
        names = [
            str(BY_NAME[n].label) for n in FIGURE_NAMES if n in ("employees", "revenue")
        ]
    assert separator.join(names) in caught.value.messages[0]
