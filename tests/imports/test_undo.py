"""Undo of an import as a background task, its set-based deletion of the entries
the import created, and the clean-up of the dry runs' prepared rows."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import models
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from clusters.models import Designation
from enterprises.models import ChangeRecord, Enterprise, EnterpriseMembership
from enterprises.services import enterprise_update
from imports import jobs, undo
from imports.jobs import (
    import_job_apply,
    import_job_check,
    import_job_create,
    import_job_refresh,
    import_job_request_apply,
)
from imports.models import ImportJob, PreparedChunk
from imports.plan import ImportRefused
from imports.undo import delete_rows, import_job_request_undo
from moderation.models import Claim
from programmes.models import Award, Event
from tests.factories import ClusterFactory, EnterpriseFactory, MembershipFactory
from tests.imports.helpers import csv_bytes, rendered, row, uscc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def checked(staff, data: bytes) -> ImportJob:
    job = import_job_create(
        actor=staff, kind="enterprises", data=data, file_name="u.csv", enqueue=False
    )
    return import_job_check(job_id=job.pk)


def applied(staff, data: bytes, capture) -> ImportJob:
    job = checked(staff, data)
    with capture(execute=True):
        import_job_request_apply(actor=staff, job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED, job.message
    return job


def undo_url(job):
    return reverse("imports:import-undo", args=[job.pk])


def detail_url(job):
    return reverse("imports:import-detail", args=[job.pk])


def claim(user, enterprise) -> Claim:
    return Claim.objects.create(
        user=user,
        enterprise=enterprise,
        relationship="经理",
        uscc=enterprise.uscc,
        contact_name="王",
        contact_phone="13800000000",
        contact_email="w@example.com",
        proof="claims/proof.pdf",
    )


def test_undo_refused_when_a_created_entry_changed_leaves_everything_applied(
    client, staff, django_capture_on_commit_callbacks
):
    data = csv_bytes(
        [row(name=f"撤销企业{i}有限公司", uscc=uscc(300 + i)) for i in range(3)]
    )
    job = applied(staff, data, django_capture_on_commit_callbacks)
    changed = Enterprise.objects.get(uscc=uscc(301))
    enterprise_update(
        actor=staff, enterprise=changed, changes={"products": "袜子"}, origin="staff"
    )
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(undo_url(job), HTTP_ACCEPT_LANGUAGE="en")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED
    assert f"Enterprise {changed.pk}, created by this import, has changed since" in (
        rendered(job.message, "en")
    )
    assert f"本次导入新建的企业 {changed.pk} 此后已有变更" in rendered(
        job.message, "zh-hans"
    )
    assert job.undone_by is None and job.undone_at is None
    assert (
        Enterprise.objects.filter(uscc__in=[uscc(300 + i) for i in range(3)]).count()
        == 3
    )
    page = client.get(detail_url(job), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-status="applied"' in page and "has changed since" in page
    assert "Undo this import" in page  # it can be tried again


def test_undo_refused_when_an_updated_entry_changed_again_changes_nothing(
    client, staff, django_capture_on_commit_callbacks
):
    existing = EnterpriseFactory(uscc=uscc(310), name_en="", products="衬衫")
    data = csv_bytes(
        [
            row(name=existing.name, uscc=uscc(310), products="泳衣"),
            row(name="另一家新建有限公司", uscc=uscc(311)),
        ]
    )
    job = applied(staff, data, django_capture_on_commit_callbacks)
    enterprise_update(
        actor=staff, enterprise=existing, changes={"products": "袜子"}, origin="staff"
    )
    records = ChangeRecord.objects.count()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(undo_url(job), HTTP_ACCEPT_LANGUAGE="en")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED
    assert "“products (Chinese)” has changed again" in rendered(job.message, "en")
    assert "“产品（中文）”此后已再次变更" in rendered(job.message, "zh-hans")
    existing.refresh_from_db()
    assert existing.products == "袜子"
    assert Enterprise.objects.filter(uscc=uscc(311)).exists()
    assert ChangeRecord.objects.count() == records


def test_undo_can_only_be_requested_for_an_applied_import(client, staff):
    job = checked(staff, csv_bytes([row(name="未应用企业有限公司")]))
    client.force_login(staff)
    response = client.post(undo_url(job), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Only an applied import can be undone." in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    with pytest.raises(ValidationError):
        import_job_request_undo(actor=staff, job=job)


def test_progress_of_a_queued_undo_polls_with_its_own_wording(client, staff):
    job = checked(staff, csv_bytes([row(name="进度撤销有限公司")]))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.UNDO_QUEUED, progress_done=2, progress_total=5
    )
    client.force_login(staff)
    response = client.get(
        detail_url(job) + "?fragment=progress",
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert 'data-status="undo_queued"' in body and 'hx-trigger="every 1s"' in body
    assert "Waiting to be undone" in body and "2 of 5 changes undone" in body
    assert "HX-Refresh" not in response


def test_an_undo_whose_worker_died_goes_back_to_applied(client, staff):
    job = import_job_create(
        actor=staff,
        kind="enterprises",
        data=csv_bytes([row(name="中断撤销有限公司")]),
        file_name="d.csv",
        enqueue=False,
    )
    # Marked as undoing, but no session holds its lock: the worker died. (Not
    # checked or applied here: the test's transaction would still hold the lock.)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.UNDOING, undone_by=staff
    )
    client.force_login(staff)
    page = client.get(detail_url(job), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED and job.undone_by is None
    assert "The undo stopped before it finished" in rendered(job.message, "en")
    assert "撤销未完成即已停止" in rendered(job.message, "zh-hans")
    assert 'data-status="applied"' in page and "Undo this import" in page
    # The page shows the message in the reader's language, whichever ran the job.
    zh = client.get(detail_url(job), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "撤销未完成即已停止" in zh and "The undo stopped" not in zh


def test_a_failing_undo_task_goes_back_to_applied(
    staff, monkeypatch, django_capture_on_commit_callbacks
):
    job = applied(
        staff,
        csv_bytes([row(name="失败撤销有限公司", uscc=uscc(330))]),
        django_capture_on_commit_callbacks,
    )

    def broken(model, pks):
        Enterprise.objects.filter(pk__in=pks).delete()
        raise RuntimeError("database went away")

    monkeypatch.setattr(undo, "delete_rows", broken)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_request_undo(actor=staff, job=job, language="en")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED
    assert rendered(job.message, "en") == "The undo failed. Nothing was changed."
    assert rendered(job.message, "zh-hans") == "撤销失败。未做任何更改。"
    assert Enterprise.objects.filter(uscc=uscc(330)).exists()


def test_undo_deletes_the_related_rows_of_created_entries_and_nothing_else(
    staff, user, django_capture_on_commit_callbacks
):
    cluster = ClusterFactory()
    kept = EnterpriseFactory(uscc=uscc(340), name_en="", products="衬衫")
    kept.clusters.add(cluster)
    kept_claim = claim(user, kept)
    kept_membership = MembershipFactory(enterprise=kept)
    kept_designation = Designation.objects.create(
        enterprise=kept, kind="brand", title="名牌", awarding_body="协会"
    )
    enterprise_update(
        actor=staff, enterprise=kept, changes={"products": "泳衣"}, origin="staff"
    )
    kept_record = ChangeRecord.objects.get(enterprise=kept)

    job = applied(
        staff,
        csv_bytes(
            [row(name=f"关联企业{i}有限公司", uscc=uscc(350 + i)) for i in range(3)]
        ),
        django_capture_on_commit_callbacks,
    )
    created = list(Enterprise.objects.filter(pk__in=job.result["created"]))
    assert len(created) == 3
    for enterprise in created:
        enterprise.clusters.add(cluster)
        claim(user, enterprise)
        MembershipFactory(enterprise=enterprise)
        Designation.objects.create(
            enterprise=enterprise, kind="honour", title="荣誉", awarding_body="协会"
        )
    # A record of a kept entry that (artificially) reverts one of a created entry:
    # its link is set to null (SET_NULL), the record stays.
    created_record = ChangeRecord.objects.filter(enterprise=created[0]).first()
    kept_record.reverts = created_record
    kept_record.save(update_fields=["reverts"])

    job = import_job_request_undo(actor=staff, job=job)  # not run yet
    assert job.status == ImportJob.Status.UNDO_QUEUED
    undo.import_job_run_undo(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE, job.message
    assert job.progress_done == job.progress_total == 3

    ids = [e.pk for e in created]
    assert not Enterprise.objects.filter(pk__in=ids).exists()
    assert not ChangeRecord.objects.filter(enterprise_id__in=ids).exists()
    assert not Claim.objects.filter(enterprise_id__in=ids).exists()
    assert not EnterpriseMembership.objects.filter(enterprise_id__in=ids).exists()
    assert not Designation.objects.filter(enterprise_id__in=ids).exists()
    assert list(cluster.enterprises.all()) == [kept]
    # The pre-existing entry keeps all of its own.
    assert Claim.objects.filter(pk=kept_claim.pk).exists()
    assert EnterpriseMembership.objects.filter(pk=kept_membership.pk).exists()
    assert Designation.objects.filter(pk=kept_designation.pk).exists()
    kept_record.refresh_from_db()
    assert kept_record.reverts is None
    kept.refresh_from_db()
    assert kept.products == "泳衣"


def test_a_protected_reference_refuses_the_deletion(monkeypatch):
    enterprise = EnterpriseFactory()
    other = EnterpriseFactory()
    event = Event.objects.create(
        slug="expo",
        kind="exhibition",
        name="泳装博览会",
        starts_on=dt.date(2025, 6, 12),
        ends_on=dt.date(2025, 6, 15),
    )
    award = Award.objects.create(
        event=event, title="金奖", enterprise=enterprise, winner_name="获奖者"
    )
    relation = Award._meta.get_field("enterprise").remote_field
    monkeypatch.setattr(relation, "on_delete", models.PROTECT)
    with pytest.raises(ValidationError, match="still referred to by awards"):
        delete_rows(Enterprise, [enterprise.pk, other.pk])
    monkeypatch.setattr(relation, "on_delete", models.SET_NULL)
    delete_rows(Enterprise, [enterprise.pk, other.pk])
    award.refresh_from_db()
    assert award.enterprise is None
    assert not Enterprise.objects.filter(pk__in=[enterprise.pk, other.pk]).exists()


def test_set_based_deletion_covers_every_relation_of_an_enterprise():
    """No relation of an enterprise (or of what is deleted with it) needs Django's
    collector: a new one with an unsupported on_delete would fail here."""
    steps = undo._deletion_steps(Enterprise, undo._PK_ANY % "id", pk_any=True)
    tables = {sql.split()[2] for kind, sql, _ in steps if sql.startswith("DELETE")}
    for table in (
        "enterprises_changerecord",
        "moderation_claim",
        "enterprises_enterprise_clusters",
        "enterprises_enterprisemembership",
        "moderation_changerequestfield",
        "clusters_designation",
        "enterprises_enterprise",
    ):
        assert f'"{table}"' in tables


# --- Prepared rows -------------------------------------------------------------


def fake_prepared(job) -> QuerySet:
    PreparedChunk.objects.create(
        job=job, key="k", number=0, rows=1, data=b"prepared rows"
    )
    return PreparedChunk.objects.filter(job=job)


def test_a_failed_apply_deletes_the_prepared_rows(staff, monkeypatch):
    job = checked(staff, csv_bytes([row(name="准备失败有限公司")]))
    prepared = fake_prepared(job)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLY_QUEUED)

    def refused(**kwargs):
        raise ImportRefused("Row 2: changed. Nothing was changed.")

    monkeypatch.setattr(jobs, "apply_file", refused)
    job = import_job_apply(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert not prepared.exists()


def test_a_rejected_file_and_a_dead_job_keep_no_prepared_rows(staff):
    job = import_job_create(
        actor=staff,
        kind="enterprises",
        data=csv_bytes([row(name="准备中断有限公司")]),
        file_name="d.csv",
        enqueue=False,
    )
    prepared = fake_prepared(job)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLYING)
    job.refresh_from_db()
    import_job_refresh(job)
    assert job.status == ImportJob.Status.FAILED
    assert not prepared.exists()

    # A file that can no longer be read when it is checked again is rejected.
    job = checked(staff, csv_bytes([row(name="准备拒绝有限公司")]))
    prepared = fake_prepared(job)
    with job.file.open("wb") as handle:
        handle.write(b"")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECK_QUEUED)
    job = import_job_check(job_id=job.pk)
    assert job.status == ImportJob.Status.INVALID
    assert not prepared.exists()

    # A deleted job takes its prepared rows with it.
    prepared = fake_prepared(job)
    job.delete()
    assert not prepared.exists()


def test_clean_import_files_deletes_old_prepared_rows_except_running_jobs(
    staff, capsys
):
    old = checked(staff, csv_bytes([row(name="旧检查有限公司")]))
    young = checked(staff, csv_bytes([row(name="新检查有限公司")]))
    running = checked(staff, csv_bytes([row(name="正在应用有限公司")]))
    ImportJob.objects.filter(pk=running.pk).update(status=ImportJob.Status.APPLYING)
    two_days_ago = timezone.now() - dt.timedelta(hours=48)
    prepared = {}
    for name, job in (("old", old), ("young", young), ("running", running)):
        prepared[name] = fake_prepared(job)
        if name != "young":
            prepared[name].update(created_at=two_days_ago)

    call_command("clean_import_files")
    out = capsys.readouterr().out
    assert f"Deleted the prepared rows of import {old.pk}" in out
    assert "Prepared rows of 1 import(s) deleted." in out
    assert not prepared["old"].exists()
    assert prepared["young"].exists() and prepared["running"].exists()
    call_command("clean_import_files", "--hours", "0")
    assert not prepared["young"].exists() and prepared["running"].exists()


def test_undo_is_possible_again_once_the_later_import_is_undone(
    staff, django_capture_on_commit_callbacks
):
    from imports.undo import import_job_undo

    kept = EnterpriseFactory(uscc=uscc(351), name="先后服饰有限公司", products="衬衫")
    first = applied(
        staff,
        csv_bytes(
            [
                row(name="先建服饰有限公司", uscc=uscc(350), products="泳衣"),
                row(name=kept.name, uscc=uscc(351), products="泳衣"),
            ]
        ),
        django_capture_on_commit_callbacks,
    )
    created = Enterprise.objects.get(uscc=uscc(350))
    later = applied(
        staff,
        csv_bytes(
            [
                row(name=created.name, uscc=uscc(350), products="袜子"),
                row(name=kept.name, uscc=uscc(351), products="袜子"),
            ]
        ),
        django_capture_on_commit_callbacks,
    )
    with pytest.raises(ValidationError, match="has changed since"):
        import_job_undo(actor=staff, job=first)
    import_job_undo(actor=staff, job=later)
    created.refresh_from_db()
    assert created.products == "泳衣"
    # The later import is undone: the first one's entries are as it left them.
    import_job_undo(actor=staff, job=first)
    first.refresh_from_db()
    assert first.status == ImportJob.Status.UNDONE
    assert not Enterprise.objects.filter(uscc=uscc(350)).exists()
    kept.refresh_from_db()
    assert kept.products == "衬衫"


def test_undo_stays_refused_when_a_reverted_change_was_reapplied(
    staff, django_capture_on_commit_callbacks
):
    from enterprises.services import change_record_revert
    from imports.undo import import_job_undo

    first = applied(
        staff,
        csv_bytes([row(name="重做服饰有限公司", uscc=uscc(355))]),
        django_capture_on_commit_callbacks,
    )
    entry = Enterprise.objects.get(uscc=uscc(355))
    change = enterprise_update(
        actor=staff, enterprise=entry, changes={"products": "袜子"}, origin="staff"
    )
    revert = change_record_revert(actor=staff, record=change)
    change_record_revert(actor=staff, record=revert)  # the change is back
    with pytest.raises(ValidationError, match="has changed since"):
        import_job_undo(actor=staff, job=first)
    revert_again = ChangeRecord.objects.filter(enterprise=entry).latest("id")
    change_record_revert(actor=staff, record=revert_again)  # and gone again
    import_job_undo(actor=staff, job=first)
    assert not Enterprise.objects.filter(uscc=uscc(355)).exists()


def test_undo_of_an_import_of_updates_restores_the_old_values_and_documents(
    staff, django_capture_on_commit_callbacks
):
    from django.db import connection

    from enterprises.services import UPDATABLE_FIELDS, field_value
    from imports.undo import import_job_undo

    swim = ClusterFactory(slug="xingcheng-swimwear", name="兴城泳装集群")
    ClusterFactory(slug="dalian-suits", name="大连西装集群", region_id="210200")
    entries = [
        EnterpriseFactory(
            uscc=uscc(360 + i),
            name=f"还原{i}服饰有限公司",
            products="衬衫",
            clusters=[swim],
        )
        for i in range(3)
    ]

    def state():
        out = []
        for e in Enterprise.objects.filter(pk__in=[x.pk for x in entries]):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT search_vector::text FROM enterprises_enterprise "
                    "WHERE id = %s",
                    [e.pk],
                )
                [document] = cursor.fetchone()
            values = {name: field_value(e, name) for name in UPDATABLE_FIELDS}
            out.append((values, e.city_id, e.name_key, document))
        return out

    before = state()
    job = applied(
        staff,
        csv_bytes(
            [
                row(
                    name=e.name,
                    uscc=e.uscc,
                    products="泳衣",
                    region="210202",
                    clusters="大连西装集群",
                )
                for e in entries
            ]
        ),
        django_capture_on_commit_callbacks,
    )
    assert job.counts["update"] == 3 and len(job.result["records"]) == 3
    assert state() != before
    import_job_undo(actor=staff, job=job)
    assert state() == before
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE


def test_the_undo_of_updates_takes_the_same_statements_whatever_their_number(
    staff, django_capture_on_commit_callbacks
):
    """Undoing an import's updates reverts them a chunk at a time: 40 take no more
    statements than 4 (one by one, each took some 30)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from imports.undo import import_job_undo

    def undo_statements(count: int, start: int) -> int:
        entries = [
            EnterpriseFactory(uscc=uscc(start + i), name=f"撤{start + i}服饰有限公司")
            for i in range(count)
        ]
        job = applied(
            staff,
            csv_bytes(
                [row(name=e.name, uscc=e.uscc, products="新产品") for e in entries]
            ),
            django_capture_on_commit_callbacks,
        )
        with CaptureQueriesContext(connection) as queries:
            import_job_undo(actor=staff, job=job)
        assert not Enterprise.objects.filter(
            pk__in=[e.pk for e in entries], products="新产品"
        ).exists()
        return len(queries.captured_queries)

    few, many = undo_statements(4, 370), undo_statements(40, 380)
    assert many <= few, (few, many)
