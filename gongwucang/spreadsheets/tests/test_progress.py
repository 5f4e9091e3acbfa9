"""Progress of a running import is visible to the page, and a running commit is never taken for a
dead one — on SQLite too, where the commit holds the only write lock and cannot update its row
(it reports into a progress file instead)."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gongwucang.spreadsheets import services
from gongwucang.spreadsheets.models import AssetImport, ImportStatus

from .helpers import row, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)


def test_progress_inside_the_commit_is_shown_and_keeps_the_job_alive(client, world, tmp_path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", [row("P-1")])
    job = services.asset_import_upload(
        actor=world.clerk_sch, unit=world.SCH, uploaded=SimpleUploadedFile("p.xlsx", path.read_bytes())
    )
    long_ago = timezone.now() - timedelta(minutes=60)
    AssetImport.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTING, heartbeat_at=long_ago)

    # What a commit reports from inside its transaction.
    with transaction.atomic():
        services._save_progress(job.pk, {"progress_done": 5000, "progress_total": 30000, "stage": "正在导入"})
    client.force_login(world.clerk_sch)
    page = client.get(reverse("spreadsheets:import_progress", args=[job.pk])).content.decode()
    assert "正在导入" in page and "已处理 5000 行" in page and "/ 30000" in page
    assert services.asset_imports_recover_stale() == 0  # it beat just now
    assert AssetImport.objects.get(pk=job.pk).status == ImportStatus.COMMITTING

    # No beat for longer than SPREADSHEET_IMPORT_STALE_MINUTES: the worker is taken for dead.
    AssetImport.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)
    beat = services.progress_file(job.pk)
    if beat.exists():
        os.utime(beat, (time.time() - 3600, time.time() - 3600))
    assert services.asset_imports_recover_stale() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.INTERRUPTED and "没有写入任何数据" in job.message
    assert not beat.exists()
