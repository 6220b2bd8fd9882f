import datetime as dt

import pytest
from django.core.cache import caches
from django.utils import timezone

from clusters.models import Designation
from demo.rows import make_uscc
from enterprises.services import enterprise_reindex
from tests.factories import ClusterFactory, EnterpriseFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The dashboard keeps its figures in the shared cache; every test starts
    afresh."""
    for store in caches.all():
        store.clear()
    yield
    for store in caches.all():
        store.clear()


def failing_uscc(number: int) -> str:
    """A well-formed code whose check character is wrong."""
    good = make_uscc("211481", number)
    wrong = "0" if good[-1] != "0" else "1"
    return good[:-1] + wrong


COMPLETE = {
    "name_en": "Complete Co.",
    "short_name": "完整",
    "founded_year": 2001,
    "address": "葫芦岛市兴城市某路1号",
    "latitude": "40.6",
    "longitude": "120.7",
    "datum": "gcj02",
    "products": "泳衣",
    "processes": "缝制",
    "monthly_capacity": "10000 件",
    "moq": "300 件",
    "lead_time_days": 30,
    "description": "完整的企业资料。",
    "employee_band": "100-299",
    "revenue_band": "5m-20m",
    "contact_person": "王先生",
    "contact_phone": "13800000000",
    "website": "https://complete.example",
}


@pytest.fixture
def known(db):
    """A small directory whose figures are known (see the asserts in the tests).

    enterprises 6 (5 published, 1 draft); processing 3; exporters 3 (JP 3, US 1,
    KR 1); high-quality 1; national towns 1; clusters 2 (swim: 3 enterprises,
    suits: 1); cities: 211400 x3, 210200 x2, 210100 x1; stale 3 (two old, one never
    confirmed); incomplete 5 (one complete profile); USCC warnings 1 (a second
    failing code is accepted by staff).
    """
    today = timezone.localdate()
    swim = ClusterFactory(slug="swim", name="兴城泳装", name_en="Swim")
    suits = ClusterFactory(
        slug="suits", name="普兰店西装", name_en="Suits", region_id="210214"
    )
    Designation.objects.create(
        kind=Designation.Kind.NATIONAL_TOWN,
        title="中国泳装名城",
        awarding_body="中国纺织工业联合会",
        cluster=swim,
    )
    Designation.objects.create(
        kind=Designation.Kind.CLUSTER_TITLE,
        title="某称号",
        awarding_body="某机构",
        cluster=suits,
    )
    e = {}
    e["complete"] = EnterpriseFactory(
        business_models=["processing"],
        sectors=["swimwear"],
        is_exporter=True,
        export_markets=["JP", "US"],
        uscc=make_uscc("211481", 1),
        last_confirmed_on=today - dt.timedelta(days=10),
        clusters=[swim],
        **COMPLETE,
    )
    e["swim2"] = EnterpriseFactory(
        business_models=["processing", "odm"],
        sectors=["swimwear", "knitting"],
        is_exporter=True,
        export_markets=["JP"],
        employee_band="20-99",
        uscc=failing_uscc(2),
        last_confirmed_on=today - dt.timedelta(days=400),
        clusters=[swim],
    )
    e["swim3"] = EnterpriseFactory(
        business_models=["own_brand"],
        sectors=["swimwear"],
        employee_band="20-99",
        uscc=failing_uscc(3),
        uscc_check_override=True,
        last_confirmed_on=today - dt.timedelta(days=30),
        clusters=[swim],
    )
    e["suits"] = EnterpriseFactory(
        region_id="210214",
        business_models=["processing"],
        sectors=["suits"],
        is_exporter=True,
        export_markets=["JP", "KR"],
        employee_band="300-999",
        last_confirmed_on=today - dt.timedelta(days=366),
        clusters=[suits],
    )
    e["dalian"] = EnterpriseFactory(
        region_id="210202",
        business_models=["trading"],
        sectors=["textile"],
        last_confirmed_on=today,
    )
    e["draft"] = EnterpriseFactory(
        region_id="210102",
        published=False,
        sectors=["silk"],
        last_confirmed_on=None,
    )
    Designation.objects.create(
        kind=Designation.Kind.HIGH_QUALITY,
        title="辽宁省高质量制造企业",
        awarding_body="辽宁省工业和信息化厅",
        enterprise=e["suits"],
    )
    enterprise_reindex(enterprise=e["suits"])
    return e
