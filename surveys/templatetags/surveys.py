from typing import Any

from django import template

from enterprises.permissions import editable_enterprises
from surveys.models import Submission, Survey

register = template.Library()


@register.simple_tag
def my_surveys(user: Any) -> list[dict]:
    """The open surveys and, for each of the user's enterprises, its answer."""
    if not getattr(user, "is_authenticated", False):
        return []
    surveys = list(Survey.objects.filter(status=Survey.Status.OPEN))
    if not surveys:
        return []
    enterprises = list(
        editable_enterprises(user)
        .filter(memberships__user=user)
        .only("id", "name", "name_en")
        .order_by("name")
    )
    answers = {
        (s.survey_id, s.enterprise_id): s
        for s in Submission.objects.filter(
            survey__in=surveys, enterprise__in=enterprises
        )
    }
    return [
        {
            "survey": survey,
            "rows": [
                {"enterprise": e, "submission": answers.get((survey.pk, e.pk))}
                for e in enterprises
            ],
        }
        for survey in surveys
    ]
