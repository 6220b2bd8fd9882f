import datetime as dt

import pytest
from django.db.models.expressions import RawSQL
from django.utils import timezone

from enterprises.health import COMPLETENESS_FIELDS, completeness, completeness_sql
from enterprises.models import Enterprise
from enterprises.search.indexing import IndexData, facet_keys
from enterprises.search.query import Search
from tests.dashboard.conftest import COMPLETE, failing_uscc
from tests.factories import EnterpriseFactory


def test_completeness_is_a_pure_function_of_the_profile():
    empty = Enterprise(name="某企业")
    # Only "export markets" counts as filled: not an exporter, nothing to list.
    assert completeness(empty) == 100 // len(COMPLETENESS_FIELDS)
    full = Enterprise(
        name="某企业",
        uscc="91211481000000019X",
        business_models=["processing"],
        sectors=["swimwear"],
        **COMPLETE,
    )
    assert completeness(full) == 100
    full.is_exporter = True  # an exporter without markets misses one part
    assert completeness(full) == 19 * 100 // 20


@pytest.mark.django_db
def test_sql_expression_equals_the_python_score(known):
    EnterpriseFactory(contact_email="a@example.com", is_exporter=True)
    score = RawSQL(completeness_sql(), [])  # noqa: S611 - constant SQL
    scores = dict(Enterprise.objects.annotate(score=score).values_list("id", "score"))
    for enterprise in Enterprise.objects.all():
        assert scores[enterprise.id] == completeness(enterprise)
    assert scores[known["complete"].id] == 100


def test_uscc_warning_facet_key():
    data = IndexData(name="x", uscc=failing_uscc(5))
    assert "uw:yes" in facet_keys(data)
    data.uscc_check_override = True
    assert "uw:yes" not in facet_keys(data)
    assert "uw:yes" not in facet_keys(IndexData(name="x", uscc=None))
    from demo.rows import make_uscc

    assert "uw:yes" not in facet_keys(IndexData(name="x", uscc=make_uscc("211481", 5)))
    # A malformed code is a validation error, not a check-character warning.
    assert "uw:yes" not in facet_keys(IndexData(name="x", uscc="91211481MA00000OO"))


@pytest.mark.django_db
def test_stale_and_incomplete_search_parameters(staff, known):
    from django.http import QueryDict

    search = Search.from_params(QueryDict("stale=1&incomplete=1"))
    assert search.stale and search.incomplete
    assert search.params().urlencode() == "stale=1&incomplete=1"
    ids = set(search.queryset(staff).values_list("id", flat=True))
    assert ids == {known["swim2"].id, known["suits"].id, known["draft"].id}
    bad = Search.from_params(QueryDict("stale=maybe"))
    assert not bad.stale and bad.errors


@pytest.mark.django_db
def test_stale_boundary_is_twelve_months(staff):
    today = timezone.localdate()
    EnterpriseFactory(last_confirmed_on=today - dt.timedelta(days=365))
    old = EnterpriseFactory(last_confirmed_on=today - dt.timedelta(days=366))
    from django.http import QueryDict

    ids = list(
        Search.from_params(QueryDict("stale=1"))
        .queryset(staff)
        .values_list("id", flat=True)
    )
    assert ids == [old.id]
