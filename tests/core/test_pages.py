import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["privacy", "terms", "about"])
def test_the_notices_are_public_and_linked_from_every_page(client, name):
    assert client.get(reverse(name)).status_code == 200
    assert f'href="{reverse(name)}"' in client.get(reverse("home")).content.decode()


def test_the_footer_shows_the_icp_number_only_when_configured(client, settings):
    settings.ICP_FILING_NUMBER = ""
    assert "beian.miit.gov.cn" not in client.get(reverse("home")).content.decode()
    settings.ICP_FILING_NUMBER = "辽ICP备12345678号"
    assert "辽ICP备12345678号" in client.get(reverse("home")).content.decode()
