"""The migration that makes ImportJob.message a stored message (JSON) keeps each
text stored before as a JSON string, shown as it is; its reverse gives the texts
back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("imports", "0006_export_record")]
AFTER = [("imports", "0007_import_job_message_coded")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_texts_stored_before_stay_as_they_are_both_ways():
    try:
        apps = _migrate(BEFORE)
        job = apps.get_model("imports", "ImportJob").objects.create(
            kind="enterprises",
            file_name="old.csv",
            sha256="0" * 64,
            message="第 3 行：名称不能为空。 It's “quoted”.",
        )
        blank = apps.get_model("imports", "ImportJob").objects.create(
            kind="enterprises", file_name="blank.csv", sha256="1" * 64, message=""
        )
        apps = _migrate(AFTER)
        jobs = apps.get_model("imports", "ImportJob").objects
        assert jobs.get(pk=job.pk).message == "第 3 行：名称不能为空。 It's “quoted”."
        assert jobs.get(pk=blank.pk).message == ""
        jobs.filter(pk=blank.pk).update(message={"code": "import_failed"})
        apps = _migrate(BEFORE)
        jobs = apps.get_model("imports", "ImportJob").objects
        assert jobs.get(pk=job.pk).message == "第 3 行：名称不能为空。 It's “quoted”."
        assert jobs.get(pk=blank.pk).message == '{"code": "import_failed"}'
    finally:
        _migrate(AFTER)
