"""The duplicates queue: pairs found by each reason, scored, dismissed for good,
counted on the dashboard, refreshed by a background task."""

import pytest
from django.urls import reverse
from django.utils import translation

from enterprises.merging import enterprise_merge
from enterprises.uscc import check_character
from moderation.duplicates import duplicates_find, open_pairs
from moderation.models import DuplicatePair, DuplicateScan
from tests.factories import EnterpriseFactory, MembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _pair(a, b):
    low, high = sorted([a.pk, b.pk])
    return DuplicatePair.objects.get(low_id=low, high_id=high)


@pytest.mark.parametrize(
    ("reason", "first", "second"),
    [
        (
            "name",
            {"name": "兴城东德泳装有限公司"},
            {"name": "兴城东德泳装有限责任公司"},
        ),
        (
            "uscc",  # same organisation code (characters 9-17), other region part
            {"uscc": "91211481MA0XY0123" + check_character("91211481MA0XY0123")},
            {"uscc": "91210381MA0XY0123" + check_character("91210381MA0XY0123")},
        ),
        ("phone", {"contact_phone": "0429-555 0101"}, {"contact_phone": "04295550101"}),
        (
            "email",
            {"contact_email": "Sales@Example.com"},
            {"contact_email": "sales@example.com"},
        ),
        (
            "website",
            {"website": "https://www.dongde.cn/about"},
            {"website": "http://dongde.cn"},
        ),
    ],
)
def test_each_reason_finds_its_pair(reason, first, second):
    a = EnterpriseFactory(**first)
    b = EnterpriseFactory(**second)
    EnterpriseFactory()  # unrelated
    assert duplicates_find() == 1
    pair = _pair(a, b)
    assert pair.reasons == [reason]
    assert 0 < pair.score <= 100


def test_same_name_in_another_county_is_not_a_duplicate():
    EnterpriseFactory(name="东德泳装有限公司", region_id="211481")
    EnterpriseFactory(name="东德泳装有限公司", region_id="210381")
    assert duplicates_find() == 0


def test_more_reasons_score_higher():
    a = EnterpriseFactory(name="东德泳装有限公司", contact_phone="13800000001")
    b = EnterpriseFactory(name="东德泳装有限公司", contact_phone="13800000001")
    c = EnterpriseFactory(name="北方泳装有限公司", contact_phone="13800000002")
    d = EnterpriseFactory(name="北方泳装厂", website="", contact_phone="")
    duplicates_find()
    both, name_only = _pair(a, b), _pair(c, d)
    assert both.reasons == ["name", "phone"]
    assert both.score > name_only.score


def test_a_dismissed_pair_does_not_come_back(client):
    a = EnterpriseFactory(name="东德泳装有限公司")
    b = EnterpriseFactory(name="东德泳装有限公司")
    duplicates_find()
    client.force_login(StaffFactory())
    pair = _pair(a, b)
    response = client.post(reverse("review-duplicate-dismiss", args=[pair.pk]))
    assert response.status_code == 302
    assert duplicates_find() == 0
    assert not open_pairs().exists()
    assert str(a.pk) not in client.get(reverse("review-duplicates")).content.decode()


def test_a_merged_pair_leaves_the_queue():
    a = EnterpriseFactory(name="东德泳装有限公司")
    b = EnterpriseFactory(name="东德泳装有限公司")
    duplicates_find()
    enterprise_merge(actor=StaffFactory(), source=b, target=a)
    assert not open_pairs().exists()
    assert duplicates_find() == 0


def test_queue_page_lists_pairs_with_reason_and_a_merge_link(client):
    a = EnterpriseFactory(name="东德泳装有限公司")
    b = EnterpriseFactory(name="东德泳装有限公司")
    duplicates_find()
    client.force_login(StaffFactory())
    html = client.get(reverse("review-duplicates")).content.decode()
    merge_url = reverse("enterprises:enterprise-merge", args=[a.pk])
    assert f"{merge_url}?source={b.pk}" in html
    assert "同一区县内名称相同" in html or "same name in the same county" in html


def test_scan_runs_as_a_task_and_records_its_progress(
    client, django_capture_on_commit_callbacks
):
    EnterpriseFactory(name="东德泳装有限公司")
    EnterpriseFactory(name="东德泳装有限公司")
    client.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review-duplicates-scan"))
    assert response.status_code == 302
    scan = DuplicateScan.objects.get()
    assert scan.status == "done" and scan.progress == 100 and scan.found == 1
    fragment = client.get(reverse("review-duplicates"), headers={"HX-Request": "true"})
    assert 'id="scan-status"' in fragment.content.decode()
    assert "<table" not in fragment.content.decode()


def test_dashboard_counts_the_open_pairs(client):
    EnterpriseFactory(name="东德泳装有限公司")
    EnterpriseFactory(name="东德泳装有限公司")
    duplicates_find()
    client.force_login(StaffFactory())
    html = client.get("/dashboard/").content.decode()
    assert 'data-figure="duplicates">1<' in html


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_queue_is_for_staff_only(client, who):
    if who == "member":
        client.force_login(MembershipFactory().user)
    response = client.get(reverse("review-duplicates"))
    assert response.status_code == (302 if who == "anonymous" else 404)
    response = client.post(reverse("review-duplicates-scan"))
    assert response.status_code in (302, 404)
    assert not DuplicateScan.objects.exists()


@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-hans", "、")])
def test_a_pairs_reasons_are_listed_in_the_readers_style(client, language, separator):
    a = EnterpriseFactory(name="东德泳装有限公司", contact_email="dd@example.com")
    EnterpriseFactory(name="东德泳装有限公司", contact_email="dd@example.com")
    duplicates_find()
    pair = open_pairs().get()
    assert len(pair.reasons) == 2
    client.force_login(StaffFactory())
    html = client.get(
        reverse("review-duplicates"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    with translation.override(language):
        labels = open_pairs().get().reason_labels
    assert separator.join(labels) in html
    assert a.pk in (pair.low_id, pair.high_id)
