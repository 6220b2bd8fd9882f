"""seed_demo's survey figures: three published years, plausible and public."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils import timezone

from surveys.models import EnterpriseFigures, Survey
from surveys.statistics import statistic_rows

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_three_years_of_figures_and_statistics():
    call_command("seed_demo", enterprises=200, seed=7, workers=1)
    year = timezone.localdate().year
    published = Survey.objects.filter(status="published").values_list("year", flat=True)
    assert sorted(published) == [year - 3, year - 2, year - 1]
    assert Survey.objects.get(year=year).accepting()
    per_year = EnterpriseFigures.objects.filter(year=year - 1).count()
    assert 100 < per_year < 180  # about 70 % of 200
    for figures in EnterpriseFigures.objects.all()[:200]:
        figures.full_clean()  # the figures keep the rules (split within exports)
        assert figures.exports <= figures.revenue
    rows = statistic_rows(AnonymousUser(), kinds=["province"])
    assert [r.year for r in rows] == [year - 3, year - 2, year - 1]
    assert all(r.enterprises == per_year or r.enterprises > 100 for r in rows)


def _figures():
    return list(
        EnterpriseFigures.objects.order_by("enterprise__uscc", "year").values_list(
            "enterprise__uscc", "year", "employees", "revenue", "exports"
        )
    )


def test_demo_figures_are_deterministic():
    from django.contrib.auth import get_user_model

    from clusters.models import Cluster
    from colleges.models import College
    from demo.models import DemoDataset
    from enterprises.models import Enterprise
    from markets.models import Market
    from programmes.models import Event, Programme

    call_command("seed_demo", enterprises=50, seed=7, workers=1)
    first = _figures()
    assert first
    for model in (Enterprise, Cluster, Market, College, Event, Programme):
        model.objects.all().delete()
    DemoDataset.objects.all().delete()
    get_user_model().objects.all().delete()
    call_command("seed_demo", enterprises=50, seed=7, workers=1)
    assert _figures() == first
