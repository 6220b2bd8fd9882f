"""Statistics against figures computed by hand; suppression; visibility."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from surveys.models import Survey
from surveys.services import figures_record
from surveys.statistics import statistic_rows, statistics_refresh
from tests.factories import ClusterFactory, EnterpriseFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _record(enterprise, year, employees, revenue, exports=0):
    figures_record(
        actor=None,
        enterprise_id=enterprise.pk,
        year=year,
        values={
            "employees": employees,
            "revenue": Decimal(revenue),
            "output": Decimal(revenue),
            "exports": Decimal(exports),
        },
        source="staff",
    )


@pytest.fixture
def data():
    """Xingcheng (211481, city 2114): a swimwear cluster of 3 firms; Dalian
    (210203, city 2102): 2 firms, one in apparel."""
    swim = ClusterFactory(slug="swim", sectors=["swimwear"], region_id="211481")
    a = EnterpriseFactory(region_id="211481", clusters=[swim], sectors=["swimwear"])
    b = EnterpriseFactory(region_id="211481", clusters=[swim], sectors=["swimwear"])
    c = EnterpriseFactory(region_id="211481", clusters=[swim], sectors=["apparel"])
    d = EnterpriseFactory(region_id="210203", sectors=["apparel"])
    e = EnterpriseFactory(region_id="210203", sectors=["swimwear"])
    for year, factor in ((2024, 1), (2025, 2)):
        _record(a, year, 100 * factor, 1000 * factor, 500)
        _record(b, year, 50, 500, 0)
        _record(c, year, 50, 500, 100)
        _record(d, year, 200, 2000, 0)
        _record(e, year, 100, 1000, 0)
    Survey.objects.create(
        year=2025, opens_on="2026-01-01", closes_on="2026-03-31", status="published"
    )
    Survey.objects.create(
        year=2024, opens_on="2025-01-01", closes_on="2025-03-31", status="closed"
    )
    statistics_refresh()


def _row(rows, kind, area, year=2025):
    return next(r for r in rows if (r.area_kind, r.area, r.year) == (kind, area, year))


def test_sums_shares_changes_and_specialisation(data):
    rows = statistic_rows(StaffFactory())
    province = _row(rows, "province", "21")
    # 2025: a 200/2000, b 50/500, c 50/500, d 200/2000, e 100/1000
    assert province.enterprises == 5
    assert province.employees == 600
    assert province.revenue == Decimal("6000.0")
    cluster = _row(rows, "cluster", "swim")
    assert cluster.enterprises == 3
    assert cluster.employees == 300
    assert cluster.revenue == Decimal("3000.0")
    assert cluster.exports == Decimal("600.0")
    assert cluster.share["revenue"] == 50.0  # 3000 / 6000
    # 2024 revenue of the cluster: 1000 + 500 + 500 = 2000 -> +50 %
    assert cluster.change["revenue"] == 50.0
    # Swimwear employees: cluster 250 of 300; province 350 of 600.
    # (250/300) / (350/600) = 1.4286
    assert cluster.specialisation == 1.43
    city = _row(rows, "city", "211400")
    assert city.enterprises == 3 and city.employees == 300
    county = _row(rows, "county", "210203")
    assert county.enterprises == 2 and county.revenue == Decimal("3000.0")


def test_public_sees_published_years_only_and_small_groups_suppressed(data):
    rows = statistic_rows(AnonymousUser())
    assert {r.year for r in rows} == {2025}
    cluster = _row(rows, "cluster", "swim")
    assert not cluster.suppressed and cluster.revenue == Decimal("3000.0")
    # 2024 is not published: the change on it is not shown either.
    assert cluster.change["revenue"] is None
    dalian = _row(rows, "county", "210203")
    assert dalian.suppressed
    assert dalian.revenue is None and dalian.employees is None
    assert dalian.share == {} and dalian.specialisation is None


def test_staff_see_small_groups(data):
    dalian = _row(statistic_rows(StaffFactory()), "county", "210203")
    assert not dalian.suppressed and dalian.revenue == Decimal("3000.0")


def test_replaced_figures_do_not_count(data, staff):
    a_figures = statistic_rows(staff)
    before = _row(a_figures, "province", "21").employees
    enterprise = EnterpriseFactory(region_id="211481")
    _record(enterprise, 2025, 10, 10)
    _record(enterprise, 2025, 20, 20)  # replaces the first
    statistics_refresh()
    assert _row(statistic_rows(staff), "province", "21").employees == before + 20


def test_a_firm_in_two_clusters_and_sectors_counts_once_in_each(data):
    knit = ClusterFactory(slug="knit", sectors=["knitting"], region_id="211481")
    swim = knit.__class__.objects.get(slug="swim")
    both = EnterpriseFactory(
        region_id="211481", clusters=[swim, knit], sectors=["knitting", "swimwear"]
    )
    _record(both, 2025, 40, 400)
    statistics_refresh()
    rows = statistic_rows(StaffFactory(), years=[2025])
    # Province, city and county: the firm once (600 + 40 employees).
    assert _row(rows, "province", "21").enterprises == 6
    assert _row(rows, "province", "21").employees == 640
    assert _row(rows, "city", "211400").employees == 340
    assert _row(rows, "county", "211481").enterprises == 4
    # Each of its clusters and each of its sectors.
    swim_row = _row(rows, "cluster", "swim")
    assert (swim_row.enterprises, swim_row.employees) == (4, 340)
    knit_row = _row(rows, "cluster", "knit")
    assert (knit_row.enterprises, knit_row.employees) == (1, 40)
    assert _row(rows, "sector", "knitting").employees == 40
    # swimwear: a 200, b 50, e 100, and the firm 40
    assert _row(rows, "sector", "swimwear").employees == 390
    # Knit: all 40 employees in its main sector; province knitting 40 of 640.
    assert knit_row.specialisation == 16.0


def test_refresh_is_a_fixed_number_of_statements(data, django_assert_max_num_queries):
    for i in range(3):
        ClusterFactory(slug=f"more-{i}")
    # The savepoint and its release, the lock, the planner settings, the delete,
    # the one INSERT … SELECT and the count (one statement per kind of area and
    # a join of the enterprises each before).
    with django_assert_max_num_queries(7):
        statistics_refresh()
