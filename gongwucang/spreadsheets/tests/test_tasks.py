"""The import's background work through the real task queue (django-tasks-db, the backend of the
demo and of production) and its worker command — not the immediate backend of the other tests."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings

from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.spreadsheets import services
from gongwucang.spreadsheets.models import AssetImport, ImportStatus

from .helpers import row, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1", verbosity=0)


@override_settings(TASKS=DB_TASKS)
def test_check_and_commit_run_as_queued_tasks(world, tmp_path) -> None:
    path = write_xlsx(tmp_path / "q.xlsx", [row("Q-1"), row("Q-2")])
    job = services.asset_import_upload(
        actor=world.clerk_sch, unit=world.SCH, uploaded=SimpleUploadedFile("q.xlsx", path.read_bytes())
    )
    job = services.asset_import_request_check(job=job)
    assert job.status == ImportStatus.VALIDATING and job.stage == "排队等待校验" and job.task_id
    work()
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED and job.rows_new == 2

    job = services.asset_import_request_commit(actor=world.clerk_sch, import_id=job.pk, mode="all_or_nothing")
    assert job.status == ImportStatus.COMMITTING and not Asset.objects.filter(asset_no="Q-1").exists()
    work()
    job = AssetImport.objects.get(pk=job.pk)
    assert job.status == ImportStatus.COMMITTED and job.created_count == 2
    assert AssetEvent.objects.filter(reference=job.number).count() == 2
