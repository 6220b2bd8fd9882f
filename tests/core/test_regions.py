import pytest

from core.models import Region
from demo.catalog import CLUSTERS, COLLEGES, EVENTS, MARKETS

pytestmark = pytest.mark.django_db


def test_liaoning_has_fourteen_cities_each_with_counties():
    province = Region.objects.get(code="210000")
    cities = Region.objects.filter(level="city")
    assert province.name == "辽宁省"
    assert cities.count() == 14
    assert set(cities.values_list("parent_id", flat=True)) == {"210000"}
    for city in cities:
        counties = city.children.all()
        assert counties.exists(), city.name
        assert all(c.code[:4] == city.code[:4] for c in counties)


@pytest.mark.parametrize(
    ("code", "name", "parent"),
    [
        ("211481", "兴城市", "211400"),
        ("210214", "普兰店区", "210200"),
        ("210381", "海城市", "210300"),
        ("211081", "灯塔市", "211000"),
        ("210681", "东港市", "210600"),
        ("211021", "辽阳县", "211000"),
        ("210422", "新宾满族自治县", "210400"),
        ("210224", "长海县", "210200"),
    ],
)
def test_textile_places_have_their_gb2260_codes(code, name, parent):
    region = Region.objects.get(code=code)
    assert region.name == name
    assert region.parent_id == parent
    assert region.level == "county"
    assert region.city_code == parent


def test_every_region_has_an_english_name():
    assert not Region.objects.filter(name_en="").exists()


def test_demo_catalog_refers_to_existing_regions():
    codes = set(Region.objects.values_list("code", flat=True))
    used = (
        {row[3] for row in CLUSTERS}
        | {row[3] for row in MARKETS}
        | {row[6] for row in COLLEGES}
        | {row[7] for row in EVENTS}
    )
    assert used <= codes
