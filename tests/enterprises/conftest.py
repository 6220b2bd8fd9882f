import pytest

from tests.factories import EnterpriseFactory


@pytest.fixture
def banded():
    return {
        "rich": EnterpriseFactory(name="富裕纺织有限公司", revenue_band="gt500m"),
        "small": EnterpriseFactory(name="小微纺织有限公司", revenue_band="lt5m"),
    }
