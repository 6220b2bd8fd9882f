"""The reasons the site writes into an enterprise's history itself (a confirmed
profile, a verification, an import's undo, a merge and its undo, a staff member's
comments on accepted changes) are stored as codes and read in the reader's
language on the history page and on /me/; a reason a person typed, and a text
stored before reasons had codes, are shown as they are."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from enterprises.fields import field_label
from enterprises.merging import enterprise_merge, merge_undo
from enterprises.models import ChangeRecord
from enterprises.provenance import enterprise_verify
from enterprises.services import enterprise_update
from imports.jobs import import_job_check, import_job_create, import_job_request_apply
from imports.undo import import_job_undo
from moderation.services.changes import (
    change_request_decide,
    change_request_submit,
    history_revert,
)
from moderation.services.confirmations import enterprise_confirm
from tests.factories import EnterpriseFactory, MembershipFactory, StaffFactory
from tests.imports.helpers import csv_bytes, row, uscc

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")
REASON = re.compile(r"<small data-reason>(.*?)</small>", re.S)
ME_REASON = re.compile(r"<span data-reason>(.*?)</span>", re.S)


def _reasons(client, enterprise, language) -> list[str]:
    page = client.get(
        reverse("enterprises:enterprise-history", args=[enterprise.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    # The text (what a person wrote is lang-marked in the English UI).
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", r)).strip()
        for r in REASON.findall(page)
    ]


def test_a_confirmed_profile_reads_in_the_readers_language(client):
    member = MembershipFactory()
    with translation.override("zh-hans"):  # confirmed from the Chinese UI
        enterprise_confirm(actor=member.user, enterprise=member.enterprise)
    record = ChangeRecord.objects.get(enterprise=member.enterprise)
    assert record.system_reason == {"code": "profile_confirmed"}
    assert record.reason == ""
    client.force_login(member.user)
    assert _reasons(client, member.enterprise, "en") == [
        "Reason: Profile confirmed as current"
    ]
    assert _reasons(client, member.enterprise, "zh-hans") == [
        "原因：已确认企业信息为最新"
    ]
    # /me/ lists the recent changes with their reasons, in the reader's language.
    for language, expected in (
        ("en", "Profile confirmed as current"),
        ("zh-hans", "已确认企业信息为最新"),
    ):
        me = client.get(reverse("me"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert ME_REASON.findall(me) == [expected]


def test_a_verification_and_a_persons_revert_reason(client):
    staff = StaffFactory()
    enterprise = EnterpriseFactory(products="泳装")
    enterprise_verify(actor=staff, enterprise=enterprise)
    record = enterprise_update(
        actor=staff,
        enterprise=enterprise,
        changes={"products": "袜子"},
        origin=ChangeRecord.Origin.STAFF,
    )
    history_revert(actor=staff, record=record, reason="录错了 typo")
    client.force_login(staff)
    # Newest first: the revert (the person's words as typed), the edit (no
    # reason), the verification.
    assert _reasons(client, enterprise, "en") == [
        "Reason: 录错了 typo",
        "Reason: Verified by the association.",
    ]
    assert _reasons(client, enterprise, "zh-hans") == [
        "原因：录错了 typo",
        "原因：已由协会核实。",
    ]
    history = client.get(
        reverse("enterprises:enterprise-history", args=[enterprise.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert 'Reason: <span lang="zh-CN">录错了 typo</span>' in history


def test_a_reason_stored_as_text_before_codes_is_shown_as_it_is(client):
    staff = StaffFactory()
    enterprise = EnterpriseFactory()
    ChangeRecord.objects.create(
        enterprise=enterprise,
        origin=ChangeRecord.Origin.SELF_SERVICE,
        reason="Profile confirmed as current",
        changes={},
    )
    client.force_login(staff)
    for language in ("en", "zh-hans"):
        assert _reasons(client, enterprise, language)[0].endswith(
            "Profile confirmed as current"
        )


def test_an_import_undone_from_the_english_ui_reads_in_chinese_too(
    client, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    existing = EnterpriseFactory(uscc=uscc(71), products="泳装")
    job = import_job_create(
        actor=staff,
        kind="enterprises",
        data=csv_bytes([row(name=existing.name, uscc=uscc(71), products="袜子")]),
        file_name="u.csv",
        enqueue=False,
    )
    import_job_check(job_id=job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_request_apply(actor=staff, job=job)
    job.refresh_from_db()
    assert job.status == job.Status.APPLIED, job.message
    with translation.override("en"):
        import_job_undo(actor=staff, job=job)
    revert = ChangeRecord.objects.get(
        enterprise=existing, origin=ChangeRecord.Origin.REVERT
    )
    assert revert.system_reason == {"code": "undo_of_import", "params": {"id": job.pk}}
    client.force_login(staff)
    assert f"原因：撤销导入 {job.pk}" in _reasons(client, existing, "zh-hans")
    assert f"Reason: Undo of import {job.pk}" in _reasons(client, existing, "en")


def test_a_merge_and_its_undo_read_in_the_readers_language(client):
    staff = StaffFactory()
    source = EnterpriseFactory(name="旧名纺织有限公司", name_en="Old Name Textiles")
    target = EnterpriseFactory(products="")
    source.products = "毛衫"
    source.save()
    with translation.override("zh-hans"):
        merge = enterprise_merge(
            actor=staff, source=source, target=target, take=["products"]
        )
        merge_undo(actor=staff, merge=merge)
    client.force_login(staff)
    assert _reasons(client, target, "en") == [
        f"Reason: Undo of merge {merge.pk}.",
        f"Reason: Merged entry {source.pk} (Old Name Textiles) into this one.",
    ]
    assert _reasons(client, target, "zh-hans") == [
        f"原因：撤销合并 {merge.pk}。",
        f"原因：已将条目 {source.pk}（旧名纺织有限公司）合并到本条目。",
    ]


def test_a_merge_with_a_persons_reason_keeps_their_words(client):
    staff = StaffFactory()
    source, target = EnterpriseFactory(), EnterpriseFactory()
    enterprise_merge(actor=staff, source=source, target=target, reason="同一家企业")
    client.force_login(staff)
    assert _reasons(client, target, "en") == ["Reason: 同一家企业"]


def test_comments_on_accepted_changes_name_the_field_in_the_readers_language(client):
    staff = StaffFactory()
    member = MembershipFactory(enterprise__moq="100件")
    change_request = change_request_submit(
        actor=member.user, enterprise=member.enterprise, changes={"moq": "500件"}
    )
    with translation.override("zh-hans"):
        change_request_decide(
            actor=staff,
            change_request=change_request,
            decisions={"moq": (True, "已电话核实")},
        )
    client.force_login(staff)
    with translation.override("en"):
        english = str(field_label("moq"))
    with translation.override("zh-hans"):
        chinese = str(field_label("moq"))
    assert english != chinese
    assert _reasons(client, member.enterprise, "en") == [
        f"Reason: {english}: “已电话核实”"
    ]
    assert _reasons(client, member.enterprise, "zh-hans") == [
        f"原因：{chinese}：“已电话核实”"
    ]
    # The field's code is not what the reader sees.
    assert "moq" not in _reasons(client, member.enterprise, "en")[0]


def test_the_history_page_in_english_has_no_chinese_of_the_sites_own(client):
    """What the site writes on the history page (labels, origins, reasons) is
    English in the English UI; only the enterprise's own content is Chinese."""
    member = MembershipFactory(enterprise__name="纯英文测试有限公司")
    enterprise = member.enterprise
    with translation.override("zh-hans"):
        enterprise_confirm(actor=member.user, enterprise=enterprise)
        enterprise_verify(actor=StaffFactory(), enterprise=enterprise)
    client.force_login(member.user)
    page = client.get(
        reverse("enterprises:enterprise-history", args=[enterprise.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    table = page[page.index('id="change-records"') : page.index("</table>")]
    assert HAN.findall(table) == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_change_requests_show_no_internal_ids(client, language):
    """The history and the review page name a change request in words, not by
    its internal reference ("change-request:12")."""
    member = MembershipFactory(enterprise__moq="100件")
    change_request = change_request_submit(
        actor=member.user, enterprise=member.enterprise, changes={"moq": "500件"}
    )
    client.force_login(StaffFactory())
    for url in (
        reverse("enterprises:enterprise-history", args=[member.enterprise.pk]),
        reverse("review-change-request", args=[change_request.pk]),
    ):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "change-request:" not in page, url
        assert ("Change request" if language == "en" else "变更申请") in page, url
