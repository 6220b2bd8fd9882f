"""One style per language on the directory's pages: lists joined the reader's way
("Japan, South Korea" / "日本、韩国") and full-width colons after Chinese labels."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _get(client, url, language):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_export_markets_in_the_results_are_a_list_in_the_readers_style(client):
    EnterpriseFactory(is_exporter=True, export_markets=["JP", "KR"])
    url = reverse("enterprises:enterprise-list")
    assert "Exporter: Japan, South Korea" in _get(client, url, "en")
    zh = _get(client, url, "zh-hans")
    assert "出口企业：日本、韩国" in zh
    assert "Japan、South Korea" not in _get(client, url, "en")


def test_former_names_and_the_confirmation_date_follow_the_language(client):
    enterprise = EnterpriseFactory(
        former_names=["甲纺织厂", "乙纺织厂"], last_confirmed_on=timezone.localdate()
    )
    en = _get(client, enterprise.get_absolute_url(), "en")
    zh = _get(client, enterprise.get_absolute_url(), "zh-hans")
    assert "甲纺织厂, 乙纺织厂" in en
    assert "甲纺织厂、乙纺织厂" in zh
    assert "Last confirmed: " in en
    assert "最近确认：" in zh and "最近确认:" not in zh


def test_me_puts_a_full_width_colon_after_a_chinese_label(client):
    member = MembershipFactory(enterprise__last_confirmed_on=timezone.localdate())
    client.force_login(member.user)
    zh = _get(client, reverse("me"), "zh-hans")
    assert "最近确认日期：" in zh and "最近确认日期:" not in zh
    assert "last confirmed: " in _get(client, reverse("me"), "en")
